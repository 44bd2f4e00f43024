// History as a tuning table (issue 23): each run's limits (memory, CPUs, timeout, processes) beside what it
// used (peak memory, CPU time, wall time) and its outcome; a peak that is never blank for a run that ran;
// the profile marked "(edited)" when the run's limits differ from that profile's; the runs of one snippet
// found by its code hash. Synthetic history records: no engine needed.
#include "agentrun/history/historystore.h"
#include "agentrun/profile/profile.h"

#include <optional>

#include <QAbstractItemModelTester>
#include <QLocale>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "historypanel.h"
#include "limitsuggestions.h"
#include "runhistorymodel.h"

using namespace agentrun;

namespace {

constexpr std::int64_t MiB = 1ll << 20;

model::Limits tunedLimits()
{
    model::Limits limits;
    limits.memoryBytes = 192 * MiB;
    limits.memorySwapBytes = 192 * MiB;
    limits.cpus = 0.5;
    limits.timeoutSeconds = 12.5;
    limits.pids = 64;
    return limits;
}

void addRun(history::HistoryStore& store, const std::string& id, const std::string& code,
            model::Status status, const model::Limits& limits, const std::string& profile, std::int64_t peak)
{
    model::RunSpec request;
    request.code = code;
    request.limits = limits;
    request.profile = profile;
    model::RunResult result;
    result.runId = id;
    result.status = status;
    result.exitCode = status == model::Status::Ok ? 0 : 137;
    result.durations.totalMs = 900;
    result.durations.runMs = 816;
    result.cpuSeconds = 0.408;
    result.peakMemoryBytes = peak;
    QVERIFY(store.record(request, result, "standard", "workbench").has_value());
}

QString cell(ui::RunHistoryModel* model, int row, int column, int role = Qt::DisplayRole)
{
    return model->index(row, column).data(role).toString();
}

} // namespace

