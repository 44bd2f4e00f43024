// The server's memory under an output flood (issue 21, item 4): streamed runs printing as fast as they can up
// to their output limit, control characters included (JSON escapes each as six bytes), with readers
// following their events. The server's peak resident size (VmHWM) must stay within a bound derived from
// the limits; before the fix a run took some 75 times its output.

#include "tst_restfixture.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

using namespace resttest;
using nlohmann::json;

namespace {

constexpr int Runs = 4;
constexpr std::int64_t OutputLimit = 4ll << 20; // per stream
constexpr long MiBInKiB = 1024;

long statusKiB(qint64 pid, const char* field)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly)) {
        return -1;
    }
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith(field)) {
            return line.mid(static_cast<qsizetype>(std::strlen(field))).trimmed().split(' ').first().toLong();
        }
    }
    return -1;
}

/// What one reader saw: the output of each stream (decoded from the events) and the finished event.
struct Seen
{
    std::int64_t stdoutBytes = 0;
    std::int64_t stderrBytes = 0;
    json finished;
    std::string problem;
};

/// Reads an event stream as it comes, decoding each data line, without keeping the text.
Seen follow(const ServerProcess& server, const std::string& id)
{
    Seen seen;
    std::string pending;
    std::size_t scanned = 0; // no newline before this in `pending`: a long line is not searched again
    std::string name;
    auto client = server.client(std::chrono::seconds(300));
    auto res = client->Get("/v2/runs/" + id + "/events", [&](const char* data, std::size_t length) {
        pending.append(data, length);
        std::size_t start = 0;
        for (std::size_t end; (end = pending.find('\n', std::max(start, scanned))) != std::string::npos;
             start = end + 1) {
            const std::string_view line(pending.data() + start, end - start);
            if (line.starts_with("event: ")) {
                name = std::string(line.substr(7));
            } else if (line.starts_with("data: ")) {
                auto event = json::parse(line.substr(6), nullptr, false);
                if (event.is_discarded()) {
                    seen.problem = "an event is not JSON: " + std::string(line.substr(0, 200));
                } else if (name == "stdout" || name == "stderr") {
                    (name == "stdout" ? seen.stdoutBytes : seen.stderrBytes) +=
                        static_cast<std::int64_t>(event["data"].get<std::string>().size());
                } else if (name == "finished") {
                    seen.finished = std::move(event);
                }
            }
        }
        pending.erase(0, start);
        scanned = pending.size();
        return true;
    });
    if (!res || res->status != 200) {
        seen.problem = "no event stream";
    }
    return seen;
}

} // namespace

