#pragma once

// The analyzer's built-in knowledge: rule ids and the names, modules and attributes each rule catches.

#include "agentrun/safety/policy.h"

#include <string_view>

namespace agentrun::safety::rules {

inline constexpr std::string_view processExec = "process-exec";
inline constexpr std::string_view dynamicCode = "dynamic-code";
inline constexpr std::string_view dynamicImport = "dynamic-import";
inline constexpr std::string_view reflection = "reflection";
inline constexpr std::string_view attributeWrite = "attribute-write";
inline constexpr std::string_view introspection = "introspection";
inline constexpr std::string_view dunderAccess = "dunder-access";
inline constexpr std::string_view frameAccess = "frame-access";
inline constexpr std::string_view codeObjects = "code-objects";
inline constexpr std::string_view nativeCode = "native-code";
inline constexpr std::string_view deserialization = "deserialization";
inline constexpr std::string_view builtinsAccess = "builtins-access";
inline constexpr std::string_view formatString = "format-string";
inline constexpr std::string_view hostProbing = "host-probing";
inline constexpr std::string_view signals = "signals";
inline constexpr std::string_view network = "network";
inline constexpr std::string_view blockedModule = "blocked-module";
inline constexpr std::string_view blockedCall = "blocked-call";
inline constexpr std::string_view blockedAttribute = "blocked-attribute";
inline constexpr std::string_view restrictedPython = "restricted-python";
inline constexpr std::string_view syntaxError = "syntax-error";
inline constexpr std::string_view unknownSyntax = "unknown-syntax";
inline constexpr std::string_view encoding = "encoding";
inline constexpr std::string_view tooLarge = "too-large";
inline constexpr std::string_view tooComplex = "too-complex";
// Issue 20's evasion families.
inline constexpr std::string_view nameResolution = "name-resolution";
inline constexpr std::string_view importPath = "import-path";
inline constexpr std::string_view runtimeInstall = "runtime-install";
inline constexpr std::string_view systemPathWrite = "system-path-write";
inline constexpr std::string_view secretAccess = "secret-access";
inline constexpr std::string_view exfiltration = "exfiltration";
inline constexpr std::string_view sourceHiding = "source-hiding";
inline constexpr std::string_view debugger = "debugger";
inline constexpr std::string_view terminalInjection = "terminal-injection";

/// How a qualified name in the table is matched.
enum class Match
{
    Reference, ///< any use of the name (call, alias, decorator, argument)
    Call,      ///< only calling it (isinstance checks against types.FunctionType stay fine)
    Module,    ///< importing the module or a submodule
};

struct NameEntry
{
    std::string_view name; ///< qualified: "os.system", "eval", "ctypes"
    std::string_view rule;
    std::string_view what; ///< completes "`name` …": "runs a shell command"
    Match match = Match::Reference;
};

struct AttributeEntry
{
    std::string_view name; ///< attribute name: "__globals__"
    std::string_view rule;
    std::string_view what;
};

/// The entry for a qualified name (exact match), or nullptr.
const NameEntry* findName(std::string_view qualifiedName);
/// The Module entry for a module or the closest package it belongs to ("ctypes.util" → ctypes).
const NameEntry* findModule(std::string_view module);
/// The entry for a dangerous attribute name, or nullptr.
const AttributeEntry* findAttribute(std::string_view attribute);
/// Is this the last part of a dangerous qualified name ("system", "popen")? For literal getattr names.
bool isDangerousMemberName(std::string_view name);
/// The hint shown with every finding of a rule.
std::string_view hintFor(std::string_view ruleId);
/// Is this a rule id of the catalogue?
bool isKnownRule(std::string_view ruleId);
/// Does the catalogue name methods of this class's instances ("cProfile.Profile" → "cProfile.Profile().run")?
bool hasInstanceEntries(std::string_view qualifiedClass);
/// Standard-library functions that return the object a dotted name ("os.system", "os:system") names.
bool isNameResolver(std::string_view qualifiedName);
/// Python builtins that name themselves ("print", "eval"): resolved without an import.
bool isBuiltinName(std::string_view name);

} // namespace agentrun::safety::rules
