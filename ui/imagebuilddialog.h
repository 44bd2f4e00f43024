#pragma once

#include "jobdialog.h"

#include "agentrun/run/executorconfig.h"

namespace agentrun::ui {

/// Offers to build the sandbox image: shows the build's lines as they come, Cancel stops it. The build
/// runs on a worker thread; the dialog only renders its progress. The build itself is a function so
/// tests can drive the dialog with a fake one.
class ImageBuildDialog : public JobDialog
{
    Q_OBJECT
public:
    /// Blocking; returns the image id (see JobDialog::Job).
    using BuildFunction = Job;

    /// The real build (run::ImageService, as `agentrun image build`): the sandbox image from the
    /// project's sources on the default base, tagged as the runs' image, on the executor's engine.
    static BuildFunction sandboxImageBuilder(const agentrun::run::ExecutorConfig& config);

    ImageBuildDialog(BuildFunction build, const QString& reason, QWidget* parent = nullptr);

    void startBuild();
    void cancelBuild();
    bool isBuilding() const { return isRunning(); }

Q_SIGNALS:
    void buildFinished(bool ok, const QString& message);

protected:
    void jobFinished(bool ok, const QString& message) override;

private:
    QPushButton* m_buildButton = nullptr;
};

} // namespace agentrun::ui
