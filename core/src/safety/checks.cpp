// The rules, node by node: references to dangerous names, attribute names, imports, calls whose
// arguments matter (getattr, __import__, vars, format, yaml.load), match patterns and literal paths.

#include "analysis.h"
#include "callargs.h"
#include "rules.h"

#include <algorithm>
#include <array>

namespace agentrun::safety {

namespace {

using namespace std::string_view_literals;

bool contains(const std::vector<std::string>& list, std::string_view value)
{
    return std::ranges::find(list, value) != list.end();
}

// Names whose calls are judged by their arguments (literal vs computed) in checkCall.
constexpr std::array argumentCheckedNames{"__import__"sv,
                                          "importlib.import_module"sv,
                                          "getattr"sv,
                                          "setattr"sv,
                                          "delattr"sv,
                                          "hasattr"sv,
                                          "vars"sv,
                                          "operator.attrgetter"sv,
                                          "operator.methodcaller"sv,
                                          "inspect.getattr_static"sv};

bool isArgumentChecked(std::string_view name)
{
    return std::ranges::find(argumentCheckedNames, name) != argumentCheckedNames.end() ||
           isJudgedByArguments(name);
}

constexpr std::array hostPaths{"/proc"sv,
                               "/sys/"sv,
                               "/etc/shadow"sv,
                               "/etc/passwd"sv,
                               "/etc/sudoers"sv,
                               "/root"sv,
                               "~/.ssh"sv,
                               "/var/run/docker.sock"sv,
                               "/run/docker.sock"sv,
                               "/dev/mem"sv,
                               "/dev/kmem"sv,
                               "169.254.169.254"sv,
                               "/home/"sv};

std::string shorten(std::string_view text, std::size_t max = 40)
{
    std::string out;
    for (const char c : text) {
        if (out.size() >= max) {
            while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80)
                out.pop_back();
            if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0x80)
                out.pop_back();
            return out + "…";
        }
        out += c == '\n' ? ' ' : c;
    }
    return out;
}

class Checker
{
public:
    explicit Checker(Analysis& analysis) : a(analysis), t(analysis.tree()) {}

    void run()
    {
        const auto count = static_cast<std::int32_t>(t.size());
        for (std::int32_t i = 0; i < count; ++i) {
            const Node& n = t.node(i);
            if (!n.known) {
                a.report(rules::unknownSyntax, i,
                         "`" + std::string(t.typeName(i)) + "` (`" + shorten(t.text(i)) +
                             "`) is syntax the analyzer does not know");
                continue;
            }
            switch (n.kind) {
            case Kind::Identifier:
                if (isReferencePosition(i))
                    checkReference(i, a.resolve(i));
                break;
            case Kind::Attribute:
                checkAttribute(i);
                break;
            case Kind::Call:
                checkCall(i);
                break;
            case Kind::ImportStatement:
            case Kind::ImportFromStatement:
                checkImport(i);
                break;
            case Kind::KeywordPattern:
                if (const std::int32_t name = t.childOfKind(i, Kind::Identifier); name >= 0)
                    checkAttributeName(i, a.identifier(name), "a match pattern reads");
                break;
            case Kind::String:
                checkHostPath(i);
                break;
            default:
                break;
            }
        }
    }

private:
    Analysis& a;
    const SyntaxTree& t;

    Kind parentKind(std::int32_t node) const
    {
        const std::int32_t parent = t.node(node).parent;
        return parent >= 0 ? t.node(parent).kind : Kind::Other;
    }

