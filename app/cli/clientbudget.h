#pragma once

#include <httplib.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace agentrun::cli {

/// A token bucket per client: how many runs the server refused without running (blocked by the check,
/// dependency not whitelisted) one client may have recorded in the history per minute. Such runs cost the
/// client nothing, so without a budget one request loop fills the history (and its disk).
class ClientBudget
{
public:
    /// `perMinute` runs a minute, as a burst too; 0: no limit.
    explicit ClientBudget(double perMinute);

    /// The bucket `remoteAddress` counts against: every loopback address is one client (a local user can
    /// send from any 127.x address), any other address its own.
    static std::string clientOf(std::string_view remoteAddress);

    /// Whole seconds until `client` may start a run again; 0 when it may now.
    int retryAfter(const std::string& client);
    /// `client` recorded a refused run.
    void spend(const std::string& client);

    double perMinute() const { return m_perMinute; }

private:
    struct Bucket
    {
        double tokens = 0;
        std::chrono::steady_clock::time_point updated;
    };
    Bucket& refilled(const std::string& client);

    const double m_perMinute;
    std::mutex m_mutex;
    std::map<std::string, Bucket> m_buckets;
};

/// 429 with Retry-After when the request's client has spent its budget of blocked runs; false (nothing
/// sent) when it may run.
bool refuseOverBudget(ClientBudget& budget, const httplib::Request& req, httplib::Response& res);

} // namespace agentrun::cli
