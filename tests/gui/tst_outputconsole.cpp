// The output console: terminal rendering rules (through TerminalDecoder) and responsiveness under a flood.
#include <QElapsedTimer>
#include <QLocale>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QTextBlock>
#include <QTimer>

#include "outputconsole.h"
#include "terminaldecoder.h"

using namespace agentrun;
using ui::CellStyle;
using ui::TerminalDecoder;

namespace {

QString plain(const ui::StyledLine& line)
{
    QString text;
    for (const auto& run : line)
        text += run.text;
    return text;
}

/// Everything the decoder holds, lines joined by \n (the unfinished line last).
QString render(TerminalDecoder& decoder)
{
    QStringList lines;
    for (const auto& line : decoder.takeCompletedLines())
        lines << plain(line);
    lines << plain(decoder.currentLine());
    return lines.join(u'\n');
}

} // namespace

class TestOutputConsole : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void decoder_data();
    void decoder();
    void chunkBoundaries();
    void sgrColours();
    void stderrIsMarked();
    void consoleShowsStageLinesApart();
    void consoleCapsLinesAndSaysSo();
    void consoleSearch();
    void cutNoteCountsSkippedOutput();
    void floodStaysResponsive();
};

void TestOutputConsole::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
}

void TestOutputConsole::decoder_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("expected");
    QTest::newRow("plain") << QByteArray("hello\nworld") << QStringLiteral("hello\nworld");
    QTest::newRow("trailing newline") << QByteArray("a\n") << QStringLiteral("a\n");
    QTest::newRow("carriage return rewrites")
        << QByteArray("progress 10%\rprogress 100%\n") << QStringLiteral("progress 100%\n");
    QTest::newRow("carriage return overwrites only what it writes")
        << QByteArray("abcdef\rXY") << QStringLiteral("XYcdef");
    QTest::newRow("crlf keeps the line") << QByteArray("one\r\ntwo") << QStringLiteral("one\ntwo");
    QTest::newRow("backspace") << QByteArray("ab\bc") << QStringLiteral("ac");
    QTest::newRow("sgr is obeyed, not shown")
        << QByteArray("\x1b[1;31mred\x1b[0m!") << QStringLiteral("red!");
    QTest::newRow("256 and truecolour")
        << QByteArray("\x1b[38;5;208mo\x1b[48;2;1;2;3mk\x1b[m") << QStringLiteral("ok");
    QTest::newRow("clear screen is inert") << QByteArray("a\x1b[2Jb") << QStringLiteral("a\u241B[2Jb");
    QTest::newRow("cursor move is inert") << QByteArray("\x1b[10;5H") << QStringLiteral("\u241B[10;5H");
    QTest::newRow("private mode is inert") << QByteArray("\x1b[?25l") << QStringLiteral("\u241B[?25l");
    QTest::newRow("osc title is inert")
        << QByteArray("\x1b]0;pwned\x07x") << QStringLiteral("\u241B]0;pwned\u2407x");
    QTest::newRow("osc with st") << QByteArray("\x1b]8;;http://x\x1b\\link")
                                 << QStringLiteral("\u241B]8;;http://x\u241B\\link");
    QTest::newRow("two-byte escape") << QByteArray("\x1b"
                                                   "c")
                                     << QStringLiteral("\u241Bc");
    QTest::newRow("nul") << QByteArray("a\0b", 3) << QStringLiteral("a\u2400b");
    QTest::newRow("bell") << QByteArray("\x07") << QStringLiteral("\u2407");
    QTest::newRow("del") << QByteArray("\x7f") << QStringLiteral("\u2421");
    QTest::newRow("bidi override") << QByteArray("abc\xe2\x80\xae"
                                                 "def")
                                   << QStringLiteral("abc<U+202E>def");
    QTest::newRow("bidi isolate") << QByteArray("\xe2\x81\xa6x") << QStringLiteral("<U+2066>x");
    QTest::newRow("c1 csi") << QByteArray("\xc2\x9b"
                                          "2J")
                            << QStringLiteral("<U+009B>2J");
    QTest::newRow("invalid utf-8") << QByteArray("a\xff\xfe"
                                                 "b")
                                   << QStringLiteral("a\uFFFD\uFFFDb");
    QTest::newRow("non-bmp") << QByteArray("\xf0\x9f\x98\x80!") << QStringLiteral("\U0001F600!");
    QTest::newRow("tab kept") << QByteArray("a\tb") << QStringLiteral("a\tb");
}

void TestOutputConsole::decoder()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, expected);
    TerminalDecoder decoder;
    decoder.feed(TerminalDecoder::Out, input);
    QCOMPARE(render(decoder), expected);
}

