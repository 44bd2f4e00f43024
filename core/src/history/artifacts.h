#pragma once

// What a stored run keeps of its artifacts (schema 5): the figures' shapes and, within a per-run cap, their
// images; the collected files' names and sizes. Internal to the history store.

#include "agentrun/history/historystore.h"
#include "history/sqlite.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

namespace agentrun::history {

/// The figures' shapes for the row's figures_json; `storedImages` gets the indexes of the images that fit
/// `maxImageBytes` (whole images, first first); the others get a note.
nlohmann::json figuresMetadata(const model::RunResult& result, std::int64_t maxImageBytes,
                               std::vector<std::size_t>& storedImages);

/// The collected files' names and sizes for the row's files_json, while they fit MaxStoredFilesBytes;
/// `cut` says when some were left out.
nlohmann::json filesMetadata(const model::CollectedFiles& files, bool& cut);

/// Reads the kept images of the run in row `rowId` into its figures. A figure the row says was kept whose
/// image is missing is marked not stored, with a note. The error's message is SQLite's.
Result<void> readImages(Database& db, std::int64_t rowId, RunRecord& record);

} // namespace agentrun::history
