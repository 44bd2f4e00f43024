// Archive endpoints and copy-out against the real engine (issue 3; docs/security.md, "Files copied out of
// a container", F1–F6), and the events stream (die, kill, oom seen for a labelled container).
#include "helper_engine.h"

#include "agentrun/engine/demuxer.h"
#include "agentrun/engine/tar.h"
#include "agentrun/model/limits.h"
#include "agentrun/sandbox/containerspec.h"
#include "agentrun/sandbox/copyout.h"
#include "agentrun/sandbox/dockersandboxes.h"

#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <unistd.h>

using namespace agentrun;
using namespace std::chrono_literals;

namespace {

std::string testLabel()
{
    return "archive-" + std::to_string(::getpid());
}

/// A plain, writable container (not a sandbox: root, default capabilities) that sleeps, so the test
/// can plant hostile files with exec. No network.
nlohmann::json plainSpec()
{
    return {{"Image", testing::sandboxImage()},
            {"Entrypoint", {"sleep", "600"}},
            {"User", "0"},
            {"Labels",
             {{"org.agentrun.test", testLabel()}, {"org.agentrun.owner-pid", std::to_string(::getpid())}}},
            {"HostConfig", {{"NetworkMode", "none"}}}};
}

std::string execIn(engine::Client& client, const std::string& id, const std::string& script)
{
    engine::Client::ExecOptions options;
    options.cmd = {"sh", "-c", script};
    options.user = "0";
    auto exec = client.createExec(id, options);
    if (!exec) {
        return "exec create failed: " + exec.error().message;
    }
    auto stream = client.startExec(*exec);
    if (!stream) {
        return "exec start failed: " + stream.error().message;
    }
    std::string output;
    engine::FrameDemuxer demuxer(
        [&](engine::FrameDemuxer::Channel, std::string_view bytes) { output.append(bytes); });
    demuxer.feed(stream->takeLeftover());
    bool eof = false;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!eof && std::chrono::steady_clock::now() < deadline) {
        auto chunk = stream->read(100ms, eof);
        if (!chunk) {
            break;
        }
        demuxer.feed(*chunk);
    }
    auto state = client.inspectExec(*exec);
    if (!state || state->value("ExitCode", -1) != 0) {
        return "exec failed: " + output;
    }
    return {};
}

std::string readFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

} // namespace

class TestArchive : public QObject
{
    Q_OBJECT

    std::unique_ptr<engine::Client> m_client;
    std::unique_ptr<sandbox::DockerSandboxes> m_sandboxes;
    sandbox::SandboxEngine& sandboxes()
    {
        if (!m_sandboxes) {
            m_sandboxes = std::make_unique<sandbox::DockerSandboxes>(*m_client);
        }
        return *m_sandboxes;
    }

    std::string startPlain()
    {
        auto id = m_client->createContainer(plainSpec());
        if (!id) {
            qFatal("create: %s", id.error().message.c_str());
        }
        if (auto started = m_client->startContainer(*id); !started) {
            qFatal("start: %s", started.error().message.c_str());
        }
        return *id;
    }

    void stop(const std::string& id)
    {
        QVERIFY(m_client->killContainer(id));
        QVERIFY(m_client->waitContainer(id, 30s));
    }

private Q_SLOTS:
    void initTestCase() { m_client = testing::requireEngine(); }

    void cleanupTestCase()
    {
        QVERIFY(m_client->removeByLabel("org.agentrun.test=" + testLabel()));
        QCOMPARE(m_client->listContainers("org.agentrun.test=" + testLabel())->size(), std::size_t{0});
    }

