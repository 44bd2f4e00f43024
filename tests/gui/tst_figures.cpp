// Figures in the workbench (issue 17): a run's matplotlib figure appears inline in the output console,
// between the text printed before and after it, scaled down to the console's width; the Figures panel
// lists it with its size, zooms it and saves it as a PNG that reads back at the figure's size; a new
// fresh run clears it, a session's cells keep adding. A figure whose bytes do not decode, or are too
// large to decode, is one line in the output and nothing else. Against the real engine and the
// data-science image (agentrun-sandbox:datascience, AGENTRUN_DATASCIENCE_IMAGE names another);
// skipped when AGENTRUN_NO_DATASCIENCE is set, as the other figure tests are.
#include "agentrun/run/executor.h"

#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QBuffer>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QImageReader>
#include <QListWidget>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTimer>
#include <QToolButton>
#include <QWheelEvent>

#include "codeeditor.h"
#include "consolepanel.h"
#include "editortabs.h"
#include "figureimage.h"
#include "figurespanel.h"
#include "mainwindow.h"
#include "outputconsole.h"
#include "runcontroller.h"
#include "sessiontabs.h"
#include "settings.h"

using namespace agentrun;

namespace {

constexpr int RunWaitMs = 120000; // the first matplotlib import builds its font cache; a busy machine

std::string datascienceImage()
{
    const char* image = std::getenv("AGENTRUN_DATASCIENCE_IMAGE");
    return image != nullptr && *image != '\0' ? image : "agentrun-sandbox:datascience";
}

const QString Plot = QStringLiteral("import matplotlib.pyplot as plt\n"
                                    "print('plotting')\n"
                                    "plt.figure(figsize=(4, 3), dpi=100)\n"
                                    "plt.plot([1, 4, 9, 16])\n"
                                    "plt.show()\n"
                                    "print('done')\n");

/// One line of the console: its text, and the id of the figure on it (-1: none).
struct ConsoleLine
{
    QString text;
    int figure = -1;
};

QList<ConsoleLine> consoleLines(ui::OutputConsole* console)
{
    QList<ConsoleLine> lines;
    for (QTextBlock block = console->document()->begin(); block.isValid(); block = block.next()) {
        ConsoleLine line{block.text(), -1};
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextCharFormat format = it.fragment().charFormat();
            if (format.objectType() == ui::OutputConsole::FigureObjectType)
                line.figure = format.intProperty(ui::OutputConsole::FigureIdProperty);
        }
        lines << line;
    }
    return lines;
}

QString describe(const QList<ConsoleLine>& lines)
{
    QString out;
    for (const ConsoleLine& line : lines)
        out += line.figure >= 0 ? QStringLiteral("[figure %1]\n").arg(line.figure) : line.text + u'\n';
    return out;
}

int indexOf(const QList<ConsoleLine>& lines, const QString& text)
{
    for (int i = 0; i < lines.size(); ++i)
        if (lines[i].figure < 0 && lines[i].text == text)
            return i;
    return -1;
}

QList<int> figureLines(const QList<ConsoleLine>& lines)
{
    QList<int> out;
    for (int i = 0; i < lines.size(); ++i)
        if (lines[i].figure >= 0)
            out << i;
    return out;
}

/// Pixels of matplotlib's first line colour (#1f77b4), give or take smoothing.
int plotBluePixels(const QImage& image)
{
    int count = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            count += qAbs(c.red() - 0x1f) < 40 && qAbs(c.green() - 0x77) < 40 && qAbs(c.blue() - 0xb4) < 40;
        }
    return count;
}

QByteArray pngOf(const QImage& image)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return bytes;
}

model::Figure figureOf(const QByteArray& bytes)
{
    model::Figure figure;
    figure.bytes = bytes.toStdString();
    return figure;
}

} // namespace

class TestFigures : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void decodingRefusesWhatItCannotShow();
    void figureInlineAndInThePanel();
    void badFiguresAreOneLine();
    void sessionCellsKeepTheirFigures();

private:
    model::RunResult runAndWait(ui::MainWindow& window, const std::function<bool()>& start);

    QTemporaryDir m_dir;
    std::unique_ptr<run::Executor> m_executor;
};

