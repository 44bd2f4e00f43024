#include "outcome.h"

#include "labels.h"

#include <QCoreApplication>
#include <QPainter>
#include <QPixmap>
#include <QRegularExpression>

namespace agentrun::ui {

namespace {

using agentrun::model::Status;

QString tr(const char* text)
{
    return QCoreApplication::translate("Outcome", text);
}

/// The limit a status says was reached, as the Limits panel names its field, and in words.
void limitReached(const agentrun::model::RunResult& result, const agentrun::model::Limits& limits,
                  Outcome& out)
{
    switch (result.status) {
    case Status::Timeout:
        out.limitField = QStringLiteral("timeout");
        out.line += tr(" — timeout of %1 reached").arg(durationLabel(limits.timeoutSeconds * 1000));
        break;
    case Status::OutOfMemory:
        out.limitField = QStringLiteral("memory");
        out.line += tr(" — memory limit of %1 reached").arg(sizeLabel(limits.memoryBytes));
        break;
    case Status::OutputLimit:
        out.limitField = QStringLiteral("output_limit");
        out.line += tr(" — output limit of %1 per stream reached").arg(sizeLabel(limits.outputLimitBytes));
        break;
    case Status::NetworkLimit:
        out.limitField = QStringLiteral("network_bytes");
        out.line += tr(" — network cap of %1 reached").arg(sizeLabel(limits.networkBytes));
        break;
    default:
        break;
    }
}

/// Every finding that blocked, not only the first: "os.system (line 2), eval (line 5)".
QString blockingFindings(const agentrun::model::RunResult& result)
{
    QStringList parts;
    for (const auto& finding : result.findings) {
        if (finding.severity == agentrun::safety::Severity::Block)
            parts << tr("%1 (line %2)").arg(QString::fromStdString(finding.rule)).arg(finding.line);
    }
    if (parts.size() > 5)
        parts = parts.mid(0, 5) << tr("%1 more").arg(parts.size() - 5);
    return parts.join(QStringLiteral(", "));
}

void outputHints(const agentrun::model::RunResult& result, const agentrun::model::Limits& limits,
                 Outcome& out)
{
    const QString errors = QString::fromStdString(
        result.stderrData.size() > (1 << 20) ? result.stderrData.substr(result.stderrData.size() - (1 << 20))
                                             : result.stderrData);
    static const QRegularExpression missing(
        QStringLiteral(R"((?:ModuleNotFoundError|ImportError): No module named '([\w.]+)')"));
    if (const auto match = missing.match(errors); match.hasMatch()) {
        const QString module = match.captured(1).section(u'.', 0, 0);
        out.hints
            << tr("“%1” is not installed in the sandbox: whitelist it in the Dependencies panel and add it "
                  "to the run's dependencies (or use the data-science image for numpy, pandas, matplotlib "
                  "and scipy).")
                   .arg(module);
    }
    static const QRegularExpression offline(QStringLiteral(
        R"(gaierror|Temporary failure in name resolution|Name or service not known|Network is unreachable|)"
        R"(No address associated with hostname|NameResolutionError)"));
    if (limits.network == "none" && offline.match(errors).hasMatch()) {
        out.hints << tr("The sandbox has no network: the Limits panel's Network is “none”. Code that needs a "
                        "host needs it in an allowlist (Limits → Network → Allowlist).");
    }
}

} // namespace

Outcome describeOutcome(const agentrun::model::RunResult& result, const agentrun::model::Limits& limits)
{
    Outcome out;
    out.line = summaryLine(result);
    switch (result.status) {
    case Status::Ok:
        out.tone = Outcome::Tone::Good;
        break;
    case Status::Blocked:
    case Status::Cancelled:
        out.tone = Outcome::Tone::Warning;
        break;
    default:
        out.tone = Outcome::Tone::Bad;
        break;
    }
    limitReached(result, limits, out);
    if (result.status == Status::Blocked) {
        if (const QString all = blockingFindings(result); !all.isEmpty())
            out.line += tr(" — blocked by %1").arg(all);
    }
    if (result.status != Status::Ok && result.status != Status::Blocked)
        outputHints(result, limits, out);
    return out;
}

QColor toneColor(Outcome::Tone tone)
{
    switch (tone) {
    case Outcome::Tone::Good:
        return QColor(0x17, 0x72, 0x38); // 6.0:1 on white, 5.2:1 on the window grey (the status bar)
    case Outcome::Tone::Warning:
        return QColor(0x8a, 0x5a, 0x00); // 5.9:1, 5.2:1
    case Outcome::Tone::Bad:
        return QColor(0xb4, 0x23, 0x18); // 6.6:1, 5.7:1
    }
    return {};
}

QIcon toneIcon(Outcome::Tone tone)
{
    QPixmap dot(12, 12);
    dot.fill(Qt::transparent);
    QPainter painter(&dot);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(toneColor(tone));
    painter.drawEllipse(QRectF(1, 1, 10, 10));
    return QIcon(dot);
}

} // namespace agentrun::ui
