#include "agentrun/sandbox/outputcollector.h"

#include <QTest>

using agentrun::model::Stream;
using agentrun::sandbox::OutputCollector;

class TestOutputCollector : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stripsReportWithNonce_data()
    {
        QTest::addColumn<int>("chunk");
        for (int chunk : {1, 2, 5, 17, 1000}) {
            QTest::addRow("chunk %d", chunk) << chunk;
        }
    }

    void stripsReportWithNonce()
    {
        QFETCH(int, chunk);
        const std::string marker = OutputCollector::marker("abc123");
        const std::string stream =
            "partial line" + marker + R"({"exit": 3, "signal": 0, "peak_memory": 42})" + "\n";
        std::string forwarded;
        OutputCollector collector("abc123", 1 << 20,
                                  [&](Stream, std::string_view bytes) { forwarded += bytes; });
        for (std::size_t i = 0; i < stream.size(); i += static_cast<std::size_t>(chunk)) {
            QVERIFY(collector.add(Stream::Stdout,
                                  std::string_view(stream).substr(i, static_cast<std::size_t>(chunk))));
        }
        collector.finish();
        QCOMPARE(collector.stdoutData(), std::string("partial line"));
        QCOMPARE(forwarded, std::string("partial line"));
        QVERIFY(collector.report().has_value());
        QCOMPARE(collector.report()->value("exit", -1), 3);
        QCOMPARE(collector.report()->value("peak_memory", 0), 42);
    }

    void completeOnlyWithBothMarkers()
    {
        OutputCollector collector("n1", 1 << 20, {});
        collector.add(Stream::Stdout, "out" + OutputCollector::marker("n1") + R"({"exit": 1})" + "\n");
        QVERIFY(!collector.complete()); // stderr may still be on its way
        collector.add(Stream::Stderr, "Traceback: late stderr\n");
        QVERIFY(!collector.complete());
        collector.add(Stream::Stderr, OutputCollector::endMarker("n1"));
        QVERIFY(collector.complete());
        collector.finish();
        QCOMPARE(collector.stderrData(), std::string("Traceback: late stderr\n"));
        QCOMPARE(collector.stdoutData(), std::string("out"));
        QCOMPARE(collector.report()->value("exit", -1), 1);
    }

    void forgedEndMarkerIsOrdinaryOutput()
    {
        OutputCollector collector("real", 1 << 20, {});
        const std::string forged = OutputCollector::endMarker("fake");
        collector.add(Stream::Stderr, forged);
        collector.finish();
        QCOMPARE(collector.stderrData(), forged);
        QVERIFY(!collector.complete());
    }

    void forgedReportIsOrdinaryOutput()
    {
        const std::string forged = OutputCollector::marker("guess") + R"({"exit": 0})" + "\n";
        OutputCollector collector("realnonce", 1 << 20, {});
        collector.add(Stream::Stdout, forged);
        collector.finish();
        QCOMPARE(collector.stdoutData(), forged);
        QVERIFY(!collector.report().has_value());
    }

    void markerPrefixAtEndIsReleased()
    {
        OutputCollector collector("n", 1 << 20, {});
        collector.add(Stream::Stdout, "text\x1e"
                                      "AGENTRUN-REP");
        collector.finish();
        QCOMPARE(collector.stdoutData(), std::string("text\x1e"
                                                     "AGENTRUN-REP"));
    }

    void capsEachStreamAndKeepsTheStart()
    {
        OutputCollector collector("n", 10, {});
        QVERIFY(collector.add(Stream::Stderr, "12345"));
        QVERIFY(!collector.add(Stream::Stderr, "67890abc"));
        QVERIFY(collector.stderrTruncated());
        QCOMPARE(collector.stderrData(), std::string("1234567890"));
        QVERIFY(collector.add(Stream::Stdout, "out"));
        collector.finish();
        QVERIFY(!collector.stdoutTruncated());
        QCOMPARE(collector.combined(), std::string("1234567890out"));
    }

    void interleavesInArrivalOrder()
    {
        OutputCollector collector("n", 100, {});
        collector.add(Stream::Stdout, "a\n");
        collector.add(Stream::Stderr, "b\n");
        collector.add(Stream::Stdout, "c\n");
        collector.finish();
        QCOMPARE(collector.combined(), std::string("a\nb\nc\n"));
    }
};

QTEST_APPLESS_MAIN(TestOutputCollector)
#include "tst_outputcollector.moc"
