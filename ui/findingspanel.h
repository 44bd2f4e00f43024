#pragma once

#include "agentrun/safety/finding.h"

#include <vector>

#include <QWidget>

class QLabel;
class QTreeView;

namespace agentrun::ui {

class FindingsModel;

/// The Problems panel: the findings table and a one-line verdict; activating a row asks to jump there.
class FindingsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit FindingsPanel(QWidget* parent = nullptr);
    FindingsModel* model() const { return m_model; }
    void setFindings(const std::vector<agentrun::safety::Finding>& findings, const QString& source);

Q_SIGNALS:
    void findingActivated(const agentrun::safety::Finding& finding);

private:
    FindingsModel* m_model = nullptr;
    QTreeView* m_view = nullptr;
    QLabel* m_summary = nullptr;
};

} // namespace agentrun::ui
