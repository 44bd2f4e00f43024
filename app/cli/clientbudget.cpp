#include "clientbudget.h"

#include "agentrun/errorcodes.h"

#include "resthttp.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace agentrun::cli {

namespace {

/// Clients whose bucket is full again are forgotten once there are this many: the map stays small.
constexpr std::size_t PruneAbove = 1024;

} // namespace

ClientBudget::ClientBudget(double perMinute) : m_perMinute(std::max(0.0, perMinute)) {}

std::string ClientBudget::clientOf(std::string_view remoteAddress)
{
    return isLoopbackHost(remoteAddress) ? std::string("loopback") : std::string(remoteAddress);
}

ClientBudget::Bucket& ClientBudget::refilled(const std::string& client)
{
    const auto now = std::chrono::steady_clock::now();
    if (m_buckets.size() > PruneAbove) {
        std::erase_if(m_buckets, [&](const auto& entry) {
            const double seconds = std::chrono::duration<double>(now - entry.second.updated).count();
            return entry.second.tokens + seconds * m_perMinute / 60.0 >= m_perMinute;
        });
    }
    auto [it, added] = m_buckets.try_emplace(client, Bucket{m_perMinute, now});
    Bucket& bucket = it->second;
    if (!added) {
        const double seconds = std::chrono::duration<double>(now - bucket.updated).count();
        bucket.tokens = std::min(m_perMinute, bucket.tokens + seconds * m_perMinute / 60.0);
        bucket.updated = now;
    }
    return bucket;
}

int ClientBudget::retryAfter(const std::string& client)
{
    if (m_perMinute <= 0) {
        return 0;
    }
    std::lock_guard lock(m_mutex);
    const Bucket& bucket = refilled(client);
    if (bucket.tokens >= 1) {
        return 0;
    }
    return static_cast<int>(std::ceil((1 - bucket.tokens) * 60.0 / m_perMinute));
}

void ClientBudget::spend(const std::string& client)
{
    if (m_perMinute <= 0) {
        return;
    }
    std::lock_guard lock(m_mutex);
    Bucket& bucket = refilled(client);
    // Runs admitted together may all spend: the debt is bounded, so the wait stays within a minute or so.
    bucket.tokens = std::max(-m_perMinute, bucket.tokens - 1);
}

bool refuseOverBudget(ClientBudget& budget, const httplib::Request& req, httplib::Response& res)
{
    const int wait = budget.retryAfter(ClientBudget::clientOf(req.remote_addr));
    if (wait <= 0) {
        return false;
    }
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g", budget.perMinute());
    res.set_header("Retry-After", std::to_string(wait));
    sendError(res, 429, errc::ServerBlockedBudget,
              "Too many blocked runs from this client: at most " + std::string(rate) +
                  " runs refused by the safety check or the whitelist are recorded per minute "
                  "(serve --max-blocked-per-minute). Retry in " +
                  std::to_string(wait) + " s.");
    return true;
}

} // namespace agentrun::cli