void TestOutputConsole::chunkBoundaries()
{
    // A UTF-8 sequence and an escape sequence split across chunks are joined, byte by byte.
    const QByteArray input("caf\xc3\xa9 \x1b[32mgreen\x1b[0m \xe2\x82\xac");
    TerminalDecoder decoder;
    for (char c : input)
        decoder.feed(TerminalDecoder::Out, QByteArrayView(&c, 1));
    QCOMPARE(render(decoder), QStringLiteral("café green €"));
}

void TestOutputConsole::sgrColours()
{
    TerminalDecoder decoder;
    decoder.feed(TerminalDecoder::Out, "\x1b[31mred\x1b[0m plain \x1b[1;38;5;21mblue");
    const ui::StyledLine line = decoder.currentLine();
    QCOMPARE(line.size(), size_t(3));
    QCOMPARE(line[0].text, QStringLiteral("red"));
    QCOMPARE(line[0].style.fg, ui::xtermColor(1));
    QCOMPARE(line[1].style.fg, 0u);
    QVERIFY(line[2].style.bold);
    QCOMPARE(line[2].style.fg, ui::xtermColor(21));
}

void TestOutputConsole::stderrIsMarked()
{
    TerminalDecoder decoder;
    decoder.feed(TerminalDecoder::Out, "out\n");
    decoder.feed(TerminalDecoder::Err, "err\n");
    const auto lines = decoder.takeCompletedLines();
    QCOMPARE(lines.size(), size_t(2));
    QVERIFY(lines[0][0].style.kind == CellStyle::Kind::Stdout);
    QVERIFY(lines[1][0].style.kind == CellStyle::Kind::Stderr);
}

void TestOutputConsole::consoleShowsStageLinesApart()
{
    ui::OutputConsole console;
    QSignalSpy drained(&console, &ui::OutputConsole::drained);
    console.appendOutput(model::Stream::Stdout, "partial");
    console.appendStage(QStringLiteral("— finished: ok"));
    console.appendOutput(model::Stream::Stderr, "\x1b[2Joops\n");
    QTRY_VERIFY(drained.size() >= 1);
    QCOMPARE(console.toPlainText(), QStringLiteral("partial\n— finished: ok\n\u241B[2Joops\n"));
    // stderr is red, the stage line grey italic
    const QTextBlock stage = console.document()->findBlockByNumber(1);
    QVERIFY(stage.begin().fragment().charFormat().fontItalic());
    const QTextBlock err = console.document()->findBlockByNumber(2);
    QTextBlock::iterator it = err.begin();
    ++it; // past the inert escape
    QCOMPARE(it.fragment().text(), QStringLiteral("oops"));
    QCOMPARE(it.fragment().charFormat().foreground().color(), QColor(0xd0, 0x30, 0x30));
}

void TestOutputConsole::consoleCapsLinesAndSaysSo()
{
    ui::OutputConsole console;
    console.setMaximumLines(100);
    QByteArray text;
    for (int i = 0; i < 1000; ++i)
        text += "line " + QByteArray::number(i) + '\n';
    console.appendOutput(model::Stream::Stdout, text);
    console.flushAll();
    QVERIFY(console.cutLines() >= 890);
    QVERIFY(console.document()->blockCount() <= 100 + 10 + 2);
    const QString first = console.document()->firstBlock().text();
    QVERIFY2(first.contains(QStringLiteral("earlier lines cut")), qPrintable(first));
    QVERIFY(console.toPlainText().endsWith(QStringLiteral("line 999\n")));
}

