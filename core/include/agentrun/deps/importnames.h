#pragma once

#include <map>
#include <string>
#include <string_view>

namespace agentrun::deps {

/// The distribution that provides a top-level import name: the maintained table
/// (resources/deps/import_names.json, compiled in) where they differ (`sklearn` → `scikit-learn`,
/// `PIL` → `pillow`, `yaml` → `pyyaml`), else the PEP 503-normalised import name itself.
std::string distributionFor(std::string_view importName);

/// The compiled-in table: import name → normalised distribution name.
const std::map<std::string, std::string, std::less<>>& importNameTable();

/// The table's JSON text as compiled in (for tests and `agentrun` diagnostics).
std::string_view importNameTableSource();

} // namespace agentrun::deps
