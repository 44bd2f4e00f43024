// Issue 20's evasion families, judged call by call: standard-library code sinks (their literal code
// strings are analysed as code, computed ones are blocked), name resolvers, logging.config factories,
// DNS lookups of built names, terminal ioctls, import-path and hook assignments, string annotations
// and doctest examples (code a library evaluates later), pickle-backed loaders.

#include "agentrun/safety/analyzer.h"
#include "callargs.h"
#include "rules.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <unordered_set>

namespace agentrun::safety {

namespace {

using namespace std::string_view_literals;

struct CodeSink
{
    std::string_view name;
    std::string_view keyword;      ///< keyword of the code argument (position 0)
    std::string_view setupKeyword; ///< timeit's setup (position 1), or empty
};

constexpr std::array codeSinks{
    CodeSink{"timeit.timeit", "stmt", "setup"},
    CodeSink{"timeit.repeat", "stmt", "setup"},
    CodeSink{"timeit.Timer", "stmt", "setup"},
    CodeSink{"cProfile.run", "statement", ""},
    CodeSink{"cProfile.runctx", "statement", ""},
    CodeSink{"cProfile.Profile().run", "cmd", ""},
    CodeSink{"cProfile.Profile().runctx", "cmd", ""},
    CodeSink{"profile.run", "statement", ""},
    CodeSink{"profile.runctx", "statement", ""},
    CodeSink{"profile.Profile().run", "cmd", ""},
    CodeSink{"profile.Profile().runctx", "cmd", ""},
    CodeSink{"trace.Trace().run", "cmd", ""},
    CodeSink{"trace.Trace().runctx", "cmd", ""},
    CodeSink{"pdb.run", "statement", ""},
    CodeSink{"pdb.runeval", "expression", ""},
    CodeSink{"pdb.runctx", "statement", ""},
    CodeSink{"bdb.Bdb().run", "cmd", ""},
    CodeSink{"bdb.Bdb().runeval", "expr", ""},
};

constexpr std::array dnsLookups{"socket.gethostbyname"sv,
                                "socket.gethostbyname_ex"sv,
                                "socket.getaddrinfo"sv,
                                "socket.gethostbyaddr"sv,
                                "dns.resolver.resolve"sv,
                                "dns.resolver.query"sv,
                                "dns.resolver.Resolver().resolve"sv,
                                "dns.resolver.Resolver().query"sv};

// Environment variables that change what the interpreter or the dynamic loader load.
constexpr std::array loaderVariables{
    "PYTHONPATH"sv,     "PYTHONSTARTUP"sv,    "PYTHONHOME"sv, "PYTHONINSPECT"sv,   "PYTHONBREAKPOINT"sv,
    "PYTHONUSERBASE"sv, "PYTHONEXECUTABLE"sv, "LD_PRELOAD"sv, "LD_LIBRARY_PATH"sv, "LD_AUDIT"sv};

constexpr std::array importMachinery{"sys.path"sv, "sys.meta_path"sv, "sys.path_hooks"sv,
                                     "sys.path_importer_cache"sv};

const CodeSink* findSink(const std::vector<std::string>& callee)
{
    for (const auto& sink : codeSinks)
        if (anyOf(callee, sink.name))
            return &sink;
    return nullptr;
}

bool isLoaderVariable(std::string_view name)
{
    return std::ranges::find(loaderVariables, name) != loaderVariables.end();
}

std::string shorten(std::string_view text, std::size_t max = 40)
{
    std::string out;
    for (const char c : text) {
        if (out.size() >= max)
            return out + "...";
        out += c == '\n' ? ' ' : c;
    }
    return out;
}

// Recursion guard for analysing code strings (a string holding code holding a string...).
thread_local int codeNesting = 0;

class EvasionChecker
{
public:
    explicit EvasionChecker(Analysis& analysis) : a(analysis), t(analysis.tree()) {}

    void run()
    {
        const bool doctest = a.imports().contains("doctest");
        const auto count = static_cast<std::int32_t>(t.size());
        for (std::int32_t i = 0; i < count; ++i) {
            switch (t.node(i).kind) {
            case Kind::Call:
                checkCall(i);
                checkPathCall(a, i, a.resolve(t.child(i, Field::Function)));
                break;
            case Kind::Assignment:
            case Kind::AugmentedAssignment:
                checkAssignment(i);
                break;
            case Kind::String:
                checkString(i, doctest);
                break;
            default:
                break;
            }
        }
    }

private:
    Analysis& a;
    const SyntaxTree& t;

