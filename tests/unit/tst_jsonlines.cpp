// JsonLinesParser: the same values whatever the chunking, blank and broken lines, over-long lines
// dropped with bounded memory, and a sink that stops the stream.
#include "agentrun/engine/jsonlines.h"

#include <QTest>

using agentrun::engine::JsonLinesParser;

namespace {

/// What a parser handed on: each value's dump, "<not json>" for a discarded one.
struct Seen
{
    std::vector<std::string> values;
    std::size_t dropped = 0;
    std::size_t maxPending = 0;
};

Seen parseCut(std::string_view stream, const std::vector<std::size_t>& cuts, std::size_t maxLine)
{
    Seen seen;
    JsonLinesParser parser(
        [&](const nlohmann::json& value) {
            seen.values.push_back(value.is_discarded() ? "<not json>" : value.dump());
            return true;
        },
        maxLine);
    std::size_t from = 0;
    for (const std::size_t cut : cuts) {
        parser.feed(stream.substr(from, cut - from));
        seen.maxPending = std::max(seen.maxPending, parser.pending());
        from = cut;
    }
    parser.feed(stream.substr(from));
    seen.maxPending = std::max(seen.maxPending, parser.pending());
    parser.finish();
    seen.dropped = parser.linesDropped();
    return seen;
}

// Objects, CRLF and LF endings, blank and whitespace-only lines, a line that is not JSON, non-ASCII,
// a long line, and a last line without a newline.
const std::string Stream = "{\"stream\":\"Step 1/2 : FROM base\\n\"}\r\n"
                           "\n"
                           "  \t\r\n"
                           "not json at all\n"
                           "{\"aux\":{\"ID\":\"sha256:0123\"}}\n"
                           "{\"long\":\"" +
                           std::string(40, 'x') +
                           "\"}\n"
                           "[1,\"é\",null]\r\n"
                           "{\"status\":\"done\"}";

} // namespace

