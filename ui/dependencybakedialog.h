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

/// Bakes the profile's cached dependencies into an image and shows it happen: pip's lines and the
/// build's lines as they come, Cancel stops it, Close when done. The bake runs on a worker thread.
class DependencyBakeDialog : public QDialog
{
    Q_OBJECT
public:
    using Progress = std::function<void(std::string_view)>;
    /// Blocking; returns the image tag. Called on a worker thread; returns soon after `cancel` is set.
    using BakeFunction =
        std::function<agentrun::Result<std::string>(const Progress&, const std::atomic<bool>&)>;

    DependencyBakeDialog(BakeFunction bake, const QString& what, QWidget* parent = nullptr);
    /// Cancels a bake in flight and waits for its worker.
    ~DependencyBakeDialog() override;

    void start();
    void cancel();
    bool isBaking() const { return m_baking; }
    QString log() const;
    QString statusText() const;

Q_SIGNALS:
    void bakeFinished(bool ok, const QString& message);

protected:
    void reject() override;

private:
    void onFinished(bool ok, const QString& message);

    BakeFunction m_bake;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    QFuture<void> m_future;
    bool m_baking = false;
    QLabel* m_status = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QPushButton* m_closeButton = nullptr;
};

} // namespace agentrun::ui
