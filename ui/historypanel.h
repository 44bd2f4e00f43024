#pragma once

#include <QWidget>

class QTreeView;

namespace agentrun::ui {

class RunHistoryModel;

/// The runs of this session; activating one asks to reopen its code.
class HistoryPanel : public QWidget
{
    Q_OBJECT
public:
    explicit HistoryPanel(QWidget* parent = nullptr);
    RunHistoryModel* model() const { return m_model; }

Q_SIGNALS:
    void reopenRequested(const QString& code, const QString& title);

private:
    RunHistoryModel* m_model = nullptr;
    QTreeView* m_view = nullptr;
};

} // namespace agentrun::ui
