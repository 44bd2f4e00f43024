#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QToolButton;

namespace agentrun::ui {

class OutputConsole;

/// The output console with its own small toolbar: search, wrap, copy, clear, and what was cut.
class ConsolePanel : public QWidget
{
    Q_OBJECT
public:
    explicit ConsolePanel(QWidget* parent = nullptr);
    OutputConsole* console() const { return m_console; }
    void setWrapping(bool wrap);

Q_SIGNALS:
    void wrappingToggled(bool wrap);

private:
    void find(bool backward);

    OutputConsole* m_console = nullptr;
    QLineEdit* m_search = nullptr;
    QToolButton* m_wrap = nullptr;
    QLabel* m_notFound = nullptr;
};

} // namespace agentrun::ui
