#pragma once

#include "agentrun/error.h"
#include "agentrun/profile/profile.h"

#include <functional>

#include <QWidget>

class QAction;
class QComboBox;

namespace agentrun::ui {

/// The toolbar's profile selector (built-in profiles plus those in the profile directory) and the
/// Save as / Import / Export actions. Choosing a profile emits profileLoaded(); the window applies it
/// to its panels. Saving asks the window for its current state through the capture function.
class ProfileBar : public QWidget
{
    Q_OBJECT
public:
    /// The window's current settings as a profile called `name`.
    using Capture = std::function<agentrun::Result<agentrun::profile::Profile>(const QString& name)>;

    explicit ProfileBar(const QString& directory, QWidget* parent = nullptr);

    void setCapture(Capture capture) { m_capture = std::move(capture); }
    QStringList names() const;
    QString currentName() const;
    /// Shows `name` as the current profile without applying it (start-up: the settings already hold it).
    void setCurrentName(const QString& name);

    /// Loads `name` and emits profileLoaded(); false (and failed()) when it cannot be read.
    bool select(const QString& name);
    bool saveAs(const QString& name);
    /// Reads a profile file, stores it under its own name and selects it.
    bool importFrom(const QString& path);
    /// Writes the current state as a profile JSON file.
    bool exportTo(const QString& path);

    QAction* saveAsAction() const { return m_saveAs; }
    QAction* importAction() const { return m_import; }
    QAction* exportAction() const { return m_export; }

Q_SIGNALS:
    void profileLoaded(const agentrun::profile::Profile& profile);
    void failed(const QString& message);

private:
    void refresh(const QString& current);
    bool fail(const QString& message);

    agentrun::profile::ProfileStore m_store;
    Capture m_capture;
    QComboBox* m_combo = nullptr;
    QAction* m_saveAs = nullptr;
    QAction* m_import = nullptr;
    QAction* m_export = nullptr;
};

} // namespace agentrun::ui
