#include "runhistorymodel.h"

#include "agentrun/profile/profile.h"

#include <map>

#include <QColor>
#include <QDateTime>
#include <QFont>

#include "labels.h"

namespace agentrun::ui {

namespace {

/// Statuses in which the program never started: a blank peak is right for them.
bool neverRan(const std::string& status)
{
    return status == "blocked" || status == "dependency_rejected" || status == "install_failed" ||
           status == "invalid_request";
}

QString cpusLabel(double cpus)
{
    return QString::number(cpus, 'g', 4);
}

QString secondsLabel(double seconds)
{
    return QObject::tr("%1 s").arg(QString::number(seconds, 'g', 6));
}

} // namespace

RunHistoryModel::RunHistoryModel(agentrun::history::HistoryStore* store, QObject* parent)
    : QAbstractTableModel(parent), m_store(store)
{
    m_profiles = [](const std::string& name) -> std::optional<agentrun::model::Limits> {
        const agentrun::profile::ProfileStore profiles(agentrun::profile::ProfileStore::defaultDirectory());
        if (auto found = profiles.load(name))
            return found->limits;
        return std::nullopt;
    };
    reload();
}

void RunHistoryModel::setProfileLookup(ProfileLookup lookup)
{
    m_profiles = std::move(lookup);
    reload();
}

QStringList RunHistoryModel::editedFields(const agentrun::model::Limits& profile,
                                          const agentrun::model::Limits& run)
{
    QStringList fields;
    const auto size = [](std::int64_t bytes) { return sizeLabel(bytes); };
    const auto change = [&fields](const QString& name, const QString& from, const QString& to) {
        fields << QStringLiteral("%1 %2 → %3").arg(name, from, to);
    };
    if (profile.memoryBytes != run.memoryBytes)
        change(tr("memory"), size(profile.memoryBytes), size(run.memoryBytes));
    if (profile.memorySwapBytes != run.memorySwapBytes)
        change(tr("memory+swap"), size(profile.memorySwapBytes), size(run.memorySwapBytes));
    if (profile.cpus != run.cpus)
        change(tr("CPUs"), cpusLabel(profile.cpus), cpusLabel(run.cpus));
    if (profile.timeoutSeconds != run.timeoutSeconds)
        change(tr("timeout"), secondsLabel(profile.timeoutSeconds), secondsLabel(run.timeoutSeconds));
    if (profile.pids != run.pids)
        change(tr("processes"), QString::number(profile.pids), QString::number(run.pids));
    if (profile.outputLimitBytes != run.outputLimitBytes)
        change(tr("output"), size(profile.outputLimitBytes), size(run.outputLimitBytes));
    if (profile.tmpfsBytes != run.tmpfsBytes)
        change(tr("/tmp"), size(profile.tmpfsBytes), size(run.tmpfsBytes));
    if (profile.network != run.network)
        change(tr("network"), QString::fromStdString(profile.network), QString::fromStdString(run.network));
    if (profile.allowHosts != run.allowHosts)
        fields << tr("allowed hosts");
    if (profile.networkBytes != run.networkBytes)
        change(tr("network cap"), size(profile.networkBytes), size(run.networkBytes));
    if (profile.runtime != run.runtime)
        change(tr("runtime"), QString::fromStdString(profile.runtime), QString::fromStdString(run.runtime));
    return fields;
}

RunHistoryModel::Tuning RunHistoryModel::tuningOf(const agentrun::history::RunSummary& row) const
{
    Tuning tuning;
    if (auto limits = agentrun::history::limitsFromJson(row.limits))
        tuning.limits = *limits;
    return tuning;
}

void RunHistoryModel::setFilter(Filter filter)
{
    if (filter == m_filter)
        return;
    m_filter = filter;
    reload();
}

void RunHistoryModel::setSearchText(const QString& text)
{
    if (text.trimmed() == m_search)
        return;
    m_search = text.trimmed();
    reload();
}

bool RunHistoryModel::accepts(const agentrun::history::RunSummary& row) const
{
    if (m_filter == Filter::Failed && (row.status == "ok" || row.status == "blocked"))
        return false;
    if (m_search.isEmpty())
        return true;
    const auto has = [this](const std::string& field) {
        return QString::fromStdString(field).contains(m_search, Qt::CaseInsensitive);
    };
    return has(row.codePreview) || has(row.status) || has(row.message) || has(row.overrideReason) ||
           has(row.runId);
}

void RunHistoryModel::reload()
{
    beginResetModel();
    m_rows.clear();
    m_tuning.clear();
    m_lastError.clear();
    if (m_store) {
        agentrun::history::HistoryFilter query;
        query.limit = MaxRows;
        if (m_filter == Filter::Blocked)
            query.status = "blocked";
        else if (m_filter == Filter::Ok)
            query.status = "ok";
        query.overriddenOnly = m_filter == Filter::Overridden;
        if (auto rows = m_store->list(query)) {
            // Each profile is read once per listing, not once per row.
            std::map<std::string, std::optional<agentrun::model::Limits>> profiles;
            for (auto& row : *rows) {
                if (!accepts(row))
                    continue;
                Tuning tuning = tuningOf(row);
                if (!row.profile.empty() && m_profiles) {
                    auto found = profiles.find(row.profile);
                    if (found == profiles.end())
                        found = profiles.emplace(row.profile, m_profiles(row.profile)).first;
                    tuning.profileKnown = found->second.has_value();
                    if (found->second && tuning.limits)
                        tuning.edited = editedFields(*found->second, *tuning.limits);
                }
                m_tuning.push_back(std::move(tuning));
                m_rows.push_back(std::move(row));
            }
        } else {
            m_lastError = QString::fromStdString(rows.error().message);
        }
    }
    endResetModel();
}

int RunHistoryModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RunHistoryModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunHistoryModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& r = m_rows[size_t(index.row())];
    const Tuning& t = m_tuning[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return QDateTime::fromMSecsSinceEpoch(r.createdMs)
                .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        case StatusColumn:
            return QString::fromStdString(r.status);
        case ExitColumn:
            return r.exitCode >= 0 ? QString::number(r.exitCode) : QString();
        case DurationColumn:
            return durationLabel(r.totalMs);
        case ProfileColumn:
            if (r.profile.empty())
                return {};
            return t.edited.isEmpty() ? QString::fromStdString(r.profile)
                                      : tr("%1 (edited)").arg(QString::fromStdString(r.profile));
        case MemoryLimitColumn:
            return t.limits ? sizeLabel(t.limits->memoryBytes) : QString();
        case CpusColumn:
            return t.limits ? cpusLabel(t.limits->cpus) : QString();
        case TimeoutColumn:
            return t.limits ? secondsLabel(t.limits->timeoutSeconds) : QString();
        case PidsColumn:
            return t.limits ? QString::number(t.limits->pids) : QString();
        case PeakColumn:
            if (r.peakMemoryBytes > 0)
                return sizeLabel(r.peakMemoryBytes);
            return neverRan(r.status) ? QString() : tr("not measured");
        case CpuTimeColumn:
            return r.cpuSeconds > 0 ? durationLabel(r.cpuSeconds * 1000.0) : QString();
        case WallTimeColumn:
            return r.runMs > 0 ? durationLabel(r.runMs) : QString();
        case OverrideColumn:
            if (!r.checkSkipped)
                return {};
            return r.overrideReason.empty() ? tr("overridden, no reason given")
                                            : QString::fromStdString(r.overrideReason);
        case CodeColumn:
            return QString::fromStdString(r.codePreview);
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == ProfileColumn && !r.profile.empty()) {
            if (!t.profileKnown)
                return tr("Profile %1 is not saved here: its limits cannot be compared")
                    .arg(QString::fromStdString(r.profile));
            return t.edited.isEmpty()
                       ? tr("The limits of profile %1, unchanged").arg(QString::fromStdString(r.profile))
                       : tr("Limits edited from profile %1: %2")
                             .arg(QString::fromStdString(r.profile), t.edited.join(QStringLiteral(", ")));
        }
        if (index.column() == PeakColumn && r.peakMemoryBytes <= 0 && !neverRan(r.status))
            return tr("The run was stopped before it reported its peak and no sample measured it");
        if (index.column() == OverrideColumn && r.checkSkipped)
            return tr("The check was overridden (Run Anyway). Reason: %1")
                .arg(r.overrideReason.empty() ? tr("none given") : QString::fromStdString(r.overrideReason));
        return r.message.empty() ? QVariant() : QVariant(QString::fromStdString(r.message));
    case Qt::ForegroundRole:
        if ((index.column() == StatusColumn && r.status != "ok") ||
            (index.column() == OverrideColumn && r.checkSkipped))
            return QColor(0xd0, 0x20, 0x20);
        return {};
    case Qt::FontRole:
        if (index.column() == ProfileColumn && !t.edited.isEmpty()) {
            QFont italic;
            italic.setItalic(true);
            return italic;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() >= MemoryLimitColumn && index.column() <= WallTimeColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case OverriddenRole:
        return r.checkSkipped;
    case EditedRole:
        return !t.edited.isEmpty();
    case RunIdRole:
        return QString::fromStdString(r.runId);
    case StatusRole:
        return QString::fromStdString(r.status);
    }
    return {};
}

QVariant RunHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case StatusColumn:
        return tr("Status");
    case ExitColumn:
        return tr("Exit");
    case DurationColumn:
        return tr("Duration");
    case ProfileColumn:
        return tr("Profile");
    case MemoryLimitColumn:
        return tr("Memory limit");
    case CpusColumn:
        return tr("CPUs");
    case TimeoutColumn:
        return tr("Timeout");
    case PidsColumn:
        return tr("Pids");
    case PeakColumn:
        return tr("Peak memory");
    case CpuTimeColumn:
        return tr("CPU time");
    case WallTimeColumn:
        return tr("Wall time");
    case OverrideColumn:
        return tr("Check overridden");
    case CodeColumn:
        return tr("Code");
    }
    return {};
}

} // namespace agentrun::ui
