// The engine client's volume and image-list calls the dependency cache stands on: volumes found by
// label, inspected (absent is not an error), removed with what the removal found (removed, absent, in
// use by a container), and image lists filtered by label with `findImage` answering "none" for a
// missing image.
#include "helper_engine.h"

#include <QTest>

#include <unistd.h>

using namespace agentrun;
using Removal = engine::Client::Removal;

class TestVolumes : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<engine::Client> m_client;
    const std::string m_labelKey = "org.agentrun.test.volumes";
    const std::string m_labelValue = std::to_string(::getpid());
    const std::string m_label = m_labelKey + "=" + m_labelValue;
    const std::string m_name = "agentrun-test-volume-" + std::to_string(::getpid());
    std::string m_container;

private Q_SLOTS:
    void initTestCase() { m_client = testing::requireEngine(); }

    void cleanupTestCase()
    {
        if (!m_container.empty())
            m_client->removeContainer(m_container, true);
        m_client->removeVolume(m_name);
    }

    void createListInspect()
    {
        QVERIFY(
            m_client->createVolume(m_name, {{m_labelKey, m_labelValue}, {"org.agentrun.test.note", "kept"}})
                .has_value());
        auto listed = m_client->listVolumes(m_label);
        QVERIFY2(listed.has_value(), listed ? "" : listed.error().message.c_str());
        QCOMPARE(listed->size(), std::size_t(1));
        QCOMPARE(listed->front().name, m_name);
        QCOMPARE(listed->front().labels.at("org.agentrun.test.note"), std::string("kept"));
        QVERIFY(!listed->front().createdAt.empty());
        auto inspected = m_client->inspectVolume(m_name);
        QVERIFY(inspected.has_value() && inspected->has_value());
        QCOMPARE((*inspected)->createdAt, listed->front().createdAt);
        // Another label matches nothing.
        auto none = m_client->listVolumes(m_label + "-other");
        QVERIFY(none.has_value());
        QVERIFY(none->empty());
        auto usage = m_client->volumeUsage();
        QVERIFY2(usage.has_value(), usage ? "" : usage.error().message.c_str());
        QVERIFY(usage->contains(m_name));
        QCOMPARE(usage->at(m_name).refCount, std::int64_t(0));
    }

    void aVolumeInUseIsNotRemoved()
    {
        // A created, never started container holding the volume: the engine refuses the removal.
        const nlohmann::json spec = {
            {"Image", testing::sandboxImage()},
            {"Entrypoint", {"/nonexistent"}},
            {"Labels", {{"org.agentrun.test", "1"}}},
            {"HostConfig",
             {{"NetworkMode", "none"},
              {"Mounts", {{{"Type", "volume"}, {"Source", m_name}, {"Target", "/data"}}}}}},
        };
        auto id = m_client->createContainer(spec);
        QVERIFY2(id.has_value(), id ? "" : id.error().message.c_str());
        m_container = *id;
        auto busy = m_client->removeVolume(m_name);
        QVERIFY(busy.has_value());
        QCOMPARE(*busy, Removal::InUse);
        QVERIFY(m_client->inspectVolume(m_name)->has_value());
        QVERIFY(m_client->removeContainer(m_container, true).has_value());
        m_container.clear();
        auto removed = m_client->removeVolume(m_name);
        QVERIFY(removed.has_value());
        QCOMPARE(*removed, Removal::Removed);
        // Gone: inspecting says "none", removing again says "absent"; neither is an error.
        auto inspected = m_client->inspectVolume(m_name);
        QVERIFY(inspected.has_value());
        QVERIFY(!inspected->has_value());
        auto again = m_client->removeVolume(m_name);
        QVERIFY(again.has_value());
        QCOMPARE(*again, Removal::Absent);
    }

    void imagesByFilter()
    {
        auto missing = m_client->findImage("agentrun-test-never-built:missing");
        QVERIFY(missing.has_value());
        QVERIFY(!missing->has_value());
        auto present = m_client->findImage(testing::sandboxImage());
        QVERIFY(present.has_value() && present->has_value());
        // The sandbox image carries its hash label: a label-key filter finds it, a value it does not have
        // does not.
        auto labelled = m_client->listImages(engine::Client::ImageFilter{{"org.agentrun.image-hash"}});
        QVERIFY(labelled.has_value());
        const std::string id = (**present).value("Id", "");
        QVERIFY(
            std::ranges::any_of(*labelled, [&](const auto& image) { return image.value("Id", "") == id; }));
        auto none = m_client->listImages(
            engine::Client::ImageFilter{{"org.agentrun.image-hash=not-a-hash"}, false, true});
        QVERIFY(none.has_value());
        QVERIFY(none->empty());
        auto absent = m_client->removeUnusedImage("agentrun-test-never-built:missing");
        QVERIFY(absent.has_value());
        QCOMPARE(*absent, Removal::Absent);
    }
};

QTEST_GUILESS_MAIN(TestVolumes)
#include "tst_volumes.moc"