    bool isReferencePosition(std::int32_t node) const
    {
        const Node& n = t.node(node);
        switch (parentKind(node)) {
        case Kind::Attribute:
            return n.field != Field::AttributeName;
        case Kind::KeywordArgument:
        case Kind::DefaultParameter:
        case Kind::TypedDefaultParameter:
        case Kind::NamedExpression:
            return n.field != Field::Name;
        case Kind::FunctionDefinition:
        case Kind::ClassDefinition:
            return n.field != Field::Name;
        case Kind::Assignment:
        case Kind::AugmentedAssignment:
        case Kind::ForStatement:
        case Kind::ForInClause:
            return n.field != Field::Left;
        case Kind::Parameters:
        case Kind::LambdaParameters:
        case Kind::TypedParameter:
        case Kind::ListSplatPattern:
        case Kind::DictionarySplatPattern:
        case Kind::DottedName:
        case Kind::AliasedImport:
        case Kind::ImportStatement:
        case Kind::ImportFromStatement:
        case Kind::KeywordPattern:
        case Kind::GlobalStatement:
        case Kind::NonlocalStatement:
        case Kind::PatternList:
            return false;
        default:
            return true;
        }
    }

    /// The call whose function is this node, or -1.
    std::int32_t calleeOf(std::int32_t node) const
    {
        const Node& n = t.node(node);
        if (n.parent >= 0 && t.node(n.parent).kind == Kind::Call && n.field == Field::Function)
            return n.parent;
        return -1;
    }

    /// `x = <node>`: a plain alias whose uses are resolved where they happen.
    bool isAliasValue(std::int32_t node) const
    {
        const Node& n = t.node(node);
        return n.parent >= 0 && t.node(n.parent).kind == Kind::Assignment && n.field == Field::Right &&
               t.node(t.child(n.parent, Field::Left)).kind == Kind::Identifier;
    }

    std::vector<std::int32_t> arguments(std::int32_t call) const
    {
        const std::int32_t args = t.child(call, Field::Arguments);
        if (args < 0 || t.node(args).kind != Kind::ArgumentList)
            return {};
        return t.namedChildren(args);
    }

    std::vector<std::int32_t> positional(std::int32_t call) const
    {
        auto argv = arguments(call);
        std::erase_if(argv, [&](std::int32_t arg) { return t.node(arg).kind == Kind::KeywordArgument; });
        return argv;
    }

    std::int32_t keyword(std::int32_t call, std::string_view name) const
    {
        for (const std::int32_t arg : arguments(call))
            if (t.node(arg).kind == Kind::KeywordArgument) {
                const std::int32_t key = t.child(arg, Field::Name);
                if (key >= 0 && a.name(key) == name)
                    return t.child(arg, Field::Value);
            }
        return -1;
    }

    void checkReference(std::int32_t node, const std::vector<std::string>& candidates)
    {
        const std::int32_t call = calleeOf(node);
        const bool decorator = parentKind(node) == Kind::Decorator;
        for (const auto& name : candidates) {
            if (a.policy().isCallAllowed(name))
                continue;
            if (a.policy().isCallBlocked(name)) {
                a.report(rules::blockedCall, call >= 0 ? call : node,
                         "`" + name + "` is blocked by the policy");
                return;
            }
            if (name == "os.environ") {
                checkEnvironmentUse(node);
                continue;
            }
            const rules::NameEntry* entry = rules::findName(name);
            if (!entry || entry->match == rules::Match::Module)
                continue;
            if (entry->match == rules::Match::Call && call < 0)
                continue;
            if (isArgumentChecked(name) && (call >= 0 || isAliasValue(node)))
                continue; // judged in checkCall, with its arguments
            std::string message = "`" + name + "` " + std::string(entry->what);
            if (decorator)
                message += " (used as a decorator)";
            else if (isArgumentChecked(name))
                message += " (passed on as a value, the check cannot see its arguments)";
            if (call >= 0 && entry->rule == rules::dynamicCode) {
                const auto argv = positional(call);
                if (!argv.empty() && !a.isPlainStringLiteral(argv[0]))
                    if (const auto decoded = a.constantString(argv[0]))
                        message += " (its argument decodes to `" + shorten(*decoded) + "`)";
            }
            a.report(entry->rule, call >= 0 ? call : node, std::move(message));
            return;
        }
    }

