// Figure marker lines on stdout (sandbox/figures.h): taken out of the text wherever the stream is cut,
// checked (base64, PNG header), capped, and placed in the text by stdout offset. No engine.
#include "agentrun/base64.h"
#include "agentrun/sandbox/outputcollector.h"

#include <QTest>

using agentrun::base64Decode;
using agentrun::base64Encode;
using agentrun::model::Figure;
using agentrun::model::Stream;
using agentrun::sandbox::FigureCaps;
using agentrun::sandbox::FigureExtractor;
using agentrun::sandbox::OutputCollector;

namespace {

/// The start of a PNG file: signature and IHDR (all the host reads), then `extra` bytes of "data".
std::string png(std::uint32_t width, std::uint32_t height, std::size_t extra = 16)
{
    std::string bytes = "\x89PNG\r\n\x1a\n";
    const auto be32 = [&](std::uint32_t v) {
        for (int shift : {24, 16, 8, 0}) {
            bytes += static_cast<char>((v >> shift) & 0xff);
        }
    };
    be32(13);
    bytes += "IHDR";
    be32(width);
    be32(height);
    bytes += std::string("\x08\x02\x00\x00\x00", 5);
    be32(0x12345678); // CRC: not checked
    bytes += std::string(extra, 'x');
    return bytes;
}

std::string markerLine(const std::string& image)
{
    return std::string(FigureExtractor::Marker) + base64Encode(image) + "\n";
}

/// Feeds `stream` in pieces of `chunk` bytes; returns whether every add() kept the run going.
bool feed(OutputCollector& collector, const std::string& stream, std::size_t chunk)
{
    bool ok = true;
    for (std::size_t i = 0; i < stream.size(); i += chunk) {
        ok = collector.add(Stream::Stdout, std::string_view(stream).substr(i, chunk)) && ok;
    }
    collector.finish();
    return ok;
}

} // namespace

