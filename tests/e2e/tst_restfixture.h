#pragma once

// An `agentrun serve` process started by a test, on a free loopback port, with its own history file.

#include "agentrun/engine/client.h"
#include "agentrun/run/executor.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace resttest {

inline const char* const Json = "application/json";

/// The engine is part of what these tests check: missing, they fail (never skip).
inline bool engineReady(QByteArray& why)
{
    agentrun::run::Executor executor;
    auto pinged = executor.ping();
    why = pinged ? QByteArray() : QByteArray::fromStdString(pinged.error().message);
    return pinged.has_value();
}

/// Containers the server process made that still exist.
inline int containersOf(qint64 pid)
{
    auto endpoint = agentrun::engine::Endpoint::resolve();
    if (!endpoint) {
        return -1;
    }
    agentrun::engine::Client client(*endpoint);
    auto ids = client.listContainers("org.agentrun.owner-pid=" + std::to_string(pid));
    return ids ? static_cast<int>(ids->size()) : -1;
}

inline long vmRssKiB(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly)) {
        return -1;
    }
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:")) {
            return line.mid(6).trimmed().split(' ').first().toLong();
        }
    }
    return -1;
}

class ServerProcess
{
public:
    /// Starts `agentrun serve --listen 127.0.0.1:0 <args>` and waits for its "listening on" line.
    bool start(const QStringList& args, QString* error = nullptr)
    {
        m_process = std::make_unique<QProcess>();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("XDG_DATA_HOME", m_data.path());
        m_process->setProcessEnvironment(env);
        m_process->setStandardErrorFile(m_data.filePath("serve.log"));
        m_process->setStandardOutputFile(QProcess::nullDevice());
        m_process->start(AGENTRUN_CLI, QStringList{"serve", "--listen", "127.0.0.1:0"} + args);
        if (!m_process->waitForStarted(10000)) {
            return false;
        }
        for (int i = 0; i < 600 && m_port == 0; ++i) {
            const QString log = this->log();
            const auto at = log.indexOf("listening on http://127.0.0.1:");
            if (at >= 0) {
                m_port = log.mid(at + 30).section(' ', 0, 0).toInt();
                break;
            }
            if (m_process->waitForFinished(50)) {
                if (error) {
                    *error = log;
                }
                return false;
            }
        }
        return m_port != 0;
    }

    /// SIGTERM and wait; the exit code (-1 when it did not end in time).
    int stop(int timeoutMs = 60000)
    {
        if (!m_process || m_process->state() == QProcess::NotRunning) {
            return m_process ? m_process->exitCode() : -1;
        }
        m_process->terminate();
        if (!m_process->waitForFinished(timeoutMs)) {
            m_process->kill();
            m_process->waitForFinished(5000);
            return -1;
        }
        return m_process->exitStatus() == QProcess::NormalExit ? m_process->exitCode() : -1;
    }

    ~ServerProcess()
    {
        if (m_process && m_process->state() != QProcess::NotRunning) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }

    std::unique_ptr<httplib::Client> client(std::chrono::seconds timeout = std::chrono::seconds(60)) const
    {
        auto client = std::make_unique<httplib::Client>("127.0.0.1", m_port);
        client->set_read_timeout(timeout);
        client->set_connection_timeout(std::chrono::seconds(5));
        return client;
    }

    QString log() const
    {
        QFile file(m_data.filePath("serve.log"));
        return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
    }
    int port() const { return m_port; }
    qint64 pid() const { return m_process ? m_process->processId() : 0; }
    QString dataDir() const { return m_data.path(); }

private:
    QTemporaryDir m_data;
    std::unique_ptr<QProcess> m_process;
    int m_port = 0;
};

inline nlohmann::json body(const httplib::Result& result)
{
    return result ? nlohmann::json::parse(result->body, nullptr, false) : nlohmann::json();
}

} // namespace resttest
