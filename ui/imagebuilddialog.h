#pragma once

#include "agentrun/error.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <QDialog>
#include <QFuture>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace agentrun::ui {

/// Offers to build the sandbox image: shows the build's lines as they come, Cancel stops it. The build
/// runs on a worker thread; the dialog only renders its progress. The build itself is a function so
/// tests can drive the dialog with a fake one.
class ImageBuildDialog : public QDialog
{
    Q_OBJECT
public:
    using Progress = std::function<void(std::string_view)>;
    /// Blocking; returns the image id. Called on a worker thread; must return soon after `cancel` is set.
    using BuildFunction =
        std::function<agentrun::Result<std::string>(const Progress&, const std::atomic<bool>&)>;

    /// The real build: the sandbox image from the project's sources on python:3.11-slim when present,
    /// else the offline base (as `agentrun image build`), tagged `image` (the image the runs use).
    static BuildFunction sandboxImageBuilder(const std::string& image);

    ImageBuildDialog(BuildFunction build, const QString& reason, QWidget* parent = nullptr);
    /// Cancels a build in flight and waits for its worker.
    ~ImageBuildDialog() override;

    void startBuild();
    void cancelBuild();
    bool isBuilding() const { return m_building; }
    QString log() const;

Q_SIGNALS:
    void buildFinished(bool ok, const QString& message);

protected:
    void reject() override;

private:
    void appendLine(const QString& line);
    void onFinished(bool ok, const QString& message);

    BuildFunction m_build;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    QFuture<void> m_future;
    bool m_building = false;
    QLabel* m_status = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QPushButton* m_buildButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
};

} // namespace agentrun::ui
