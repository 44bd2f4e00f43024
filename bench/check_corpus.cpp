// The static check on the adversarial corpus (issue 20): blocked / warned only / silent per category
// of dangerous snippets, and the benign rates, side by side for the standard and strict policies.
// Usage: check_corpus [DATA_DIR] [--misses]   (DATA_DIR: tests/data/safety of the source tree)
// The check is a lint in front of the container, not the boundary: these rates say how often it
// tells the user something, not what a run can do.

#include "corpus.h"

#include <cstdio>
#include <cstring>

using namespace agentrun;

int main(int argc, char** argv)
{
    std::string dir = AGENTRUN_CORPUS_DIR;
    bool misses = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--misses") == 0)
            misses = true;
        else
            dir = argv[i];
    }
    std::vector<corpus::Snippet> snippets;
    for (const auto& file : corpus::files()) {
        auto part = corpus::read(dir + "/" + file);
        if (part.empty()) {
            std::fprintf(stderr, "check_corpus: cannot read %s/%s\n", dir.c_str(), file.c_str());
            return 2;
        }
        snippets.insert(snippets.end(), part.begin(), part.end());
    }
    const auto standard = corpus::measure(snippets, *safety::Policy::preset("standard"));
    const auto strict = corpus::measure(snippets, *safety::Policy::preset("strict"));

    std::printf("%-22s %5s | %-24s | %-24s\n", "", "", "standard", "strict");
    std::printf("%-22s %5s | %7s %7s %7s  | %7s %7s %7s\n", "category", "n", "block", "warn", "silent",
                "block", "warn", "silent");
    auto row = [](const char* name, const corpus::Tally& a, const corpus::Tally& b) {
        std::printf("%-22s %5d | %6.1f%% %6.1f%% %6.1f%%  | %6.1f%% %6.1f%% %6.1f%%\n", name, a.total,
                    a.pct(a.blocked), a.pct(a.warned), a.pct(a.silent()), b.pct(b.blocked), b.pct(b.warned),
                    b.pct(b.silent()));
    };
    for (const auto& [category, tally] : standard.byCategory)
        row(category.c_str(), tally, strict.byCategory.at(category));
    row("ALL DANGEROUS", standard.dangerous, strict.dangerous);
    row("BENIGN", standard.benign, strict.benign);
    if (misses) {
        std::printf("\nstandard, dangerous and silent:\n");
        for (const auto& m : standard.misses)
            std::printf("  %s\n", m.c_str());
        std::printf("\nstandard, benign but flagged:\n");
        for (const auto& m : standard.falsePositives)
            std::printf("  %s\n", m.c_str());
        std::printf("\nstrict, dangerous and silent:\n");
        for (const auto& m : strict.misses)
            std::printf("  %s\n", m.c_str());
        std::printf("\nstrict, benign but flagged:\n");
        for (const auto& m : strict.falsePositives)
            std::printf("  %s\n", m.c_str());
    }
    return 0;
}
