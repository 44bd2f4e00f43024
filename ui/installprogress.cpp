#include "installprogress.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace agentrun::ui {

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("InstallProgress", text);
}

/// The installer's own lines (core/src/deps/installer.cpp) and pip's.
constexpr QStringView InstalledPrefix = u"Installed ";
constexpr QStringView CachedPrefix = u"Using cached dependencies ";
constexpr QStringView PipInstalling = u"Installing collected packages:";
constexpr QStringView PipInstalled = u"Successfully installed ";

int countListed(QStringView list)
{
    int count = 0;
    for (QStringView item : list.split(u',', Qt::SkipEmptyParts))
        count += item.trimmed().isEmpty() ? 0 : 1;
    return count;
}

/// "agentrun_gui_a 1.0" from pip's "Processing /wheelhouse/agentrun_gui_a-1.0-py3-none-any.whl (from …)",
/// "numpy" from "Collecting numpy==2.1 (from …)"; empty for any other line.
QString packageOf(const QString& line)
{
    static const QRegularExpression processing(QStringLiteral(R"(^Processing\s+(\S+))"));
    static const QRegularExpression collecting(
        QStringLiteral(R"(^Collecting\s+([A-Za-z0-9][A-Za-z0-9._-]*))"));
    if (const auto m = processing.match(line); m.hasMatch()) {
        QString file = m.captured(1);
        file = file.mid(file.lastIndexOf(u'/') + 1);
        if (file.endsWith(u".whl")) {
            const QStringList parts = file.chopped(4).split(u'-');
            if (parts.size() >= 2)
                return parts.at(0) + u' ' + parts.at(1);
        }
        return file;
    }
    if (const auto m = collecting.match(line); m.hasMatch())
        return m.captured(1);
    return {};
}

} // namespace

QString InstallProgress::seconds(Clock::duration duration)
{
    const double s = std::chrono::duration<double>(duration).count();
    return QStringLiteral("%1 s").arg(s, 0, 'f', s < 10 ? 2 : 1);
}

void InstallProgress::begin(Clock::time_point at)
{
    if (m_active)
        return;
    *this = InstallProgress();
    m_active = true;
    m_start = at;
}

QStringList InstallProgress::closePackage(Clock::time_point at)
{
    if (m_package.isEmpty())
        return {};
    const QString done = tr("%1: %2").arg(m_package, seconds(at - m_packageStart));
    m_package.clear();
    return {done};
}

QStringList InstallProgress::line(const QString& text, Clock::time_point at)
{
    if (!m_active)
        return {text};
    const QString trimmed = text.trimmed();
    QStringList out;
    if (const QString package = packageOf(trimmed); !package.isEmpty()) {
        out << closePackage(at);
        m_package = package;
        m_packageStart = at;
    } else if (trimmed.startsWith(PipInstalling)) {
        out << closePackage(at);
    } else if (trimmed.startsWith(PipInstalled)) {
        out << closePackage(at);
        m_pipReported =
            int(QStringView(trimmed).mid(PipInstalled.size()).split(u' ', Qt::SkipEmptyParts).size());
    } else if (trimmed.startsWith(InstalledPrefix)) {
        out << closePackage(at);
        m_installed += countListed(QStringView(trimmed).mid(InstalledPrefix.size()));
        m_pipReported = 0;
    } else if (trimmed.startsWith(CachedPrefix)) {
        QStringView list = QStringView(trimmed).mid(CachedPrefix.size());
        if (const qsizetype volume = list.indexOf(u" (volume "); volume >= 0)
            list = list.left(volume);
        m_cached += countListed(list);
    }
    out << text;
    return out;
}

QStringList InstallProgress::end(Clock::time_point at)
{
    if (!m_active)
        return {};
    QStringList out = closePackage(at);
    m_active = false;
    const int installed = m_installed + m_pipReported;
    const QString took = seconds(at - m_start);
    if (installed > 0)
        out << (installed == 1 ? tr("installed 1 package in %1").arg(took)
                               : tr("installed %1 packages in %2").arg(installed).arg(took));
    else if (m_cached > 0)
        out << (m_cached == 1 ? tr("1 package ready from the cache in %1").arg(took)
                              : tr("%1 packages ready from the cache in %2").arg(m_cached).arg(took));
    return out;
}

} // namespace agentrun::ui
