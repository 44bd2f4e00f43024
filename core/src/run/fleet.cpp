#include "agentrun/run/fleet.h"

#include "agentrun/engine/endpoint.h"
#include "agentrun/errorcodes.h"

#include <algorithm>
#include <charconv>
#include <limits>

namespace agentrun::run {

struct Fleet::Member
{
    FleetEngine engine;
    std::unique_ptr<Executor> executor;
    int activeRuns = 0;
    std::uint64_t runs = 0;
    bool ready = true;
    bool probing = false;  ///< a ping to see whether it is (back) up is under way
    bool answered = false; ///< it answered once (a ping or a run): an engine never heard from is pinged first
    int failures = 0;
    std::string lastError;
    Clock::time_point retryAt{};

    bool hasRoom() const { return engine.maxRuns <= 0 || activeRuns < engine.maxRuns; }
    /// Share of its capacity in use; an engine without a limit of its own counts its runs.
    double load() const
    {
        return engine.maxRuns > 0 ? double(activeRuns) / engine.maxRuns : double(activeRuns);
    }
};

namespace {

/// An engine that stops answering shows it as an engine.* error of kind Unavailable (unreachable,
/// connection lost, lost during the run, …); anything else is about the run, not the engine.
bool engineFailed(const model::RunResult& result)
{
    return result.status == model::Status::EngineError && result.errorCode.starts_with("engine") &&
           errc::kindOf(result.errorCode) == errc::Kind::Unavailable;
}

std::string shown(const std::string& address)
{
    return address.empty() ? "default" : address;
}

} // namespace

Fleet::Fleet(ExecutorConfig base, std::vector<FleetEngine> engines) : m_base(std::move(base))
{
    if (engines.empty()) {
        engines.push_back({m_base.dockerHost, 0});
    }
    for (auto& engine : engines) {
        auto member = std::make_unique<Member>();
        ExecutorConfig config = m_base;
        config.dockerHost = engine.address;
        member->engine = std::move(engine);
        member->executor = std::make_unique<Executor>(std::move(config));
        m_members.push_back(std::move(member));
    }
}

Fleet::~Fleet() = default;

std::vector<FleetEngine> Fleet::engines() const
{
    std::vector<FleetEngine> out;
    for (const auto& member : m_members) {
        out.push_back(member->engine);
    }
    return out;
}

Result<std::vector<FleetEngine>> parseFleetEngines(const std::vector<std::string>& values,
                                                   std::string_view option)
{
    const std::string name(option);
    // The code is the option (the "--<option>" family of docs/errors.md).
    const auto refuse = [&name](std::string message) -> Result<std::vector<FleetEngine>> {
        return std::unexpected(Error{name, std::move(message)});
    };
    if (values.size() > MaxFleetEngines) {
        return refuse(name + " may be given at most " + std::to_string(MaxFleetEngines) + " times, not " +
                      std::to_string(values.size()));
    }
    std::vector<FleetEngine> engines;
    for (const auto& value : values) {
        FleetEngine engine;
        engine.address = value;
        if (const auto comma = value.rfind(",runs="); comma != std::string::npos) {
            engine.address = value.substr(0, comma);
            const std::string runs = value.substr(comma + 6);
            int number = 0;
            const auto [end, problem] = std::from_chars(runs.data(), runs.data() + runs.size(), number);
            if (runs.empty() || problem != std::errc() || end != runs.data() + runs.size() || number < 1 ||
                number > 256) {
                return refuse(name + " …,runs= needs a whole number of runs between 1 and 256, not \"" +
                              runs.substr(0, 40) + "\"");
            }
            engine.maxRuns = number;
        }
        const bool printable =
            std::ranges::all_of(engine.address, [](unsigned char c) { return c > 0x20 && c < 0x7f; });
        if (engine.address.empty() || engine.address.size() > 1024 || !printable) {
            return refuse(name +
                          " needs a docker context name, unix:///PATH or tcp://HOST:PORT (optionally "
                          "followed by ,runs=N), not \"" +
                          value.substr(0, 80) + "\"");
        }
        if (std::ranges::any_of(engines,
                                [&](const auto& other) { return other.address == engine.address; })) {
            return refuse(name + " " + engine.address +
                          " is given twice: each engine once (,runs=N sets how many runs it takes)");
        }
        if (auto endpoint = engine::Endpoint::resolve(engine.address); !endpoint) {
            return refuse(name + " " + engine.address + ": " + endpoint.error().message);
        }
        engines.push_back(std::move(engine));
    }
    return engines;
}

Executor& Fleet::engine(std::size_t index)
{
    return *m_members.at(index)->executor;
}

void Fleet::markDown(Member& member, const std::string& why)
{
    member.ready = false;
    member.failures = std::min(member.failures + 1, 16);
    member.lastError = why;
    // 1, 2, 4 … 60 s: an engine that restarts is back within seconds, one that is gone costs a ping a minute.
    const auto wait = std::chrono::seconds(std::min(60, 1 << std::min(member.failures - 1, 6)));
    member.retryAt = Clock::now() + wait;
}

void Fleet::markUp(Member& member)
{
    member.ready = true;
    member.answered = true;
    member.failures = 0;
    member.lastError.clear();
}

void Fleet::probe(Member& member, std::unique_lock<std::mutex>& lock)
{
    member.probing = true;
    lock.unlock();
    auto answer = member.executor->ping();
    lock.lock();
    member.probing = false;
    if (answer) {
        markUp(member);
    } else {
        markDown(member, answer.error().message);
    }
}

Fleet::Member* Fleet::pick(const CancelToken& cancel)
{
    // A fleet of one never waits for a ping: its runs say what the engine says.
    const bool several = m_members.size() > 1;
    std::unique_lock lock(m_mutex);
    for (;;) {
        // A drained engine whose retry is due gets a ping (outside the lock) before it is given runs again.
        const auto now = Clock::now();
        auto due = std::find_if(m_members.begin(), m_members.end(), [&](const auto& member) {
            return several && !member->ready && !member->probing && member->retryAt <= now;
        });
        if (due != m_members.end()) {
            probe(**due, lock);
            continue;
        }

        Member* best = nullptr;
        for (std::size_t i = 0; i < m_members.size(); ++i) {
            Member& member = *m_members[(m_turn + i) % m_members.size()];
            if (member.ready && !member.probing && member.hasRoom() &&
                (!best || member.load() < best->load())) {
                best = &member;
            }
        }
        if (!best &&
            std::none_of(m_members.begin(), m_members.end(), [](const auto& m) { return m->ready; })) {
            // Every engine is drained: the run goes to the one retried soonest and ends with its message.
            best = std::min_element(m_members.begin(), m_members.end(), [](const auto& a, const auto& b) {
                       return a->retryAt < b->retryAt;
                   })->get();
        }
        if (best && several && best->ready && !best->answered) {
            // Never heard from (the fleet contacts no engine until its first run): a ping first, so that
            // an engine that is not there is drained before a run is lost on it.
            probe(*best, lock);
            continue;
        }
        if (best) {
            m_turn = (m_turn + 1) % m_members.size();
            ++best->activeRuns;
            ++best->runs;
            return best;
        }
        if (cancel.cancelled()) {
            return nullptr;
        }
        // Every ready engine is full: wait for a run to end (or a drained engine's retry to come due).
        m_freed.wait_for(lock, std::chrono::milliseconds(100));
    }
}

void Fleet::release(Member& member, const model::RunResult& result)
{
    {
        std::lock_guard lock(m_mutex);
        --member.activeRuns;
        if (engineFailed(result)) {
            markDown(member, result.message);
        } else if (result.status != model::Status::EngineError) {
            markUp(member);
        }
    }
    m_freed.notify_all();
}

model::RunResult Fleet::run(const model::RunSpec& request, RunObserver& observer, const CancelToken& cancel)
{
    Member* member = nullptr;
    if (!request.sessionId.empty()) {
        member = memberOfSession(request.sessionId);
        if (member) {
            std::lock_guard lock(m_mutex);
            ++member->activeRuns;
            ++member->runs;
        }
    }
    if (!member) {
        member = pick(cancel);
    }
    if (!member) {
        model::RunResult result;
        result.status = model::Status::Cancelled;
        result.errorCode = errc::RunCancelled;
        result.message =
            "Cancelled while waiting for an engine with room: every engine of the fleet was running "
            "as many runs as it takes.";
        result.image = m_base.image;
        observer.finished(result);
        return result;
    }
    model::RunResult result = member->executor->run(request, observer, cancel);
    release(*member, result);
    return result;
}

Result<std::string> Fleet::ping()
{
    if (m_members.size() == 1) {
        return m_members.front()->executor->ping();
    }
    std::string problems;
    for (const auto& member : m_members) {
        auto answer = member->executor->ping();
        if (answer) {
            return shown(member->engine.address) + ": " + *answer;
        }
        problems +=
            (problems.empty() ? "" : "; ") + shown(member->engine.address) + ": " + answer.error().message;
    }
    return std::unexpected(Error{errc::EngineUnreachable, "No engine of the fleet can run: " + problems});
}

Result<model::SessionInfo> Fleet::openSession(const model::Limits& limits)
{
    Member* chosen = nullptr;
    std::size_t fewest = std::numeric_limits<std::size_t>::max();
    {
        std::lock_guard lock(m_mutex);
        for (const auto& member : m_members) {
            if (!member->ready) {
                continue;
            }
            const std::size_t open = member->executor->sessions().size();
            if (open < fewest) {
                fewest = open;
                chosen = member.get();
            }
        }
        if (!chosen) {
            chosen = m_members.front().get();
        }
    }
    auto opened = chosen->executor->openSession(limits);
    if (!opened && errc::kindOf(opened.error().code) == errc::Kind::Unavailable) {
        std::lock_guard lock(m_mutex);
        if (m_members.size() > 1) {
            markDown(*chosen, opened.error().message);
        }
    }
    return opened;
}

Fleet::Member* Fleet::memberOfSession(const std::string& id) const
{
    for (const auto& member : m_members) {
        if (member->executor->session(id)) {
            return member.get();
        }
    }
    return nullptr;
}

Result<model::SessionInfo> Fleet::restartSession(const std::string& id)
{
    Member* member = memberOfSession(id);
    return member ? member->executor->restartSession(id) : m_members.front()->executor->restartSession(id);
}

Result<model::SessionInfo> Fleet::closeSession(const std::string& id)
{
    Member* member = memberOfSession(id);
    return member ? member->executor->closeSession(id) : m_members.front()->executor->closeSession(id);
}

Result<model::SessionInfo> Fleet::session(const std::string& id) const
{
    Member* member = memberOfSession(id);
    return member ? member->executor->session(id) : m_members.front()->executor->session(id);
}

std::vector<model::SessionInfo> Fleet::sessions() const
{
    std::vector<model::SessionInfo> all;
    for (const auto& member : m_members) {
        auto some = member->executor->sessions();
        all.insert(all.end(), some.begin(), some.end());
    }
    return all;
}

std::vector<FleetEngineStatus> Fleet::status() const
{
    std::lock_guard lock(m_mutex);
    std::vector<FleetEngineStatus> all;
    const auto now = Clock::now();
    for (const auto& member : m_members) {
        FleetEngineStatus status;
        status.address = shown(member->engine.address);
        status.ready = member->ready;
        status.activeRuns = member->activeRuns;
        status.maxRuns = member->engine.maxRuns;
        status.runs = member->runs;
        status.failures = member->failures;
        status.lastError = member->lastError;
        if (!member->ready && member->retryAt > now) {
            status.retryInSeconds = std::chrono::duration<double>(member->retryAt - now).count();
        }
        all.push_back(std::move(status));
    }
    return all;
}

} // namespace agentrun::run