void TestOutputConsole::cutNoteCountsSkippedOutput()
{
    // More output queued than the console draws (MaxBacklogBytes): the oldest part is skipped unseen,
    // and what is left is capped at 100 lines. Every earlier line is either cut or skipped, so the note
    // on the first line must count all of them: the lines before the first one still shown.
    ui::OutputConsole console;
    console.setMaximumLines(100);
    QByteArray chunk; // whole lines, so that a skipped part ends at a line's end
    int next = 0;
    const auto fill = [&] {
        chunk.clear();
        for (int i = 0; i < 5000; ++i)
            chunk += "line " + QByteArray::number(next++).rightJustified(7, '0') + '\n';
    };
    while (qint64(next) * 13 < 2 * ui::OutputConsole::MaxBacklogBytes) {
        fill();
        console.appendOutput(model::Stream::Stdout, chunk);
    }
    console.flushAll();
    QVERIFY(console.skippedBytes() > 0);
    QVERIFY(console.skippedLines() > 0);
    QCOMPARE(console.skippedBytes(), console.skippedLines() * 13); // 13 bytes a line

    const QString first = console.document()->firstBlock().text();
    static const QRegularExpression note(
        QStringLiteral("^— ([\\d,]+) earlier lines cut \\(([\\d,]+) of them"));
    const auto match = note.match(first);
    QVERIFY2(match.hasMatch(), qPrintable(first));
    const qint64 noted = QLocale::c().toLongLong(match.captured(1).remove(u','));
    QCOMPARE(QLocale::c().toLongLong(match.captured(2).remove(u',')), console.skippedLines());
    QVERIFY2(first.contains(
                 QLocale().formattedDataSize(console.skippedBytes(), 1, QLocale::DataSizeTraditionalFormat)),
             qPrintable(first));

    // The first output line still in the console: every line before it was cut or skipped.
    qint64 firstShown = -1;
    for (QTextBlock block = console.document()->firstBlock(); block.isValid(); block = block.next())
        if (block.text().startsWith(QStringLiteral("line "))) {
            firstShown = block.text().mid(5).toLongLong();
            break;
        }
    QVERIFY(firstShown > 0);
    // The skip's own note (one line in the text) may have been cut too.
    QVERIFY2(noted >= firstShown && noted <= firstShown + 1,
             qPrintable(QStringLiteral("noted %1, first shown line %2").arg(noted).arg(firstShown)));
    QVERIFY(console.toPlainText().endsWith(QStringLiteral("line %1\n").arg(next - 1, 7, 10, QChar(u'0'))));
}

void TestOutputConsole::consoleSearch()
{
    ui::OutputConsole console;
    console.appendOutput(model::Stream::Stdout, "alpha\nbeta\ngamma\n");
    console.flushAll();
    QVERIFY(console.findText(QStringLiteral("beta")));
    QCOMPARE(console.textCursor().selectedText(), QStringLiteral("beta"));
    QVERIFY(console.findText(QStringLiteral("alpha"))); // wraps around
    QVERIFY(!console.findText(QStringLiteral("delta")));
}

void TestOutputConsole::floodStaysResponsive()
{
    ui::OutputConsole console;
    console.resize(1000, 600);
    console.show();
    QVERIFY(QTest::qWaitForWindowExposed(&console));

    // 50 MiB of typical noisy output: coloured log lines, stderr, and \r progress updates.
    QByteArray chunk;
    for (int i = 0; chunk.size() < 64 * 1024; ++i) {
        if (i % 10 == 0)
            chunk += "\rprogress " + QByteArray::number(i % 100) + "%";
        else
            chunk += "\n\x1b[32mINFO\x1b[0m step " + QByteArray::number(i) +
                     " some ordinary log text of a typical length, with a number 3.14159\n";
    }
    constexpr qint64 total = 50ll << 20;
    qint64 fed = 0;
    int chunks = 0;

    QTimer feeder; // output arriving as fast as the event loop takes it
    feeder.setInterval(0);
    connect(&feeder, &QTimer::timeout, &console, [&] {
        for (int i = 0; i < 4 && fed < total; ++i, ++chunks) {
            console.appendOutput(chunks % 7 == 0 ? model::Stream::Stderr : model::Stream::Stdout, chunk);
            fed += chunk.size();
        }
        if (fed >= total) {
            console.appendOutput(model::Stream::Stdout, "\nTHE END\n");
            feeder.stop();
        }
    });

    QElapsedTimer sinceTick;
    qint64 worstStall = 0;
    QTimer probe; // a 10 ms timer measuring its own lateness = how long the event loop was blocked
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(10);
    connect(&probe, &QTimer::timeout, &console, [&] {
        worstStall = qMax(worstStall, sinceTick.elapsed() - 10);
        sinceTick.restart();
    });

    QElapsedTimer clock;
    clock.start();
    sinceTick.start();
    probe.start();
    feeder.start();
    QTRY_VERIFY_WITH_TIMEOUT(fed >= total && !console.hasPending(), 120000);
    probe.stop();
    const qint64 elapsed = clock.elapsed();

    qInfo("flood: %lld MiB in %lld ms, worst event-loop stall %lld ms, %lld lines cut, %lld MiB skipped, %d "
          "blocks kept",
          total >> 20, elapsed, worstStall, console.cutLines(), console.skippedBytes() >> 20,
          console.document()->blockCount());
    QVERIFY2(worstStall < 100, qPrintable(QStringLiteral("the window froze for %1 ms").arg(worstStall)));
    QVERIFY(console.toPlainText().endsWith(QStringLiteral("THE END\n")));
    QVERIFY(console.document()->blockCount() <= console.maximumLines() + console.maximumLines() / 10 + 2);
}

QTEST_MAIN(TestOutputConsole)
#include "tst_outputconsole.moc"
