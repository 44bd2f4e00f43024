// Writes docs/reference/errors.md from the error code catalogue (agentrun/errorcodes.h), or checks it:
//   errors-reference               the Markdown on stdout
//   errors-reference --out FILE    written to FILE
//   errors-reference --check FILE  exit 1 (and say where) when FILE differs from what the catalogue gives
#include "agentrun/errorcodes.h"

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

namespace errc = agentrun::errc;

/// A table cell: "|" would end the cell, a line break the row.
std::string cell(std::string_view text)
{
    std::string out;
    for (const char c : text) {
        if (c == '|') {
            out += "\\|";
        } else if (c == '\n') {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

std::string markdown()
{
    std::ostringstream out;
    out << "<!-- Generated from core/include/agentrun/errorcodes.h by tests/docs/errorsreference.cpp: "
           "edit the catalogue, then run `ninja -C build/ci docs-reference`. -->\n"
        << "# Error codes\n\n"
        << "Every failure AgentRun reports carries a stable code: `error.code` in REST answers and `--json` "
           "output, `error_code` of a run result and of a history record. Scripts compare codes, never "
           "messages (messages say what happened and what to do, and may be reworded).\n\n"
        << "The kind is what AgentRun itself decides on (run status, HTTP status, exit status):\n\n"
        << "| kind | meaning |\n|---|---|\n"
        << "| `invalid` | the input (request, flag, profile, file) is wrong: fix it and try again |\n"
        << "| `setup` | a setting the operation needs is missing or unusable (a package source): set it |\n"
        << "| `rejected` | valid, but refused by a rule (safety policy, whitelist, server ceiling, token) |\n"
        << "| `not_found` | what was named does not exist, or names more than one thing |\n"
        << "| `busy` | in use or at capacity: try again later |\n"
        << "| `cancelled` | stopped on request |\n"
        << "| `limit` | stopped at one of its limits (time, memory, output, processes, size) |\n"
        << "| `outcome` | how the program in the sandbox ended (exception, crash, kill): its own doing |\n"
        << "| `unavailable` | the Docker engine (or another store AgentRun needs) cannot be used right now "
           "|\n"
        << "| `failed` | an operation failed (build, install, read, write): the message says why |\n"
        << "| `internal` | AgentRun itself ran out of a resource or hit a bug |\n";
    for (const errc::Area& area : errc::areas) {
        out << "\n## " << area.title << "\n\n"
            << area.about << "\n\n"
            << "| code | kind | meaning | what to do |\n|---|---|---|---|\n";
        for (const errc::Entry& entry : area.entries) {
            out << "| `" << entry.code << (entry.family ? "<name>" : "") << "` | "
                << errc::toString(entry.kind) << " | " << cell(entry.meaning) << " | " << cell(entry.action)
                << " |\n";
        }
    }
    return out.str();
}

int firstDifferentLine(const std::string& a, const std::string& b)
{
    std::istringstream left(a);
    std::istringstream right(b);
    std::string l;
    std::string r;
    for (int line = 1;; ++line) {
        const bool moreLeft = static_cast<bool>(std::getline(left, l));
        const bool moreRight = static_cast<bool>(std::getline(right, r));
        if (!moreLeft && !moreRight) {
            return 0;
        }
        if (moreLeft != moreRight || l != r) {
            return line;
        }
    }
}

} // namespace

int main(int argc, char** argv)
{
    const std::string text = markdown();
    if (argc == 1) {
        std::cout << text;
        return 0;
    }
    if (argc == 3 && std::string(argv[1]) == "--out") {
        std::ofstream file(argv[2], std::ios::binary);
        file << text;
        if (!file.flush()) {
            std::cerr << "errors-reference: cannot write " << argv[2] << "\n";
            return 2;
        }
        return 0;
    }
    if (argc == 3 && std::string(argv[1]) == "--check") {
        std::ifstream file(argv[2], std::ios::binary);
        if (!file) {
            std::cerr << "errors-reference: " << argv[2]
                      << " is missing: run ninja -C build/ci docs-reference\n";
            return 1;
        }
        const std::string committed((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        if (committed != text) {
            std::cerr << "errors-reference: " << argv[2]
                      << " differs from the catalogue (agentrun/errorcodes.h) at line "
                      << firstDifferentLine(committed, text)
                      << ": run ninja -C build/ci docs-reference and commit the result\n";
            return 1;
        }
        std::cout << "errors-reference: " << argv[2] << " matches the catalogue\n";
        return 0;
    }
    std::cerr << "usage: errors-reference [--out FILE | --check FILE]\n";
    return 2;
}
