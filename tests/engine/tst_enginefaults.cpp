// The engine going away in the middle of a run. A unix-socket relay stands between the executor and
// the real engine; closing it cuts every connection as a daemon restart does, while the real engine
// keeps the container, so the test can check that nothing is left behind once the engine is back.
#include "helper_engine.h"

#include "agentrun/run/executor.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <mutex>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace agentrun;

namespace {

class SocketRelay
{
public:
    SocketRelay(std::string path, std::string target) : m_path(std::move(path)), m_target(std::move(target))
    {}
    ~SocketRelay() { stop(); }

    void start()
    {
        ::unlink(m_path.c_str());
        m_listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const sockaddr_un address = addressOf(m_path);
        if (::bind(m_listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(m_listener, 64) != 0) {
            qFatal("relay: cannot listen on %s", m_path.c_str());
        }
        m_running = true;
        m_acceptor = std::thread([this] { acceptLoop(); });
    }

    /// Cuts every connection at once and stops listening: to the client, the engine is gone.
    void stop()
    {
        if (!m_running.exchange(false)) {
            return;
        }
        ::shutdown(m_listener, SHUT_RDWR);
        ::close(m_listener);
        m_acceptor.join();
        {
            std::lock_guard lock(m_mutex);
            for (const int fd : m_open) {
                ::shutdown(fd, SHUT_RDWR);
            }
        }
        for (auto& worker : m_workers) {
            worker.join();
        }
        m_workers.clear();
        ::unlink(m_path.c_str());
    }

private:
    static sockaddr_un addressOf(const std::string& path)
    {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
        return address;
    }

    void acceptLoop()
    {
        while (m_running) {
            const int client = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) {
                return;
            }
            const int upstream = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            const sockaddr_un address = addressOf(m_target);
            if (::connect(upstream, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
                ::close(client);
                ::close(upstream);
                continue;
            }
            std::lock_guard lock(m_mutex);
            m_open.push_back(client);
            m_open.push_back(upstream);
            m_workers.emplace_back([client, upstream] { pump(client, upstream); });
        }
    }

    static void pump(int a, int b)
    {
        char buffer[65536];
        pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
        while (::poll(fds, 2, -1) > 0) {
            bool done = false;
            for (int i = 0; i < 2; ++i) {
                if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                    const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
                    // MSG_NOSIGNAL: a peer that is gone must end this pump, not the test (SIGPIPE).
                    if (n <= 0 ||
                        ::send(fds[1 - i].fd, buffer, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) {
                        done = true;
                    }
                }
            }
            if (done) {
                break;
            }
        }
        ::close(a);
        ::close(b);
    }

    std::string m_path;
    std::string m_target;
    int m_listener = -1;
    std::atomic<bool> m_running{false};
    std::thread m_acceptor;
    std::mutex m_mutex;
    std::vector<int> m_open;
    std::vector<std::thread> m_workers;
};

struct CutOnOutput : run::RunObserver
{
    SocketRelay* relay = nullptr;
    std::string seen;
    bool cut = false;
    void output(model::Stream, std::string_view bytes) override
    {
        seen.append(bytes);
        if (!cut) {
            cut = true;
            relay->stop();
        }
    }
};

} // namespace

class TestEngineFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { m_client = testing::requireEngine(); }

    void engineGoneMidRunLeavesNothingOnceBack()
    {
        QTemporaryDir dir;
        const std::string relayPath = dir.filePath("engine.sock").toStdString();
        SocketRelay relay(relayPath, m_client->endpoint().socketPath);
        relay.start();
        const int before = testing::managedContainers(*m_client);
        {
            run::Executor executor(run::ExecutorConfig{testing::sandboxImage(), "unix://" + relayPath, 0});
            model::RunSpec request;
            request.code = "import time\nprint('up', flush=True)\ntime.sleep(60)";
            request.limits.timeoutSeconds = 30;
            CutOnOutput observer;
            observer.relay = &relay;
            run::CancelToken cancel;
            const auto start = std::chrono::steady_clock::now();
            const auto result = executor.run(request, observer, cancel);
            QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
            QCOMPARE(QString::fromUtf8(model::toString(result.status)), QString("engine_error"));
            QVERIFY2(result.errorCode.starts_with("engine."), result.errorCode.c_str());
            QVERIFY2(result.message.find("engine") != std::string::npos, result.message.c_str());
            // The relay is cut at the first chunk: "up" and its newline may come as two writes.
            QVERIFY2(observer.seen.starts_with("up"), observer.seen.c_str());

            // The real engine still has the container: the executor could not remove it.
            QCOMPARE(testing::managedContainers(*m_client), before + 1);

            // The engine comes back: the leftover is removed without anyone asking, and runs work again.
            relay.start();
            QTRY_COMPARE_WITH_TIMEOUT(testing::managedContainers(*m_client), before, 15000);
            run::RunObserver quiet;
            request.code = "print('back')";
            const auto again = executor.run(request, quiet, cancel);
            QCOMPARE(QString::fromUtf8(model::toString(again.status)), QString("ok"));
            QCOMPARE(again.stdoutData, std::string("back\n"));
        }
        QCOMPARE(testing::managedContainers(*m_client), before);
    }

private:
    std::unique_ptr<engine::Client> m_client;
};

QTEST_GUILESS_MAIN(TestEngineFaults)
#include "tst_enginefaults.moc"