class TestJsonLines : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void wholeStream()
    {
        const auto seen = parseCut(Stream, {}, JsonLinesParser::DefaultMaxLine);
        const std::vector<std::string> expected = {"{\"stream\":\"Step 1/2 : FROM base\\n\"}",
                                                   "<not json>",
                                                   "{\"aux\":{\"ID\":\"sha256:0123\"}}",
                                                   "{\"long\":\"" + std::string(40, 'x') + "\"}",
                                                   "[1,\"é\",null]",
                                                   "{\"status\":\"done\"}"};
        QCOMPARE(seen.values, expected);
        QCOMPARE(seen.dropped, std::size_t(0));
    }

    void everySplitPoint_data()
    {
        QTest::addColumn<int>("maxLine");
        QTest::addRow("default cap") << int(JsonLinesParser::DefaultMaxLine);
        QTest::addRow("cap drops the long line") << 40;
    }

    void everySplitPoint()
    {
        // Every pair of cut points (three reads), compared with the stream fed whole: the same values in
        // the same order, the same lines dropped, and never more pending than the cap.
        QFETCH(int, maxLine);
        const auto cap = static_cast<std::size_t>(maxLine);
        const auto whole = parseCut(Stream, {}, cap);
        QCOMPARE(whole.dropped, std::size_t(cap == 40 ? 1 : 0));
        QCOMPARE(whole.values.size(), std::size_t(cap == 40 ? 5 : 6));
        for (std::size_t first = 0; first <= Stream.size(); ++first) {
            for (std::size_t second = first; second <= Stream.size(); ++second) {
                const auto seen = parseCut(Stream, {first, second}, cap);
                if (seen.values != whole.values || seen.dropped != whole.dropped) {
                    QFAIL(qPrintable(QString("cut at %1 and %2 differs").arg(first).arg(second)));
                }
                QVERIFY(seen.maxPending <= cap);
            }
        }
    }

    void byteByByte()
    {
        std::vector<std::size_t> cuts;
        for (std::size_t at = 1; at < Stream.size(); ++at) {
            cuts.push_back(at);
        }
        QCOMPARE(parseCut(Stream, cuts, 1024).values, parseCut(Stream, {}, 1024).values);
    }

    void crlfAndBlankLines()
    {
        const auto seen = parseCut("\r\n\n \r\n{\"a\":1}\r\n\r\n\t\n{\"b\":2}\r\n", {}, 100);
        QCOMPARE(seen.values, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
        // A CR split from its LF across reads is still part of the line ending.
        const auto split = parseCut("{\"a\":1}\r\n{\"b\":2}\r\n", {8, 18}, 100);
        QCOMPARE(split.values, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
    }

    void nonJsonLinesAreDiscardedNotThrown()
    {
        const auto seen = parseCut("{\"a\":1} trailing\n{\"unterminated\n\xff\xfe\n{\"ok\":true}\n", {}, 100);
        QCOMPARE(seen.values,
                 (std::vector<std::string>{"<not json>", "<not json>", "<not json>", "{\"ok\":true}"}));
    }

    void overlongLineDroppedWithBoundedMemory_data()
    {
        QTest::addColumn<int>("chunk");
        for (const int chunk : {1, 3, 16, 17, 100, 100000}) {
            QTest::addRow("reads of %d", chunk) << chunk;
        }
    }

    void overlongLineDroppedWithBoundedMemory()
    {
        QFETCH(int, chunk);
        constexpr std::size_t cap = 16;
        const std::string atCap = "{\"s\":\"" + std::string(cap - 8, 'a') + "\"}"; // exactly 16 bytes
        QCOMPARE(atCap.size(), cap);
        const std::string stream = std::string(50000, '[') + "\n" + atCap + "\n{\"t\":\"" +
                                   std::string(cap, 'b') + "\"}\n{\"ok\":1}\n" + std::string(cap + 1, ' ');
        std::vector<std::string> values;
        JsonLinesParser parser(
            [&](const nlohmann::json& value) {
                values.push_back(value.dump());
                return true;
            },
            cap);
        for (std::size_t at = 0; at < stream.size(); at += static_cast<std::size_t>(chunk)) {
            QVERIFY(parser.feed(std::string_view(stream).substr(at, static_cast<std::size_t>(chunk))));
            QVERIFY(parser.pending() <= cap);
        }
        QVERIFY(parser.finish());
        QCOMPARE(values, (std::vector<std::string>{atCap, "{\"ok\":1}"}));
        // The 50000-byte line, the 25-byte one, and the unterminated 17 spaces at the end.
        QCOMPARE(parser.linesDropped(), std::size_t(3));
        QCOMPARE(parser.pending(), std::size_t(0));
    }

    void sinkStops()
    {
        std::vector<int> values;
        JsonLinesParser parser([&](const nlohmann::json& value) {
            values.push_back(value.get<int>());
            return values.size() < 2;
        });
        QVERIFY(parser.feed("1\n2"));
        QVERIFY(!parser.feed("\n3\n4\n")); // stops at the second value: the third is not handed on
        QCOMPARE(values, (std::vector<int>{1, 2}));
        QVERIFY(!parser.feed("5\n"));
        QVERIFY(!parser.finish());
        QCOMPARE(values, (std::vector<int>{1, 2}));
    }

    void finishHandsOnTheLastLine()
    {
        std::vector<std::string> values;
        JsonLinesParser parser([&](const nlohmann::json& value) {
            values.push_back(value.dump());
            return value != nlohmann::json("stop");
        });
        QVERIFY(parser.feed("{\"a\":1}\n{\"b\":"));
        QCOMPARE(parser.pending(), std::size_t(5));
        QVERIFY(parser.feed("2}"));
        QVERIFY(parser.finish());
        QCOMPARE(values, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
        QVERIFY(parser.finish()); // nothing left: no value, not stopped
        QCOMPARE(values.size(), std::size_t(2));
        QVERIFY(parser.feed("\"stop\""));
        QVERIFY(!parser.finish()); // the sink's answer to the last line
    }
};

QTEST_GUILESS_MAIN(TestJsonLines)
#include "tst_jsonlines.moc"
