#include "agentrun/deps/requirement.h"

#include "agentrun/errorcodes.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace agentrun::deps {

namespace {

constexpr std::size_t MaxSpecLength = 200;
constexpr std::size_t MaxNameLength = 100;

bool isSeparator(char c)
{
    return c == '-' || c == '_' || c == '.';
}

bool isAlnum(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

bool isSpace(char c)
{
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    return text;
}

std::unexpected<Error> refuse(std::string_view spec, std::string_view why)
{
    std::string shown(spec.substr(0, 80));
    std::ranges::replace_if(
        shown, [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }, '?');
    if (spec.size() > 80) {
        shown += "…";
    }
    return fail(errc::DepsSpec, "Dependency spec \"" + shown + "\" is not allowed (" + std::string(why) +
                                    "): use NAME or NAME==VERSION.");
}

/// PEP 508 name: letters and digits, with '-', '_', '.' inside.
bool validName(std::string_view name)
{
    if (name.empty() || name.size() > MaxNameLength || !isAlnum(name.front()) || !isAlnum(name.back())) {
        return false;
    }
    return std::ranges::all_of(name, [](char c) { return isAlnum(c) || isSeparator(c); });
}

/// PEP 440-ish version text: starts with a digit; digits, letters, '.', '+', '!', '-', '_'.
bool validVersion(std::string_view version, bool wildcardAllowed)
{
    if (wildcardAllowed && version.ends_with(".*")) {
        version.remove_suffix(2);
    }
    if (version.empty() || !std::isdigit(static_cast<unsigned char>(version.front()))) {
        return false;
    }
    return std::ranges::all_of(version, [](char c) {
        return isAlnum(c) || c == '.' || c == '+' || c == '!' || c == '-' || c == '_';
    });
}

Result<std::string> parseClause(std::string_view spec, std::string_view clause)
{
    static constexpr std::array<std::string_view, 7> operators = {"==", "!=", "<=", ">=", "~=", "<", ">"};
    clause = trim(clause);
    if (clause.starts_with("===")) {
        return refuse(spec, "arbitrary equality '===' is not supported");
    }
    for (std::string_view op : operators) {
        if (clause.starts_with(op)) {
            const std::string_view version = trim(clause.substr(op.size()));
            if (!validVersion(version, op == "==" || op == "!=")) {
                return refuse(spec, "\"" + std::string(version) + "\" is not a version");
            }
            return std::string(op) + std::string(version);
        }
    }
    return refuse(spec, "expected a version clause like ==1.2");
}

} // namespace

std::string normalize(std::string_view name)
{
    std::string out;
    out.reserve(name.size());
    bool pendingSeparator = false;
    for (char c : name) {
        if (isSeparator(c)) {
            pendingSeparator = !out.empty();
            continue;
        }
        if (pendingSeparator) {
            out += '-';
            pendingSeparator = false;
        }
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

Result<Requirement> parseRequirement(std::string_view spec)
{
    const std::string_view text = trim(spec);
    if (text.empty()) {
        return fail(errc::DepsSpec, "A dependency spec is empty: use NAME or NAME==VERSION.");
    }
    if (text.size() > MaxSpecLength) {
        return refuse(text, "longer than 200 characters");
    }
    if (std::ranges::any_of(text, [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        return refuse(text, "control characters are refused");
    }
    if (text.front() == '-') {
        return refuse(text, "pip options such as --index-url, -e and -r are refused");
    }
    if (text.find("://") != std::string_view::npos || text.find('@') != std::string_view::npos) {
        return refuse(text, "URLs and direct references are refused");
    }
    if (text.find(';') != std::string_view::npos) {
        return refuse(text, "environment markers are refused");
    }
    if (text.find('[') != std::string_view::npos || text.find(']') != std::string_view::npos) {
        return refuse(text, "extras are refused");
    }
    if (text.find('/') != std::string_view::npos || text.find('\\') != std::string_view::npos) {
        return refuse(text, "paths are refused");
    }

    std::size_t nameEnd = 0;
    while (nameEnd < text.size() && (isAlnum(text[nameEnd]) || isSeparator(text[nameEnd]))) {
        ++nameEnd;
    }
    const std::string_view name = text.substr(0, nameEnd);
    if (!validName(name)) {
        return refuse(text, "\"" + std::string(name) + "\" is not a distribution name");
    }
    std::string_view rest = text.substr(nameEnd);
    while (!rest.empty() && isSpace(rest.front())) {
        rest.remove_prefix(1);
    }
    Requirement requirement{normalize(name), {}};
    if (rest.empty()) {
        return requirement;
    }
    while (true) {
        const std::size_t comma = rest.find(',');
        auto clause = parseClause(text, rest.substr(0, comma));
        if (!clause) {
            return std::unexpected(clause.error());
        }
        if (!requirement.specifier.empty()) {
            requirement.specifier += ',';
        }
        requirement.specifier += *clause;
        if (comma == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(comma + 1);
    }
    return requirement;
}

std::string toString(const Requirement& requirement)
{
    return requirement.name + requirement.specifier;
}

} // namespace agentrun::deps
