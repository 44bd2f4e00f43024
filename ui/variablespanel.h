#pragma once

#include "agentrun/model/session.h"

#include <vector>

#include <QWidget>

class QLabel;
class QTreeWidget;

namespace agentrun::ui {

/// The session's variables after its last run, as the kernel described them: name, type, a short repr
/// and a size. Values never leave the sandbox; only these descriptions do.
class VariablesPanel : public QWidget
{
    Q_OBJECT
public:
    explicit VariablesPanel(QWidget* parent = nullptr);

    /// Shows `variables`; with none, `why` says why the list is empty.
    void setVariables(const std::vector<agentrun::model::SessionVariable>& variables, const QString& why);
    QTreeWidget* view() const { return m_view; }

private:
    QTreeWidget* m_view = nullptr;
    QLabel* m_empty = nullptr;
};

} // namespace agentrun::ui
