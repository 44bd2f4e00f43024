// docs/security.md, "Disk full on a history write": the history database on a tiny tmpfs that fills up.
// The write that does not fit must fail with a clear error, the file must stay consistent (every row
// whole, none partial), and writing must work again once there is space.

#include "agentrun/history/historystore.h"

#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

using namespace agentrun;
using agentrun::history::HistoryStore;

namespace {

constexpr int TmpfsBytes = 512 * 1024;

model::RunResult makeResult(int index, std::size_t outputBytes)
{
    model::RunResult result;
    result.runId = "diskfull-" + std::to_string(index);
    result.status = model::Status::Ok;
    // Different bytes per run, so that a row cut short would not look like its neighbour.
    result.stdoutData = std::string(outputBytes, static_cast<char>('a' + index % 26));
    result.output = result.stdoutData;
    result.image = "agentrun-sandbox:latest";
    return result;
}

std::string scalar(sqlite3* db, const std::string& sql)
{
    sqlite3_stmt* statement = nullptr;
    std::string value = "<error>";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(statement, 0);
        value = text ? reinterpret_cast<const char*>(text) : "";
    }
    sqlite3_finalize(statement);
    return value;
}

/// A tmpfs of TmpfsBytes mounted on a fresh directory, unmounted again in the destructor.
class TinyTmpfs
{
public:
    TinyTmpfs()
    {
        if (!m_dir.isValid()) {
            m_error = "cannot create a temporary directory";
            return;
        }
        const std::string options = "size=" + std::to_string(TmpfsBytes) + ",mode=0700";
        if (::mount("agentrun-test", m_dir.path().toLocal8Bit().constData(), "tmpfs", MS_NOSUID | MS_NODEV,
                    options.c_str()) != 0) {
            m_error = std::string("mount -t tmpfs failed: ") + std::strerror(errno);
            return;
        }
        m_mounted = true;
    }
    ~TinyTmpfs()
    {
        if (m_mounted) {
            ::umount2(m_dir.path().toLocal8Bit().constData(), MNT_DETACH);
        }
    }
    TinyTmpfs(const TinyTmpfs&) = delete;
    TinyTmpfs& operator=(const TinyTmpfs&) = delete;

    bool mounted() const { return m_mounted; }
    const std::string& error() const { return m_error; }
    std::filesystem::path path() const { return m_dir.path().toStdString(); }

private:
    QTemporaryDir m_dir;
    bool m_mounted = false;
    std::string m_error;
};

} // namespace

class TestHistoryDiskFull : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void writeOnFullDiskFailsCleanly()
    {
        if (::geteuid() != 0) {
            QSKIP("needs root to mount a small tmpfs for the history file (run as root, as CI does)");
        }
        TinyTmpfs tmpfs;
        if (!tmpfs.mounted()) {
            QSKIP(("cannot mount a tmpfs here (" + tmpfs.error() + "); CI runs this as root on a host")
                      .c_str());
        }
        const auto file = tmpfs.path() / "history.sqlite3";
        // 128 KiB of the file system held back, to be freed after the failure.
        const auto reserve = tmpfs.path() / "reserve";
        {
            std::ofstream fill(reserve, std::ios::binary);
            const std::string block(128 * 1024, 'r');
            fill.write(block.data(), static_cast<std::streamsize>(block.size()));
            QVERIFY(fill.good());
        }

        int written = 0;
        {
            auto opened = HistoryStore::open(file);
            QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
            HistoryStore& store = *opened;
            model::RunSpec request;
            request.code = "print('x')\n";

            // 32 KiB per run: the file system fills after a dozen rows, in the middle of a transaction.
            Error failure;
            for (int i = 0; i < 200; ++i) {
                auto recorded = store.record(request, makeResult(i, 32 * 1024), "standard");
                if (!recorded) {
                    failure = recorded.error();
                    break;
                }
                ++written;
            }
            QVERIFY2(written > 0, "not one run fitted on the tmpfs: the test's sizes are wrong");
            QVERIFY2(written < 200, "the tmpfs never filled up: the write did not fail");
            qInfo("disk full after %d runs: [%s] %s", written, failure.code.c_str(), failure.message.c_str());

            // A clear error: the stable code, the file, and the reason a person can act on.
            QCOMPARE(failure.code, std::string("history.write"));
            QVERIFY2(failure.message.find(file.string()) != std::string::npos, failure.message.c_str());
            QVERIFY2(failure.message.find("full") != std::string::npos, failure.message.c_str());

            // The store still reads: exactly the rows that were committed, each one whole.
            auto listed = store.list({});
            QVERIFY2(listed, listed ? "" : listed.error().message.c_str());
            QCOMPARE(static_cast<int>(listed->size()), written);
            auto missing = store.get("diskfull-" + std::to_string(written));
            QVERIFY(!missing);
            QCOMPARE(missing.error().code, std::string("history.not_found"));

            // Give space back (the reserve written before): the next write must work again.
            std::filesystem::remove(reserve);
            auto again = store.record(request, makeResult(901, 1024), "standard");
            QVERIFY2(again, again ? "" : again.error().message.c_str());
        }

        // A fresh connection (as the next agentrun process): the file passes SQLite's own check and holds
        // every committed row whole, and none of the failed ones.
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
        QCOMPARE(scalar(db, "PRAGMA integrity_check"), std::string("ok"));
        QCOMPARE(scalar(db, "SELECT count(*) FROM runs"), std::to_string(written + 1));
        QCOMPARE(
            scalar(db, "SELECT count(*) FROM runs WHERE run_id = 'diskfull-" + std::to_string(written) + "'"),
            std::string("0"));
        QCOMPARE(
            scalar(db,
                   "SELECT count(*) FROM runs WHERE run_id LIKE 'diskfull-%' AND run_id != 'diskfull-901' "
                   "AND (length(stdout) != 32768 OR length(output) != 32768)"),
            std::string("0"));
        QCOMPARE(scalar(db, "SELECT length(stdout) FROM runs WHERE run_id = 'diskfull-901'"),
                 std::string("1024"));
        sqlite3_close(db);

        auto reopened = HistoryStore::open(file);
        QVERIFY2(reopened, reopened ? "" : reopened.error().message.c_str());
        auto first = reopened->get("diskfull-0");
        QVERIFY2(first, first ? "" : first.error().message.c_str());
        QCOMPARE(first->stdoutData, std::string(32 * 1024, 'a'));
    }
};

QTEST_APPLESS_MAIN(TestHistoryDiskFull)
#include "tst_historydiskfull.moc"
