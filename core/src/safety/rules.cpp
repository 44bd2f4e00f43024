// Lookups in the analyzer's name tables (nametable.h): qualified names, modules, attributes, the
// member names that make a literal getattr dangerous, classes with instance entries, name resolvers
// and Python's builtins.

#include "nametable.h"

#include <array>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace agentrun::safety {

namespace {

constexpr std::array builtinNames{
    "abs",          "aiter",      "all",         "anext",      "any",      "ascii",    "bin",
    "bool",         "breakpoint", "bytearray",   "bytes",      "callable", "chr",      "classmethod",
    "compile",      "complex",    "delattr",     "dict",       "dir",      "divmod",   "enumerate",
    "eval",         "exec",       "execfile",    "filter",     "float",    "format",   "frozenset",
    "getattr",      "globals",    "hasattr",     "hash",       "help",     "hex",      "id",
    "input",        "int",        "isinstance",  "issubclass", "iter",     "len",      "list",
    "locals",       "map",        "max",         "memoryview", "min",      "next",     "object",
    "oct",          "open",       "ord",         "pow",        "print",    "property", "range",
    "repr",         "reversed",   "round",       "set",        "setattr",  "slice",    "sorted",
    "staticmethod", "str",        "sum",         "super",      "tuple",    "type",     "vars",
    "zip",          "__import__", "__builtins__"};

template <class Entry>
void indexInto(std::unordered_map<std::string_view, const Entry*>& index, std::span<const Entry> table)
{
    for (const auto& entry : table)
        index.emplace(entry.name, &entry);
}

} // namespace

namespace rules {

const NameEntry* findName(std::string_view qualifiedName)
{
    static const auto index = [] {
        std::unordered_map<std::string_view, const NameEntry*> out;
        indexInto(out, escapeNames());
        indexInto(out, evasionNames());
        return out;
    }();
    const auto it = index.find(qualifiedName);
    return it == index.end() ? nullptr : it->second;
}

const NameEntry* findModule(std::string_view module)
{
    while (!module.empty()) {
        if (const NameEntry* entry = findName(module); entry && entry->match == Match::Module)
            return entry;
        const auto dot = module.rfind('.');
        if (dot == std::string_view::npos)
            break;
        module = module.substr(0, dot);
    }
    return nullptr;
}

const AttributeEntry* findAttribute(std::string_view attribute)
{
    static const auto index = [] {
        std::unordered_map<std::string_view, const AttributeEntry*> out;
        indexInto(out, attributeNames());
        return out;
    }();
    const auto it = index.find(attribute);
    return it == index.end() ? nullptr : it->second;
}

bool isDangerousMemberName(std::string_view name)
{
    static const auto names = [] {
        // Generic words would make getattr(obj, "run") or attrgetter("load") a finding everywhere.
        static const std::unordered_set<std::string_view> generic{
            "run",        "call",    "load",   "loads", "open",     "stack",      "trace",
            "decode",     "modules", "repeat", "push",  "interact", "listen",     "locate",
            "resolve",    "embed",   "pm",     "main",  "getattr",  "set_events", "register_callback",
            "use_tool_id"};
        // Rules about where a name is used (import paths, installs, secrets) are not about reaching
        // the name by getattr: getattr(obj, "append") must stay fine.
        static const std::unordered_set<std::string_view> placeRules{importPath, runtimeInstall, secretAccess,
                                                                     hostProbing, network};
        std::unordered_set<std::string_view> out;
        for (const auto table : {escapeNames(), evasionNames()})
            for (const auto& entry : table) {
                if (entry.match == Match::Module || placeRules.contains(entry.rule) ||
                    entry.name.find("()") != std::string_view::npos)
                    continue;
                const auto dot = entry.name.rfind('.');
                const auto last = dot == std::string_view::npos ? entry.name : entry.name.substr(dot + 1);
                if (!generic.contains(last))
                    out.insert(last);
            }
        return out;
    }();
    return names.contains(name) || findAttribute(name) != nullptr;
}

bool hasInstanceEntries(std::string_view qualifiedClass)
{
    static const auto classes = [] {
        std::unordered_set<std::string_view> out{"dns.resolver.Resolver"};
        for (const auto table : {escapeNames(), evasionNames()})
            for (const auto& entry : table)
                if (const auto at = entry.name.find("()"); at != std::string_view::npos)
                    out.insert(entry.name.substr(0, at));
        for (const std::string_view resolver :
             {"logging.config.BaseConfigurator().resolve", "logging.config.DictConfigurator().resolve"})
            out.insert(resolver.substr(0, resolver.find("()")));
        return out;
    }();
    return classes.contains(qualifiedClass);
}

bool isNameResolver(std::string_view name)
{
    static const std::unordered_set<std::string_view> resolvers{"pkgutil.resolve_name",
                                                                "pydoc.locate",
                                                                "pydoc.resolve",
                                                                "unittest.mock._importer",
                                                                "unittest.mock._dot_lookup",
                                                                "logging.config.BaseConfigurator().resolve",
                                                                "logging.config.DictConfigurator().resolve"};
    return resolvers.contains(name);
}

bool isBuiltinName(std::string_view name)
{
    static const std::unordered_set<std::string_view> names(builtinNames.begin(), builtinNames.end());
    return names.contains(name);
}

} // namespace rules
} // namespace agentrun::safety
