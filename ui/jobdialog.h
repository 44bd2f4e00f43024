#pragma once

#include "agentrun/error.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <QDialog>
#include <QFuture>

class QDialogButtonBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace agentrun::ui {

/// A dialog that runs one long job (an image build, a dependency bake) on a worker thread and only
/// renders it: the job's lines as they come, a status line, a Cancel button that becomes Close. While
/// the job runs, closing the dialog cancels it, and the dialog closes once the job has stopped.
class JobDialog : public QDialog
{
    Q_OBJECT
public:
    using Progress = std::function<void(std::string_view)>;
    /// Blocking; returns what it made (an id, a tag). Called on a worker thread; returns soon after
    /// `cancel` is set.
    using Job = std::function<agentrun::Result<std::string>(const Progress&, const std::atomic<bool>&)>;

    /// Cancels a job in flight and waits for its worker.
    ~JobDialog() override;

    bool isRunning() const { return m_running; }
    QString log() const;
    QString statusText() const;

protected:
    /// `name` prefixes the object names of the log (`<name>Log`), the status line
    /// (`<name>StatusLabel`) and the Cancel/Close button (`<name>CancelButton`).
    JobDialog(Job job, const QString& title, const QString& explanation, const QString& name,
              QWidget* parent);

    QDialogButtonBox* buttons() const { return m_buttons; }
    /// Starts the job unless it runs already; false then.
    bool startJob(const QString& runningText);
    /// Asks a running job to stop; the dialog says so and waits for it.
    void cancelJob();
    void setStatus(const QString& text);
    void reject() override;
    /// The job ended (`message`: its result, or why it failed); called on the GUI thread.
    virtual void jobFinished(bool ok, const QString& message) = 0;

private:
    void onFinished(bool ok, const QString& message);

    Job m_job;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    QFuture<void> m_future;
    bool m_running = false;
    QLabel* m_status = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    QPushButton* m_cancelButton = nullptr;
};

} // namespace agentrun::ui
