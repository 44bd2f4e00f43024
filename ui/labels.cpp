#include "labels.h"

#include <QCoreApplication>
#include <QLocale>

namespace agentrun::ui {

using agentrun::model::Status;
using agentrun::run::Stage;

QString statusName(Status status)
{
    switch (status) {
    case Status::Ok:
        return QStringLiteral("ok");
    case Status::Exception:
        return QStringLiteral("exception");
    case Status::Blocked:
        return QStringLiteral("blocked");
    case Status::DependencyRejected:
        return QStringLiteral("dependency_rejected");
    case Status::InstallFailed:
        return QStringLiteral("install_failed");
    case Status::Timeout:
        return QStringLiteral("timeout");
    case Status::OutOfMemory:
        return QStringLiteral("out_of_memory");
    case Status::Killed:
        return QStringLiteral("killed");
    case Status::OutputLimit:
        return QStringLiteral("output_limit");
    case Status::NetworkLimit:
        return QStringLiteral("network_limit");
    case Status::Cancelled:
        return QStringLiteral("cancelled");
    case Status::EngineError:
        return QStringLiteral("engine_error");
    case Status::InvalidRequest:
        return QStringLiteral("invalid_request");
    }
    return QStringLiteral("unknown");
}

QString stageLabel(Stage stage)
{
    switch (stage) {
    case Stage::Checking:
        return QCoreApplication::translate("Labels", "checking");
    case Stage::Resolving:
        return QCoreApplication::translate("Labels", "resolving dependencies");
    case Stage::Installing:
        return QCoreApplication::translate("Labels", "installing");
    case Stage::Starting:
        return QCoreApplication::translate("Labels", "starting");
    case Stage::Running:
        return QCoreApplication::translate("Labels", "running");
    case Stage::Finished:
        return QCoreApplication::translate("Labels", "finished");
    }
    return {};
}

QString severityName(agentrun::safety::Severity severity)
{
    switch (severity) {
    case agentrun::safety::Severity::Info:
        return QCoreApplication::translate("Labels", "info");
    case agentrun::safety::Severity::Warn:
        return QCoreApplication::translate("Labels", "warning");
    case agentrun::safety::Severity::Block:
        return QCoreApplication::translate("Labels", "blocked");
    }
    return {};
}

QString sizeLabel(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeIecFormat);
}

QString durationLabel(double ms)
{
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(qRound(ms));
    return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', ms < 10000 ? 2 : 1);
}

QString summaryLine(const agentrun::model::RunResult& r)
{
    QString line = QCoreApplication::translate("Labels", "finished: %1").arg(statusName(r.status));
    if (r.exitCode >= 0)
        line += QCoreApplication::translate("Labels", ", exit %1").arg(r.exitCode);
    line += u", " + durationLabel(r.durations.totalMs);
    if (r.peakMemoryBytes > 0)
        line += QCoreApplication::translate("Labels", ", peak %1").arg(sizeLabel(r.peakMemoryBytes));
    if (!r.message.empty())
        line += u" — " + QString::fromStdString(r.message);
    return line;
}

} // namespace agentrun::ui
