// The warm pool's background work against the real engine: removals and refills wait while a run is
// in flight (they would take a small machine's cores from it), except when no warm container is left
// or used containers pile up.
#include "helper_engine.h"

#include "agentrun/sandbox/dockersandboxes.h"
#include "agentrun/sandbox/pool.h"

#include <QTest>

#include <algorithm>
#include <chrono>
#include <thread>

using namespace agentrun;
using namespace std::chrono_literals;

namespace {

model::Limits smallLimits()
{
    model::Limits limits;
    limits.memoryBytes = limits.memorySwapBytes = 128ll << 20;
    limits.tmpfsBytes = 16ll << 20;
    return limits;
}

bool exists(engine::Client& client, const std::string& id)
{
    return client.inspectContainer(id).has_value();
}

} // namespace

class TestPool : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        m_client = testing::requireEngine();
        m_sandboxes = std::make_unique<sandbox::DockerSandboxes>(*m_client);
    }

    void cleanup() { QTRY_COMPARE_WITH_TIMEOUT(testing::managedContainers(*m_client), 0, 30000); }

    // A refill that failed (here: the image was not there yet; in life: the engine was away) is tried
    // again on the next acquire: the pool does not stay empty for the same settings for good.
    void refillsAgainAfterAFailedRefill()
    {
        const std::string repo = "agentrun-sandbox";
        const std::string tag = "pooltest-later";
        const std::string image = repo + ":" + tag;
        (void)m_client->removeImage(image);
        sandbox::ContainerPool pool(*m_sandboxes, 1);
        auto missing = pool.acquire(smallLimits(), image);
        QVERIFY(!missing);
        std::this_thread::sleep_for(2s); // the worker's refill for these settings fails meanwhile
        QVERIFY2(pool.readyCount() == 0, "a pool container of an image that did not exist");
        auto tagged = m_client->tagImage(testing::sandboxImage(), repo, tag);
        QVERIFY2(tagged, tagged ? "" : tagged.error().message.c_str());
        auto made = pool.acquire(smallLimits(), image);
        QVERIFY2(made, made ? "" : made.error().message.c_str());
        QVERIFY(!made->fromPool);
        pool.discard(made->id);
        const bool warm = pool.waitUntilWarm(smallLimits(), image, 60s);
        (void)m_client->removeImage(image); // the tag only: the image keeps its other names
        QVERIFY2(warm, "the pool did not refill after its refill had failed once");
    }

    void backgroundWorkWaitsForTheRunInFlight()
    {
        sandbox::ContainerPool pool(*m_sandboxes, 2);
        QVERIFY(pool.waitUntilWarm(smallLimits(), testing::sandboxImage(), 60s));
        std::string usedId;
        {
            sandbox::ContainerPool::RunScope inFlight(pool);
            auto container = pool.acquire(smallLimits(), testing::sandboxImage());
            QVERIFY2(container.has_value(), container ? "" : container.error().message.c_str());
            QVERIFY(container->fromPool);
            usedId = container->id;
            pool.discard(container->id);
            // One warm container is still there for the next run: neither the refill nor the removal
            // may compete with this run. (A refill takes ~0.3 s here; 1.5 s leaves room to be seen.)
            std::this_thread::sleep_for(1500ms);
            QCOMPARE(pool.readyCount(), 1);
            QVERIFY(exists(*m_client, usedId));
        }
        QTRY_VERIFY_WITH_TIMEOUT(!exists(*m_client, usedId), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(pool.readyCount(), 2, 30000);
    }

    void refillDoesNotWaitWhenNoWarmContainerIsLeft()
    {
        sandbox::ContainerPool pool(*m_sandboxes, 2);
        QVERIFY(pool.waitUntilWarm(smallLimits(), testing::sandboxImage(), 60s));
        sandbox::ContainerPool::RunScope inFlight(pool);
        auto first = pool.acquire(smallLimits(), testing::sandboxImage());
        auto second = pool.acquire(smallLimits(), testing::sandboxImage());
        QVERIFY(first && second && first->fromPool && second->fromPool);
        // The next run would find nothing: the pool refills while both runs are still in flight.
        QTRY_VERIFY_WITH_TIMEOUT(pool.readyCount() >= 1, 30000);
        pool.discard(first->id);
        pool.discard(second->id);
    }

    void usedContainersDoNotPileUpDuringLongRuns()
    {
        sandbox::ContainerPool pool(*m_sandboxes, 1);
        QVERIFY(pool.waitUntilWarm(smallLimits(), testing::sandboxImage(), 60s));
        std::vector<std::string> used;
        const auto waiting = [&] {
            return std::ranges::count_if(used, [&](const std::string& id) { return exists(*m_client, id); });
        };
        {
            sandbox::ContainerPool::RunScope inFlight(pool);
            for (int i = 0; i < 6; ++i) {
                auto container = pool.make(smallLimits(), testing::sandboxImage());
                QVERIFY2(container.has_value(), container ? "" : container.error().message.c_str());
                used.push_back(container->id);
                pool.discard(container->id);
            }
            // At most three used containers wait for the run to end; the others go while it runs.
            QTRY_VERIFY_WITH_TIMEOUT(waiting() <= 3, 30000);
            std::this_thread::sleep_for(500ms);
            QVERIFY(waiting() >= 1); // and the pool does hold some back
        }
        QTRY_COMPARE_WITH_TIMEOUT(waiting(), 0, 30000);
    }

private:
    std::unique_ptr<engine::Client> m_client;
    std::unique_ptr<sandbox::DockerSandboxes> m_sandboxes;
};

QTEST_APPLESS_MAIN(TestPool)
#include "tst_pool.moc"
