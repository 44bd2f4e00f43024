#pragma once

#include "agentrun/deps/resolver.h"
#include "agentrun/error.h"

#include <nlohmann/json.hpp>

#include <string>

namespace agentrun::engine {
class Client;
}

namespace agentrun::deps {

/// Where the image records its Python facts at build time.
inline constexpr const char* PythonFactsPath = "/opt/agentrun/python.json";

/// Reads the image's Python facts: /opt/agentrun/python.json (version, stdlib) plus the distributions
/// and top-level modules the image already has, from a short-lived hardened container without network.
/// Cached per image id for the life of the process (a rebuilt image has a new id). Errors: deps.image
/// (no facts file: rebuild the image), engine errors as they come.
Result<StdlibInfo> imageStdlib(engine::Client& client, const std::string& image);

/// Parses the facts: {"version", "stdlib": [...], "distributions"?: [...], "importable"?: [...]}.
Result<StdlibInfo> parseImageFacts(const nlohmann::json& facts);

} // namespace agentrun::deps