    void checkEnvironmentUse(std::int32_t node)
    {
        const Node& n = t.node(node);
        const Kind parent = parentKind(node);
        bool dump = false;
        if (parent == Kind::Attribute) {
            const std::int32_t attr = t.child(n.parent, Field::AttributeName);
            const std::string_view method = attr >= 0 ? a.name(attr) : std::string_view();
            dump = method == "items" || method == "keys" || method == "values" || method == "copy";
        } else if (parent == Kind::ArgumentList || parent == Kind::ForStatement ||
                   parent == Kind::ForInClause || parent == Kind::Interpolation) {
            dump = n.field != Field::Left;
        }
        if (dump)
            a.report(rules::hostProbing, node, "`os.environ` is read as a whole (an environment dump)");
    }

    void checkAttributeName(std::int32_t node, std::string_view name, std::string_view how)
    {
        if (a.policy().isAttributeAllowed(name))
            return;
        if (a.policy().isAttributeBlocked(name)) {
            a.report(rules::blockedAttribute, node, "`" + std::string(name) + "` is blocked by the policy");
            return;
        }
        if (const rules::AttributeEntry* entry = rules::findAttribute(name))
            a.report(entry->rule, node,
                     std::string(how) + " `" + std::string(name) + "`, which " + std::string(entry->what));
    }

    void checkAttribute(std::int32_t node)
    {
        const std::int32_t object = t.child(node, Field::Object);
        const std::int32_t attribute = t.child(node, Field::AttributeName);
        if (object < 0 || attribute < 0)
            return;
        const std::string_view name = a.name(attribute);
        if (name == "__dict__" && t.node(object).kind == Kind::Identifier && a.isImportBound(object))
            a.report(rules::introspection, node,
                     "`" + a.identifier(object) + ".__dict__` exposes a module's namespace");
        else
            checkAttributeName(node, name, "reads");
        checkReference(node, a.resolve(node));
        if (name == "format" || name == "format_map")
            if (const auto format = a.constantString(object))
                checkFormatString(t.node(node).parent, *format);
    }

    void checkFormatString(std::int32_t call, const std::string& format)
    {
        // Replacement fields: {arg_name(.attr|[key])*!conv:spec}; '{{' is a literal brace.
        for (std::size_t i = 0; i < format.size(); ++i) {
            if (format[i] != '{')
                continue;
            if (i + 1 < format.size() && format[i + 1] == '{') {
                ++i;
                continue;
            }
            std::size_t end = i + 1;
            while (end < format.size() && format[end] != '}' && format[end] != '!' && format[end] != ':')
                ++end;
            const std::string field = format.substr(i + 1, end - i - 1);
            std::size_t pos = field.find_first_of(".[");
            while (pos != std::string::npos) {
                const bool item = field[pos] == '[';
                const std::size_t stop = item ? field.find(']', pos) : field.find_first_of(".[", pos + 1);
                const std::string part =
                    field.substr(pos + 1, (stop == std::string::npos ? field.size() : stop) - pos - 1);
                if (part.starts_with("_")) {
                    a.report(rules::formatString, call,
                             "the format string `" + shorten(format) + "` reads `" + part +
                                 "` of its argument");
                    return;
                }
                pos = stop == std::string::npos ? stop : field.find_first_of(".[", item ? stop + 1 : stop);
            }
            i = end;
        }
    }

    void checkModule(std::int32_t node, const std::string& module, std::string_view statement)
    {
        if (a.policy().isModuleAllowed(module))
            return;
        if (a.policy().isModuleBlocked(module)) {
            a.report(rules::blockedModule, node, "`" + std::string(statement) + "` is blocked by the policy");
            return;
        }
        if (const rules::NameEntry* entry = rules::findModule(module)) {
            a.report(entry->rule, node,
                     "`" + std::string(statement) + "`: `" + std::string(entry->name) + "` " +
                         std::string(entry->what));
        } else if (const rules::NameEntry* named = rules::findName(normalizeQualified(module));
                   named &&
                   named->match == rules::Match::Reference) { // import builtins, from os import system
            a.report(named->rule, node,
                     "`" + std::string(statement) + "`: `" + std::string(named->name) + "` " +
                         std::string(named->what));
        }
    }

