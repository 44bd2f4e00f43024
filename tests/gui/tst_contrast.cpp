// Every text the workbench colours itself reaches 4.5:1 (WCAG AA) against what it is drawn on, in the
// default palette (issue 23): the palette roles Qt derives (placeholders, disabled "muted" labels), every
// label of the window (style sheets included: the status bar's outcome, the panels' error lines), every
// colour an item view's model gives (findings, policy rules, input files, network, history), and the
// Output console's own lines. Colours are read from the widgets and models, not copied from the sources,
// so a new colour anywhere in the window is checked too.
#include "agentrun/history/historystore.h"
#include "agentrun/run/executor.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTextDocument>

#include "contrast.h"
#include "dependenciespanel.h"
#include "editortabs.h"
#include "findingspanel.h"
#include "inputfilespanel.h"
#include "mainwindow.h"
#include "outcome.h"
#include "outputconsole.h"
#include "policyrulemodel.h"
#include "runcontroller.h"
#include "settings.h"

using namespace agentrun;

namespace {

constexpr double Wanted = 4.5;

QString describe(const QString& what, const QColor& text, const QColor& background)
{
    return QStringLiteral("%1: %2 on %3 is %4:1")
        .arg(what, text.name(), background.name())
        .arg(ui::contrastRatio(text, background), 0, 'f', 2);
}

/// Adds to `failures` when `text` (maybe translucent) on `background` is under 4.5:1.
void check(QStringList& failures, const QString& what, const QColor& text, const QColor& background)
{
    const QColor drawn = ui::opaqueOn(text, background);
    if (ui::contrastRatio(drawn, background) < Wanted)
        failures << describe(what, drawn, background);
}

QColor colourOf(const QVariant& value)
{
    if (value.typeId() == QMetaType::QBrush)
        return value.value<QBrush>().color();
    if (value.typeId() == QMetaType::QColor)
        return value.value<QColor>();
    return {};
}

} // namespace

