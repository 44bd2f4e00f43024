#pragma once

// The analyzer's tables of dangerous names, split by family (names_escape.cpp, names_evasion.cpp,
// attributes.cpp); rules.cpp looks names up in them.

#include "rules.h"

#include <span>

namespace agentrun::safety::rules {

/// Qualified names of the sandbox-escape families: process execution, dynamic code and imports,
/// reflection, introspection, frames, code objects, native code, deserialisation, builtins, format
/// strings, signals.
std::span<const NameEntry> escapeNames();
/// Qualified names of issue 20's evasion families (code-string sinks, name resolvers, import paths,
/// runtime installs, secrets, debuggers, terminal injection, ...) and of the network. Looked up after
/// escapeNames(): where both name an entry, the first one wins.
std::span<const NameEntry> evasionNames();
/// Dangerous attribute names (`__globals__`, `f_back`, ...).
std::span<const AttributeEntry> attributeNames();

} // namespace agentrun::safety::rules
