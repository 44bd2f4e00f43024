// Files kept from a run into memory (RunSpec::collect without a folder, issue 17): the bytes come back in
// the result, through the same F1–F5 rules and caps as a copy to the host, all or nothing, from a fresh run
// and from a run in a session. Nothing touches the host's disk.
#include "helper_engine.h"

#include "agentrun/base64.h"
#include "agentrun/run/executor.h"
#include "agentrun/run/resultjson.h"

#include <QTest>

#include <functional>
#include <map>

using namespace agentrun;

namespace {

model::RunResult runWith(run::Executor& executor, const std::string& code, std::vector<std::string> paths,
                         const std::function<void(model::CollectRequest&)>& adjust = {},
                         const std::string& session = {})
{
    model::RunSpec request;
    request.code = code;
    request.skipCheck = true; // the container and the copy are under test, not the lint
    request.limits.timeoutSeconds = 30;
    request.collect.paths = std::move(paths); // no destination: into memory
    request.sessionId = session;
    if (adjust) {
        adjust(request.collect);
    }
    run::RunObserver observer;
    run::CancelToken cancel;
    return executor.run(request, observer, cancel);
}

std::map<std::string, std::string> contentsOf(const model::RunResult& result)
{
    std::map<std::string, std::string> out;
    for (const auto& file : result.files.contents) {
        out[file.path] = file.data;
    }
    return out;
}

std::map<std::string, std::string> rejectedOf(const model::RunResult& result)
{
    std::map<std::string, std::string> out;
    for (const auto& r : result.files.rejected) {
        out[r.archivePath] = r.reason;
    }
    return out;
}

} // namespace

class TestCollectMemory : public QObject
{
    Q_OBJECT

    std::unique_ptr<engine::Client> m_client;
    std::unique_ptr<run::Executor> m_executor;
    int m_baseline = 0;

private Q_SLOTS:
    void initTestCase()
    {
        m_client = testing::requireEngine();
        m_baseline = testing::managedContainers(*m_client);
        run::ExecutorConfig config{testing::sandboxImage(), {}, 0};
        config.sessions.maxSessions = 2;
        m_executor = std::make_unique<run::Executor>(config);
    }

    void cleanupTestCase()
    {
        m_executor.reset();
        QTRY_COMPARE_WITH_TIMEOUT(testing::managedContainers(*m_client), m_baseline, 30000);
    }

