#include "settings.h"

#include <array>
#include <cmath>

namespace agentrun::ui {

namespace {

using Key = Settings::Key;

bool anyValue(const QVariant&)
{
    return true;
}
bool positiveDouble(const QVariant& v)
{
    return std::isfinite(v.toDouble()) && v.toDouble() > 0;
}
bool positiveInt(const QVariant& v)
{
    return v.toLongLong() > 0;
}
bool networkMode(const QVariant& v)
{
    return v.toString() == u"none" || v.toString() == u"allow" || v.toString() == u"bridge";
}
bool runtimeName(const QVariant& v)
{
    return v.toString() == u"runc" || v.toString() == u"runsc";
}
bool nonEmpty(const QVariant& v)
{
    return !v.toString().trimmed().isEmpty();
}
bool lineCount(const QVariant& v)
{
    return v.toInt() >= 100 && v.toInt() <= 1000000;
}

const agentrun::model::Limits defaults;

// The schema. Order must follow the Key enum (checked below).
const std::array<Settings::Entry, 27> schema{{
    {Key::TimeoutSeconds, "limits/timeoutSeconds", QMetaType::Double, defaults.timeoutSeconds,
     positiveDouble},
    {Key::MemoryBytes, "limits/memoryBytes", QMetaType::LongLong, qint64(defaults.memoryBytes), positiveInt},
    {Key::SwapBytes, "limits/memorySwapBytes", QMetaType::LongLong, qint64(defaults.memorySwapBytes),
     positiveInt},
    {Key::Cpus, "limits/cpus", QMetaType::Double, defaults.cpus, positiveDouble},
    {Key::Pids, "limits/pids", QMetaType::LongLong, qint64(defaults.pids), positiveInt},
    {Key::OutputLimitBytes, "limits/outputLimitBytes", QMetaType::LongLong, qint64(defaults.outputLimitBytes),
     positiveInt},
    {Key::TmpfsBytes, "limits/tmpfsBytes", QMetaType::LongLong, qint64(defaults.tmpfsBytes), positiveInt},
    {Key::Network, "limits/network", QMetaType::QString, QString::fromStdString(defaults.network),
     networkMode},
    {Key::Runtime, "limits/runtime", QMetaType::QString, QString::fromStdString(defaults.runtime),
     runtimeName},
    {Key::Policy, "check/policy", QMetaType::QString, QStringLiteral("standard"), nonEmpty},
    {Key::LiveCheck, "check/live", QMetaType::Bool, true, anyValue},
    {Key::ConsoleWrap, "console/wrap", QMetaType::Bool, true, anyValue},
    {Key::ConsoleMaxLines, "console/maxLines", QMetaType::Int, 10000, lineCount},
    {Key::WindowGeometry, "window/geometry", QMetaType::QByteArray, QByteArray(), anyValue},
    {Key::WindowState, "window/state", QMetaType::QByteArray, QByteArray(), anyValue},
    {Key::RecentFiles, "editor/recentFiles", QMetaType::QStringList, QStringList(), anyValue},
    {Key::LastDirectory, "editor/lastDirectory", QMetaType::QString, QString(), anyValue},
    {Key::Profile, "profiles/last", QMetaType::QString, QStringLiteral("default"), nonEmpty},
    {Key::DepsAllow, "dependencies/allow", QMetaType::QStringList, QStringList(), anyValue},
    {Key::DepsIndexUrl, "dependencies/indexUrl", QMetaType::QString, QString(), anyValue},
    {Key::DepsWheelhouse, "dependencies/wheelhouse", QMetaType::QString, QString(), anyValue},
    {Key::Stdin, "run/stdin", QMetaType::QString, QString(), anyValue},
    {Key::DepsCached, "dependencies/cached", QMetaType::QStringList, QStringList(), anyValue},
    // Empty: AGENTRUN_IMAGE, else agentrun-sandbox:latest (run::configFromEnvironment).
    {Key::SandboxImage, "sandbox/image", QMetaType::QString, QString(), anyValue},
    // Per saved snippet (its path): the input files of its tab, each "host path\tname in /tmp".
    {Key::InputFiles, "editor/inputFiles", QMetaType::QVariantMap, QVariantMap(), anyValue},
    // Network "allow": the hosts (normalised entries, model/network.h) and the byte cap of every network.
    {Key::AllowHosts, "limits/allowHosts", QMetaType::QStringList, QStringList(), anyValue},
    {Key::NetworkBytes, "limits/networkBytes", QMetaType::LongLong, qint64(defaults.networkBytes),
     positiveInt},
}};

} // namespace

const Settings::Entry& Settings::entry(Key key)
{
    const auto& e = schema.at(size_t(key));
    Q_ASSERT(e.key == key);
    return e;
}

Settings::Settings(const QString& fileName, QObject* parent)
    : QObject(parent),
      m_store(fileName.isEmpty() ? std::make_unique<QSettings>()
                                 : std::make_unique<QSettings>(fileName, QSettings::IniFormat))
{}

Settings::~Settings() = default;

QVariant Settings::value(Key key) const
{
    const Entry& e = entry(key);
    QVariant v = m_store->value(QLatin1StringView(e.name));
    if (!v.isValid() || !v.convert(QMetaType(e.type)) || !e.valid(v))
        return e.defaultValue;
    return v;
}

bool Settings::setValue(Key key, const QVariant& value)
{
    const Entry& e = entry(key);
    QVariant v = value;
    if (!v.convert(QMetaType(e.type)) || !e.valid(v))
        return false;
    if (m_store->value(QLatin1StringView(e.name)) == v)
        return true;
    m_store->setValue(QLatin1StringView(e.name), v);
    Q_EMIT changed(key);
    return true;
}

void Settings::reset(Key key)
{
    m_store->remove(QLatin1StringView(entry(key).name));
    Q_EMIT changed(key);
}

void Settings::sync()
{
    m_store->sync();
}

agentrun::model::Limits Settings::limits() const
{
    agentrun::model::Limits l;
    l.timeoutSeconds = value(Key::TimeoutSeconds).toDouble();
    l.memoryBytes = value(Key::MemoryBytes).toLongLong();
    l.memorySwapBytes = value(Key::SwapBytes).toLongLong();
    l.cpus = value(Key::Cpus).toDouble();
    l.pids = value(Key::Pids).toLongLong();
    l.outputLimitBytes = value(Key::OutputLimitBytes).toLongLong();
    l.tmpfsBytes = value(Key::TmpfsBytes).toLongLong();
    l.network = value(Key::Network).toString().toStdString();
    l.runtime = value(Key::Runtime).toString().toStdString();
    for (const QString& host : value(Key::AllowHosts).toStringList())
        l.allowHosts.push_back(host.toStdString());
    l.networkBytes = value(Key::NetworkBytes).toLongLong();
    return l;
}

void Settings::setLimits(const agentrun::model::Limits& l)
{
    setValue(Key::TimeoutSeconds, l.timeoutSeconds);
    setValue(Key::MemoryBytes, qint64(l.memoryBytes));
    setValue(Key::SwapBytes, qint64(l.memorySwapBytes));
    setValue(Key::Cpus, l.cpus);
    setValue(Key::Pids, qint64(l.pids));
    setValue(Key::OutputLimitBytes, qint64(l.outputLimitBytes));
    setValue(Key::TmpfsBytes, qint64(l.tmpfsBytes));
    setValue(Key::Network, QString::fromStdString(l.network));
    setValue(Key::Runtime, QString::fromStdString(l.runtime));
    QStringList hosts;
    for (const auto& host : l.allowHosts)
        hosts << QString::fromStdString(host);
    setValue(Key::AllowHosts, hosts);
    setValue(Key::NetworkBytes, qint64(l.networkBytes));
}

QStringList Settings::recentFiles() const
{
    return value(Key::RecentFiles).toStringList();
}

void Settings::addRecentFile(const QString& path)
{
    QStringList files = recentFiles();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > MaxRecentFiles)
        files.removeLast();
    setValue(Key::RecentFiles, files);
}

} // namespace agentrun::ui