    /// Analyses `code` as a program of its own and reports what it finds at `at`.
    void analyseCode(std::int32_t at, std::string_view code, const std::string& what, bool mustParse = true)
    {
        if (codeNesting >= 2 || code.size() > 64 * 1024) {
            a.report(rules::dynamicCode, at, what + " runs a string too deeply nested to analyse");
            return;
        }
        ++codeNesting;
        const Report inner = analyze(code, a.policy());
        --codeNesting;
        for (const auto& f : inner.findings) {
            if (f.severity == Severity::Info)
                continue;
            if (f.rule == rules::syntaxError) {
                if (!mustParse) // an annotation or an example that is not code: nothing runs it as code
                    continue;
                a.report(rules::dynamicCode, at,
                         what + " runs a string that is not valid Python: " + f.message);
                continue;
            }
            a.report(f.rule, at,
                     "in the code " + what + " runs (its line " + std::to_string(f.line) + "): " + f.message);
        }
    }

    /// A string computed at run time (not a literal, not a callable): concatenation, f-string,
    /// join/format/decode/read results, input, subscripts.
    bool isComputedString(std::int32_t node, int depth = 0) const
    {
        if (node < 0 || depth > 6)
            return false;
        const Node& n = t.node(node);
        switch (n.kind) {
        case Kind::BinaryOperator:
        case Kind::ConcatenatedString:
        case Kind::Subscript:
            return true;
        case Kind::String:
            return t.childOfKind(node, Kind::Interpolation) >= 0;
        case Kind::ParenthesizedExpression: {
            const auto inner = t.namedChildren(node);
            return inner.size() == 1 && isComputedString(inner.front(), depth + 1);
        }
        case Kind::Identifier:
            return isComputedString(a.singleValue(node), depth + 1);
        case Kind::Call: {
            const std::int32_t function = t.child(node, Field::Function);
            if (function >= 0 && t.node(function).kind == Kind::Attribute) {
                const std::int32_t attr = t.child(function, Field::AttributeName);
                static constexpr std::array producers{
                    "join"sv,  "format"sv,    "format_map"sv, "decode"sv, "read"sv,  "replace"sv,
                    "strip"sv, "read_text"sv, "getvalue"sv,   "recv"sv,   "upper"sv, "lower"sv};
                if (attr >= 0 && std::ranges::find(producers, a.name(attr)) != producers.end())
                    return true;
            }
            const auto& callee = a.resolve(function);
            return anyOf(callee, "input") || anyOf(callee, "str") || anyOf(callee, "chr");
        }
        default:
            return false;
        }
    }

    void checkCodeArgument(std::int32_t argument, const std::string& sinkName)
    {
        if (argument < 0)
            return;
        const std::string what = "`" + sinkName + "`";
        if (const auto code = a.constantString(argument)) {
            analyseCode(argument, *code, what);
        } else if (isComputedString(argument)) {
            a.report(rules::dynamicCode, argument, what + " runs a string built at run time as code");
        }
        // Anything else is taken for a callable (timeit.timeit(lambda: ...), cProfile's runcall).
    }

