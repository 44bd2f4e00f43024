#pragma once

#include "agentrun/error.h"
#include "agentrun/model/limits.h"

#include <QWidget>

#include "settingspage.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace agentrun::ui {

class Settings;

/// Resource limits of the next run: every field with its accepted range, an inline error from the core's
/// own validate(), and a live preview of the container the run gets (HostConfig and `docker run`).
/// Valid edits are stored at once; an invalid one is shown and nothing is stored.
class LimitsPanel : public QWidget, public SettingsPage
{
    Q_OBJECT
public:
    LimitsPanel(Settings& settings, QString image, QWidget* parent = nullptr);

    QString title() const override;
    QIcon icon() const override;
    void load() override;
    bool apply() override;
    void restoreDefaults() override;

    /// What the fields say, validated by the core; the error names the field and the accepted range.
    agentrun::Result<agentrun::model::Limits> limits() const;
    QString errorText() const;
    /// Shows and stores `limits` (a past run's, a profile's). The fields hold memory and swap in whole
    /// MiB, the timeout to 0.1 s and CPUs to 0.01: the names of the fields that had to be rounded to be
    /// shown are returned (empty: the panel now says exactly `limits`).
    QStringList setLimits(const agentrun::model::Limits& limits);

    /// Marks the field of the limit the last run reached ("memory", "timeout", "output_limit",
    /// "network_bytes"), with a
    /// tooltip saying so; empty clears the mark. The field under the mark is `reachedField()`.
    void markReached(const QString& field);
    /// The image the preview's `docker run` names (the image picker changed it).
    void setImage(const QString& image);
    QWidget* reachedField() const;

Q_SIGNALS:
    void changed();

private:
    void onEdited();
    void showError(const QString& code, const QString& message);
    void updatePreview(const agentrun::model::Limits& limits);
    QWidget* fieldFor(const QString& code) const;
    /// The hosts field's entries: one a line or comma separated, blanks dropped.
    std::vector<std::string> hostEntries() const;
    /// The hosts field only for an allowlist, the cap for any network, the warning for an open one.
    void updateNetworkFields();

    Settings& m_settings;
    QString m_image;
    bool m_loading = false;
    QDoubleSpinBox* m_timeout = nullptr;
    QSpinBox* m_memory = nullptr;
    QSpinBox* m_swap = nullptr;
    QDoubleSpinBox* m_cpus = nullptr;
    QSpinBox* m_pids = nullptr;
    QLineEdit* m_output = nullptr;
    QLineEdit* m_tmpfs = nullptr;
    QComboBox* m_network = nullptr;
    QPlainTextEdit* m_allowHosts = nullptr;
    QLineEdit* m_networkBytes = nullptr;
    QLabel* m_openWarning = nullptr;
    QComboBox* m_runtime = nullptr;
    QLabel* m_error = nullptr;
    QPlainTextEdit* m_dockerRun = nullptr;
    QPlainTextEdit* m_hostConfig = nullptr;
};

} // namespace agentrun::ui
