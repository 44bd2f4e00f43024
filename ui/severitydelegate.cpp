#include "severitydelegate.h"

#include <QComboBox>

#include "policyrulemodel.h"

namespace agentrun::ui {

QWidget* SeverityDelegate::createEditor(QWidget* parent, const QStyleOptionViewItem&,
                                        const QModelIndex&) const
{
    auto* combo = new QComboBox(parent);
    combo->setObjectName(QStringLiteral("severityEditor"));
    combo->addItems(PolicyRuleModel::levelNames());
    connect(combo, &QComboBox::activated, this, [this, combo] {
        auto* self = const_cast<SeverityDelegate*>(this);
        Q_EMIT self->commitData(combo);
        Q_EMIT self->closeEditor(combo);
    });
    return combo;
}

void SeverityDelegate::setEditorData(QWidget* editor, const QModelIndex& index) const
{
    auto* combo = qobject_cast<QComboBox*>(editor);
    combo->setCurrentText(index.data(Qt::EditRole).toString());
}

void SeverityDelegate::setModelData(QWidget* editor, QAbstractItemModel* model,
                                    const QModelIndex& index) const
{
    model->setData(index, qobject_cast<QComboBox*>(editor)->currentText(), Qt::EditRole);
}

} // namespace agentrun::ui
