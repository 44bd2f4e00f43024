#pragma once

// The benchmark's Python source: ordinary generated code (imports, a class, functions, comprehensions,
// f-strings, file IO) repeated to any number of lines. Shared by bench/check_latency and the incremental
// analyzer's tests, which edit it at random.

#include <algorithm>
#include <string>

namespace agentrun::bench {

inline std::string snippet(int lines)
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
    long count = std::count(out.begin(), out.end(), '\n');
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
        count += std::count(numbered.begin(), numbered.end(), '\n');
        if (count >= lines)
            break;
    }
    // Trim to exactly `lines` lines.
    std::size_t pos = 0;
    for (int i = 0; i < lines && pos != std::string::npos; ++i)
        pos = out.find('\n', pos + 1);
    return pos == std::string::npos ? out : out.substr(0, pos + 1);
}

} // namespace agentrun::bench
