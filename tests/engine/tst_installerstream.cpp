// The dependency installer's one-shot container (deps::runOneShot) against the real engine, when its
// program never stops writing: the host's deadline and a cancel from another thread must end it at
// once. While output flows the engine completes a kill only once the attach stream is drained, so a
// kill sent from the reading thread waited out its own 30 s request timeout before the read went on.
#include "helper_engine.h"

#include "agentrun/engine/containerstream.h"
#include "agentrun/model/limits.h"
#include "agentrun/sandbox/containerspec.h"
#include "deps/oneshot.h"

#include <QTest>

#include <atomic>
#include <chrono>
#include <thread>
#include <unistd.h>

using namespace agentrun;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

/// Seconds a stop may take, from the moment it is due to runOneShot's return (kill, drain, wait,
/// remove). Generous for a busy 2-core machine; the kill from the reading thread took 30 s and more.
constexpr auto StopSlack = 12s;

/// A helper container made the way the installer makes its own, whose program floods stdout.
nlohmann::json floodSpec()
{
    auto spec = sandbox::containerSpec(model::Limits{}, testing::sandboxImage());
    spec["Entrypoint"] = {"python3", "-c",
                          "import sys\nline = 'x' * 4000 + '\\n'\nwhile True:\n    sys.stdout.write(line)\n"};
    spec["Labels"] = deps::helperLabels("installer");
    return spec;
}

double seconds(Clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

} // namespace

class TestInstallerStream : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<engine::Client> m_client;

    int myContainers()
    {
        auto ids = m_client->listContainers("org.agentrun.owner-pid=" + std::to_string(::getpid()));
        return ids ? static_cast<int>(ids->size()) : -1;
    }

private Q_SLOTS:
    void initTestCase() { m_client = testing::requireEngine(); }

    void cleanupTestCase()
    {
        if (m_client) {
            QCOMPARE(myContainers(), 0); // the one-shot removes its container in every case
        }
    }

    /// The component itself (the executor's read loop): stop() from another thread kills a flooding
    /// container and ends the read; a `done` predicate ends it without a kill.
    void containerStreamStopsFromAnotherThread()
    {
        auto spec = floodSpec();
        auto id = m_client->createContainer(spec);
        QVERIFY2(id.has_value(), id ? "" : id.error().message.c_str());
        auto stream = m_client->attach(*id);
        QVERIFY(stream.has_value());
        QVERIFY(m_client->startContainer(*id).has_value());

        engine::ContainerStream reader([this, &id] { m_client->killContainer(*id); }, *stream, {});
        std::atomic<std::size_t> bytes{0};
        std::atomic<Clock::rep> stoppedAt{0};
        std::thread stopper([&] {
            const auto giveUp = Clock::now() + 60s;
            while (bytes.load() < (1u << 20) && Clock::now() < giveUp) {
                std::this_thread::sleep_for(10ms);
            }
            stoppedAt = Clock::now().time_since_epoch().count();
            reader.stop();
        });
        const auto outcome = reader.read(
            [&](engine::FrameDemuxer::Channel, std::string_view chunk) { bytes += chunk.size(); });
        const auto returned = Clock::now();
        stopper.join();
        m_client->removeContainer(*id, true);
        QVERIFY(bytes.load() >= (1u << 20));
        QVERIFY(outcome.stop == engine::ContainerStream::Stop::Requested);
        QVERIFY(outcome.endOfStream); // the engine closed the stream after the kill
        QVERIFY(!outcome.error);
        const auto late = returned - Clock::time_point(Clock::duration(stoppedAt.load()));
        qInfo("returned %.1f s after stop()", seconds(late));
        QVERIFY2(late < StopSlack, qPrintable(QString("returned %1 s after stop()").arg(seconds(late))));
    }

    void containerStreamDoneEndsTheReadWithoutAKill()
    {
        auto spec = floodSpec();
        auto id = m_client->createContainer(spec);
        QVERIFY(id.has_value());
        auto stream = m_client->attach(*id);
        QVERIFY(stream.has_value());
        QVERIFY(m_client->startContainer(*id).has_value());
        engine::ContainerStream reader([this, &id] { m_client->killContainer(*id); }, *stream, {});
        std::size_t bytes = 0;
        const auto outcome =
            reader.read([&](engine::FrameDemuxer::Channel, std::string_view chunk) { bytes += chunk.size(); },
                        [&] { return bytes >= 65536; });
        const auto state = m_client->inspectContainer(*id);
        m_client->removeContainer(*id, true);
        QVERIFY(bytes >= 65536);
        QVERIFY(!outcome.killed());
        QVERIFY(!outcome.endOfStream);
        QVERIFY(state.has_value());
        QCOMPARE((*state)["State"].value("Running", false), true); // left running: no kill was sent
    }

    void floodIsStoppedAtTheDeadline()
    {
        std::atomic<bool> flowing{false};
        std::atomic<Clock::rep> firstLine{0};
        const auto timeout = 3s;
        auto outcome = deps::runOneShot(
            *m_client, floodSpec(), timeout,
            [&](std::string_view) {
                if (!flowing.exchange(true)) {
                    firstLine = Clock::now().time_since_epoch().count();
                }
            },
            nullptr, 1024);
        const auto returned = Clock::now();
        QVERIFY2(outcome.has_value(), outcome ? "" : outcome.error().message.c_str());
        QVERIFY(flowing.load());
        QVERIFY(outcome->timedOut);
        QVERIFY(!outcome->cancelled);
        QCOMPARE(outcome->stdoutData.size(), std::size_t{1024});
        // The deadline counts from the start, which is before the first line: measured from there, the
        // return is due `timeout` later at the latest.
        const auto due = Clock::time_point(Clock::duration(firstLine.load())) + timeout;
        const auto late = returned - due;
        qInfo("returned %.1f s after the deadline", seconds(late));
        QVERIFY2(late < StopSlack,
                 qPrintable(QString("returned %1 s after the deadline").arg(seconds(late))));
    }

    void floodIsStoppedByACancelFromAnotherThread()
    {
        std::atomic<bool> flowing{false};
        std::atomic<bool> cancel{false};
        std::atomic<Clock::rep> cancelledAt{0};
        std::thread canceller([&] {
            const auto giveUp = Clock::now() + 60s;
            while (!flowing.load() && Clock::now() < giveUp) {
                std::this_thread::sleep_for(10ms);
            }
            std::this_thread::sleep_for(500ms); // output is flowing now
            cancelledAt = Clock::now().time_since_epoch().count();
            cancel = true;
        });
        auto outcome = deps::runOneShot(
            *m_client, floodSpec(), 120s, [&](std::string_view) { flowing = true; }, &cancel);
        const auto returned = Clock::now();
        canceller.join();
        QVERIFY2(outcome.has_value(), outcome ? "" : outcome.error().message.c_str());
        QVERIFY(flowing.load());
        QVERIFY(outcome->cancelled);
        QVERIFY(!outcome->timedOut);
        const auto late = returned - Clock::time_point(Clock::duration(cancelledAt.load()));
        qInfo("returned %.1f s after the cancel", seconds(late));
        QVERIFY2(late < StopSlack, qPrintable(QString("returned %1 s after the cancel").arg(seconds(late))));
    }
};

QTEST_APPLESS_MAIN(TestInstallerStream)
#include "tst_installerstream.moc"