class TestFigures : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void base64RoundTrip()
    {
        for (const std::string& bytes : {std::string(), std::string("a"), std::string("ab"),
                                         std::string("abc"), std::string("\x00\xff\x10 binary", 10)}) {
            QCOMPARE(base64Decode(base64Encode(bytes)).value_or("<failed>"), bytes);
        }
        QCOMPARE(base64Encode("hello"), std::string("aGVsbG8="));
        QVERIFY(!base64Decode("aGVsbG8").has_value());  // not a multiple of 4
        QVERIFY(!base64Decode("aGV$bG8=").has_value()); // outside the alphabet
        QVERIFY(!base64Decode("aG=sbG8=").has_value()); // padding inside
    }

    void pngHeader()
    {
        const auto size = agentrun::sandbox::pngSize(png(400, 300));
        QVERIFY(size.has_value());
        QCOMPARE(size->first, 400);
        QCOMPARE(size->second, 300);
        QVERIFY(!agentrun::sandbox::pngSize("GIF89a and more bytes than a PNG header needs").has_value());
        QVERIFY(!agentrun::sandbox::pngSize(png(0, 10)).has_value());
        QVERIFY(!agentrun::sandbox::pngSize(png(10, 10).substr(0, 20)).has_value());
    }

    void takenOutAcrossChunks_data()
    {
        QTest::addColumn<int>("chunk");
        for (int chunk : {1, 2, 3, 7, 16, 17, 64, 100000}) {
            QTest::addRow("chunk %d", chunk) << chunk;
        }
    }

    // Text, a figure mid-line, text, a figure at a line start, text, then the report: the text arrives
    // whole and without a marker byte, the figures in order at their offsets, the report still read.
    void takenOutAcrossChunks()
    {
        QFETCH(int, chunk);
        const std::string first = png(400, 300, 100);
        const std::string second = png(640, 480, 5);
        const std::string stream = "before\npartial" + markerLine(first) + " line\n" + markerLine(second) +
                                   "after\n" + OutputCollector::marker("n0") + R"({"exit": 0})" + "\n";
        std::string forwarded;
        std::vector<Figure> seen;
        OutputCollector collector(
            "n0", 1 << 20, [&](Stream, std::string_view bytes) { forwarded += bytes; },
            [&](const Figure& figure) { seen.push_back(figure); });
        QVERIFY(feed(collector, stream, static_cast<std::size_t>(chunk)));
        QCOMPARE(collector.stdoutData(), std::string("before\npartial line\nafter\n"));
        QCOMPARE(forwarded, collector.stdoutData());
        QVERIFY(collector.report().has_value());
        const auto figures = collector.takeFigures();
        QCOMPARE(figures.size(), std::size_t(2));
        QCOMPARE(seen.size(), std::size_t(2));
        QCOMPARE(figures[0].bytes, first);
        QCOMPARE(figures[0].width, 400);
        QCOMPARE(figures[0].height, 300);
        QCOMPARE(figures[0].mime, std::string("image/png"));
        QCOMPARE(figures[0].stdoutOffset, std::int64_t(std::string("before\npartial").size()));
        QCOMPARE(figures[1].bytes, second);
        QCOMPARE(figures[1].stdoutOffset, std::int64_t(std::string("before\npartial line\n").size()));
        QCOMPARE(seen[1].width, 640);
        QVERIFY(collector.takeFigureNotes().empty());
        QVERIFY(!collector.stdoutTruncated());
    }

    // Bytes that only start like the marker are text, also when the stream ends inside them.
    void nearMissesAreText()
    {
        const std::string text = "a\x1e"
                                 "b \x1e"
                                 "AGENTRUN-FIGURX:abc\n\x1e"
                                 "AGENTRUN-REPORT:x\n\x1e"
                                 "AGENTRUN-FIG";
        for (std::size_t chunk : {1, 5, 1000}) {
            OutputCollector collector("n0", 1 << 20, {});
            QVERIFY(feed(collector, text, chunk));
            QCOMPARE(collector.stdoutData(), text);
            QVERIFY(collector.takeFigures().empty());
            QVERIFY(collector.takeFigureNotes().empty());
        }
    }

    // A forged or broken marker makes no figure, leaks nothing into the text, and says why in a note.
    void garbageIsDroppedWithANote()
    {
        OutputCollector collector("n0", 1 << 20, {});
        const std::string stream = "x" + std::string(FigureExtractor::Marker) + "!!not base64!!\n" + "y" +
                                   markerLine("GIF89a, not a PNG at all, long enough to be read") + "z" +
                                   markerLine(png(2, 2)) + std::string(FigureExtractor::Marker) + "aGVsbG8=";
        QVERIFY(feed(collector, stream, 7));
        QCOMPARE(collector.stdoutData(), std::string("xyz"));
        const auto figures = collector.takeFigures();
        QCOMPARE(figures.size(), std::size_t(1));
        QCOMPARE(figures[0].stdoutOffset, std::int64_t(3));
        const auto notes = collector.takeFigureNotes();
        QCOMPARE(notes.size(), std::size_t(3));
        QVERIFY2(notes[0].find("figure 1") != std::string::npos &&
                     notes[0].find("base64") != std::string::npos,
                 notes[0].c_str());
        QVERIFY2(notes[1].find("not a PNG") != std::string::npos, notes[1].c_str());
        QVERIFY2(notes[2].find("figure 4") != std::string::npos &&
                     notes[2].find("cut off") != std::string::npos,
                 notes[2].c_str());
    }

    void capsHold()
    {
        // Count: the third figure is dropped.
        {
            OutputCollector collector("n0", 1 << 20, {}, {}, FigureCaps{2, 1 << 20, 1 << 20});
            QVERIFY(
                feed(collector, markerLine(png(1, 1)) + markerLine(png(2, 2)) + markerLine(png(3, 3)), 5));
            QCOMPARE(collector.takeFigures().size(), std::size_t(2));
            const auto notes = collector.takeFigureNotes();
            QCOMPARE(notes.size(), std::size_t(1));
            QVERIFY2(notes[0].find("at most 2") != std::string::npos, notes[0].c_str());
        }
        // Size per figure: dropped while it streams (its base64 is never held whole), the next one kept.
        {
            OutputCollector collector("n0", 1 << 20, {}, {}, FigureCaps{32, 1000, 1 << 20});
            QVERIFY(feed(collector, markerLine(png(9, 9, 5000)) + "t" + markerLine(png(4, 4)), 64));
            const auto figures = collector.takeFigures();
            QCOMPARE(figures.size(), std::size_t(1));
            QCOMPARE(figures[0].width, 4);
            QCOMPARE(collector.stdoutData(), std::string("t"));
            QVERIFY(collector.takeFigureNotes().at(0).find("per figure") != std::string::npos);
        }
        // Total: the figure that would pass it is dropped.
        {
            OutputCollector collector("n0", 1 << 20, {}, {}, FigureCaps{32, 1000, 1500});
            QVERIFY(feed(collector,
                         markerLine(png(1, 1, 600)) + markerLine(png(2, 2, 600)) + markerLine(png(3, 3, 600)),
                         100));
            QCOMPARE(collector.takeFigures().size(), std::size_t(2));
            QVERIFY(collector.takeFigureNotes().at(0).find("in all") != std::string::npos);
        }
    }

    // Marker data past the caps is output all the same: past the stream's cap it stops the run.
    void floodOfMarkersStopsTheRun()
    {
        OutputCollector collector("n0", 4096, {}, {}, FigureCaps{1, 1000, 1000});
        std::string flood;
        for (int i = 0; i < 50; ++i) {
            flood += markerLine(png(1, 1, 500));
        }
        QVERIFY(!feed(collector, flood, 512));
        QVERIFY(collector.stdoutTruncated());
        QCOMPARE(collector.takeFigures().size(), std::size_t(1));
        QVERIFY(collector.stdoutData().empty());
    }

    // One endless marker line is dropped as it streams: what is held stays bounded by the caps.
    void endlessMarkerIsNotHeld()
    {
        FigureExtractor extractor(FigureCaps{32, 3000, 3000});
        QVERIFY(extractor.feed(std::string(FigureExtractor::Marker)).empty());
        const std::string junk(1 << 16, 'A');
        for (int i = 0; i < 64; ++i) {
            QVERIFY(extractor.feed(junk).empty());
        }
        QCOMPARE(extractor.droppedBytes(), std::uint64_t(64) << 16);
        QCOMPARE(extractor.release(), std::string());
        QVERIFY(extractor.takeFigures().empty());
    }

    // A figure after the text was cut sits at the end of the text that was kept.
    void offsetWithinKeptText()
    {
        OutputCollector collector("n0", 4, {});
        feed(collector, "0123456789" + markerLine(png(5, 5)), 3);
        QVERIFY(collector.stdoutTruncated());
        QCOMPARE(collector.stdoutData(), std::string("0123"));
        const auto figures = collector.takeFigures();
        QCOMPARE(figures.size(), std::size_t(1));
        QCOMPARE(figures[0].stdoutOffset, std::int64_t(4));
    }
};

QTEST_APPLESS_MAIN(TestFigures)
#include "tst_figures.moc"
