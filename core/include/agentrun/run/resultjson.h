#pragma once

#include "agentrun/model/runresult.h"

#include <nlohmann/json.hpp>

#include <string>

namespace agentrun::run {

/// The `agentrun run --json` / `POST /v2/runs` object (docs/cli.md, "JSON output").
nlohmann::json toJson(const model::RunResult& result);

/// One figure without its data: {"mime", "width", "height", "bytes", "stdout_offset"}; toJson adds
/// "data" (base64) to each in "figures".
nlohmann::json figureJson(const model::Figure& figure);
/// The "figures" array of toJson: each figureJson plus "data" (base64 of the image).
nlohmann::json figuresJson(const model::RunResult& result);

/// Files collected into memory (RunSpec::collect without a folder): [{"path", "size"}], plus "data"
/// (base64 of the bytes) when `withData`. toJson puts it, with the data, in "files"."contents".
nlohmann::json collectedContentsJson(const model::RunResult& result, bool withData);

/// The same object without "stdout", "stderr", "output", "figures" and the data of collected files
/// ("files"."contents" lists their paths and sizes only): for a front end that writes those big
/// strings in pieces rather than copying them into a JSON tree.
nlohmann::json toJsonWithoutOutput(const model::RunResult& result);

/// Serialises JSON for output: invalid UTF-8 from a program becomes U+FFFD, never an exception.
std::string dumpJson(const nlohmann::json& json, int indent = -1);

} // namespace agentrun::run