    void checkCall(std::int32_t call)
    {
        const std::int32_t function = t.child(call, Field::Function);
        if (function < 0)
            return;
        const auto& callee = a.resolve(function);
        const bool network = sendsOverNetwork(function, callee);
        if (!network && !isJudgedHere(callee))
            return; // most calls: nothing to judge, no arguments collected
        const CallArgs args(a, call);
        if (const CodeSink* sink = findSink(callee)) {
            checkCodeArgument(args.get(0, sink->keyword), std::string(sink->name));
            if (!sink->setupKeyword.empty())
                checkCodeArgument(args.get(1, sink->setupKeyword), std::string(sink->name));
            return;
        }
        for (const auto& name : callee)
            if (rules::isNameResolver(name)) {
                checkResolver(call, name, args.get(0, "name"));
                return;
            }
        if (anyOf(callee, "logging.config.dictConfig")) {
            checkDictConfig(args.get(0, "config"));
            return;
        }
        for (const std::string_view lookup : dnsLookups)
            if (anyOf(callee, lookup)) {
                const std::int32_t host = args.get(0, "host");
                if (isComputedString(host))
                    a.report(rules::exfiltration, call,
                             "`" + std::string(lookup) + "` looks up a host name built at run time (`" +
                                 shorten(t.text(host)) +
                                 "`): DNS carries the name to whoever serves the domain");
                return;
            }
        if (network)
            checkExfiltration(call);
        if (anyOf(callee, "fcntl.ioctl")) {
            checkIoctl(call, args.get(1, "request"));
            return;
        }
        if (anyOf(callee, "os.putenv") || anyOf(callee, "os.environ.setdefault") ||
            anyOf(callee, "os.environ.__setitem__")) {
            const auto name = a.constantString(args.get(0));
            if (name && isLoaderVariable(*name))
                a.report(rules::importPath, call,
                         "sets `" + *name + "`, which changes what the interpreter loads");
            return;
        }
        if (anyOf(callee, "os.environ.update")) {
            for (const auto& [key, value] : args.keywords)
                if (isLoaderVariable(key))
                    a.report(rules::importPath, call,
                             "sets `" + key + "`, which changes what the interpreter loads");
            const std::int32_t dict = args.get(0);
            if (dict >= 0 && t.typeName(dict) == "dictionary")
                for (const std::int32_t pair : t.namedChildren(dict)) {
                    const auto kids = t.namedChildren(pair);
                    if (t.typeName(pair) == "pair" && !kids.empty())
                        if (const auto key = a.constantString(kids[0]); key && isLoaderVariable(*key))
                            a.report(rules::importPath, pair,
                                     "sets `" + *key + "`, which changes what the interpreter loads");
                }
            return;
        }
        if (anyOf(callee, "torch.load")) {
            const std::int32_t weightsOnly = args.keyword("weights_only");
            if (weightsOnly >= 0 && t.text(weightsOnly) == "False")
                a.report(rules::deserialization, call,
                         "`torch.load(weights_only=False)` unpickles what it reads");
            return;
        }
        if (anyOf(callee, "numpy.load")) {
            const std::int32_t allow = args.keyword("allow_pickle");
            if (allow >= 0 && t.text(allow) == "True")
                a.report(rules::deserialization, call,
                         "`numpy.load(allow_pickle=True)` unpickles what it reads");
        }
    }

    static bool isJudgedHere(const std::vector<std::string>& callee)
    {
        static const std::unordered_set<std::string_view> names = [] {
            std::unordered_set<std::string_view> out{
                "logging.config.dictConfig", "fcntl.ioctl",       "os.putenv",  "os.environ.setdefault",
                "os.environ.__setitem__",    "os.environ.update", "torch.load", "numpy.load"};
            for (const auto& sink : codeSinks)
                out.insert(sink.name);
            out.insert(dnsLookups.begin(), dnsLookups.end());
            return out;
        }();
        return std::ranges::any_of(
            callee, [](const std::string& c) { return names.contains(c) || rules::isNameResolver(c); });
    }

    bool sendsOverNetwork(std::int32_t function, const std::vector<std::string>& callee) const
    {
        static constexpr std::array modules{"requests."sv, "urllib.request."sv, "http.client."sv,
                                            "smtplib."sv,  "socket."sv,         "httpx."sv,
                                            "aiohttp."sv,  "ftplib."sv};
        for (const auto& c : callee)
            for (const auto m : modules)
                if (c.starts_with(m))
                    return true;
        if (t.node(function).kind != Kind::Attribute)
            return false;
        const std::int32_t attr = t.child(function, Field::AttributeName);
        static constexpr std::array methods{"send"sv,         "sendall"sv, "sendto"sv, "sendmail"sv,
                                            "send_message"sv, "post"sv,    "put"sv,    "urlopen"sv};
        return attr >= 0 && std::ranges::find(methods, a.name(attr)) != methods.end();
    }

