// Static check latency, side by side in one run for 50, 200, 2000 and 10,000 lines (µs, p50 / p95):
// a naive token scan (substring search, AgentRun-style grep), tree-sitter's bare parse of the same text
// (the floor: a reused parser, parse, free the tree), the full analyze() with the standard policy, and
// the editor's re-check after a one-character keystroke in the middle of the file
// (IncrementalAnalyzer: tree-sitter re-parses only around the edit).
// `--cpu-time` measures the thread's CPU time instead of wall time: steadier on a machine shared with
// other work, where wall time mostly measures waiting for a core.
// `--profile LINES N` runs only analyze() N times on LINES lines and then N keystrokes (edit and undo)
// in a file of LINES lines, and prints nothing per check: a fixed amount of work for
// `valgrind --tool=callgrind`, whose instruction counts do not depend on the machine's load.

#include "agentrun/safety/analyzer.h"
#include "agentrun/safety/incremental.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include <tree_sitter/api.h>

#include "python_snippet.h"

extern "C" const TSLanguage* tree_sitter_python(void);

namespace {

bool naiveScan(std::string_view source)
{
    static constexpr std::array words{"os.system",  "subprocess", "eval(",          "exec(",
                                      "__import__", "getattr(",   "__subclasses__", "__globals__",
                                      "pickle",     "ctypes",     "compile("};
    return std::ranges::none_of(words,
                                [&](const char* w) { return source.find(w) != std::string_view::npos; });
}

std::size_t bareParse(TSParser* parser, std::string_view source)
{
    TSTree* tree =
        ts_parser_parse_string(parser, nullptr, source.data(), static_cast<std::uint32_t>(source.size()));
    const std::size_t count = ts_node_child_count(ts_tree_root_node(tree));
    ts_tree_delete(tree);
    return count;
}

struct Stats
{
    double median;
    double p95;
};

bool cpuTime = false;

double nowMicros()
{
    if (cpuTime) {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
    }
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

template <class F> Stats measure(F&& f, int iterations)
{
    std::vector<double> micros;
    micros.reserve(static_cast<std::size_t>(iterations));
    for (int i = 0; i < iterations; ++i) {
        const double start = nowMicros();
        f(i);
        micros.push_back(nowMicros() - start);
    }
    std::ranges::sort(micros);
    return {micros[micros.size() / 2], micros[micros.size() * 95 / 100]};
}

} // namespace

int main(int argc, char** argv)
{
    using namespace agentrun::safety;
    if (argc == 4 && std::string_view(argv[1]) == "--profile") {
        const int lines = std::atoi(argv[2]);
        const int iterations = std::atoi(argv[3]);
        const auto standard = *Policy::preset("standard");
        const std::string source = agentrun::bench::snippet(lines);
        std::size_t findings = 0;
        for (int i = 0; i < iterations; ++i)
            findings += analyze(source, standard).findings.size();
        IncrementalAnalyzer editor(standard);
        editor.reset(source);
        const std::size_t middle = source.find("    total = ", source.size() / 2) + 9;
        for (int i = 0; i < iterations; ++i) {
            findings += editor.edit({middle, 0, "x"}).findings.size();
            findings += editor.edit({middle, 1, std::string()}).findings.size();
        }
        std::printf("%d lines, %d checks and %d keystroke pairs, %zu findings\n", lines, iterations,
                    iterations, findings);
        return 0;
    }
    cpuTime = argc > 1 && std::string_view(argv[1]) == "--cpu-time";
    std::printf("µs per check, %s\n", cpuTime ? "thread CPU time" : "wall time");
    const auto policy = *Policy::preset("standard");
    TSParser* parser = ts_parser_new();
    ts_parser_set_language(parser, tree_sitter_python());
    std::printf("%-6s %7s | %-19s | %-21s | %-21s | %-21s | %s\n", "lines", "bytes", "naive scan p50/p95",
                "bare parse p50/p95", "analyze p50/p95", "keystroke p50/p95", "verdict");
    for (const int lines : {50, 200, 2000, 10000}) {
        const std::string source = agentrun::bench::snippet(lines);
        const int iterations = lines >= 10000 ? 30 : lines >= 2000 ? 100 : 1000;
        volatile bool sink = false;
        const Stats naive = measure([&](int) { sink = naiveScan(source); }, iterations);
        const Stats parse = measure([&](int) { sink = bareParse(parser, source) > 0; }, iterations);
        Report report;
        const Stats full = measure([&](int) { report = analyze(source, policy); }, iterations);

        // A keystroke in an identifier in the middle of the file ("total" becomes "totalx"), then its undo.
        IncrementalAnalyzer editor(policy);
        editor.reset(source);
        const std::size_t middle = source.find("    total = ", source.size() / 2) + 9;
        bool agrees = true;
        const Stats keystroke = measure(
            [&](int i) {
                const Report r =
                    i % 2 == 0 ? editor.edit({middle, 0, "x"}) : editor.edit({middle, 1, std::string()});
                if (i % 2 == 1)
                    agrees =
                        agrees && r.findings.size() == report.findings.size() && r.allowed == report.allowed;
            },
            iterations * 2);
        (void)sink;
        std::printf(
            "%-6d %7zu | %7.1f / %-9.1f | %8.1f / %-10.1f | %8.1f / %-10.1f | %8.1f / %-10.1f | %s, %zu "
            "findings%s\n",
            lines, source.size(), naive.median, naive.p95, parse.median, parse.p95, full.median, full.p95,
            keystroke.median, keystroke.p95, report.allowed ? "allowed" : "blocked", report.findings.size(),
            agrees ? "" : " (KEYSTROKE REPORT DIFFERS)");
    }
    ts_parser_delete(parser);
    return 0;
}
