// Constant folding: what a string expression spells (literals, +, chr(), join, b64decode, rot13, ...).

#include "analysis.h"
#include "unicode.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace agentrun::safety {

namespace {

constexpr int maxFoldDepth = 24;
constexpr std::size_t maxFoldedLength = 1 << 16;

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
                unicode::appendUtf8(out, static_cast<char32_t>(*value));
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
                unicode::appendUtf8(out, static_cast<char32_t>(value));
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
        const std::int32_t value = singleValue(node);
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
    const auto& callee = resolve(function);
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
            unicode::appendUtf8(out, static_cast<char32_t>(*value));
        }
        return out;
    };
    if (is("chr") && argv.size() == 1 && m_tree.node(argv[0]).kind == Kind::Integer) {
        const auto value = parseInteger(m_tree.text(argv[0]));
        if (!value || *value < 0 || *value > 0x10FFFF)
            return std::nullopt;
        std::string out;
        unicode::appendUtf8(out, static_cast<char32_t>(*value));
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
        const std::string_view method = attr >= 0 ? name(attr) : std::string_view();
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
                const auto& inner = resolve(m_tree.child(items, Field::Function));
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