void TestFigures::initTestCase()
{
    if (qEnvironmentVariableIsSet("AGENTRUN_NO_DATASCIENCE"))
        QSKIP(
            "AGENTRUN_NO_DATASCIENCE is set (quickstart's QUICKSTART_DATASCIENCE=0): no data-science image");
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    auto config = run::configFromEnvironment();
    config.image = datascienceImage();
    config.poolSize = 0;
    m_executor = std::make_unique<run::Executor>(config);
    const auto ping = m_executor->ping();
    QVERIFY2(ping, ping ? "" : ping.error().message.c_str());
}

model::RunResult TestFigures::runAndWait(ui::MainWindow& window, const std::function<bool()>& start)
{
    QSignalSpy finished(window.runController(), &ui::RunController::finished);
    if (!start() || !QTest::qWaitFor([&] { return finished.size() == 1; }, RunWaitMs))
        return {};
    window.consolePanel()->console()->flushAll();
    return finished.at(0).at(0).value<model::RunResult>();
}

void TestFigures::decodingRefusesWhatItCannotShow()
{
    QImage plot(400, 300, QImage::Format_ARGB32);
    plot.fill(Qt::white);
    const auto good = ui::decodeFigure(pngOf(plot));
    QVERIFY2(good.problem.isEmpty(), qPrintable(good.problem));
    QCOMPARE(good.image.size(), QSize(400, 300));

    const auto garbage = ui::decodeFigure(QByteArrayLiteral("\x89PNG\r\n\x1a\nnot really a PNG"));
    QVERIFY(garbage.image.isNull());
    QVERIFY2(garbage.problem.startsWith(QStringLiteral("not a PNG image")), qPrintable(garbage.problem));

    // A real PNG, but wider than the cap: refused from its header, before its pixels are allocated.
    QImage wide(ui::MaxFigureSide + 1, 2, QImage::Format_Mono);
    wide.fill(0);
    const auto tooWide = ui::decodeFigure(pngOf(wide));
    QVERIFY(tooWide.image.isNull());
    QVERIFY2(tooWide.problem.contains(QStringLiteral("8193 × 2 pixels")), qPrintable(tooWide.problem));
    QVERIFY(ui::decodeFigure(pngOf(plot), QStringLiteral("image/svg+xml")).image.isNull());
}