    void checkImport(std::int32_t node)
    {
        const Node& n = t.node(node);
        if (n.kind == Kind::ImportStatement) {
            for (const std::int32_t item : t.namedChildren(node)) {
                const std::int32_t name =
                    t.node(item).kind == Kind::AliasedImport ? t.child(item, Field::Name) : item;
                if (name >= 0) {
                    const std::string module = a.dottedName(name);
                    checkModule(item, module, "import " + module);
                }
            }
            return;
        }
        const std::int32_t moduleNode = t.child(node, Field::ModuleName);
        if (moduleNode < 0 || t.node(moduleNode).kind == Kind::RelativeImport)
            return;
        const std::string module = a.dottedName(moduleNode);
        const std::size_t before = a.findings().size();
        checkModule(moduleNode, module, "from " + module + " import");
        if (a.findings().size() != before)
            return;
        for (std::int32_t c = n.firstChild; c >= 0; c = t.node(c).nextSibling) {
            if (t.node(c).field != Field::Name)
                continue;
            const std::int32_t name = t.node(c).kind == Kind::AliasedImport ? t.child(c, Field::Name) : c;
            if (name < 0)
                continue;
            const std::string member = module + "." + a.dottedName(name);
            checkModule(c, member, "from " + module + " import " + a.dottedName(name));
        }
    }