    /// A network call given the whole environment or a credential file: harvesting on its way out.
    void checkExfiltration(std::int32_t call)
    {
        const std::int32_t args = t.child(call, Field::Arguments);
        if (args < 0)
            return;
        const std::uint32_t end = t.node(args).endByte;
        static constexpr std::array secrets{
            "/.ssh/"sv,      "~/.ssh"sv,   "id_rsa"sv, ".aws/credentials"sv, "/etc/passwd"sv,
            "/etc/shadow"sv, "/environ"sv, ".netrc"sv, ".git-credentials"sv, ".kube/config"sv};
        for (auto i = args + 1; i < static_cast<std::int32_t>(t.size()) && t.node(i).startByte < end; ++i) {
            const Node& n = t.node(i);
            if (n.kind == Kind::Attribute && anyOf(a.resolve(i), "os.environ")) {
                const std::int32_t parent = n.parent;
                const Kind pk = parent >= 0 ? t.node(parent).kind : Kind::Other;
                bool dump =
                    pk == Kind::ArgumentList || pk == Kind::Interpolation || pk == Kind::KeywordArgument;
                if (pk == Kind::Attribute) {
                    const std::int32_t method = t.child(parent, Field::AttributeName);
                    const std::string_view m = method >= 0 ? a.name(method) : std::string_view();
                    dump = m == "items" || m == "keys" || m == "values" || m == "copy";
                }
                if (dump) {
                    a.report(rules::exfiltration, call, "sends the whole environment over the network");
                    return;
                }
            } else if (n.kind == Kind::String) {
                const auto value = a.constantString(i);
                if (value && value->size() < 512)
                    for (const auto marker : secrets)
                        if (value->find(marker) != std::string::npos) {
                            a.report(rules::exfiltration, call,
                                     "sends `" + shorten(*value) +
                                         "`, a credential or account file, over the network");
                            return;
                        }
            }
        }
    }

    void checkResolver(std::int32_t call, const std::string& resolver, std::int32_t argument)
    {
        const auto name = argument >= 0 ? a.constantString(argument) : std::nullopt;
        if (!name) {
            a.report(rules::nameResolution, call, "`" + resolver + "` resolves a name computed at run time");
            return;
        }
        std::string target = *name;
        std::ranges::replace(target, ':', '.');
        a.addImport(target.substr(0, target.find('.')));
        reportTarget(call, target, "`" + resolver + "('" + shorten(*name) + "')`");
    }

    /// Reports a dotted name some library will import and call, when the catalogue knows it.
    void reportTarget(std::int32_t at, const std::string& dotted, const std::string& how)
    {
        const std::string target = normalizeQualified(dotted);
        const rules::NameEntry* entry = rules::findName(target);
        if (!entry || entry->match == rules::Match::Module)
            entry = rules::findModule(target);
        if (!entry || entry->rule == rules::network)
            return;
        a.report(rules::nameResolution, at,
                 how + " resolves to `" + target + "`, which " + std::string(entry->what) + " (it is " +
                     std::string(entry->rule) + ")");
    }

    void checkDictConfig(std::int32_t config)
    {
        if (config >= 0 && t.node(config).kind == Kind::Identifier)
            config = a.singleValue(config);
        if (config < 0 || t.typeName(config) != "dictionary")
            return;
        const std::uint32_t end = t.node(config).endByte;
        for (auto i = config + 1; i < static_cast<std::int32_t>(t.size()) && t.node(i).startByte < end; ++i) {
            if (t.typeName(i) != "pair")
                continue;
            const auto kids = t.namedChildren(i);
            if (kids.size() != 2)
                continue;
            const auto key = a.constantString(kids[0]);
            const auto value = a.constantString(kids[1]);
            if (!value) {
                if (key && *key == "()" && t.node(kids[1]).kind != Kind::Identifier &&
                    t.node(kids[1]).kind != Kind::Attribute)
                    a.report(rules::nameResolution, i, "a logging factory named at run time");
                continue;
            }
            std::string target = *value;
            if (target.starts_with("ext://"))
                target = target.substr(6);
            else if (!key || (*key != "()" && *key != "class"))
                continue;
            reportTarget(i, target, "the logging configuration's `" + shorten(*value) + "`");
        }
    }

    std::optional<long long> integerValue(std::int32_t node, int depth = 0) const
    {
        if (node < 0 || depth > 6)
            return std::nullopt;
        const Node& n = t.node(node);
        if (n.kind == Kind::Integer) {
            std::string digits;
            for (const char c : t.text(node))
                if (c != '_')
                    digits += c;
            int base = 10;
            std::string_view body = digits;
            if (body.size() > 2 && body[0] == '0') {
                const char p = static_cast<char>(body[1] | 0x20);
                base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 10;
                if (base != 10)
                    body = body.substr(2);
            }
            long long value = 0;
            const auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), value, base);
            return ec == std::errc() && ptr == body.data() + body.size() ? std::optional(value)
                                                                         : std::nullopt;
        }
        if (n.kind == Kind::Identifier)
            return integerValue(a.singleValue(node), depth + 1);
        if (n.kind == Kind::BinaryOperator) {
            const auto l = integerValue(t.child(node, Field::Left), depth + 1);
            const auto r = integerValue(t.child(node, Field::Right), depth + 1);
            const std::int32_t op = t.child(node, Field::Operator);
            if (!l || !r || op < 0)
                return std::nullopt;
            const std::string_view o = t.text(op);
            if (o == "+")
                return *l + *r;
            if (o == "|")
                return *l | *r;
            if (o == "-")
                return *l - *r;
        }
        return std::nullopt;
    }

