#include "agentrun/engine/demuxer.h"

#include <QTest>

using agentrun::engine::FrameDemuxer;

namespace {
std::string frame(int stream, std::string_view payload)
{
    std::string out(8, '\0');
    out[0] = static_cast<char>(stream);
    const auto size = static_cast<std::uint32_t>(payload.size());
    out[4] = static_cast<char>((size >> 24) & 0xff);
    out[5] = static_cast<char>((size >> 16) & 0xff);
    out[6] = static_cast<char>((size >> 8) & 0xff);
    out[7] = static_cast<char>(size & 0xff);
    return out + std::string(payload);
}
} // namespace

class TestDemuxer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void splitsAtEveryChunkSize_data()
    {
        QTest::addColumn<int>("chunk");
        for (int chunk : {1, 2, 3, 7, 8, 9, 13, 64, 100000}) {
            QTest::addRow("chunk %d", chunk) << chunk;
        }
    }

    void splitsAtEveryChunkSize()
    {
        QFETCH(int, chunk);
        const std::string bytes = frame(1, "hello ") + frame(2, "oops\n") + frame(1, "") +
                                  frame(1, std::string(70000, 'x')) + frame(2, "é\xff");
        std::string out;
        std::string err;
        FrameDemuxer demuxer([&](FrameDemuxer::Channel channel, std::string_view payload) {
            (channel == FrameDemuxer::Channel::Stdout ? out : err).append(payload);
        });
        for (std::size_t i = 0; i < bytes.size(); i += static_cast<std::size_t>(chunk)) {
            QVERIFY(demuxer.feed(std::string_view(bytes).substr(i, static_cast<std::size_t>(chunk))));
        }
        QVERIFY(demuxer.atFrameBoundary());
        QCOMPARE(out, "hello " + std::string(70000, 'x'));
        QCOMPARE(err, std::string("oops\né\xff"));
    }

    void rejectsUnknownStreamType()
    {
        FrameDemuxer demuxer([](FrameDemuxer::Channel, std::string_view) {});
        QVERIFY(!demuxer.feed(frame(7, "x")));
    }

    void reportsHalfFrame()
    {
        FrameDemuxer demuxer([](FrameDemuxer::Channel, std::string_view) {});
        QVERIFY(demuxer.feed(frame(1, "abc").substr(0, 9)));
        QVERIFY(!demuxer.atFrameBoundary());
    }
};

QTEST_APPLESS_MAIN(TestDemuxer)
#include "tst_demuxer.moc"
