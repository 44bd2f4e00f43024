// Files given to a run (issue 17): placed in the working directory (/tmp) before the code runs, in a fresh
// run from the warm pool and in a session; binary content intact, folders made; names and caps checked
// before anything starts.
#include "helper_engine.h"

#include "agentrun/errorcodes.h"
#include "agentrun/run/executor.h"

#include <QTest>

using namespace agentrun;

namespace {

model::RunResult runWith(run::Executor& executor, const std::string& code,
                         std::vector<model::InputFile> files, const std::string& session = {})
{
    model::RunSpec request;
    request.code = code;
    request.files = std::move(files);
    request.sessionId = session;
    request.limits.timeoutSeconds = 30;
    request.skipCheck = true; // the placing of files is under test here, not the lint
    run::RunObserver observer;
    run::CancelToken cancel;
    return executor.run(request, observer, cancel);
}

std::string binary()
{
    std::string bytes;
    for (int i = 0; i < 256; ++i) {
        bytes += static_cast<char>(i);
    }
    return bytes + std::string(1 << 20, 'x'); // and 1 MiB more: larger than a pipe's buffer
}

} // namespace

class TestInputFiles : public QObject
{
    Q_OBJECT

    std::unique_ptr<engine::Client> m_client;

private Q_SLOTS:
    void initTestCase() { m_client = testing::requireEngine(); }

    void filesAreThereBeforeTheCodeRuns()
    {
        run::ExecutorConfig config;
        config.image = testing::sandboxImage();
        run::Executor executor(config);
        const auto result =
            runWith(executor,
                    "import csv, hashlib, os\n"
                    "rows = list(csv.reader(open('data.csv')))\n"
                    "print(os.getcwd(), rows[1])\n"
                    "data = open('inputs/deep/blob.bin', 'rb').read()\n"
                    "print(len(data), data[:4].hex(), hashlib.sha256(data).hexdigest()[:12])\n"
                    "print(oct(os.stat('data.csv').st_mode & 0o777))",
                    {{"data.csv", "a,b\n1,2\n"}, {"inputs/deep/blob.bin", binary()}});
        QCOMPARE(std::string(model::toString(result.status)), std::string("ok"));
        const auto lines = QByteArray::fromStdString(result.stdoutData).split('\n');
        QCOMPARE(lines.at(0), QByteArray("/tmp ['1', '2']"));
        const QByteArray expected = QByteArray::number(256 + (1 << 20)) + QByteArray(" 00010203 ");
        QVERIFY2(lines.at(1).startsWith(expected), lines.at(1).constData());
        QCOMPARE(lines.at(2), QByteArray("0o644"));
    }

    void aSessionKeepsItsFilesAndTakesMore()
    {
        run::ExecutorConfig config;
        config.image = testing::sandboxImage();
        config.poolSize = 0;
        run::Executor executor(config);
        auto session = executor.openSession({});
        QVERIFY(session);
        auto first =
            runWith(executor, "table = open('t.txt').read().split()", {{"t.txt", "3 1 2"}}, session->id);
        QCOMPARE(std::string(model::toString(first.status)), std::string("ok"));
        auto second = runWith(executor, "print(sorted(table), open('t.txt').read(), open('more.txt').read())",
                              {{"more.txt", "more"}}, session->id);
        QCOMPARE(second.stdoutData, std::string("['1', '2', '3'] 3 1 2 more\n"));
        QVERIFY(executor.closeSession(session->id));
    }

    void badNamesAndCapsAreRefusedBeforeAnythingStarts_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("code");
        QTest::newRow("parent") << "../etc/passwd"
                                << "files.name";
        QTest::newRow("inner parent") << "a/../../b"
                                      << "files.name";
        QTest::newRow("absolute") << "/etc/cron.d/x"
                                  << "files.name";
        QTest::newRow("empty") << ""
                               << "files.name";
        QTest::newRow("empty part") << "a//b"
                                    << "files.name";
        QTest::newRow("dot") << "./a"
                             << "files.name";
        QTest::newRow("backslash") << "a\\b"
                                   << "files.name";
        QTest::newRow("newline") << "a\nb"
                                 << "files.name";
        QTest::newRow("option") << "-rf"
                                << "files.name";
        QTest::newRow("too long") << QString(300, 'a') << "files.name";
        QTest::newRow("too deep") << "a/b/c/d/e/f/g/h/i"
                                  << "files.name";
    }

    void badNamesAndCapsAreRefusedBeforeAnythingStarts()
    {
        QFETCH(QString, name);
        QFETCH(QString, code);
        run::Executor executor; // never reaches the engine: the request is refused first
        const auto result = runWith(executor, "print(1)", {{name.toStdString(), "x"}});
        QCOMPARE(std::string(model::toString(result.status)), std::string("invalid_request"));
        QCOMPARE(QString::fromStdString(result.errorCode), code);
    }

    void theCaps()
    {
        run::Executor executor;
        std::vector<model::InputFile> many;
        for (int i = 0; i < 65; ++i) {
            many.push_back({"f" + std::to_string(i), "x"});
        }
        QCOMPARE(runWith(executor, "print(1)", many).errorCode, std::string(errc::FilesCount));
        const auto big = runWith(executor, "print(1)",
                                 {{"a", std::string(20u << 20, 'a')}, {"b", std::string(13u << 20, 'b')}});
        QCOMPARE(big.errorCode, std::string(errc::FilesSize));
        QCOMPARE(runWith(executor, "print(1)", {{"same", "1"}, {"same", "2"}}).errorCode,
                 std::string(errc::FilesName));
    }
};

QTEST_APPLESS_MAIN(TestInputFiles)
#include "tst_inputfiles.moc"
