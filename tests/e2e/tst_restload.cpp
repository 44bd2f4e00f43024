// Load on loopback: 300 hello-world requests to /v1/run/ from 8 clients at once against a real server.

#include "tst_restfixture.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

using namespace resttest;
using nlohmann::json;

class TestRestLoad : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QByteArray why;
        QVERIFY2(engineReady(why), QByteArray("The Docker engine is needed: " + why).constData());
    }

    void threeHundredRequestsAtConcurrencyEight()
    {
        constexpr int Total = 300;
        constexpr int Clients = 8;
        ServerProcess server;
        // One run slot fewer than clients: the cap is exercised, and every answer must be a result or a 429.
        QString error;
        QVERIFY2(server.start({"--max-concurrent", "7", "--timeout", "20"}, &error), qPrintable(error));
        const qint64 pid = server.pid();

        std::atomic<int> next{0};
        std::atomic<int> done{0};
        std::atomic<int> ok{0};
        std::atomic<int> busy{0};
        std::atomic<long> rssAt50{0};
        std::mutex failuresMutex;
        std::vector<std::string> failures;
        const std::string request = json{{"code", "print('Hello, World!')"}}.dump();

        std::vector<std::thread> clients;
        for (int c = 0; c < Clients; ++c) {
            clients.emplace_back([&] {
                auto client = server.client();
                while (next.fetch_add(1) < Total) {
                    auto res = client->Post("/v1/run/", request, Json);
                    std::string problem;
                    if (!res) {
                        problem = "no response: " + httplib::to_string(res.error());
                    } else if (res->status == 200) {
                        if (res->body == R"({"output":"Hello, World!\n"})") {
                            ++ok;
                        } else {
                            problem = "wrong body: " + res->body;
                        }
                    } else if (res->status == 429) {
                        const auto reply = body(res);
                        if (res->get_header_value("Retry-After").empty() || !reply.is_object() ||
                            reply["error"]["code"] != "server.busy") {
                            problem = "improper 429: " + res->body;
                        } else {
                            ++busy;
                            std::this_thread::sleep_for(std::chrono::milliseconds(250));
                        }
                    } else {
                        problem = "HTTP " + std::to_string(res->status) + ": " + res->body;
                    }
                    if (!problem.empty()) {
                        std::lock_guard lock(failuresMutex);
                        failures.push_back(problem);
                    }
                    if (++done == 50) {
                        rssAt50 = vmRssKiB(pid);
                    }
                }
            });
        }
        for (auto& thread : clients) {
            thread.join();
        }
        const long rssAt300 = vmRssKiB(pid);
        qInfo("ok %d, 429 %d, VmRSS after 50: %ld KiB, after 300: %ld KiB", ok.load(), busy.load(),
              rssAt50.load(), rssAt300);

        QVERIFY2(failures.empty(), failures.empty() ? "" : failures.front().c_str());
        QCOMPARE(ok.load() + busy.load(), Total);
        QVERIFY2(ok.load() >= Total / 4, "a fair share of the requests should have run");
        QVERIFY(rssAt50.load() > 0 && rssAt300 > 0);
        // Flat within generous slack: allocator caches and thread stacks settle, a leak per request does not.
        QVERIFY2(
            rssAt300 - rssAt50.load() < std::max(32L * 1024, rssAt50.load() / 2),
            qPrintable(QStringLiteral("VmRSS grew from %1 KiB to %2 KiB").arg(rssAt50.load()).arg(rssAt300)));

        QCOMPARE(server.stop(), 0);
        QCOMPARE(containersOf(pid), 0);
        // Every request was logged, none with its code.
        const QString log = server.log();
        QCOMPARE(log.count(QStringLiteral("POST /v1/run/ ")), Total);
        QVERIFY(!log.contains("Hello, World"));
    }
};

QTEST_GUILESS_MAIN(TestRestLoad)
#include "tst_restload.moc"
