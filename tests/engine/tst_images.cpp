#include "helper_engine.h"

#include "agentrun/engine/tar.h"
#include "agentrun/sandbox/imagebuilder.h"

#include <QTest>

using namespace agentrun;

class TestImages : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { m_client = testing::requireEngine(); }

    void cleanupTestCase()
    {
        m_client->removeImage("agentrun-test-import:1", true);
        m_client->removeImage("agentrun-test-build:1", true);
        m_client->removeImage("agentrun-test-build:bad", true);
    }

    void sourcesHashMatchesTheImageLabel()
    {
        auto root = sandbox::locateSandboxSources();
        QVERIFY2(root.has_value(), root ? "" : root.error().message.c_str());
        auto inputs = sandbox::readSandboxInputs(*root);
        QVERIFY(inputs.has_value());
        QCOMPARE(inputs->files.front().first, std::string("packaging/sandbox/Dockerfile"));
        QVERIFY(std::ranges::any_of(
            inputs->files, [](const auto& file) { return file.first == "resources/agent/agent.py"; }));
        auto status = sandbox::sandboxImageStatus(*m_client, *inputs, testing::sandboxImage());
        QVERIFY(status.has_value());
        QVERIFY(status->present);
        QVERIFY2(status->current, "quickstart.sh and the core compute different image hashes");
    }

    void sha256KnownAnswer()
    {
        QCOMPARE(sandbox::sha256Hex("abc"),
                 std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }

    void importRootfsAndTag()
    {
        engine::TarWriter tar;
        QVERIFY(tar.addDirectory("etc").has_value());
        QVERIFY(tar.addFile("etc/hello.txt", "from an imported rootfs\n").has_value());
        auto id =
            m_client->importImage(tar.finish(), "agentrun-test-import", "1", {"LABEL org.agentrun.test=1"});
        QVERIFY2(id.has_value(), id ? "" : id.error().message.c_str());
        auto image = m_client->inspectImage("agentrun-test-import:1");
        QVERIFY(image.has_value());
        QCOMPARE((*image)["Config"]["Labels"].value("org.agentrun.test", ""), std::string("1"));
        QVERIFY(m_client->tagImage("agentrun-test-import:1", "agentrun-test-import", "2").has_value());
        QVERIFY(m_client->inspectImage("agentrun-test-import:2").has_value());
        QVERIFY(m_client->removeImage("agentrun-test-import:2").has_value());
        auto listed = m_client->listImages("org.agentrun.test=1");
        QVERIFY(listed.has_value());
        QCOMPARE(listed->size(), std::size_t(1));
    }

    void buildWithProgress()
    {
        engine::TarWriter tar;
        QVERIFY(tar.addFile("Dockerfile", "ARG BASE\nFROM ${BASE}\nRUN echo built-step > /tmp/marker\nLABEL "
                                          "org.agentrun.test=build\n")
                    .has_value());
        engine::Client::BuildOptions options;
        options.tag = "agentrun-test-build:1";
        options.buildArgs = {{"BASE", testing::sandboxImage()}};
        std::vector<std::string> lines;
        std::atomic<bool> cancel{false};
        auto id = m_client->buildImage(
            tar.finish(), options, [&](std::string_view line) { lines.emplace_back(line); }, cancel);
        QVERIFY2(id.has_value(), id ? "" : id.error().message.c_str());
        QVERIFY(id->starts_with("sha256:"));
        QVERIFY(
            std::ranges::any_of(lines, [](const std::string& line) { return line.starts_with("Step 1/4"); }));
        QVERIFY(std::ranges::any_of(lines, [](const std::string& line) {
            return line.find("RUN echo built-step") != std::string::npos;
        }));
    }

    void failedBuildStepIsReported()
    {
        engine::TarWriter tar;
        QVERIFY(tar.addFile("Dockerfile", "ARG BASE\nFROM ${BASE}\nRUN exit 3\n").has_value());
        engine::Client::BuildOptions options;
        options.tag = "agentrun-test-build:bad";
        options.buildArgs = {{"BASE", testing::sandboxImage()}};
        std::atomic<bool> cancel{false};
        auto id = m_client->buildImage(tar.finish(), options, {}, cancel);
        QVERIFY(!id.has_value());
        QCOMPARE(id.error().code, std::string("image.build_failed"));
        QVERIFY2(id.error().message.find("returned a non-zero code: 3") != std::string::npos,
                 id.error().message.c_str());
    }

    void missingBaseSaysHowToMakeIt()
    {
        auto root = sandbox::locateSandboxSources();
        QVERIFY(root.has_value());
        auto inputs = sandbox::readSandboxInputs(*root);
        QVERIFY(inputs.has_value());
        std::atomic<bool> cancel{false};
        auto built = sandbox::buildSandboxImage(*m_client, *inputs, "agentrun-no-such-base:1",
                                                "agentrun-test-build:never", {}, cancel);
        QVERIFY(!built.has_value());
        QCOMPARE(built.error().code, std::string("image.base_missing"));
        QVERIFY(built.error().message.find("build-base.sh") != std::string::npos);
    }

    void tarRefusesEscapingPaths()
    {
        engine::TarWriter tar;
        QCOMPARE(tar.addFile("../etc/passwd", "x").error().code, std::string("archive.path"));
        QCOMPARE(tar.addFile("/abs", "x").error().code, std::string("archive.path"));
    }

private:
    std::unique_ptr<engine::Client> m_client;
};

QTEST_APPLESS_MAIN(TestImages)
#include "tst_images.moc"