    void filesComeBackWithTheirBytes()
    {
        const auto result = runWith(*m_executor, R"py(import os
os.makedirs("outputs/plots", exist_ok=True)
open("out.csv", "w").write("a,b\n1,2\n")
open("outputs/plots/p.bin", "wb").write(bytes(range(256)) * 100)
open("outputs/empty.txt", "w").close()
os.makedirs("outputs/nothing")
print("written")
)py",
                                    {"out.csv", "outputs/", "absent.txt"});
        QVERIFY2(result.status == model::Status::Ok, result.message.c_str());
        QVERIFY(result.files.requested);
        QVERIFY(result.files.inMemory);
        std::string binary;
        for (int i = 0; i < 100; ++i) {
            for (int b = 0; b < 256; ++b) {
                binary.push_back(static_cast<char>(b));
            }
        }
        const auto contents = contentsOf(result);
        QCOMPARE(contents.size(), std::size_t{3});
        QCOMPARE(contents.at("out.csv"), std::string("a,b\n1,2\n"));
        QVERIFY(contents.at("outputs/plots/p.bin") == binary);
        QCOMPARE(contents.at("outputs/empty.txt"), std::string());
        QCOMPARE(result.files.copied.size(), std::size_t{3});
        QCOMPARE(result.files.error,
                 std::string("Not found in the working directory, so not copied: absent.txt."));
        // The JSON answer: every file with its size and base64 data; without the output, sizes only.
        const auto json = run::toJson(result);
        QCOMPARE(json["files"]["in_memory"].get<bool>(), true);
        bool sawBinary = false;
        for (const auto& item : json["files"]["contents"]) {
            if (item["path"] == "outputs/plots/p.bin") {
                sawBinary = item["size"].get<std::size_t>() == binary.size() &&
                            base64Decode(item["data"].get<std::string>()).value_or("") == binary;
            }
        }
        QVERIFY(sawBinary);
        QVERIFY(!run::toJsonWithoutOutput(result)["files"]["contents"][0].contains("data"));
    }

    void linksFifosAndOversizeFilesAreRefusedAndNamed()
    {
        const auto result = runWith(*m_executor, R"py(import os
os.makedirs("out/real", exist_ok=True)
open("out/real/ok.txt", "w").write("ok")
os.symlink("/etc/passwd", "out/r.txt")
os.mkfifo("out/fifo")
open("out/new\nline", "w").write("n")
)py",
                                    {"out"});
        QVERIFY2(result.status == model::Status::Ok, result.message.c_str());
        QCOMPARE(result.files.error, std::string());
        const auto rejected = rejectedOf(result);
        QCOMPARE(rejected.at("out/r.txt"),
                 std::string("symbolic link to etc/passwd; links are never copied out"));
        QCOMPARE(rejected.at("out/fifo"), std::string("FIFO; special files are never copied out"));
        const auto contents = contentsOf(result);
        QCOMPARE(contents.size(), std::size_t{2});
        QCOMPARE(contents.at("out/real/ok.txt"), std::string("ok"));
        QCOMPARE(contents.at("out/new_line"), std::string("n"));

        // One file over the per-file cap aborts the copy and is named; nothing is kept.
        const auto big = runWith(
            *m_executor, "open('small.txt', 'w').write('s')\nopen('big.bin', 'wb').write(b'x' * 300000)\n",
            {"small.txt", "big.bin"}, [](model::CollectRequest& c) { c.limits.maxFileBytes = 100000; });
        QVERIFY2(big.status == model::Status::Ok, big.message.c_str());
        QVERIFY2(big.files.error.starts_with("The copy was aborted: big.bin is 300000 bytes, over the "
                                             "per-file cap of 100000 bytes."),
                 big.files.error.c_str());
        QVERIFY(big.files.contents.empty());
        QVERIFY(big.files.copied.empty());
    }

    void theTotalCapAbortsAllOrNothing()
    {
        // Three files of 400 kB under a 1 MB memory cap: the third passes the cap, the two read before it
        // are dropped too.
        const std::string code = "for i in range(3):\n    open('f%d.bin' % i, 'wb').write(b'x' * 400000)\n";
        const auto result = runWith(*m_executor, code, {"f0.bin", "f1.bin", "f2.bin"},
                                    [](model::CollectRequest& c) { c.memoryTotalBytes = 1000000; });
        QVERIFY2(result.status == model::Status::Ok, result.message.c_str());
        QVERIFY2(result.files.error.starts_with(
                     "The copy was aborted: the files exceed the total cap of 1000000 bytes (at f2.bin)."),
                 result.files.error.c_str());
        QVERIFY2(result.files.error.ends_with("Nothing was kept: the 2 file(s) read before the stop were "
                                              "dropped."),
                 result.files.error.c_str());
        QVERIFY(result.files.contents.empty());
        QVERIFY(result.files.copied.empty());
        QVERIFY(run::toJson(result)["files"]["contents"].empty());

        // The default memory cap is lower than the host copy's: 16 MiB, whatever limits.maxTotalBytes says.
        const auto over = runWith(*m_executor,
                                  "open('a.bin', 'wb').write(b'x' * (9 << 20))\n"
                                  "open('b.bin', 'wb').write(b'y' * (9 << 20))\n",
                                  {"a.bin", "b.bin"});
        QVERIFY2(over.files.error.starts_with("The copy was aborted: the files exceed the total cap of " +
                                              std::to_string(model::MemoryCollectTotalBytes) + " bytes"),
                 over.files.error.c_str());
        QVERIFY(over.files.contents.empty());
    }

    void aRunInASessionCollects()
    {
        auto session = m_executor->openSession({});
        QVERIFY2(session, session ? "" : session.error().message.c_str());
        const auto first = runWith(*m_executor, "rows = ['x,y', '1,2']\nprint('kept')", {}, {}, session->id);
        QVERIFY2(first.status == model::Status::Ok, first.message.c_str());
        QVERIFY(!first.files.requested);
        // The second run writes from the state the first left, and its files come back.
        const auto second = runWith(
            *m_executor,
            "import os\nos.makedirs('outputs', exist_ok=True)\n"
            "open('outputs/table.csv', 'w').write('\\n'.join(rows))\nos.symlink('/etc', 'outputs/l')\n",
            {"outputs"}, {}, session->id);
        QVERIFY2(second.status == model::Status::Ok, (second.message + second.stderrData).c_str());
        QVERIFY(second.session && !second.session->restarted);
        QVERIFY(second.files.inMemory);
        QCOMPARE(contentsOf(second), (std::map<std::string, std::string>{{"outputs/table.csv", "x,y\n1,2"}}));
        QCOMPARE(rejectedOf(second).at("outputs/l"),
                 std::string("symbolic link to etc; links are never copied out"));
        // The session goes on: its state and its files are still there for the next run.
        const auto third = runWith(*m_executor, "print(len(rows), open('outputs/table.csv').read()[:3])",
                                   {"outputs/table.csv"}, {}, session->id);
        QCOMPARE(third.stdoutData, std::string("2 x,y\n"));
        QCOMPARE(contentsOf(third).at("outputs/table.csv"), std::string("x,y\n1,2"));
        // A run that restarts the session copies nothing and says why.
        const auto killed =
            runWith(*m_executor, "import os\nopen('a.txt', 'w').write('a')\nos.kill(os.getpid(), 9)",
                    {"a.txt"}, {}, session->id);
        QVERIFY(killed.session && killed.session->restarted);
        QVERIFY(killed.files.contents.empty());
        QCOMPARE(killed.files.error,
                 std::string("No files were copied: the session restarted, and its working "
                             "directory went with its sandbox."));
        QVERIFY(m_executor->closeSession(session->id));
    }
};

QTEST_GUILESS_MAIN(TestCollectMemory)
#include "tst_collectmemory.moc"