    void checkIoctl(std::int32_t call, std::int32_t request)
    {
        if (request < 0)
            return;
        if (const auto value = integerValue(request)) {
            if (*value == 0x5412 || *value == 0x541C)
                a.report(rules::terminalInjection, call,
                         std::string("`fcntl.ioctl` with ") + (*value == 0x5412 ? "TIOCSTI" : "TIOCLINUX") +
                             " types into the terminal");
            return;
        }
        if (t.node(request).kind == Kind::BinaryOperator)
            a.report(rules::terminalInjection, call, "`fcntl.ioctl` with a request computed at run time");
    }

    void checkAssignment(std::int32_t node)
    {
        const std::int32_t left = t.child(node, Field::Left);
        if (left < 0)
            return;
        const Node& l = t.node(left);
        if (l.kind == Kind::Attribute) {
            const auto& names = a.resolve(left);
            for (const std::string_view machinery : importMachinery)
                if (anyOf(names, machinery)) {
                    a.report(rules::importPath, node,
                             "replaces `" + std::string(machinery) +
                                 "`, which decides where imports come from");
                    return;
                }
            if (anyOf(names, "sys.breakpointhook"))
                a.report(rules::debugger, node, "replaces `sys.breakpointhook`: breakpoint() then calls it");
            return;
        }
        if (l.kind != Kind::Subscript)
            return;
        const auto& containers = a.resolve(t.child(left, Field::Value));
        for (const std::string_view machinery : importMachinery)
            if (anyOf(containers, machinery)) {
                a.report(rules::importPath, node,
                         "changes `" + std::string(machinery) + "`, which decides where imports come from");
                return;
            }
        if (anyOf(containers, "os.environ"))
            if (const auto key = a.constantString(t.child(left, Field::Subscript));
                key && isLoaderVariable(*key))
                a.report(rules::importPath, node,
                         "sets `" + *key + "`, which changes what the interpreter loads");
    }

    bool isAnnotation(std::int32_t node) const
    {
        std::int32_t at = node;
        for (int i = 0; i < 4 && at >= 0; ++i) {
            at = t.node(at).parent;
            if (at >= 0 && t.typeName(at) == "type")
                return true;
        }
        return false;
    }

    void checkString(std::int32_t node, bool doctest)
    {
        const std::string_view raw = t.text(node);
        if (raw.find("52;") != std::string_view::npos)
            if (const auto value = a.constantString(node);
                value && value->find("\x1b]52;") != std::string::npos)
                a.report(rules::terminalInjection, node,
                         "the OSC 52 escape sequence writes the terminal's clipboard");
        const bool annotation = raw.find('(') != std::string_view::npos && isAnnotation(node);
        const bool examples = doctest && raw.find(">>>") != std::string_view::npos;
        if (!annotation && !examples)
            return;
        const auto value = a.constantString(node);
        if (!value)
            return;
        if (annotation) { // typing.get_type_hints and friends evaluate string annotations
            analyseCode(node, *value, "a string annotation (evaluated by typing.get_type_hints)", false);
            return;
        }
        std::string code;
        std::size_t start = 0;
        while (start <= value->size()) {
            const std::size_t end = std::min(value->find('\n', start), value->size());
            std::string_view line = std::string_view(*value).substr(start, end - start);
            while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
                line.remove_prefix(1);
            if (line.starts_with(">>> ") || line.starts_with("... "))
                code.append(line.substr(4)).append("\n");
            else if (line == ">>>" || line == "...")
                code.append("\n");
            start = end + 1;
        }
        if (!code.empty())
            analyseCode(node, code, "the doctest examples of this string", false);
    }
};

} // namespace

bool isJudgedByArguments(std::string_view name)
{
    for (const auto& sink : codeSinks)
        if (sink.name == name)
            return true;
    return rules::isNameResolver(name);
}

void runEvasionChecks(Analysis& analysis)
{
    EvasionChecker(analysis).run();
}

} // namespace agentrun::safety