void TestFigures::figureInlineAndInThePanel()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("inline.ini")));
    ui::MainWindow window(*m_executor, settings);
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.findChild<QDoubleSpinBox*>(QStringLiteral("timeoutLimitSpin"))->setValue(90);
    window.editorTabs()->currentEditor()->setText(Plot);
    auto* console = window.consolePanel()->console();
    auto* panel = window.figuresPanel();

    const auto result = runAndWait(window, [&] { return window.runCurrent(); });
    QVERIFY2(result.status == model::Status::Ok, (result.message + result.stderrData).c_str());
    QCOMPARE(result.stdoutData, std::string("plotting\ndone\n"));
    QCOMPARE(result.figures.size(), std::size_t(1));

    // Inline, between the two lines of text, as the program wrote them.
    auto lines = consoleLines(console);
    const int before = indexOf(lines, QStringLiteral("plotting"));
    const int after = indexOf(lines, QStringLiteral("done"));
    const QList<int> figures = figureLines(lines);
    QVERIFY2(figures.size() == 1 && before >= 0 && before < figures[0] && figures[0] < after,
             qPrintable(describe(lines)));
    const int id = lines[figures[0]].figure;
    QCOMPARE(console->figureImage(id).size(), QSize(400, 300));

    // Shown at its size when the console is wide enough, scaled down to the console's width otherwise.
    QTextObjectInterface* handler =
        console->document()->documentLayout()->handlerForObject(ui::OutputConsole::FigureObjectType);
    QVERIFY(handler);
    QTextCharFormat format;
    format.setObjectType(ui::OutputConsole::FigureObjectType);
    format.setProperty(ui::OutputConsole::FigureIdProperty, id);
    window.consolePanel()->parentWidget()->show();
    if (console->figureWidth() >= 400)
        QCOMPARE(handler->intrinsicSize(console->document(), 0, format), QSizeF(400, 300));
    console->setFixedWidth(260);
    QTRY_VERIFY(console->figureWidth() < 400);
    const QSizeF narrow = handler->intrinsicSize(console->document(), 0, format);
    QCOMPARE(narrow.width(), qreal(console->figureWidth()));
    QVERIFY(qAbs(narrow.height() - narrow.width() * 0.75) < 1.0);
    // Painted: with the figure's line at the top, the plot's blue line is on screen.
    console->verticalScrollBar()->setValue(figures[0]);
    QCoreApplication::processEvents();
    QVERIFY2(plotBluePixels(console->grab().toImage()) > 50, "the figure is not painted in the console");
    console->setMinimumWidth(0);
    console->setMaximumWidth(QWIDGETSIZE_MAX);

    // The panel: one entry with its size; the view zooms; Save as PNG… writes it back at its size.
    QCOMPARE(panel->count(), 1);
    QCOMPARE(panel->list()->count(), 1);
    QVERIFY2(panel->list()->item(0)->text().contains(QStringLiteral("400 × 300")),
             qPrintable(panel->list()->item(0)->text()));
    QCOMPARE(panel->list()->currentRow(), 0);
    QCOMPARE(panel->figure(0).size(), QSize(400, 300));
    window.findChild<QDockWidget*>(QStringLiteral("figuresDock"))->raise();
    QTRY_VERIFY(panel->isVisible());
    ui::FigureView* view = panel->view();
    view->actualSize();
    QCOMPARE(view->zoom(), 1.0);
    QTest::mouseClick(panel->findChild<QToolButton*>(QStringLiteral("figureZoomIn")), Qt::LeftButton);
    QCOMPARE(view->zoom(), 1.25);
    QWheelEvent wheel(QPointF(10, 10), view->viewport()->mapToGlobal(QPointF(10, 10)), QPoint(),
                      QPoint(0, -120), Qt::NoButton, Qt::ControlModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view->viewport(), &wheel);
    QCOMPARE(view->zoom(), 1.0);
    QTest::mouseClick(panel->findChild<QToolButton*>(QStringLiteral("figureZoomOut")), Qt::LeftButton);
    QCOMPARE(view->zoom(), 0.8);
    view->setFocus();
    QTest::keyClick(view, Qt::Key_Plus);
    QCOMPARE(view->zoom(), 1.0);
    QTest::keyClick(view, Qt::Key_0); // fit: the whole figure in the view, never above its size
    QVERIFY(view->zoom() <= 1.0);

    QCOMPARE(panel->defaultFileName(0), QStringLiteral("figure-1.png"));
    const QString saved = m_dir.filePath(QStringLiteral("saved/figure-1.png"));
    QVERIFY(QDir().mkpath(m_dir.filePath(QStringLiteral("saved"))));
    // The button's dialog proposes figure-1.png; the test points it into its own folder.
    QString proposed;
    QTimer::singleShot(0, this, [&] {
        auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
        if (!dialog)
            return;
        proposed = dialog->selectedFiles().value(0);
        dialog->selectFile(saved);
        QMetaObject::invokeMethod(dialog, "accept");
    });
    QTest::mouseClick(panel->findChild<QToolButton*>(QStringLiteral("figureSave")), Qt::LeftButton);
    QVERIFY2(proposed.endsWith(QStringLiteral("/figure-1.png")), qPrintable(proposed));
    QImageReader reader(saved);
    QCOMPARE(reader.format(), QByteArray("png"));
    const QImage back = reader.read();
    QCOMPARE(back.size(), QSize(400, 300));
    QCOMPARE(panel->saveFigure(0, m_dir.filePath(QStringLiteral("missing/dir/f.png"))).isEmpty(), false);

    // A new fresh run starts from nothing: console and panel.
    window.editorTabs()->currentEditor()->setText(QStringLiteral("print('again')\n"));
    const auto again = runAndWait(window, [&] { return window.runCurrent(); });
    QVERIFY2(again.status == model::Status::Ok, again.message.c_str());
    QCOMPARE(panel->count(), 0);
    QCOMPARE(console->figureCount(), 0);
    QVERIFY(figureLines(consoleLines(console)).isEmpty());
}

