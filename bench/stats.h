#pragma once

// Latency figures the benches print: percentiles and mean of a list of milliseconds.

#include <algorithm>
#include <vector>

struct Stats
{
    double p50 = 0;
    double p90 = 0;
    double p99 = 0;
    double mean = 0;
};

inline Stats summarize(std::vector<double> ms)
{
    std::ranges::sort(ms);
    Stats stats;
    stats.p50 = ms[ms.size() / 2];
    stats.p90 = ms[std::min(ms.size() - 1, ms.size() * 9 / 10)];
    stats.p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
    for (double value : ms) {
        stats.mean += value / static_cast<double>(ms.size());
    }
    return stats;
}
