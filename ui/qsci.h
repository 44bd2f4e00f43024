#pragma once

// QScintilla's headers use the `signals`/`slots` keywords, which QT_NO_KEYWORDS (set for the whole
// project) removes. Include QScintilla through this header only: it maps the keywords for these
// headers and nowhere else.
#if defined(QT_NO_KEYWORDS) && !defined(signals)
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define AGENTRUN_QSCI_KEYWORDS
#endif

#include <Qsci/qscicommand.h>
#include <Qsci/qscicommandset.h>
#include <Qsci/qscilexerpython.h>
#include <Qsci/qsciscintilla.h>

#ifdef AGENTRUN_QSCI_KEYWORDS
#undef signals
#undef slots
#undef AGENTRUN_QSCI_KEYWORDS
#endif
