#pragma once

#include <QStyledItemDelegate>

namespace agentrun::ui {

/// Edits a rule's severity with a combo box (block / warn / info / off); the choice is committed as soon
/// as it is made.
class SeverityDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem& option,
                          const QModelIndex& index) const override;
    void setEditorData(QWidget* editor, const QModelIndex& index) const override;
    void setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const override;
};

} // namespace agentrun::ui
