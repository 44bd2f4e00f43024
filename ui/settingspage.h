#pragma once

#include <QIcon>
#include <QString>

namespace agentrun::ui {

/// What every settings panel offers, so that a preferences dialog or a profile loader can treat them
/// alike. Implementations are QWidgets that also emit a `changed()` signal.
class SettingsPage
{
public:
    virtual ~SettingsPage() = default;
    virtual QString title() const = 0;
    virtual QIcon icon() const = 0;
    /// Shows the stored values.
    virtual void load() = 0;
    /// Stores what is shown; false (nothing stored) while an input is invalid.
    virtual bool apply() = 0;
    virtual void restoreDefaults() = 0;
};

} // namespace agentrun::ui
