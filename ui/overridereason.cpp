#include "overridereason.h"

#include <QDialogButtonBox>
#include <QInputDialog>
#include <QPushButton>

namespace agentrun::ui {

std::optional<QString> askOverrideReason(QWidget* parent, const QString& policyLabel,
                                         const QStringList& recent)
{
    QInputDialog dialog(parent);
    dialog.setObjectName(QStringLiteral("overrideReasonDialog"));
    dialog.setWindowTitle(QInputDialog::tr("Run anyway"));
    dialog.setLabelText(
        QInputDialog::tr("The check (%1 policy) blocked this code. Why is it safe to run it?\n"
                         "The reason is kept with the run in the history.")
            .arg(policyLabel));
    dialog.setInputMode(QInputDialog::TextInput);
    // Also builds the dialog's layout, so that its OK button exists to be disabled below.
    dialog.setOkButtonText(QInputDialog::tr("Run Anyway"));
    if (!recent.isEmpty()) {
        // An editable combo: type a new reason or pick one given before. Empty list: a plain line edit.
        dialog.setComboBoxEditable(true);
        dialog.setComboBoxItems(recent);
    }
    dialog.setTextValue(QString());
    if (auto* buttons = dialog.findChild<QDialogButtonBox*>()) {
        if (QPushButton* ok = buttons->button(QDialogButtonBox::Ok)) {
            ok->setEnabled(false);
            QObject::connect(&dialog, &QInputDialog::textValueChanged, ok,
                             [ok](const QString& text) { ok->setEnabled(!text.trimmed().isEmpty()); });
        }
    }
    if (dialog.exec() != QDialog::Accepted)
        return std::nullopt;
    const QString reason = dialog.textValue().trimmed();
    if (reason.isEmpty())
        return std::nullopt;
    return reason;
}

} // namespace agentrun::ui
