#pragma once

#include "dependencycachebackend.h"

#include <string>
#include <vector>

#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace agentrun::ui {

class DependencyBakeDialog;
class DependencyCacheView;
class Settings;

/// Which packages a run may install (any, none, or a list with optional pins) and where they come from
/// (an index URL or a local wheelhouse folder), the cached dependencies with "Bake image" (progress in a
/// DependencyBakeDialog) and the dependency cache (volumes and baked images, sizes, remove, prune). The
/// values are stored in the settings and in profiles; the executor reads them from the run request.
class DependenciesPanel : public QWidget
{
    Q_OBJECT
public:
    enum class Mode
    {
        Any,
        None,
        Listed
    };

    /// The cache view and "Bake image" talk to the engine and image of this process's environment
    /// (run::configFromEnvironment()); the main window passes its executor's instead.
    explicit DependenciesPanel(Settings& settings, QWidget* parent = nullptr);
    DependenciesPanel(Settings& settings, DependencyCacheBackend backend, QWidget* parent = nullptr);

    /// As in profiles and RunSpec::allow: {"*"} any, {} none, else the listed specs.
    std::vector<std::string> allow() const;
    void setAllow(const std::vector<std::string>& allow);
    Mode mode() const;
    QString indexUrl() const;
    QString wheelhouse() const;
    void setSources(const QString& indexUrl, const QString& wheelhouse);
    /// As in profiles ("cached") and RunSpec::cached: baked into an image the runs use.
    std::vector<std::string> cached() const;
    void setCached(const std::vector<std::string>& cached);
    DependencyCacheView* cacheView() const { return m_cacheView; }
    /// The bake dialog of the last "Bake image", while it is open.
    DependencyBakeDialog* bakeDialog() const;
    /// Empty when the entries are acceptable; else which line or field is wrong.
    QString errorText() const;
    /// Does `spec` look like a distribution name with an optional version pin ("pandas==2.2.*")?
    static bool isValidSpec(const QString& spec);

public Q_SLOTS:
    /// Bakes the cached dependencies (after the same checks as a run) and shows the progress.
    void bake();

Q_SIGNALS:
    void changed();

private:
    void onEdited();
    void load();

    Settings& m_settings;
    bool m_loading = false;
    QComboBox* m_mode = nullptr;
    QPlainTextEdit* m_list = nullptr;
    QLineEdit* m_indexUrl = nullptr;
    QLineEdit* m_wheelhouse = nullptr;
    QPlainTextEdit* m_cached = nullptr;
    QPushButton* m_bakeButton = nullptr;
    QLabel* m_error = nullptr;
    DependencyCacheBackend m_backend;
    DependencyCacheView* m_cacheView = nullptr;
    QPointer<DependencyBakeDialog> m_bakeDialog;
};

} // namespace agentrun::ui
