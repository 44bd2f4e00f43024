#pragma once

#include "agentrun/model/limits.h"

#include <memory>

#include <QObject>
#include <QSettings>
#include <QStringList>
#include <QVariant>

namespace agentrun::ui {

/// The workbench's settings schema: every key is declared once (name, type, default, validator) in
/// settings.cpp; widgets use the typed accessors and react to changed(). Values that are missing, of the
/// wrong type or refused by the validator read as the default.
class Settings : public QObject
{
    Q_OBJECT
public:
    enum class Key
    {
        TimeoutSeconds,
        MemoryBytes,
        SwapBytes,
        Cpus,
        Pids,
        OutputLimitBytes,
        TmpfsBytes,
        Network,
        Runtime,
        Policy,
        LiveCheck,
        ConsoleWrap,
        ConsoleMaxLines,
        WindowGeometry,
        WindowState,
        RecentFiles,
        LastDirectory,
        Profile,
        DepsAllow,
        DepsIndexUrl,
        DepsWheelhouse,
        Stdin,
        DepsCached,
        SandboxImage,
        InputFiles,
        AllowHosts,
        NetworkBytes,
    };
    Q_ENUM(Key)

    struct Entry
    {
        Key key;
        const char* name;
        QMetaType::Type type;
        QVariant defaultValue;
        bool (*valid)(const QVariant&);
    };
    static const Entry& entry(Key key);
    static constexpr int MaxRecentFiles = 10;

    /// `fileName` empty: the user's settings location; otherwise an INI file (tests use a temporary one).
    explicit Settings(const QString& fileName = {}, QObject* parent = nullptr);
    ~Settings() override;

    QVariant value(Key key) const;
    /// False, and nothing stored, when the value has the wrong type or the validator refuses it.
    bool setValue(Key key, const QVariant& value);
    void reset(Key key);
    void sync();

    agentrun::model::Limits limits() const;
    void setLimits(const agentrun::model::Limits& limits);
    QStringList recentFiles() const;
    void addRecentFile(const QString& path);

Q_SIGNALS:
    void changed(agentrun::ui::Settings::Key key);

private:
    std::unique_ptr<QSettings> m_store;
};

} // namespace agentrun::ui
