#pragma once

#include "jobdialog.h"

namespace agentrun::ui {

/// Bakes the profile's cached dependencies into an image and shows it happen: pip's lines and the
/// build's lines as they come, Cancel stops it, Close when done. The bake runs on a worker thread.
class DependencyBakeDialog : public JobDialog
{
    Q_OBJECT
public:
    /// Blocking; returns the image tag (see JobDialog::Job).
    using BakeFunction = Job;

    DependencyBakeDialog(BakeFunction bake, const QString& what, QWidget* parent = nullptr);

    void start();
    void cancel();
    bool isBaking() const { return isRunning(); }

Q_SIGNALS:
    void bakeFinished(bool ok, const QString& message);

protected:
    void jobFinished(bool ok, const QString& message) override;
};

} // namespace agentrun::ui
