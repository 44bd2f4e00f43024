// Name resolution and constant folding: what a name stands for, what a string expression spells.

#include "analysis.h"
#include "rules.h"
#include "unicode.h"

#include <algorithm>
#include <charconv>

namespace agentrun::safety {

namespace {

constexpr int maxResolveDepth = 12;
constexpr int maxFoldDepth = 24;
constexpr std::size_t maxFoldedLength = 1 << 16;

void appendCodePoint(std::string& out, std::uint32_t cp)
{
    if (cp > 0x10FFFF)
        return;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::optional<std::uint32_t> parseHex(std::string_view digits)
{
    std::uint32_t value = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
    if (ec != std::errc() || ptr != digits.data() + digits.size())
        return std::nullopt;
    return value;
}

std::string decodeEscapes(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\' || i + 1 >= text.size()) {
            out += text[i];
            continue;
        }
        const char e = text[++i];
        switch (e) {
        case 'n':
            out += '\n';
            break;
        case 't':
            out += '\t';
            break;
        case 'r':
            out += '\r';
            break;
        case 'a':
            out += '\a';
            break;
        case 'b':
            out += '\b';
            break;
        case 'f':
            out += '\f';
            break;
        case 'v':
            out += '\v';
            break;
        case '\\':
        case '\'':
        case '"':
            out += e;
            break;
        case '\n':
            break;
        case 'x':
        case 'u':
        case 'U': {
            const std::size_t width = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            const auto value = i + width < text.size() ? parseHex(text.substr(i + 1, width)) : std::nullopt;
            if (value) {
                appendCodePoint(out, *value);
                i += width;
            } else {
                out += '\\';
                out += e;
            }
            break;
        }
        default:
            if (e >= '0' && e <= '7') {
                std::uint32_t value = static_cast<std::uint32_t>(e - '0');
                for (int k = 0; k < 2 && i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '7'; ++k)
                    value = value * 8 + static_cast<std::uint32_t>(text[++i] - '0');
                appendCodePoint(out, value);
            } else {
                out += '\\';
                out += e;
            }
        }
    }
    return out;
}

std::optional<std::string> base64Decode(std::string_view text)
{
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        int value = -1;
        if (c >= 'A' && c <= 'Z')
            value = c - 'A';
        else if (c >= 'a' && c <= 'z')
            value = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            value = c - '0' + 52;
        else if (c == '+' || c == '-')
            value = 62;
        else if (c == '/' || c == '_')
            value = 63;
        else if (c == '=')
            break;
        else if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        else
            return std::nullopt;
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

std::optional<long long> parseInteger(std::string_view text)
{
    std::string digits;
    for (const char c : text)
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
    if (ec != std::errc() || ptr != body.data() + body.size())
        return std::nullopt;
    return value;
}

bool contains(const std::vector<std::string>& list, std::string_view value)
{
    return std::ranges::find(list, value) != list.end();
}

} // namespace

std::string normalizeQualified(std::string name)
{
    for (int i = 0; i < 4; ++i) {
        if (name.starts_with("builtins."))
            name = name.substr(9);
        else if (name.starts_with("__builtins__."))
            name = name.substr(13);
        else if (name.starts_with("posix.") || name.starts_with("nt."))
            name = "os." + name.substr(name.find('.') + 1);
        else if (name == "importlib.__import__")
            name = "__import__";
        else
            break;
    }
    return name;
}

std::string Analysis::identifier(std::int32_t node) const
{
    return unicode::nfkcIdentifier(m_tree.text(node));
}

std::string Analysis::dottedName(std::int32_t node) const
{
    if (m_tree.node(node).kind == Kind::Identifier)
        return identifier(node);
    std::string out;
    for (const std::int32_t part : m_tree.namedChildren(node)) {
        if (m_tree.node(part).kind != Kind::Identifier)
            continue;
        if (!out.empty())
            out += '.';
        out += identifier(part);
    }
    return out;
}

std::int32_t Analysis::singleValue(std::string_view name) const
{
    const std::string key(name);
    const auto count = m_bindingCount.find(key);
    const auto values = m_valueBindings.find(key);
    if (count == m_bindingCount.end() || count->second != 1 || values == m_valueBindings.end() ||
        values->second.size() != 1 || m_importBindings.contains(key))
        return -1;
    return values->second.front();
}

void Analysis::bindTarget(std::int32_t target, std::int32_t value)
{
    const Node& t = m_tree.node(target);
    if (t.kind == Kind::AsPatternTarget && t.firstChild < 0) { // `as name`: the target is the name itself
        m_localNames.insert(identifier(target));
        ++m_bindingCount[identifier(target)];
        return;
    }
    if (t.kind == Kind::AsPatternTarget) {
        for (const std::int32_t inner : m_tree.namedChildren(target))
            bindTarget(inner, -1);
        return;
    }
    if (t.kind == Kind::Identifier) {
        const std::string name = identifier(target);
        m_localNames.insert(name);
        ++m_bindingCount[name];
        if (value >= 0)
            m_valueBindings[name].push_back(value);
        return;
    }
    if (t.kind == Kind::PatternList || t.kind == Kind::Tuple || t.kind == Kind::List ||
        t.kind == Kind::ParenthesizedExpression) {
        const auto targets = m_tree.namedChildren(target);
        std::vector<std::int32_t> values;
        if (value >= 0) {
            const Kind vk = m_tree.node(value).kind;
            if (vk == Kind::ExpressionList || vk == Kind::Tuple || vk == Kind::List)
                values = m_tree.namedChildren(value);
        }
        for (std::size_t i = 0; i < targets.size(); ++i)
            bindTarget(targets[i], values.size() == targets.size() ? values[i] : -1);
    }
}

void Analysis::collectImport(std::int32_t node)
{
    const Node& n = m_tree.node(node);
    if (n.kind == Kind::ImportStatement) {
        for (const std::int32_t item : m_tree.namedChildren(node)) {
            const Kind k = m_tree.node(item).kind;
            if (k == Kind::DottedName) {
                const std::string module = dottedName(item);
                const std::string top = module.substr(0, module.find('.'));
                m_importBindings[top].push_back(top);
                addImport(top);
            } else if (k == Kind::AliasedImport) {
                const std::int32_t name = m_tree.child(item, Field::Name);
                const std::int32_t alias = m_tree.child(item, Field::Alias);
                if (name < 0 || alias < 0)
                    continue;
                const std::string module = dottedName(name);
                m_importBindings[identifier(alias)].push_back(module);
                addImport(module.substr(0, module.find('.')));
            }
        }
        return;
    }
    // from-import
    const std::int32_t moduleNode = m_tree.child(node, Field::ModuleName);
    if (moduleNode < 0)
        return;
    const bool relative = m_tree.node(moduleNode).kind == Kind::RelativeImport;
    const std::string module = relative ? std::string(m_tree.text(moduleNode)) : dottedName(moduleNode);
    if (!relative)
        addImport(module.substr(0, module.find('.')));
    for (std::int32_t c = n.firstChild; c >= 0; c = m_tree.node(c).nextSibling) {
        const Node& item = m_tree.node(c);
        if (item.kind == Kind::WildcardImport && !relative) {
            m_starModules.push_back(module);
        } else if (item.field == Field::Name && item.kind == Kind::DottedName) {
            const std::string name = dottedName(c);
            m_importBindings[name].push_back(module + "." + name);
        } else if (item.field == Field::Name && item.kind == Kind::AliasedImport) {
            const std::int32_t name = m_tree.child(c, Field::Name);
            const std::int32_t alias = m_tree.child(c, Field::Alias);
            if (name >= 0 && alias >= 0)
                m_importBindings[identifier(alias)].push_back(module + "." + dottedName(name));
        }
    }
}

void Analysis::collectBindings()
{
    const auto& nodes = m_tree.nodes();
    for (std::int32_t i = 0; i < static_cast<std::int32_t>(nodes.size()); ++i) {
        const Node& n = nodes[static_cast<std::size_t>(i)];
        switch (n.kind) {
        case Kind::ImportStatement:
        case Kind::ImportFromStatement:
            collectImport(i);
            break;
        case Kind::Assignment: {
            std::int32_t value = m_tree.child(i, Field::Right);
            while (value >= 0 && m_tree.node(value).kind == Kind::Assignment) // a = b = value
                value = m_tree.child(value, Field::Right);
            if (const std::int32_t left = m_tree.child(i, Field::Left); left >= 0)
                bindTarget(left, value);
            break;
        }
        case Kind::NamedExpression:
            if (const std::int32_t name = m_tree.child(i, Field::Name); name >= 0)
                bindTarget(name, m_tree.child(i, Field::Value));
            break;
        case Kind::AugmentedAssignment:
        case Kind::ForStatement:
        case Kind::ForInClause:
            if (const std::int32_t left = m_tree.child(i, Field::Left); left >= 0)
                bindTarget(left, -1);
            break;
        case Kind::FunctionDefinition:
        case Kind::ClassDefinition:
            if (const std::int32_t name = m_tree.child(i, Field::Name); name >= 0)
                bindTarget(name, -1);
            break;
        case Kind::Identifier: {
            const Kind parent = n.parent >= 0 ? nodes[static_cast<std::size_t>(n.parent)].kind : Kind::Other;
            const bool parameter =
                parent == Kind::Parameters || parent == Kind::LambdaParameters ||
                parent == Kind::TypedParameter || parent == Kind::ListSplatPattern ||
                parent == Kind::DictionarySplatPattern ||
                ((parent == Kind::DefaultParameter || parent == Kind::TypedDefaultParameter) &&
                 n.field == Field::Name);
            if (parameter)
                bindTarget(i, -1);
            break;
        }
        case Kind::AsPattern: // with ... as x, except E as x
            for (std::int32_t c = n.firstChild; c >= 0; c = nodes[static_cast<std::size_t>(c)].nextSibling)
                if (nodes[static_cast<std::size_t>(c)].field == Field::Alias)
                    bindTarget(c, -1);
            break;
        default:
            break;
        }
    }
}

std::vector<std::string> Analysis::resolve(std::int32_t node) const
{
    int budget = 256;
    return resolveImpl(node, 0, budget);
}

std::vector<std::string> Analysis::resolveImpl(std::int32_t node, int depth, int& budget) const
{
    std::vector<std::string> out;
    if (node < 0 || depth > maxResolveDepth || --budget < 0)
        return out;
    auto push = [&out](std::string name) {
        name = normalizeQualified(std::move(name));
        if (!contains(out, name))
            out.push_back(std::move(name));
    };
    const Node& n = m_tree.node(node);
    switch (n.kind) {
    case Kind::Identifier: {
        const std::string name = identifier(node);
        const auto imported = m_importBindings.find(name);
        if (imported != m_importBindings.end())
            for (const auto& q : imported->second)
                push(q);
        if (const auto values = m_valueBindings.find(name); values != m_valueBindings.end())
            for (const std::int32_t v : values->second)
                for (auto& q : resolveImpl(v, depth + 1, budget))
                    push(std::move(q));
        if (imported == m_importBindings.end() && rules::isBuiltinName(name))
            push(name);
        if (out.empty() && imported == m_importBindings.end() && !m_localNames.contains(name)) {
            for (const auto& star : m_starModules)
                if (rules::findName(normalizeQualified(star + "." + name)))
                    push(star + "." + name);
            if (out.empty())
                push(name);
        }
        break;
    }
    case Kind::Attribute: {
        const std::int32_t object = m_tree.child(node, Field::Object);
        const std::int32_t attribute = m_tree.child(node, Field::AttributeName);
        if (object < 0 || attribute < 0)
            break;
        const std::string attr = identifier(attribute);
        for (const auto& base : resolveImpl(object, depth + 1, budget))
            push(base + "." + attr);
        break;
    }
    case Kind::ParenthesizedExpression: {
        const auto inner = m_tree.namedChildren(node);
        if (inner.size() == 1)
            return resolveImpl(inner.front(), depth + 1, budget);
        break;
    }
    case Kind::Call: {
        const auto callee = resolveImpl(m_tree.child(node, Field::Function), depth + 1, budget);
        const std::int32_t args = m_tree.child(node, Field::Arguments);
        const auto argv = args >= 0 ? m_tree.namedChildren(args) : std::vector<std::int32_t>{};
        if (argv.empty())
            break;
        const auto first = constantString(argv[0]);
        if (first && contains(callee, "__import__"))
            push(first->substr(0, first->find('.')));
        if (first && contains(callee, "importlib.import_module"))
            push(*first);
        if (argv.size() >= 2 && contains(callee, "getattr"))
            if (const auto attr = constantString(argv[1]))
                for (const auto& base : resolveImpl(argv[0], depth + 1, budget))
                    push(base + "." + *attr);
        break;
    }
    case Kind::Subscript: {
        const std::int32_t value = m_tree.child(node, Field::Value);
        const std::int32_t key = m_tree.child(node, Field::Subscript);
        if (value < 0 || key < 0)
            break;
        std::vector<std::string> containers = resolveImpl(value, depth + 1, budget);
        if (m_tree.node(value).kind == Kind::Call) // globals()['os'], vars(builtins)['eval']
            for (auto& q : resolveImpl(m_tree.child(value, Field::Function), depth + 1, budget))
                containers.push_back(q + "()");
        const auto name = constantString(key);
        if (!name)
            break;
        for (const auto& c : containers)
            if (c == "sys.modules" || c == "__builtins__" || c == "builtins" || c == "globals()" ||
                c == "locals()" || c == "vars()" || c.ends_with("__dict__"))
                push(*name);
        break;
    }
    default:
        break;
    }
    return out;
}

bool Analysis::isPlainStringLiteral(std::int32_t node) const
{
    if (node < 0 || m_tree.node(node).kind != Kind::String)
        return false;
    return m_tree.childOfKind(node, Kind::Interpolation) < 0;
}

std::optional<std::string> Analysis::constantString(std::int32_t node) const
{
    return foldImpl(node, 0);
}

std::optional<std::string> Analysis::foldImpl(std::int32_t node, int depth) const
{
    if (node < 0 || depth > maxFoldDepth)
        return std::nullopt;
    const Node& n = m_tree.node(node);
    auto limit = [](std::optional<std::string> s) -> std::optional<std::string> {
        if (s && s->size() > maxFoldedLength)
            return std::nullopt;
        return s;
    };
    switch (n.kind) {
    case Kind::String: {
        if (!isPlainStringLiteral(node))
            return std::nullopt;
        const std::int32_t start = m_tree.childOfKind(node, Kind::StringStart);
        const std::string_view prefix = start >= 0 ? m_tree.text(start) : std::string_view();
        const bool raw = prefix.find_first_of("rR") != std::string_view::npos;
        std::string out;
        for (std::int32_t c = n.firstChild; c >= 0; c = m_tree.node(c).nextSibling)
            if (m_tree.node(c).kind == Kind::StringContent)
                out += raw ? std::string(m_tree.text(c)) : decodeEscapes(m_tree.text(c));
        return limit(out);
    }
    case Kind::ConcatenatedString: {
        std::string out;
        for (const std::int32_t part : m_tree.namedChildren(node)) {
            auto s = foldImpl(part, depth + 1);
            if (!s)
                return std::nullopt;
            out += *s;
        }
        return limit(out);
    }
    case Kind::ParenthesizedExpression: {
        const auto inner = m_tree.namedChildren(node);
        return inner.size() == 1 ? foldImpl(inner.front(), depth + 1) : std::nullopt;
    }
    case Kind::Identifier: {
        const std::int32_t value = singleValue(identifier(node));
        return value >= 0 ? foldImpl(value, depth + 1) : std::nullopt;
    }
    case Kind::BinaryOperator: {
        const std::int32_t op = m_tree.child(node, Field::Operator);
        const std::string_view opText = op >= 0 ? m_tree.text(op) : std::string_view();
        auto left = foldImpl(m_tree.child(node, Field::Left), depth + 1);
        if (opText == "+") {
            auto right = foldImpl(m_tree.child(node, Field::Right), depth + 1);
            if (left && right)
                return limit(*left + *right);
        } else if (opText == "*" && left) {
            const std::int32_t right = m_tree.child(node, Field::Right);
            const auto count = right >= 0 && m_tree.node(right).kind == Kind::Integer
                                   ? parseInteger(m_tree.text(right))
                                   : std::nullopt;
            if (count && *count >= 0 && static_cast<std::size_t>(*count) * left->size() <= maxFoldedLength) {
                std::string out;
                for (long long i = 0; i < *count; ++i)
                    out += *left;
                return out;
            }
        }
        return std::nullopt;
    }
    case Kind::Subscript: { // s[::-1]
        const std::int32_t key = m_tree.child(node, Field::Subscript);
        if (key >= 0 && m_tree.node(key).kind == Kind::Slice && m_tree.text(key) == "::-1")
            if (auto s = foldImpl(m_tree.child(node, Field::Value), depth + 1))
                return std::string(s->rbegin(), s->rend());
        return std::nullopt;
    }
    case Kind::Call:
        break;
    default:
        return std::nullopt;
    }

    // Calls: chr(), str(), bytes([...]), sep.join([...]), x.decode(), b64decode(x), codecs.decode(x,
    // 'rot13').
    const std::int32_t function = m_tree.child(node, Field::Function);
    const std::int32_t args = m_tree.child(node, Field::Arguments);
    if (function < 0 || args < 0 || m_tree.node(args).kind != Kind::ArgumentList)
        return std::nullopt;
    const auto argv = m_tree.namedChildren(args);
    const auto callee = resolve(function);
    auto is = [&](std::string_view name) { return contains(callee, name); };
    auto endsWith = [&](std::string_view suffix) {
        return std::ranges::any_of(callee, [&](const std::string& c) { return c.ends_with(suffix); });
    };
    auto integerList = [&](std::int32_t list) -> std::optional<std::string> {
        if (list < 0 || (m_tree.node(list).kind != Kind::List && m_tree.node(list).kind != Kind::Tuple))
            return std::nullopt;
        std::string out;
        for (const std::int32_t item : m_tree.namedChildren(list)) {
            const auto value =
                m_tree.node(item).kind == Kind::Integer ? parseInteger(m_tree.text(item)) : std::nullopt;
            if (!value || *value < 0 || *value > 0x10FFFF)
                return std::nullopt;
            appendCodePoint(out, static_cast<std::uint32_t>(*value));
        }
        return out;
    };
    if (is("chr") && argv.size() == 1 && m_tree.node(argv[0]).kind == Kind::Integer) {
        const auto value = parseInteger(m_tree.text(argv[0]));
        if (!value || *value < 0 || *value > 0x10FFFF)
            return std::nullopt;
        std::string out;
        appendCodePoint(out, static_cast<std::uint32_t>(*value));
        return out;
    }
    if ((is("str") || is("bytes") || is("bytearray")) && argv.size() >= 1) {
        if (auto list = integerList(argv[0]))
            return list;
        return foldImpl(argv[0], depth + 1);
    }
    if (endsWith("b64decode") && !argv.empty()) {
        if (auto s = foldImpl(argv[0], depth + 1))
            return limit(base64Decode(*s));
        return std::nullopt;
    }
    if (is("bytes.fromhex") && argv.size() == 1) {
        auto s = foldImpl(argv[0], depth + 1);
        if (!s)
            return std::nullopt;
        std::string out;
        std::string digits;
        for (const char c : *s)
            if (c != ' ')
                digits += c;
        for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
            const auto value = parseHex(std::string_view(digits).substr(i, 2));
            if (!value)
                return std::nullopt;
            out += static_cast<char>(*value);
        }
        return out;
    }
    if (is("codecs.decode") && argv.size() == 2) {
        auto s = foldImpl(argv[0], depth + 1);
        auto codec = foldImpl(argv[1], depth + 1);
        if (!s || !codec || (*codec != "rot13" && *codec != "rot_13"))
            return std::nullopt;
        for (char& c : *s) {
            if (c >= 'a' && c <= 'z')
                c = static_cast<char>('a' + (c - 'a' + 13) % 26);
            else if (c >= 'A' && c <= 'Z')
                c = static_cast<char>('A' + (c - 'A' + 13) % 26);
        }
        return s;
    }
    if (m_tree.node(function).kind == Kind::Attribute) {
        const std::int32_t attr = m_tree.child(function, Field::AttributeName);
        const std::string method = attr >= 0 ? identifier(attr) : std::string();
        const std::int32_t object = m_tree.child(function, Field::Object);
        if (method == "decode" || method == "encode" || method == "strip" || method == "lower" ||
            method == "upper") {
            auto s = foldImpl(object, depth + 1);
            if (s && (method == "lower" || method == "upper"))
                for (char& c : *s)
                    c = static_cast<char>(method == "lower" ? std::tolower(static_cast<unsigned char>(c))
                                                            : std::toupper(static_cast<unsigned char>(c)));
            return s;
        }
        if (method == "join" && argv.size() == 1) {
            const auto separator = foldImpl(object, depth + 1);
            if (!separator)
                return std::nullopt;
            std::vector<std::string> parts;
            std::int32_t items = argv[0];
            const Node& itemsNode = m_tree.node(items);
            if (itemsNode.kind == Kind::Call) { // map(chr, [...]) or reversed('...')
                const auto inner = resolve(m_tree.child(items, Field::Function));
                const std::int32_t innerArgs = m_tree.child(items, Field::Arguments);
                const auto innerArgv =
                    innerArgs >= 0 ? m_tree.namedChildren(innerArgs) : std::vector<std::int32_t>{};
                if (contains(inner, "map") && innerArgv.size() == 2 &&
                    contains(resolve(innerArgv[0]), "chr")) {
                    auto s = integerList(innerArgv[1]);
                    if (!s)
                        return std::nullopt;
                    for (const char c : *s)
                        parts.emplace_back(1, c);
                } else if (contains(inner, "reversed") && innerArgv.size() == 1) {
                    auto s = foldImpl(innerArgv[0], depth + 1);
                    if (!s)
                        return std::nullopt;
                    return std::string(s->rbegin(), s->rend());
                } else {
                    return std::nullopt;
                }
            } else if (itemsNode.kind == Kind::List || itemsNode.kind == Kind::Tuple) {
                for (const std::int32_t item : m_tree.namedChildren(items)) {
                    auto s = foldImpl(item, depth + 1);
                    if (!s)
                        return std::nullopt;
                    parts.push_back(std::move(*s));
                }
            } else if (auto s = foldImpl(items, depth + 1)) {
                for (const char c : *s)
                    parts.emplace_back(1, c);
            } else {
                return std::nullopt;
            }
            std::string out;
            for (std::size_t i = 0; i < parts.size(); ++i)
                out += (i ? *separator : std::string()) + parts[i];
            return limit(out);
        }
    }
    return std::nullopt;
}

} // namespace agentrun::safety