void TestFigures::badFiguresAreOneLine()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("bad.ini")));
    ui::MainWindow window(*m_executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* console = window.consolePanel()->console();
    auto* controller = window.runController();

    // As the controller passes them on from a run: bytes that only start like a PNG, a PNG past the
    // size cap, then a good one.
    Q_EMIT controller->outputArrived(model::Stream::Stdout, QByteArrayLiteral("before\n"));
    Q_EMIT controller->figureArrived(figureOf(QByteArrayLiteral("\x89PNG\r\n\x1a\n\0\0\0\rIHDRgarbage")));
    QImage tall(3, ui::MaxFigureSide * 2, QImage::Format_Mono);
    tall.fill(1);
    Q_EMIT controller->figureArrived(figureOf(pngOf(tall)));
    QImage small(40, 30, QImage::Format_RGB32);
    small.fill(Qt::blue);
    Q_EMIT controller->figureArrived(figureOf(pngOf(small)));
    Q_EMIT controller->outputArrived(model::Stream::Stdout, QByteArrayLiteral("after\n"));
    console->flushAll();

    const auto lines = consoleLines(console);
    const QString text = describe(lines);
    QCOMPARE(text.count(QStringLiteral("— a figure is not shown: ")), 2);
    QVERIFY2(text.contains(QStringLiteral("— a figure is not shown: not a PNG image")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("3 × 16384 pixels is over what the workbench decodes")),
             qPrintable(text));
    const QList<int> figures = figureLines(lines);
    QCOMPARE(figures.size(), 1);
    QVERIFY(indexOf(lines, QStringLiteral("before")) < figures[0]);
    QVERIFY(figures[0] < indexOf(lines, QStringLiteral("after")));
    QCOMPARE(window.figuresPanel()->count(), 1);
    QCOMPARE(window.figuresPanel()->figure(0).size(), QSize(40, 30));
    console->grab();
}

void TestFigures::sessionCellsKeepTheirFigures()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("session.ini")));
    ui::MainWindow window(*m_executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.findChild<QDoubleSpinBox*>(QStringLiteral("timeoutLimitSpin"))->setValue(90);
    auto* editor = window.editorTabs()->currentEditor();
    editor->setText(QStringLiteral("# %% load\n"
                                   "import matplotlib.pyplot as plt\n"
                                   "ys = [1, 4, 9]\n"
                                   "print('loaded')\n"
                                   "# %% plot\n"
                                   "plt.figure(figsize=(2, 2), dpi=100)\n"
                                   "plt.plot(ys)\n"
                                   "plt.show()\n"
                                   "print('plotted', len(ys))\n"
                                   "# %% end\n"
                                   "print('end')\n"));
    editor->setCursorPosition(0, 0);
    QTest::mouseClick(window.findChild<QToolButton*>(QStringLiteral("sessionModeButton")), Qt::LeftButton);
    QVERIFY(window.sessionTabs()->inSession(editor));
    for (int cell = 1; cell <= 3; ++cell) {
        const auto result = runAndWait(window, [&] { return window.runCell(true); });
        QVERIFY2(result.status == model::Status::Ok, (result.message + result.stderrData).c_str());
        QVERIFY(result.session);
        QCOMPARE(result.session->cell, cell);
    }
    auto* console = window.consolePanel()->console();
    const auto lines = consoleLines(console);
    const QList<int> figures = figureLines(lines);
    QVERIFY2(figures.size() == 1, qPrintable(describe(lines)));
    QVERIFY2(indexOf(lines, QStringLiteral("loaded")) < figures[0] &&
                 figures[0] < indexOf(lines, QStringLiteral("plotted 3")) &&
                 indexOf(lines, QStringLiteral("plotted 3")) < indexOf(lines, QStringLiteral("end")),
             qPrintable(describe(lines)));
    QCOMPARE(window.figuresPanel()->count(), 1);
    QCOMPARE(window.figuresPanel()->figure(0).size(), QSize(200, 200));

    // The plot cell again: the session's figures add up, numbered on.
    editor->setCursorPosition(5, 0);
    const auto again = runAndWait(window, [&] { return window.runCell(false); });
    QVERIFY2(again.status == model::Status::Ok, again.message.c_str());
    QCOMPARE(window.figuresPanel()->count(), 2);
    QCOMPARE(window.figuresPanel()->defaultFileName(1), QStringLiteral("figure-2.png"));
    QCOMPARE(figureLines(consoleLines(console)).size(), 2);
}

QTEST_MAIN(TestFigures)
#include "tst_figures.moc"