    void checkCall(std::int32_t call)
    {
        const std::int32_t function = t.child(call, Field::Function);
        if (function < 0)
            return;
        const auto& callee = a.resolve(function);
        const auto argv = positional(call);
        const Kind functionKind = t.node(function).kind;
        if (functionKind == Kind::Call || functionKind == Kind::Subscript) // getattr(os, 'system')(...)
            checkReference(function, callee);
        if (std::ranges::any_of(callee, [&](const std::string& c) { return a.policy().isCallAllowed(c); }))
            return;
        if (contains(callee, "__import__") || contains(callee, "importlib.import_module")) {
            const std::string name =
                contains(callee, "__import__") ? "__import__" : "importlib.import_module";
            if (!argv.empty() && a.isPlainStringLiteral(argv[0])) {
                const std::string module = *a.constantString(argv[0]);
                a.addImport(module.substr(0, module.find('.')));
                checkModule(call, module, name + "('" + module + "')");
            } else {
                const auto folded = argv.empty() ? std::nullopt : a.constantString(argv[0]);
                a.report(rules::dynamicImport, call,
                         "`" + name + "` imports a module by a computed name" +
                             (folded ? " (it spells `" + shorten(*folded) + "`)" : std::string()));
            }
            return;
        }
        for (const std::string_view reflective :
             {"getattr"sv, "setattr"sv, "delattr"sv, "hasattr"sv, "inspect.getattr_static"sv}) {
            if (!contains(callee, reflective) || argv.size() < 2)
                continue;
            const std::string fn =
                reflective == "inspect.getattr_static" ? "getattr" : std::string(reflective);
            if (a.isPlainStringLiteral(argv[1])) {
                const std::string attr = *a.constantString(argv[1]);
                if (rules::isDangerousMemberName(attr) && fn != "hasattr")
                    a.report(rules::reflection, call, "`" + fn + "` reaches `" + attr + "` by name");
            } else if (fn == "getattr") {
                const auto folded = a.constantString(argv[1]);
                a.report(rules::reflection, call,
                         "`getattr` with a computed attribute name" +
                             (folded ? " (it spells `" + shorten(*folded) + "`)" : std::string()));
            } else if (fn != "hasattr") {
                a.report(rules::attributeWrite, call, "`" + fn + "` with a computed attribute name");
            }
            return;
        }
        if (contains(callee, "vars")) {
            if (argv.empty()) {
                a.report(rules::reflection, call, "`vars()` returns the local namespace by name");
            } else {
                const Node& arg = t.node(argv[0]);
                const std::string name = arg.kind == Kind::Identifier ? a.identifier(argv[0]) : std::string();
                const bool local = !name.empty() && a.isLocallyBound(argv[0]) && !a.isImportBound(argv[0]);
                if (local)
                    a.report(rules::dunderAccess, call,
                             "`vars(" + name + ")` exposes the object's namespace");
                else
                    a.report(rules::reflection, call,
                             "`vars(" + shorten(t.text(argv[0])) + ")` exposes a namespace by name");
            }
            return;
        }
        if (contains(callee, "operator.attrgetter") || contains(callee, "operator.methodcaller")) {
            const bool getter = contains(callee, "operator.attrgetter");
            for (std::size_t i = 0; i < argv.size() && (getter || i == 0); ++i) {
                if (!a.isPlainStringLiteral(argv[i])) {
                    a.report(rules::reflection, call,
                             "`operator." + std::string(getter ? "attrgetter" : "methodcaller") +
                                 "` with a computed name");
                    return;
                }
                const std::string path = *a.constantString(argv[i]);
                std::size_t start = 0;
                while (start <= path.size()) {
                    const std::size_t dot = path.find('.', start);
                    const std::string part =
                        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
                    if (rules::isDangerousMemberName(part)) {
                        a.report(rules::reflection, call,
                                 "`operator." + std::string(getter ? "attrgetter" : "methodcaller") +
                                     "` reaches `" + part + "` by name");
                        return;
                    }
                    if (dot == std::string::npos)
                        break;
                    start = dot + 1;
                }
            }
            return;
        }
        if (contains(callee, "yaml.load") || contains(callee, "yaml.load_all")) {
            std::int32_t loader = keyword(call, "Loader");
            if (loader < 0 && argv.size() >= 2)
                loader = argv[1];
            const auto loaders = loader >= 0 ? a.resolve(loader) : std::vector<std::string>{};
            const bool safe = std::ranges::any_of(loaders, [](const std::string& l) {
                return l.ends_with("SafeLoader") || l.ends_with("BaseLoader");
            });
            if (!safe)
                a.report(rules::deserialization, call,
                         "`yaml.load` without a safe Loader builds arbitrary objects");
            return;
        }
        if (contains(callee, "str.format") && !argv.empty())
            if (const auto format = a.constantString(argv[0]))
                checkFormatString(call, *format);
    }

    void checkHostPath(std::int32_t node)
    {
        if (!a.isPlainStringLiteral(node))
            return;
        // Most literals have one content part and no backslash: their value is that part's text, so the
        // check reads it in place instead of folding a copy.
        std::int32_t content = -1;
        int contents = 0;
        for (std::int32_t c = t.node(node).firstChild; c >= 0; c = t.node(c).nextSibling)
            if (t.node(c).kind == Kind::StringContent) {
                content = c;
                ++contents;
            }
        if (contents <= 1 && t.text(node).find('\\') == std::string_view::npos) {
            checkHostPathValue(node, content >= 0 ? t.text(content) : std::string_view());
            return;
        }
        const auto value = a.constantString(node);
        if (value)
            checkHostPathValue(node, *value);
    }

    void checkHostPathValue(std::int32_t node, std::string_view value)
    {
        if (value.size() > 512)
            return;
        checkPathString(a, node, value);
        for (const std::string_view path : hostPaths) {
            if (value.starts_with(path) ||
                (path == "169.254.169.254" && value.find(path) != std::string_view::npos)) {
                a.report(rules::hostProbing, node,
                         "`" + shorten(value) + "` looks at the host, not at the program's data");
                return;
            }
        }
    }
};

} // namespace

void runChecks(Analysis& analysis)
{
    Checker(analysis).run();
    runEvasionChecks(analysis);
}

} // namespace agentrun::safety
