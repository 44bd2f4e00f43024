#pragma once

#include "agentrun/safety/policy.h"

#include <memory>

#include <QWidget>

class QComboBox;
class QLabel;
class QTableView;

namespace agentrun::ui {

class PolicyRuleModel;

/// The policy of the static check: a preset or a JSON file, its rules at the severity the user picks,
/// the explanation of the selected rule and the module lists. What is shown here (edits included) is what
/// the live check and Run use.
class PolicyPanel : public QWidget
{
    Q_OBJECT
public:
    explicit PolicyPanel(QWidget* parent = nullptr);

    /// A preset name or a policy file; false (the current policy kept) on error, with loadError().
    bool setSource(const QString& nameOrPath);
    /// The preset name or file path last loaded (without edits).
    QString source() const { return m_source; }
    bool isEdited() const { return m_edited; }
    /// "strict", or "strict (edited)" once a rule was changed.
    QString label() const;
    std::shared_ptr<const agentrun::safety::Policy> policy() const { return m_policy; }
    PolicyRuleModel* ruleModel() const { return m_model; }

Q_SIGNALS:
    void policyChanged();
    void loadError(const QString& message);

private:
    void choosePreset(int index);
    void showRule(const QModelIndex& index);
    void updateSummary();

    PolicyRuleModel* m_model = nullptr;
    QComboBox* m_preset = nullptr;
    QTableView* m_view = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_explanation = nullptr;
    QLabel* m_modules = nullptr;
    std::shared_ptr<const agentrun::safety::Policy> m_policy;
    QString m_source;
    bool m_edited = false;
};

} // namespace agentrun::ui
