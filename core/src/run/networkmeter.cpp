#include "run/networkmeter.h"

#include <charconv>
#include <chrono>
#include <fstream>
#include <sstream>

namespace agentrun::run {

namespace {

constexpr auto Interval = std::chrono::milliseconds(100);

std::int64_t readDevice(const std::string& path)
{
    std::ifstream in(path);
    if (!in) {
        return -1;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return NetworkMeter::sumDeviceBytes(text.str());
}

} // namespace

std::int64_t NetworkMeter::sumDeviceBytes(std::string_view netDev)
{
    // Inter-|   Receive                                                |  Transmit
    //  face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets ...
    //   eth0:    1234      12    0    0    0     0          0         0     5678      10 ...
    std::int64_t total = 0;
    bool any = false;
    std::size_t at = 0;
    while (at < netDev.size()) {
        const std::size_t end = std::min(netDev.find('\n', at), netDev.size());
        std::string_view line = netDev.substr(at, end - at);
        at = end + 1;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        std::string_view name = line.substr(0, colon);
        while (!name.empty() && name.front() == ' ') {
            name.remove_prefix(1);
        }
        if (name == "lo" || name.empty()) {
            any = any || name == "lo";
            continue;
        }
        std::string_view rest = line.substr(colon + 1);
        std::int64_t values[9] = {};
        int count = 0;
        while (count < 9 && !rest.empty()) {
            while (!rest.empty() && rest.front() == ' ') {
                rest.remove_prefix(1);
            }
            const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), values[count]);
            if (ec != std::errc()) {
                break;
            }
            rest.remove_prefix(static_cast<std::size_t>(ptr - rest.data()));
            ++count;
        }
        if (count == 9) {
            total += values[0] + values[8]; // received bytes, transmitted bytes
            any = true;
        }
    }
    return any ? total : -1;
}

NetworkMeter::NetworkMeter(sandbox::SandboxEngine& engine, std::string containerId, int pid, std::int64_t cap,
                           bool fromNow)
    : m_shared(std::make_shared<Shared>())
{
    const std::string path = pid > 0 ? "/proc/" + std::to_string(pid) + "/net/dev" : std::string();
    m_thread = std::thread([&engine, id = std::move(containerId), path, cap, fromNow, shared = m_shared] {
        std::int64_t baseline = -1;
        const auto over = [&](std::int64_t total) {
            if (baseline < 0) {
                baseline = fromNow ? total : 0;
            }
            const std::int64_t bytes = total - baseline;
            shared->bytes = std::max<std::int64_t>(shared->bytes, bytes);
            if (bytes > cap && !shared->exceeded) {
                shared->exceeded = true;
                engine.kill(id);
                return true;
            }
            return false;
        };
        if (!path.empty() && readDevice(path) >= 0) {
            while (!shared->stop) {
                const std::int64_t bytes = readDevice(path);
                if (bytes < 0 || over(bytes)) {
                    return; // the namespace is gone (the run ended), or the cap ended the run
                }
                std::unique_lock lock(shared->mutex);
                shared->wake.wait_for(lock, Interval, [&] { return shared->stop.load(); });
            }
            return;
        }
        // A remote engine (or no /proc view of it): the engine's own counters (on Docker its stats stream).
        engine.stats(
            id,
            [&](const sandbox::SandboxStats& figures) {
                return !over(figures.networkBytes) && !shared->stop;
            },
            shared->stop);
    });
}

NetworkMeter::~NetworkMeter()
{
    stop();
}

void NetworkMeter::stop()
{
    {
        std::lock_guard lock(m_shared->mutex);
        m_shared->stop = true;
    }
    m_shared->wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

} // namespace agentrun::run
