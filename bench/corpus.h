#pragma once

// The adversarial corpus of tests/data/safety/corpus (issue 20): reading it and tallying the
// analyzer's verdicts per category. Shared by bench/check_corpus (the table in docs/safety.md) and
// the unit test that holds the rates at their targets (tests/unit/safety/tst_corpus.cpp).
//
// A corpus file is a sequence of snippets, each opened by "#### <category> <expect> <name> [escaped]"
// (expect: block, warn or benign). Lines before the first header are comments. An "escaped" snippet
// spells control characters as \r and \u{XXXX}, so that the file stays plain printable text.

#include "agentrun/safety/analyzer.h"
#include "agentrun/safety/policy.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace agentrun::corpus {

struct Snippet
{
    std::string category;
    std::string expect; ///< block, warn or benign
    std::string name;
    std::string code;
};

inline void appendUtf8(std::string& out, unsigned long cp)
{
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

/// Decodes the \r and \u{XXXX} escapes of an "escaped" snippet; other backslashes stay as they are.
inline std::string unescape(const std::string& text)
{
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text.compare(i, 2, "\\r") == 0) {
            out += '\r';
            ++i;
        } else if (text.compare(i, 3, "\\u{") == 0) {
            const std::size_t close = text.find('}', i);
            appendUtf8(out, std::stoul(text.substr(i + 3, close - i - 3), nullptr, 16));
            i = close;
        } else {
            out += text[i];
        }
    }
    return out;
}

/// The snippets of one corpus file; the "benign" files of the older format ("#### name") read as
/// category "legacy", expect "benign". Empty when the file cannot be read.
inline std::vector<Snippet> read(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::vector<Snippet> out;
    std::string line;
    bool escaped = false;
    auto finish = [&] {
        if (out.empty())
            return;
        auto& code = out.back().code;
        if (escaped)
            code = unescape(code);
    };
    while (std::getline(in, line)) {
        if (line.starts_with("#### ")) {
            finish();
            std::istringstream header(line.substr(5));
            Snippet s;
            std::string first, second, third, flag;
            header >> first >> second >> third >> flag;
            if (second.empty()) { // legacy benign file: "#### name"
                s = {"legacy", "benign", first, {}};
            } else {
                s = {first, second, third, {}};
            }
            escaped = flag == "escaped";
            out.push_back(std::move(s));
            continue;
        }
        if (!out.empty())
            out.back().code += line + "\n";
    }
    finish();
    return out;
}

struct Tally
{
    int total = 0;
    int blocked = 0;
    int warned = 0; ///< warned only (not blocked)
    int silent() const { return total - blocked - warned; }
    double pct(int n) const { return total ? 100.0 * n / total : 0.0; }
};

enum class Verdict
{
    Blocked,
    Warned,
    Silent
};

inline Verdict verdict(const safety::Report& report)
{
    if (!report.allowed)
        return Verdict::Blocked;
    const bool warned = std::ranges::any_of(
        report.findings, [](const safety::Finding& f) { return f.severity == safety::Severity::Warn; });
    return warned ? Verdict::Warned : Verdict::Silent; // info findings count as silent
}

inline void add(Tally& tally, Verdict v)
{
    ++tally.total;
    if (v == Verdict::Blocked)
        ++tally.blocked;
    else if (v == Verdict::Warned)
        ++tally.warned;
}

struct Result
{
    std::map<std::string, Tally> byCategory; ///< dangerous snippets per category
    Tally dangerous;
    Tally benign;
    std::vector<std::string> misses;         ///< dangerous and silent: "category/name"
    std::vector<std::string> falsePositives; ///< benign and blocked or warned: "name (rule)"
};

inline Result measure(const std::vector<Snippet>& snippets, const safety::Policy& policy)
{
    Result r;
    for (const auto& s : snippets) {
        const auto report = safety::analyze(s.code, policy);
        const Verdict v = verdict(report);
        if (s.expect == "benign") {
            add(r.benign, v);
            if (v != Verdict::Silent) {
                std::string rules;
                for (const auto& f : report.findings)
                    if (f.severity != safety::Severity::Info)
                        rules += (rules.empty() ? "" : ",") + f.rule;
                r.falsePositives.push_back(s.category + "/" + s.name + " (" + rules + ")");
            }
        } else {
            add(r.byCategory[s.category], v);
            add(r.dangerous, v);
            if (v == Verdict::Silent)
                r.misses.push_back(s.category + "/" + s.name);
        }
    }
    return r;
}

/// The corpus files, relative to tests/data/safety.
inline std::vector<std::string> files()
{
    return {"corpus/dangerous.py.txt", "corpus/benign.py.txt", "benign.py.txt"};
}

} // namespace agentrun::corpus
