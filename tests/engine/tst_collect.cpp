// Files kept from a run (RunSpec::collect): copied out after the program ended, through the F1–F6
// rules, whatever the program planted in its working directory.
#include "helper_engine.h"

#include "agentrun/run/executor.h"
#include "agentrun/run/resultjson.h"

#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

using namespace agentrun;

namespace {

std::string readFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

model::RunResult runWith(run::Executor& executor, const std::string& code, std::vector<std::string> paths,
                         const QTemporaryDir& destination, double timeout = 20,
                         const std::function<void(model::CollectRequest&)>& adjust = {})
{
    model::RunSpec request;
    request.code = code;
    request.skipCheck = true; // the container and the copy are under test, not the lint
    request.limits.timeoutSeconds = timeout;
    request.collect.paths = std::move(paths);
    request.collect.destination = destination.path().toStdString();
    if (adjust) {
        adjust(request.collect);
    }
    run::RunObserver observer;
    run::CancelToken cancel;
    return executor.run(request, observer, cancel);
}

} // namespace

class TestCollect : public QObject
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
        m_executor = std::make_unique<run::Executor>(run::ExecutorConfig{testing::sandboxImage(), {}, 0});
    }

    void cleanupTestCase()
    {
        m_executor.reset();
        QTRY_COMPARE_WITH_TIMEOUT(testing::managedContainers(*m_client), m_baseline, 30000);
    }

    void copiesWhatTheRunWrote()
    {
        QTemporaryDir destination;
        const auto result = runWith(*m_executor, R"py(import os
os.makedirs("out/plots", exist_ok=True)
open("out/report.csv", "w").write("a,b\n1,2\n")
open("out/plots/p.bin", "wb").write(bytes(range(256)) * 100)
open("summary.txt", "w").write("done")
print("written")
)py",
                                    {"out", "summary.txt", "absent.txt"}, destination);
        QVERIFY2(result.status == model::Status::Ok, result.message.c_str());
        QCOMPARE(result.stdoutData, std::string("written\n"));
        const std::filesystem::path root = destination.path().toStdString();
        QCOMPARE(readFile(root / "out/report.csv"), std::string("a,b\n1,2\n"));
        QCOMPARE(readFile(root / "out/plots/p.bin").size(), std::size_t{25600});
        QCOMPARE(readFile(root / "summary.txt"), std::string("done"));
        QCOMPARE(result.files.copied.size(), std::size_t{3});
        // Each file's size, in the order of `copied` (the history records them).
        std::map<std::string, std::uint64_t> sizes;
        QCOMPARE(result.files.sizes.size(), result.files.copied.size());
        for (std::size_t i = 0; i < result.files.copied.size(); ++i) {
            sizes[result.files.copied[i]] = result.files.sizes[i];
        }
        QCOMPARE(sizes, (std::map<std::string, std::uint64_t>{
                            {"out/report.csv", 8}, {"out/plots/p.bin", 25600}, {"summary.txt", 4}}));
        QCOMPARE(result.files.error,
                 std::string("Not found in the working directory, so not copied: absent.txt."));
        const auto json = run::toJson(result);
        QCOMPARE(json["files"]["copied"].size(), std::size_t{3});
    }

    void hostileFilesNeverReachTheHost()
    {
        QTemporaryDir destination;
        // F1–F5 from the program itself; a background process keeps swapping a folder for a link (F6):
        // the copy starts only once every process of the run is gone.
        const auto result = runWith(*m_executor, R"py(import os, time
os.makedirs("out/real", exist_ok=True)
open("out/real/ok.txt", "w").write("ok")
os.symlink("/etc/passwd", "out/r.txt")
os.symlink("../../../../home/u/.bashrc", "out/x")
os.mkfifo("out/fifo")
os.link("out/real/ok.txt", "out/hard")
open("out/new\nline", "w").write("n")
open("out/invoice\u202etxt.exe", "w").write("b")
os.makedirs("big")
with open("big/sparse.bin", "wb") as f:
    f.truncate(64 << 20)
if os.fork() == 0:
    os.setsid()
    while True:
        try:
            os.rename("out/real", "out/tmp"); os.symlink("/etc", "out/real")
            os.unlink("out/real"); os.rename("out/tmp", "out/real")
        except OSError:
            pass
time.sleep(0.2)
print("planted")
)py",
                                    {"out", "big"}, destination);
        QVERIFY2(result.status == model::Status::Ok, result.message.c_str());
        QVERIFY2(result.files.error.starts_with("The copy was aborted: big/sparse.bin is 67108864 bytes"),
                 result.files.error.c_str());
        std::map<std::string, std::string> rejected;
        for (const auto& r : result.files.rejected) {
            rejected[r.archivePath] = r.reason;
        }
        QCOMPARE(rejected["out/r.txt"],
                 std::string("symbolic link to etc/passwd; links are never copied out"));
        QCOMPARE(rejected["out/fifo"], std::string("FIFO; special files are never copied out"));
        // The abort keeps nothing: what was copied before it was removed (all or nothing).
        const std::filesystem::path root = destination.path().toStdString();
        QVERIFY2(std::filesystem::is_empty(root), result.files.error.c_str());
        QVERIFY(result.files.copied.empty());
        QVERIFY2(result.files.error.ends_with("file(s) copied before the stop were removed."),
                 result.files.error.c_str());
        // One line per case, as the security suite prints them (docs/security.md).
        const double ms = result.durations.totalMs;
        std::printf("SECURITY %-9s %-16s %8.0f  %s\n", "F1", "rejected", ms, rejected["out/r.txt"].c_str());
        std::printf("SECURITY %-9s %-16s %8.0f  %s\n", "F2", "rejected", ms, rejected["out/x"].c_str());
        std::printf("SECURITY %-9s %-16s %8.0f  %s\n", "F3", "rejected", ms, rejected["out/fifo"].c_str());
        std::printf("SECURITY %-9s %-16s %8.0f  %s\n", "F4", "aborted", ms, result.files.error.c_str());
        std::printf("SECURITY %-9s %-16s %8.0f  %s\n", "F6", "no swap", ms,
                    "copied after every process of the run was killed; only files and folders arrived");
    }

    void sanitisedNamesAndNoSwapWithinTheCaps()
    {
        QTemporaryDir destination;
        const auto result = runWith(*m_executor, R"py(import os
os.makedirs("out/real", exist_ok=True)
open("out/real/ok.txt", "w").write("ok")
open("out/new\nline", "w").write("n")
open("out/invoice\u202etxt.exe", "w").write("b")
os.symlink("/etc/passwd", "out/r.txt")
)py",
                                    {"out"}, destination);
        QVERIFY2(result.status == model::Status::Ok, result.message.c_str());
        QCOMPARE(result.files.error, std::string());
        const std::filesystem::path root = destination.path().toStdString();
        QCOMPARE(readFile(root / "out/real/ok.txt"), std::string("ok"));
        QCOMPARE(readFile(root / "out/new_line"), std::string("n"));
        QCOMPARE(readFile(root / "out/invoice_txt.exe"), std::string("b"));
        QCOMPARE(result.files.rejected.size(), std::size_t{1});
        std::printf("SECURITY %-9s %-16s %8.0f  %s\n", "F5", "sanitised", result.durations.totalMs,
                    "out/new_line, out/invoice_txt.exe");
    }

    // Issue 21 item 10, each part from a real run: names that sanitise the same both arrive (one with a
    // suffix); execute bits go unless asked; a link among a path's folders is never followed, even in
    // the container; a copy stopped by the entry cap keeps nothing; a folder with files in it is refused.
    void namesThatSanitiseTheSameBothArrive()
    {
        QTemporaryDir destination;
        const auto result = runWith(*m_executor, R"py(import os
os.makedirs("out")
open("out/a\nb", "w").write("newline")
open("out/a_b", "w").write("underscore")
)py",
                                    {"out"}, destination);
        QVERIFY2(result.status == model::Status::Ok, (result.message + result.stderrData).c_str());
        QCOMPARE(result.files.error, std::string());
        const std::filesystem::path root = destination.path().toStdString();
        std::set<std::string> contents{readFile(root / "out/a_b"), readFile(root / "out/a_b~2")};
        QCOMPARE(contents, (std::set<std::string>{"newline", "underscore"}));
        QCOMPARE(result.files.copied.size(), std::size_t{2});
        QCOMPARE(result.files.renamed.size(), std::size_t{1});
        QCOMPARE(result.files.renamed[0].path, std::string("out/a_b~2"));
        QCOMPARE(run::toJson(result)["files"]["renamed"][0]["written_as"].get<std::string>(),
                 std::string("out/a_b~2"));
    }

    void executeBitsAreDroppedUnlessAsked()
    {
        const std::string plant = R"py(import os
os.makedirs(".git/hooks")
open(".git/hooks/pre-commit", "w").write("#!/bin/sh\necho owned\n")
os.chmod(".git/hooks/pre-commit", 0o755)
)py";
        for (const bool keep : {false, true}) {
            QTemporaryDir destination;
            const auto result = runWith(*m_executor, plant, {".git"}, destination, 20,
                                        [keep](model::CollectRequest& c) { c.keepExecutable = keep; });
            QVERIFY2(result.status == model::Status::Ok && result.files.error.empty(),
                     (result.message + result.files.error + result.stderrData).c_str());
            struct stat info
            {};
            const auto hook =
                std::filesystem::path(destination.path().toStdString()) / ".git/hooks/pre-commit";
            QCOMPARE(::stat(hook.c_str(), &info), 0);
            QCOMPARE(info.st_mode & 0777, keep ? 0755u : 0644u);
        }
    }

    void aLinkAmongThePathsFoldersIsNotFollowed()
    {
        QTemporaryDir destination;
        const auto result = runWith(*m_executor, R"py(import os
os.symlink("/etc", "conf")
os.makedirs("real")
os.symlink("/etc", "real/inner")
open("ok.txt", "w").write("ok")
)py",
                                    {"conf/passwd", "real/inner/hostname", "ok.txt"}, destination);
        QVERIFY2(result.status == model::Status::Ok, result.message.c_str());
        const std::filesystem::path root = destination.path().toStdString();
        QVERIFY(!std::filesystem::exists(root / "conf"));
        QVERIFY(!std::filesystem::exists(root / "real"));
        QCOMPARE(readFile(root / "ok.txt"), std::string("ok"));
        QCOMPARE(result.files.copied, std::vector<std::string>{"ok.txt"});
        std::map<std::string, std::string> rejected;
        for (const auto& r : result.files.rejected) {
            rejected[r.archivePath] = r.reason;
        }
        const std::string why =
            "a folder on its way is a symbolic link; links are never followed, so it was not copied";
        QCOMPARE(rejected["conf/passwd"], why);
        QCOMPARE(rejected["real/inner/hostname"], why);
        QCOMPARE(result.files.error,
                 std::string("A folder on the way is a symbolic link (never followed), so "
                             "not copied: conf/passwd, real/inner/hostname."));
    }

    void aCopyStoppedAtTheEntryCapKeepsNothing()
    {
        QTemporaryDir destination;
        const auto result =
            runWith(*m_executor, R"py(import os
os.makedirs("many")
for i in range(200):
    open("many/f%d" % i, "w").write("x")
)py",
                    {"many"}, destination, 20, [](model::CollectRequest& c) { c.limits.maxEntries = 50; });
        QVERIFY2(result.status == model::Status::Ok, result.message.c_str());
        QVERIFY2(result.files.error.find("50 entries") != std::string::npos, result.files.error.c_str());
        QVERIFY2(result.files.error.ends_with(
                     "Nothing was kept: the 49 file(s) copied before the stop were removed."),
                 result.files.error.c_str());
        QVERIFY(result.files.copied.empty());
        QVERIFY(std::filesystem::is_empty(destination.path().toStdString()));
    }

    void aFolderWithFilesInItIsRefused()
    {
        QTemporaryDir destination;
        {
            std::ofstream(std::filesystem::path(destination.path().toStdString()) / "mine.txt") << "mine";
        }
        const auto result = runWith(*m_executor, "print('never')", {"x"}, destination);
        QVERIFY(result.status == model::Status::InvalidRequest);
        QCOMPARE(result.errorCode, std::string("request.collect_to"));
        QVERIFY2(result.message.find("is not empty") != std::string::npos, result.message.c_str());
        QCOMPARE(result.stdoutData, std::string());
    }

    void timedOutRunsKeepNoFiles()
    {
        QTemporaryDir destination;
        const auto result = runWith(*m_executor, "open('a.txt', 'w').write('x')\nimport time\ntime.sleep(60)",
                                    {"a.txt"}, destination, 2);
        QVERIFY(result.status == model::Status::Timeout);
        QCOMPARE(result.files.error,
                 std::string("No files were copied: the run did not end on its own (it was "
                             "stopped), and its working directory went with its container."));
        QVERIFY(std::filesystem::is_empty(destination.path().toStdString()));
    }

    void rejectsBadRequestsBeforeStarting_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addRow("absolute") << "/etc/passwd";
        QTest::addRow("dot dot") << "out/../../etc";
        QTest::addRow("option") << "--to-command=sh";
        QTest::addRow("empty") << "";
    }

    void rejectsBadRequestsBeforeStarting()
    {
        QFETCH(QString, path);
        QTemporaryDir destination;
        const auto result = runWith(*m_executor, "print('never')", {path.toStdString()}, destination);
        QVERIFY(result.status == model::Status::InvalidRequest);
        QCOMPARE(result.errorCode, std::string("request.collect"));
        QCOMPARE(result.stdoutData, std::string());
    }
};

QTEST_GUILESS_MAIN(TestCollect)
#include "tst_collect.moc"
