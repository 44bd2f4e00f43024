#pragma once

#include "agentrun/error.h"

#include <string>

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QToolButton;

namespace agentrun::ui {

class Settings;

/// What the program reads on stdin: typed text (remembered) or the content of a file (read when the run
/// starts, so an edited file is picked up).
class StdinPanel : public QWidget
{
    Q_OBJECT
public:
    /// Larger files are refused rather than copied into the request.
    static constexpr qint64 MaxFileBytes = 64ll << 20;

    explicit StdinPanel(Settings& settings, QWidget* parent = nullptr);

    QString text() const;
    void setText(const QString& text);
    QString filePath() const { return m_filePath; }
    /// Uses the file's content instead of the text; empty path: back to the text.
    void setFilePath(const QString& path);
    /// The bytes for RunSpec::stdinData; an error names the file that cannot be read.
    agentrun::Result<std::string> data() const;

private:
    Settings& m_settings;
    QPlainTextEdit* m_text = nullptr;
    QLabel* m_fileLabel = nullptr;
    QToolButton* m_clearFile = nullptr;
    QString m_filePath;
};

} // namespace agentrun::ui