    void roundTrip()
    {
        const auto id = startPlain();
        engine::TarWriter tar;
        QVERIFY(tar.addDirectory("box"));
        QVERIFY(tar.addFile("box/a.txt", "alpha\n"));
        QVERIFY(tar.addFile("box/sub/b.bin", std::string(200000, '\x07')));
        QVERIFY(m_client->putArchive(id, "/", tar.finish()));
        QCOMPARE(execIn(*m_client, id, "test \"$(cat /box/a.txt)\" = alpha && test -s /box/sub/b.bin"),
                 std::string());

        // F6: never from a running container (it could swap a directory for a link mid-copy)…
        QTemporaryDir destination;
        auto running = sandbox::copyOut(sandboxes(), id, "/box", destination.path().toStdString());
        QVERIFY(!running);
        QCOMPARE(running.error().code, std::string("copyout.running"));
        QVERIFY(std::filesystem::is_empty(destination.path().toStdString()));
        // …paused is as good as stopped: no process can run while frozen.
        QVERIFY(m_client->request("POST", "/containers/" + id + "/pause"));
        auto paused = sandbox::copyOut(sandboxes(), id, "/box", destination.path().toStdString());
        QVERIFY2(paused, paused ? "" : paused.error().message.c_str());
        QVERIFY(m_client->request("POST", "/containers/" + id + "/unpause"));
        stop(id);

        const std::filesystem::path root = destination.path().toStdString();
        QCOMPARE(readFile(root / "box/a.txt"), std::string("alpha\n"));
        QCOMPARE(readFile(root / "box/sub/b.bin"), std::string(200000, '\x07'));
        QCOMPARE(paused->bytes, std::uint64_t{200006});
        QVERIFY(paused->rejected.empty());

        auto missing = sandbox::copyOut(sandboxes(), id, "/nowhere", destination.path().toStdString());
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, std::string("archive.missing"));
        QCOMPARE(missing.error().message,
                 "There is no /nowhere in container " + id.substr(0, 12) +
                     " (tmpfs mounts are not visible to the engine's archive endpoint).");
    }

    void hostileTreeNeverReachesTheHost()
    {
        const auto id = startPlain();
        // F1–F3 and F5 planted by "user code": links out, devices, a FIFO, a hard link, odd names.
        const std::string plant = R"sh(set -e
mkdir -p /out/deep
echo good > /out/good.txt
ln -s /etc/passwd /out/r.txt
ln -s ../../../../home/u/.bashrc /out/x
ln /out/good.txt /out/hard
mkfifo /out/fifo
mknod /out/null c 1 3
printf 'n' > "$(printf '/out/new\nline')"
printf 'b' > "$(printf '/out/invoice\342\200\256txt.exe')"
d=/out/deep; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do d=$d/$(printf '%0250d' $i); done
mkdir -p "$d"; echo deep > "$d/f")sh";
        QCOMPARE(execIn(*m_client, id, plant), std::string());
        stop(id);

        QTemporaryDir destination;
        const std::filesystem::path root = destination.path().toStdString();
        auto copied = sandbox::copyOut(sandboxes(), id, "/out", root);
        QVERIFY2(copied, copied ? "" : copied.error().message.c_str());
        QCOMPARE(readFile(root / "out/good.txt"), std::string("good\n"));
        QCOMPARE(readFile(root / "out/new_line"), std::string("n"));
        QCOMPARE(readFile(root / "out/invoice_txt.exe"), std::string("b"));

        std::map<std::string, std::string> rejected;
        for (const auto& r : copied->rejected) {
            rejected[r.archivePath] = r.reason;
        }
        QCOMPARE(rejected["out/r.txt"],
                 std::string("symbolic link to etc/passwd; links are never copied out"));
        QCOMPARE(rejected["out/x"],
                 std::string("symbolic link to ../../../../home/u/.bashrc; links are never copied out"));
        QCOMPARE(rejected["out/fifo"], std::string("FIFO; special files are never copied out"));
        QCOMPARE(rejected["out/null"], std::string("character device; devices are never copied out"));
        // The engine writes a hard link's second name as a link entry; whichever name it keeps as the
        // file, the other is refused.
        QVERIFY(rejected.count("out/hard") || rejected.count("out/good.txt"));
        bool deepRejected = false;
        for (const auto& [path, reason] : rejected) {
            deepRejected = deepRejected || reason == "its name is longer than 1024 bytes";
        }
        QVERIFY(deepRejected);

        // Nothing but regular files and directories exists under the destination.
        for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
            QVERIFY2(entry.is_regular_file() || (entry.is_directory() && !entry.is_symlink()),
                     entry.path().c_str());
        }
    }

    void capsAbortEarly()
    {
        const auto id = startPlain();
        QCOMPARE(execIn(*m_client, id,
                        "mkdir -p /big /many && truncate -s 10G /big/sparse.bin && "
                        "cd /many && i=0; while [ $i -lt 1500 ]; do : > f$i; i=$((i+1)); done"),
                 std::string());
        stop(id);

        QTemporaryDir destination;
        const auto start = std::chrono::steady_clock::now();
        auto big = sandbox::copyOut(sandboxes(), id, "/big", destination.path().toStdString());
        const auto took = std::chrono::steady_clock::now() - start;
        QVERIFY(!big);
        QCOMPARE(big.error().code, std::string("archive.file_too_large"));
        QCOMPARE(big.error().message,
                 std::string("The copy was aborted: big/sparse.bin is 10737418240 bytes, "
                             "over the per-file cap of 16777216 bytes."));
        QVERIFY2(took < 10s, "the 10 GB file must be refused from its header, not read");

        model::TarLimits limits;
        limits.maxEntries = 1000;
        QTemporaryDir other;
        auto many = sandbox::copyOut(sandboxes(), id, "/many", other.path().toStdString(), limits);
        QVERIFY(!many);
        QCOMPARE(many.error().code, std::string("archive.too_many_entries"));
    }

    void sandboxRootIsReadOnly()
    {
        model::Limits limits;
        auto spec = sandbox::containerSpec(limits, testing::sandboxImage());
        spec["Entrypoint"] = {"sleep", "60"};
        spec["Labels"]["org.agentrun.test"] = testLabel();
        spec["Labels"]["org.agentrun.owner-pid"] = std::to_string(::getpid());
        auto id = m_client->createContainer(spec);
        QVERIFY(id);
        QVERIFY(m_client->startContainer(*id));
        engine::TarWriter tar;
        QVERIFY(tar.addFile("planted.txt", "x"));
        auto put = m_client->putArchive(*id, "/", tar.finish());
        QVERIFY(!put);
        QCOMPARE(put.error().code, std::string("archive.read_only"));
        QVERIFY(m_client->removeContainer(*id));
    }

    void eventsShowKillDieAndOom()
    {
        struct Seen
        {
            std::mutex mutex;
            std::vector<std::pair<std::string, engine::Client::Event>> events; // (container id, event)
        } seen;
        std::atomic<bool> stop{false};
        std::atomic<bool> failed{false};
        std::thread follower([&] {
            auto streamed = m_client->streamEvents(
                "org.agentrun.test=" + testLabel(), {"container"},
                [&](const engine::Client::Event& event) {
                    std::lock_guard lock(seen.mutex);
                    seen.events.emplace_back(event.id, event);
                    return true;
                },
                stop);
            failed = !streamed;
        });
        std::this_thread::sleep_for(500ms); // the subscription is in place before the container starts

        const auto killed = startPlain();
        QVERIFY(m_client->killContainer(killed));
        QVERIFY(m_client->waitContainer(killed, 30s));

        model::Limits limits;
        limits.memoryBytes = 64ll << 20;
        limits.memorySwapBytes = 64ll << 20;
        limits.tmpfsBytes = 8ll << 20;
        auto spec = sandbox::containerSpec(limits, testing::sandboxImage());
        spec["Entrypoint"] = {"python3", "-c", "x = bytearray(512 << 20)"};
        spec["Labels"]["org.agentrun.test"] = testLabel();
        spec["Labels"]["org.agentrun.owner-pid"] = std::to_string(::getpid());
        auto hog = m_client->createContainer(spec);
        QVERIFY(hog);
        QVERIFY(m_client->startContainer(*hog));
        QVERIFY(m_client->waitContainer(*hog, 60s));

        auto has = [&](const std::string& id, const std::string& action) {
            std::lock_guard lock(seen.mutex);
            return std::ranges::any_of(
                seen.events, [&](const auto& e) { return e.first == id && e.second.action == action; });
        };
        QTRY_VERIFY_WITH_TIMEOUT(has(killed, "die") && has(*hog, "die") && has(*hog, "oom"), 10000);
        QVERIFY(has(killed, "start"));
        QVERIFY(has(killed, "kill"));
        {
            std::lock_guard lock(seen.mutex);
            for (const auto& [id, event] : seen.events) {
                if (id == killed && event.action == "kill") {
                    QCOMPARE(event.attributes.at("signal"), std::string("9"));
                }
                if (id == killed && event.action == "die") {
                    QCOMPARE(event.attributes.at("exitCode"), std::string("137"));
                    QCOMPARE(event.attributes.at("org.agentrun.test"), testLabel());
                }
                QCOMPARE(event.type, std::string("container"));
            }
        }

        // Cancelling from another thread ends the stream promptly, even when no event comes.
        const auto start = std::chrono::steady_clock::now();
        stop = true;
        follower.join();
        QVERIFY(!failed);
        QVERIFY(std::chrono::steady_clock::now() - start < 3s);
        QVERIFY(m_client->removeContainer(killed));
        QVERIFY(m_client->removeContainer(*hog));
    }
};

QTEST_GUILESS_MAIN(TestArchive)
#include "tst_archive.moc"
