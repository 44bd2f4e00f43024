#pragma once

#include "agentrun/error.h"
#include "history/sqlite.h"

#include <cstdint>

namespace agentrun::history {

/// What a row counts against the history's byte bound beyond the bytes of its variable fields (code,
/// output, stdin, findings, limits, packages, message, override reason); the schema's row_bytes column
/// is computed the same way for rows migrated from an older schema.
inline constexpr std::int64_t RowOverheadBytes = 512;

/// Brings the file to HistoryStore::SchemaVersion, one step per version, in one transaction. The version
/// is read again under the write lock: another process may have migrated the file since it was first read.
Result<void> migrate(Database& d);

} // namespace agentrun::history