class TestHistoryTuning : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toUtf8());
    }

    void limitsBesideUsage()
    {
        auto store = open(QStringLiteral("columns.sqlite3"));
        addRun(*store, "bbbb0001", "print(1)", model::Status::Ok, tunedLimits(), "", 83 * MiB);
        ui::HistoryPanel panel(&*store);
        auto* model = panel.model();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model->rowCount(), 1);
        QCOMPARE(cell(model, 0, ui::RunHistoryModel::MemoryLimitColumn), QStringLiteral("192.0 MiB"));
        QCOMPARE(cell(model, 0, ui::RunHistoryModel::CpusColumn), QStringLiteral("0.5"));
        QCOMPARE(cell(model, 0, ui::RunHistoryModel::TimeoutColumn), QStringLiteral("12.5 s"));
        QCOMPARE(cell(model, 0, ui::RunHistoryModel::PidsColumn), QStringLiteral("64"));
        QCOMPARE(cell(model, 0, ui::RunHistoryModel::PeakColumn), QStringLiteral("83.0 MiB"));
        QCOMPARE(cell(model, 0, ui::RunHistoryModel::CpuTimeColumn), QStringLiteral("408 ms"));
        QCOMPARE(cell(model, 0, ui::RunHistoryModel::WallTimeColumn), QStringLiteral("816 ms"));
        QCOMPARE(cell(model, 0, ui::RunHistoryModel::StatusColumn), QStringLiteral("ok"));
        QCOMPARE(cell(model, 0, ui::RunHistoryModel::DurationColumn), QStringLiteral("900 ms"));
        QCOMPARE(cell(model, 0, ui::RunHistoryModel::ProfileColumn), QString());
        for (const auto& [column, header] :
             {std::pair(ui::RunHistoryModel::MemoryLimitColumn, "Memory limit"),
              std::pair(ui::RunHistoryModel::CpusColumn, "CPUs"),
              std::pair(ui::RunHistoryModel::TimeoutColumn, "Timeout"),
              std::pair(ui::RunHistoryModel::PidsColumn, "Pids"),
              std::pair(ui::RunHistoryModel::PeakColumn, "Peak memory"),
              std::pair(ui::RunHistoryModel::CpuTimeColumn, "CPU time"),
              std::pair(ui::RunHistoryModel::WallTimeColumn, "Wall time")})
            QCOMPARE(model->headerData(column, Qt::Horizontal).toString(), QString::fromUtf8(header));
    }

    /// A run that ran but has no peak (recorded before the samples stood in for a missing final read)
    /// says so; only a run that never started has a blank peak.
    void peakIsNeverBlankForARunThatRan()
    {
        auto store = open(QStringLiteral("peaks.sqlite3"));
        addRun(*store, "cccc0001", "a", model::Status::Timeout, tunedLimits(), "", 0);
        addRun(*store, "cccc0002", "b", model::Status::Cancelled, tunedLimits(), "", 0);
        addRun(*store, "cccc0003", "c", model::Status::OutputLimit, tunedLimits(), "", 0);
        addRun(*store, "cccc0004", "d", model::Status::Blocked, tunedLimits(), "", 0);
        addRun(*store, "cccc0005", "e", model::Status::Timeout, tunedLimits(), "", 40 * MiB);
        ui::RunHistoryModel rows(&*store);
        QCOMPARE(rows.rowCount(), 5);
        QCOMPARE(cell(&rows, 0, ui::RunHistoryModel::PeakColumn), QStringLiteral("40.0 MiB"));
        QCOMPARE(cell(&rows, 1, ui::RunHistoryModel::PeakColumn), QString()); // blocked: never ran
        for (int row : {2, 3, 4}) {
            QCOMPARE(cell(&rows, row, ui::RunHistoryModel::PeakColumn), QStringLiteral("not measured"));
            QVERIFY(!cell(&rows, row, ui::RunHistoryModel::PeakColumn, Qt::ToolTipRole).isEmpty());
        }
    }

    void profileIsMarkedEditedWhenTheLimitsDiffer()
    {
        auto store = open(QStringLiteral("profiles.sqlite3"));
        const model::Limits defaults;
        model::Limits edited = defaults;
        edited.memoryBytes = 512 * MiB;
        edited.memorySwapBytes = 512 * MiB;
        edited.timeoutSeconds = 10;
        addRun(*store, "dddd0001", "a", model::Status::Ok, defaults, "default", 10 * MiB);
        addRun(*store, "dddd0002", "a", model::Status::Ok, edited, "default", 10 * MiB);
        addRun(*store, "dddd0003", "a", model::Status::Ok, tunedLimits(), "tight", 10 * MiB);
        addRun(*store, "dddd0004", "a", model::Status::Ok, edited, "gone", 10 * MiB);
        ui::RunHistoryModel rows(&*store);
        QAbstractItemModelTester tester(&rows, QAbstractItemModelTester::FailureReportingMode::QtTest);
        int lookups = 0;
        rows.setProfileLookup([&lookups](const std::string& name) -> std::optional<model::Limits> {
            ++lookups;
            if (name == "default")
                return model::Limits{};
            if (name == "tight")
                return tunedLimits();
            return std::nullopt;
        });
        QCOMPARE(rows.rowCount(), 4);
        QCOMPARE(lookups, 3); // once per profile, not once per row
        // Newest first.
        QCOMPARE(cell(&rows, 0, ui::RunHistoryModel::ProfileColumn), QStringLiteral("gone"));
        QVERIFY(
            cell(&rows, 0, ui::RunHistoryModel::ProfileColumn, Qt::ToolTipRole).contains(u"not saved here"));
        QCOMPARE(cell(&rows, 1, ui::RunHistoryModel::ProfileColumn), QStringLiteral("tight"));
        QVERIFY(!rows.index(1, 0).data(ui::RunHistoryModel::EditedRole).toBool());
        QCOMPARE(cell(&rows, 2, ui::RunHistoryModel::ProfileColumn), QStringLiteral("default (edited)"));
        QVERIFY(rows.index(2, 0).data(ui::RunHistoryModel::EditedRole).toBool());
        const QString why = cell(&rows, 2, ui::RunHistoryModel::ProfileColumn, Qt::ToolTipRole);
        QVERIFY2(why.contains(QStringLiteral("memory 256.0 MiB → 512.0 MiB")), qPrintable(why));
        QVERIFY2(why.contains(QStringLiteral("timeout 30 s → 10 s")), qPrintable(why));
        QCOMPARE(cell(&rows, 3, ui::RunHistoryModel::ProfileColumn), QStringLiteral("default"));
    }

    /// Without a lookup of its own, the model reads the profiles the toolbar offers: the built-ins and
    /// the saved ones.
    void theDefaultLookupReadsSavedAndBuiltinProfiles()
    {
        profile::Profile tight;
        tight.name = "tight";
        tight.limits = tunedLimits();
        QVERIFY(profile::ProfileStore(profile::ProfileStore::defaultDirectory()).save(tight).has_value());
        auto store = open(QStringLiteral("saved.sqlite3"));
        addRun(*store, "eeee0001", "a", model::Status::Ok, tunedLimits(), "tight", 10 * MiB);
        addRun(*store, "eeee0002", "a", model::Status::Ok, tunedLimits(), "default", 10 * MiB);
        ui::RunHistoryModel rows(&*store);
        QCOMPARE(cell(&rows, 0, ui::RunHistoryModel::ProfileColumn), QStringLiteral("default (edited)"));
        QCOMPARE(cell(&rows, 1, ui::RunHistoryModel::ProfileColumn), QStringLiteral("tight"));
    }

    void editedFieldsNameEachChange()
    {
        model::Limits a;
        model::Limits b = a;
        QVERIFY(ui::RunHistoryModel::editedFields(a, b).isEmpty());
        b.cpus = 2;
        b.pids = 256;
        b.network = "bridge";
        const QStringList fields = ui::RunHistoryModel::editedFields(a, b);
        QCOMPARE(fields, QStringList({QStringLiteral("CPUs 1 → 2"), QStringLiteral("processes 128 → 256"),
                                      QStringLiteral("network none → bridge")}));
    }

    /// The suggestions read the last runs of the same snippet: the store finds them by the code's hash.
    void earlierRunsOfTheSameCode()
    {
        auto store = open(QStringLiteral("same.sqlite3"));
        addRun(*store, "ffff0001", "print('same')", model::Status::OutOfMemory, tunedLimits(), "", 192 * MiB);
        addRun(*store, "ffff0002", "print('other')", model::Status::Ok, tunedLimits(), "", 10 * MiB);
        addRun(*store, "ffff0003", "print('same')", model::Status::Ok, tunedLimits(), "", 150 * MiB);
        addRun(*store, "ffff0004", "print('same')", model::Status::Ok, tunedLimits(), "", 20 * MiB);
        const auto earlier = ui::earlierRunsOfTheSameCode(*store, "ffff0004", 5);
        QCOMPARE(int(earlier.size()), 2); // not itself, not the other code
        QCOMPARE(earlier.at(0).peakMemoryBytes, 150 * MiB);
        QVERIFY(earlier.at(1).status == model::Status::OutOfMemory);
        QVERIFY(earlier.at(1).limits == tunedLimits());
        QCOMPARE(earlier.at(1).wallSeconds, 0.816);
        QCOMPARE(int(ui::earlierRunsOfTheSameCode(*store, "ffff0004", 1).size()), 1);
        QVERIFY(ui::earlierRunsOfTheSameCode(*store, "ffff0002", 5).empty());
        QVERIFY(ui::earlierRunsOfTheSameCode(*store, "nope0000", 5).empty());
        // The listing filter itself.
        history::HistoryFilter filter;
        filter.codeSha256 = store->get("ffff0001")->codeSha256;
        QCOMPARE(int(store->list(filter)->size()), 3);
        filter.status = "ok";
        QCOMPARE(int(store->list(filter)->size()), 2);
    }

private:
    std::optional<history::HistoryStore> open(const QString& name)
    {
        auto store = history::HistoryStore::open(m_dir.filePath(name).toStdString());
        if (!store)
            qWarning("%s", store.error().message.c_str());
        return store ? std::optional<history::HistoryStore>(std::move(*store)) : std::nullopt;
    }

    QTemporaryDir m_dir;
};

QTEST_MAIN(TestHistoryTuning)
#include "tst_historytuning.moc"