class TestRestMemory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QByteArray why;
        QVERIFY2(engineReady(why), QByteArray("The Docker engine is needed: " + why).constData());
    }

    void peakUnderAnOutputFlood()
    {
        ServerProcess server;
        QString error;
        QVERIFY2(server.start({"--max-concurrent", QString::number(Runs)}, &error), qPrintable(error));
        const qint64 pid = server.pid();
        const long startKiB = statusKiB(pid, "VmRSS:");
        QVERIFY(startKiB > 0);

        // 100-byte lines of control characters and text on both streams, until the output limit stops it.
        const std::string code = "import os\n"
                                 "line = bytes(range(1, 32)) * 3 + b'xxxxxx\\n'\n"
                                 "while True:\n"
                                 "    os.write(1, line)\n"
                                 "    os.write(2, line)\n";
        const std::string request = json{{"code", code},
                                         {"stream", true},
                                         {"limits", {{"output_limit", OutputLimit}, {"timeout", 120}}}}
                                        .dump();
        std::vector<std::string> ids;
        for (int i = 0; i < Runs; ++i) {
            auto started = server.client()->Post("/v2/runs", request, Json);
            QVERIFY(started);
            QCOMPARE(started->status, 200);
            ids.push_back(body(started)["run_id"]);
        }
        std::vector<Seen> seen(Runs);
        std::vector<std::thread> readers;
        for (int i = 0; i < Runs; ++i) {
            readers.emplace_back([&, i] {
                seen[static_cast<std::size_t>(i)] = follow(server, ids[static_cast<std::size_t>(i)]);
            });
        }
        for (auto& reader : readers) {
            reader.join();
        }
        const long peakKiB = statusKiB(pid, "VmHWM:");
        const long heldKiB = statusKiB(pid, "VmRSS:");
        qInfo(
            "VmRSS at start %ld KiB, peak (VmHWM) %ld KiB, after %ld KiB, for %d runs of %lld MiB per stream",
            startKiB, peakKiB, heldKiB, Runs, static_cast<long long>(OutputLimit >> 20));

        for (const auto& s : seen) {
            QVERIFY2(s.problem.empty(), s.problem.c_str());
            QCOMPARE(s.finished.value("status", ""), std::string("output_limit"));
            // Every byte the run kept reached the reader, and the result has them too.
            QCOMPARE(s.stdoutBytes + s.stderrBytes,
                     static_cast<std::int64_t>(s.finished["stdout"].get<std::string>().size() +
                                               s.finished["stderr"].get<std::string>().size()));
            QVERIFY(s.stdoutBytes == OutputLimit || s.stderrBytes == OutputLimit);
            QCOMPARE(s.finished["output"].get<std::string>().size(),
                     static_cast<std::size_t>(s.stdoutBytes + s.stderrBytes));
        }

        // The bound: per run in flight, its output held by the executor (each stream and the interleaved
        // copy) and by the session (each stream once), twice over for string growth, plus 64 MiB.
        const long outputKiB = static_cast<long>(OutputLimit / 1024);
        const long boundKiB = startKiB + Runs * 12 * outputKiB + 64 * MiBInKiB;
        QVERIFY2(
            peakKiB <= boundKiB,
            qPrintable(QStringLiteral("peak %1 KiB above the bound of %2 KiB").arg(peakKiB).arg(boundKiB)));
        // After: what the finished runs kept for late readers may hold together (128 MiB), plus 64 MiB.
        const long heldBoundKiB = startKiB + 192 * MiBInKiB;
        QVERIFY2(
            heldKiB <= heldBoundKiB,
            qPrintable(QStringLiteral("%1 KiB still held, above %2 KiB").arg(heldKiB).arg(heldBoundKiB)));

        // A reader arriving after the end gets the same events again, from the kept raw output.
        const Seen late = follow(server, ids.front());
        QCOMPARE(late.stdoutBytes, seen.front().stdoutBytes);
        QCOMPARE(late.stderrBytes, seen.front().stderrBytes);
        QVERIFY(late.finished["output"] == seen.front().finished["output"]);
        QCOMPARE(server.stop(), 0);
        QCOMPARE(containersOf(pid), 0);
    }

    void largeResultWithoutStreaming()
    {
        // The same output through the synchronous POST: the answer is written in pieces, and is whole.
        ServerProcess server;
        QString error;
        QVERIFY2(server.start({}, &error), qPrintable(error));
        const std::string code = "import os, sys\n"
                                 "sys.stdout.write('\\u00e9\\x01' * (1 << 20))\n" // 3 MiB: é and a control
                                 "sys.stderr.write('x' * (1 << 20))\n";
        auto res = server.client()->Post(
            "/v2/runs", json{{"code", code}, {"limits", {{"output_limit", "4m"}}}}.dump(), Json);
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        const auto result = body(res);
        QVERIFY2(result.is_object(), res->body.substr(0, 300).c_str());
        QCOMPARE(str(result["status"]), std::string("ok"));
        std::string expected;
        for (int i = 0; i < (1 << 20); ++i) {
            expected += "\xc3\xa9\x01";
        }
        QVERIFY(result["stdout"].get<std::string>() == expected);
        QCOMPARE(result["stderr"].get<std::string>(), std::string(1 << 20, 'x'));
        // Interleaved in arrival order: a stderr write may land inside an é, whose halves are then shown
        // replaced (U+FFFD), so only what cannot be cut is compared.
        const std::string output = result["output"];
        QCOMPARE(std::ranges::count(output, 'x'), std::ptrdiff_t{1} << 20);
        QCOMPARE(std::ranges::count(output, '\x01'), std::ptrdiff_t{1} << 20);
        QVERIFY(output.size() >= expected.size() + (std::size_t{1} << 20));
        auto v1 = server.client()->Post("/v1/run/", json{{"code", "print('y' * 400000)"}}.dump(), Json);
        QCOMPARE(v1->status, 200);
        QCOMPARE(body(v1)["output"].get<std::string>(), std::string(400000, 'y') + "\n");
        QCOMPARE(server.stop(), 0);
    }

private:
    static std::string str(const json& value)
    {
        return value.is_string() ? value.get<std::string>() : value.dump();
    }
};

QTEST_GUILESS_MAIN(TestRestMemory)
#include "tst_restmemory.moc"
