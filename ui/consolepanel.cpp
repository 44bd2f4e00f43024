#include "consolepanel.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>
#include <QVBoxLayout>

#include "outputconsole.h"

namespace agentrun::ui {

ConsolePanel::ConsolePanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("consolePanel"));
    m_console = new OutputConsole(this);

    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("consoleSearchEdit"));
    m_search->setPlaceholderText(tr("Search output"));
    m_search->setClearButtonEnabled(true);
    m_search->setMaximumWidth(260);
    connect(m_search, &QLineEdit::returnPressed, this, [this] { find(false); });

    auto makeButton = [this](const QString& name, const QString& text, const QString& tip) {
        auto* b = new QToolButton(this);
        b->setObjectName(name);
        b->setText(text);
        b->setToolTip(tip);
        b->setAutoRaise(true);
        return b;
    };
    QToolButton* previous =
        makeButton(QStringLiteral("consoleFindPreviousButton"), tr("↑"), tr("Previous match"));
    QToolButton* next = makeButton(QStringLiteral("consoleFindNextButton"), tr("↓"), tr("Next match"));
    connect(previous, &QToolButton::clicked, this, [this] { find(true); });
    connect(next, &QToolButton::clicked, this, [this] { find(false); });

    m_notFound = new QLabel(this);
    m_notFound->setObjectName(QStringLiteral("consoleSearchStatus"));

    m_wrap = makeButton(QStringLiteral("consoleWrapButton"), tr("Wrap"), tr("Wrap long lines"));
    m_wrap->setCheckable(true);
    m_wrap->setChecked(m_console->isWrapping());
    connect(m_wrap, &QToolButton::toggled, this, [this](bool on) {
        m_console->setWrapping(on);
        Q_EMIT wrappingToggled(on);
    });

    QToolButton* copy = makeButton(QStringLiteral("consoleCopyButton"), tr("Copy"),
                                   tr("Copy the selection, or all output when nothing is selected"));
    connect(copy, &QToolButton::clicked, this, [this] {
        if (!m_console->textCursor().hasSelection())
            m_console->selectAll();
        m_console->copy();
    });
    QToolButton* clear =
        makeButton(QStringLiteral("consoleClearButton"), tr("Clear"), tr("Clear the console"));
    connect(clear, &QToolButton::clicked, m_console, &OutputConsole::clearConsole);

    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(4, 2, 4, 2);
    bar->addWidget(m_search);
    bar->addWidget(previous);
    bar->addWidget(next);
    bar->addWidget(m_notFound);
    bar->addStretch();
    bar->addWidget(m_wrap);
    bar->addWidget(copy);
    bar->addWidget(clear);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(m_console);

    auto* findAction = new QAction(this);
    findAction->setShortcut(QKeySequence::Find);
    findAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(findAction, &QAction::triggered, this, [this] {
        m_search->setFocus(Qt::ShortcutFocusReason);
        m_search->selectAll();
    });
    addAction(findAction);
}

void ConsolePanel::setWrapping(bool wrap)
{
    m_wrap->setChecked(wrap);
    m_console->setWrapping(wrap);
}

void ConsolePanel::find(bool backward)
{
    const bool found = m_console->findText(m_search->text(), backward);
    m_notFound->setText(found || m_search->text().isEmpty() ? QString() : tr("not found"));
}

} // namespace agentrun::ui
