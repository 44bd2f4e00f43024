#pragma once

#include "agentrun/model/limits.h"
#include "agentrun/model/runresult.h"

#include <QColor>
#include <QIcon>
#include <QString>
#include <QStringList>

namespace agentrun::ui {

/// How a run ended, in the words and the colour the window shows it: the console's last line, the status
/// bar, the tab. A pure function of the result and the limits it ran with (tested without a window).
struct Outcome
{
    enum class Tone
    {
        Good,    ///< ok
        Warning, ///< blocked, cancelled: nothing went wrong in the code's run
        Bad      ///< the code failed or a limit ended it
    };
    Tone tone = Tone::Good;
    QString line;       ///< "finished: out_of_memory, … — memory limit of 64 MiB reached"
    QString limitField; ///< the Limits panel's field that ended the run ("memory", "timeout", …); empty: none
    QStringList hints; ///< what to change, when the output shows a cause the window knows (no network, a
                       ///< package not installed)
};

Outcome describeOutcome(const agentrun::model::RunResult& result, const agentrun::model::Limits& limits);

/// The tone's text colour: green, amber, red, each at least 4.5:1 on white (WCAG AA).
QColor toneColor(Outcome::Tone tone);
/// A dot of the tone's colour, for the tab the run came from.
QIcon toneIcon(Outcome::Tone tone);

} // namespace agentrun::ui
