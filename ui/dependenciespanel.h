#pragma once

#include <string>
#include <vector>

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace agentrun::ui {

class Settings;

/// Which packages a run may install (any, none, or a list with optional pins) and where they come from
/// (an index URL or a local wheelhouse folder). Settings only: the values are stored in the settings and in
/// profiles; the executor's dependency pipeline reads the whitelist from the run request.
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

    explicit DependenciesPanel(Settings& settings, QWidget* parent = nullptr);

    /// As in profiles and RunRequest::allow: {"*"} any, {} none, else the listed specs.
    std::vector<std::string> allow() const;
    void setAllow(const std::vector<std::string>& allow);
    Mode mode() const;
    QString indexUrl() const;
    QString wheelhouse() const;
    void setSources(const QString& indexUrl, const QString& wheelhouse);
    /// Empty when the entries are acceptable; else which line or field is wrong.
    QString errorText() const;
    /// Does `spec` look like a distribution name with an optional version pin ("pandas==2.2.*")?
    static bool isValidSpec(const QString& spec);

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
    QLabel* m_error = nullptr;
};

} // namespace agentrun::ui
