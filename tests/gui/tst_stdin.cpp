// Standard input from the Input panel reaches the program: typed text, a file, and a missing file
// refused before anything starts. Needs the real engine.
#include "agentrun/run/executor.h"

#include <QFile>
#include <QLocale>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "codeeditor.h"
#include "editortabs.h"
#include "labels.h"
#include "mainwindow.h"
#include "outputconsole.h"
#include "runcontroller.h"
#include "settings.h"
#include "stdinpanel.h"

using namespace agentrun;

class TestStdin : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void typedTextReachesInput();
    void fileReachesStdin();
    void missingFileRefused();

private:
    QString runAndGetStdout(ui::MainWindow& window, const QString& code);
    QTemporaryDir m_dir;
    run::Executor m_executor;
};

void TestStdin::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
    QVERIFY(m_dir.isValid());
    if (const auto ping = m_executor.ping(); !ping)
        QFAIL(qPrintable(QStringLiteral("The Docker engine or the sandbox image is not available: ") +
                         QString::fromStdString(ping.error().message)));
}

QString TestStdin::runAndGetStdout(ui::MainWindow& window, const QString& code)
{
    QSignalSpy finished(window.runController(), &ui::RunController::finished);
    window.editorTabs()->currentEditor()->setText(code);
    if (!window.runCurrent())
        return QStringLiteral("<not started>");
    if (!QTest::qWaitFor([&] { return finished.size() == 1; }, 30000))
        return QStringLiteral("<timed out>");
    const auto result = finished.at(0).at(0).value<model::RunResult>();
    if (result.status != model::Status::Ok)
        return ui::statusName(result.status) + u": " + QString::fromStdString(result.message);
    return QString::fromStdString(result.stdoutData);
}

void TestStdin::typedTextReachesInput()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("text.ini")));
    ui::MainWindow window(m_executor, settings);
    window.stdinPanel()->setText(QStringLiteral("Ada\nLovelace\n"));
    QCOMPARE(runAndGetStdout(
                 window, QStringLiteral("first = input()\nsecond = input()\nprint('got', first, second)\n")),
             QStringLiteral("got Ada Lovelace\n"));
    // Remembered for the next session.
    QCOMPARE(settings.value(ui::Settings::Key::Stdin).toString(), QStringLiteral("Ada\nLovelace\n"));
}

void TestStdin::fileReachesStdin()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("file.ini")));
    ui::MainWindow window(m_executor, settings);
    window.stdinPanel()->setText(QStringLiteral("typed text is not used"));
    QFile file(m_dir.filePath(QStringLiteral("input.csv")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("a,b\n1,2\n3,4\n");
    file.close();
    window.stdinPanel()->setFilePath(file.fileName());
    QCOMPARE(runAndGetStdout(window, QStringLiteral("import sys\nrows = sys.stdin.read().splitlines()\n"
                                                    "print(len(rows), rows[-1])\n")),
             QStringLiteral("3 3,4\n"));
}

void TestStdin::missingFileRefused()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("missing.ini")));
    ui::MainWindow window(m_executor, settings);
    window.stdinPanel()->setFilePath(m_dir.filePath(QStringLiteral("gone.txt")));
    window.editorTabs()->currentEditor()->setText(QStringLiteral("print(input())"));
    QVERIFY(!window.runCurrent());
    auto* console = window.findChild<ui::OutputConsole*>(QStringLiteral("outputConsole"));
    QTRY_VERIFY(console->toPlainText().contains(QStringLiteral("— not started")));
    const QString text = console->toPlainText();
    QVERIFY2(text.contains(QStringLiteral("— not started: Cannot read ")) &&
                 text.contains(QStringLiteral("gone.txt")),
             qPrintable(text));
}

QTEST_MAIN(TestStdin)
#include "tst_stdin.moc"
