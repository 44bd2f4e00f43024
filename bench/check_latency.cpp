// Static check latency: a naive token scan and tree-sitter's bare parse (the floor) beside the full
// analysis, for snippets of 50, 200, 2000 and 10,000 lines. Prints µs per check (median and p95).

#include "agentrun/safety/analyzer.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <tree_sitter/api.h>

extern "C" const TSLanguage* tree_sitter_python(void);

namespace {

std::string snippet(int lines)
{
    // Ordinary generated code: imports, a class, functions, comprehensions, f-strings, file IO.
    static const char* block = R"py(def process_{n}(rows: list[dict], threshold: float = 0.5) -> dict:
    """Summarise rows above a threshold."""
    kept = [r for r in rows if r.get("score", 0) > threshold]
    total = sum(r["score"] for r in kept)
    by_name = {{r["name"]: r["score"] for r in kept}}
    with open(f"out_{n}.json", "w") as fh:
        json.dump(by_name, fh)
    pattern = re.compile(r"^[a-z]+_{n}$")
    matched = [k for k in by_name if pattern.match(k)]
    path = os.path.join(os.getcwd(), "data", f"{{len(matched)}}.csv")
    return {{"total": total, "count": len(kept), "path": path}}


class Stage{n}:
    def __init__(self, name: str):
        self.name = name
        self.items: list[int] = []

    def add(self, value: int) -> None:
        if value % 2 == 0:
            self.items.append(value)
        else:
            self.items.insert(0, -value)

    def __repr__(self) -> str:
        return f"Stage{n}({{self.name!r}}, {{len(self.items)}})"
)py";
    std::string out = "import json\nimport os\nimport re\n\n";
    int n = 0;
    while (true) {
        std::string text = block;
        std::string numbered;
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text.compare(i, 3, "{n}") == 0) {
                numbered += std::to_string(n);
                i += 2;
            } else if (text.compare(i, 2, "{{") == 0 || text.compare(i, 2, "}}") == 0) {
                numbered += text[i];
                ++i;
            } else {
                numbered += text[i];
            }
        }
        out += numbered;
        ++n;
        if (std::count(out.begin(), out.end(), '\n') >= lines)
            break;
    }
    // Trim to exactly `lines` lines.
    std::size_t pos = 0;
    for (int i = 0; i < lines && pos != std::string::npos; ++i)
        pos = out.find('\n', pos + 1);
    return pos == std::string::npos ? out : out.substr(0, pos + 1);
}

bool naiveScan(std::string_view source)
{
    static constexpr std::array words{"os.system",  "subprocess", "eval(",          "exec(",
                                      "__import__", "getattr(",   "__subclasses__", "__globals__",
                                      "pickle",     "ctypes",     "compile("};
    return std::ranges::none_of(words,
                                [&](const char* w) { return source.find(w) != std::string_view::npos; });
}

std::size_t bareParse(std::string_view source)
{
    TSParser* parser = ts_parser_new();
    ts_parser_set_language(parser, tree_sitter_python());
    TSTree* tree =
        ts_parser_parse_string(parser, nullptr, source.data(), static_cast<std::uint32_t>(source.size()));
    const std::size_t count = ts_node_child_count(ts_tree_root_node(tree));
    ts_tree_delete(tree);
    ts_parser_delete(parser);
    return count;
}

struct Stats
{
    double median;
    double p95;
};

template <class F> Stats measure(F&& f, int iterations)
{
    std::vector<double> micros;
    micros.reserve(static_cast<std::size_t>(iterations));
    for (int i = 0; i < iterations; ++i) {
        const auto start = std::chrono::steady_clock::now();
        f();
        const auto end = std::chrono::steady_clock::now();
        micros.push_back(std::chrono::duration<double, std::micro>(end - start).count());
    }
    std::ranges::sort(micros);
    return {micros[micros.size() / 2], micros[micros.size() * 95 / 100]};
}

} // namespace

int main()
{
    const auto policy = *agentrun::safety::Policy::preset("standard");
    std::printf("%-8s %8s | %-22s | %-22s | %-22s | %s\n", "lines", "bytes", "naive scan µs p50/p95",
                "bare parse µs p50/p95", "analyze µs p50/p95", "verdict");
    for (const int lines : {50, 200, 2000, 10000}) {
        const std::string source = snippet(lines);
        const int iterations = lines >= 10000 ? 30 : lines >= 2000 ? 100 : 1000;
        volatile bool sink = false;
        const Stats naive = measure([&] { sink = naiveScan(source); }, iterations);
        const Stats parse = measure([&] { sink = bareParse(source) > 0; }, iterations);
        agentrun::safety::Report report;
        const Stats full = measure([&] { report = agentrun::safety::analyze(source, policy); }, iterations);
        (void)sink;
        std::printf("%-8d %8zu | %9.1f / %-10.1f | %9.1f / %-10.1f | %9.1f / %-10.1f | %s, %zu findings\n",
                    lines, source.size(), naive.median, naive.p95, parse.median, parse.p95, full.median,
                    full.p95, report.allowed ? "allowed" : "blocked", report.findings.size());
    }
    return 0;
}