class TestContrast : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        qputenv("XDG_DATA_HOME", m_dir.filePath(QStringLiteral("data")).toUtf8());
    }

    void thePalettesDerivedTextRolesAreReadable()
    {
        // Qt's own: placeholder text at half the text's alpha, disabled text light grey. Below AA.
        QStringList before;
        const QPalette qt = QApplication::palette();
        check(before, QStringLiteral("Qt's placeholder"), qt.color(QPalette::PlaceholderText),
              qt.color(QPalette::Base));
        check(before, QStringLiteral("Qt's disabled label"),
              qt.color(QPalette::Disabled, QPalette::WindowText),
              qt.color(QPalette::Disabled, QPalette::Window));
        QVERIFY2(!before.isEmpty(), "the default palette passed already: this test checks nothing");

        run::Executor executor;
        ui::Settings settings(m_dir.filePath(QStringLiteral("palette.ini")));
        ui::MainWindow window(executor, settings); // makes the application's palette readable
        const QPalette p = QApplication::palette();
        QStringList failures;
        for (const auto group : {QPalette::Active, QPalette::Inactive, QPalette::Disabled}) {
            const QString name = QString::number(int(group));
            check(failures, u"placeholder, group " + name, p.color(group, QPalette::PlaceholderText),
                  p.color(group, QPalette::Base));
            check(failures, u"text, group " + name, p.color(group, QPalette::Text),
                  p.color(group, QPalette::Base));
            check(failures, u"window text, group " + name, p.color(group, QPalette::WindowText),
                  p.color(group, QPalette::Window));
        }
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(u'\n')));
        // The rest of the palette is Qt's.
        QCOMPARE(p.color(QPalette::Base), qt.color(QPalette::Base));
        QCOMPARE(p.color(QPalette::Window), qt.color(QPalette::Window));
    }

    void theTonesAndTextColoursAreReadableOnEveryBackground()
    {
        const QPalette p = QApplication::palette();
        QStringList failures;
        const QList<std::pair<QString, QColor>> colours{
            {QStringLiteral("tone good"), ui::toneColor(ui::Outcome::Tone::Good)},
            {QStringLiteral("tone warning"), ui::toneColor(ui::Outcome::Tone::Warning)},
            {QStringLiteral("tone bad"), ui::toneColor(ui::Outcome::Tone::Bad)},
            {QStringLiteral("error"), ui::textColor(ui::TextTone::Error)},
            {QStringLiteral("warning"), ui::textColor(ui::TextTone::Warning)},
            {QStringLiteral("info"), ui::textColor(ui::TextTone::Info)},
            {QStringLiteral("muted"), ui::textColor(ui::TextTone::Muted)},
        };
        // On views (Base, and AlternateBase in striped rows) and on panels and the status bar (Window).
        for (const auto& [name, colour] : colours)
            for (const auto role : {QPalette::Base, QPalette::AlternateBase, QPalette::Window})
                check(failures, name + u" on role " + QString::number(int(role)), colour, p.color(role));
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(u'\n')));
    }

    void everyLabelViewAndPlaceholderOfTheWindowIsReadable()
    {
        auto store =
            history::HistoryStore::open(m_dir.filePath(QStringLiteral("history.sqlite3")).toStdString());
        QVERIFY(store);
        recordRun(*store, "cccc0001", model::Status::Ok);
        recordRun(*store, "cccc0002", model::Status::Exception); // a failed run: the red row
        recordRun(*store, "cccc0003", model::Status::Blocked);

        run::Executor executor;
        ui::Settings settings(m_dir.filePath(QStringLiteral("window.ini")));
        ui::MainWindow window(executor, settings, &*store);
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        // Put every coloured state on screen: findings of each severity, a rule turned off, a missing
        // input file, a bad package entry, a run with an allowed and a denied request.
        std::vector<safety::Finding> findings;
        for (const auto severity :
             {safety::Severity::Block, safety::Severity::Warn, safety::Severity::Info}) {
            safety::Finding f;
            f.severity = severity;
            f.rule = "rule";
            f.message = "message";
            f.line = 1;
            findings.push_back(f);
        }
        window.findingsPanel()->setFindings(findings, QStringLiteral("test"));
        auto* rules = window.findChild<ui::PolicyRuleModel*>();
        QVERIFY(rules && rules->rowCount() > 0);
        QVERIFY(rules->setData(rules->index(0, ui::PolicyRuleModel::SeverityColumn), QStringLiteral("off"),
                               Qt::EditRole));
        window.inputFilesPanel()->setEntries(window.editorTabs()->currentEditor(),
                                             {{m_dir.filePath(QStringLiteral("missing.csv")), QString()}});
        window.dependenciesPanel()->setAllow({"not a spec!"});
        QVERIFY(!window.dependenciesPanel()->errorText().isEmpty());
        model::RunResult networked;
        networked.status = model::Status::Ok;
        networked.connections = {{"api.example", 443, "CONNECT", true, 200, 10, 20, 5},
                                 {"evil.example", 443, "CONNECT", false, 403, 0, 0, 1}};
        Q_EMIT window.runController()->finished(networked);
        QApplication::processEvents();

        QStringList failures;
        for (QLabel* label : window.findChildren<QLabel*>()) {
            if (label->text().isEmpty() || label->textFormat() == Qt::RichText)
                continue;
            label->ensurePolished();
            const auto group = label->isEnabled() ? QPalette::Active : QPalette::Disabled;
            check(failures, u"label " + label->objectName() + u" “" + label->text().left(40) + u"”",
                  label->palette().color(group, label->foregroundRole()),
                  label->palette().color(group, label->backgroundRole()));
        }
        for (QLineEdit* edit : window.findChildren<QLineEdit*>())
            if (!edit->placeholderText().isEmpty())
                check(failures, u"placeholder of " + edit->objectName(),
                      edit->palette().color(QPalette::PlaceholderText),
                      edit->palette().color(QPalette::Base));
        for (QPlainTextEdit* edit : window.findChildren<QPlainTextEdit*>())
            if (!edit->placeholderText().isEmpty())
                check(failures, u"placeholder of " + edit->objectName(),
                      edit->palette().color(QPalette::PlaceholderText),
                      edit->palette().color(QPalette::Base));
        int coloured = 0;
        for (QAbstractItemView* view : window.findChildren<QAbstractItemView*>()) {
            const QAbstractItemModel* model = view->model();
            if (!model)
                continue;
            for (int row = 0; row < model->rowCount(); ++row)
                for (int column = 0; column < model->columnCount(); ++column) {
                    const QColor colour =
                        colourOf(model->data(model->index(row, column), Qt::ForegroundRole));
                    if (!colour.isValid())
                        continue;
                    ++coloured;
                    const QString what = QStringLiteral("view %1 row %2 column %3")
                                             .arg(view->objectName())
                                             .arg(row)
                                             .arg(column);
                    check(failures, what, colour, view->palette().color(QPalette::Base));
                    if (view->alternatingRowColors())
                        check(failures, what + u" (striped)", colour,
                              view->palette().color(QPalette::AlternateBase));
                }
        }
        // Findings (3), the rule turned off and the other levels, the missing file, the two requests, the
        // failed run in the history: the states above did colour something.
        QVERIFY2(coloured >= 8, qPrintable(QString::number(coloured)));
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(u'\n')));
    }

    void theStatusBarsOutcomeIsReadable()
    {
        run::Executor executor;
        ui::Settings settings(m_dir.filePath(QStringLiteral("status.ini")));
        ui::MainWindow window(executor, settings);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* label = window.findChild<QLabel*>(QStringLiteral("runStatusLabel"));
        QVERIFY(label);
        QStringList failures;
        for (const auto status : {model::Status::Ok, model::Status::Blocked, model::Status::Exception}) {
            model::RunResult result;
            result.status = status;
            Q_EMIT window.runController()->finished(result);
            label->ensurePolished();
            const QColor text = label->palette().color(QPalette::WindowText);
            QVERIFY2(text != QApplication::palette().color(QPalette::WindowText),
                     "the style sheet was not read");
            check(failures, label->text(), text, label->palette().color(QPalette::Window));
        }
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(u'\n')));
    }

    void theConsolesOwnLinesAreReadable()
    {
        ui::OutputConsole console;
        console.appendStage(QStringLiteral("— running"));
        console.appendOutcome(QStringLiteral("— finished: ok"), ui::Outcome::Tone::Good);
        console.appendOutcome(QStringLiteral("— blocked"), ui::Outcome::Tone::Warning);
        console.appendOutcome(QStringLiteral("— finished: exception"), ui::Outcome::Tone::Bad);
        console.appendOutput(model::Stream::Stderr, QByteArray("Traceback (most recent call last):\n"));
        // A control character the program printed is shown escaped, in the console's own grey.
        console.appendOutput(model::Stream::Stdout, QByteArray("bell \x07 here\n"));
        console.flushAll();
        QStringList failures;
        int coloured = 0;
        const QColor base = console.palette().color(QPalette::Base);
        for (QTextBlock block = console.document()->begin(); block.isValid(); block = block.next())
            for (auto it = block.begin(); !it.atEnd(); ++it) {
                const QTextCharFormat format = it.fragment().charFormat();
                if (!format.hasProperty(QTextFormat::ForegroundBrush))
                    continue;
                ++coloured;
                check(failures, u"console “" + it.fragment().text() + u"”", format.foreground().color(),
                      base);
            }
        QVERIFY2(coloured >= 6, qPrintable(QString::number(coloured)));
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(u'\n')));
    }

private:
    void recordRun(history::HistoryStore& store, const std::string& id, model::Status status)
    {
        model::RunSpec request;
        request.code = "print('hello')";
        model::RunResult result;
        result.runId = id;
        result.status = status;
        result.exitCode = status == model::Status::Ok ? 0 : 1;
        result.durations.totalMs = 41;
        result.message = status == model::Status::Ok ? "" : "it failed";
        QVERIFY(store.record(request, result, "standard", "cli").has_value());
    }

    QTemporaryDir m_dir;
};

QTEST_MAIN(TestContrast)
#include "tst_contrast.moc"
