#pragma once

#include "agentrun/history/historystore.h"

#include <vector>

#include <QStringList>
#include <QWidget>

class QTableWidget;
class QTabWidget;
class QTextEdit;

namespace agentrun::ui {

/// One line of a line diff: in both, only in the first (removed) or only in the second (added).
struct DiffLine
{
    enum class Kind
    {
        Same,
        Removed,
        Added
    };
    Kind kind = Kind::Same;
    QString text;
};

/// The lines of `a` and `b` as a diff (longest common subsequence of lines, a's lines before b's where
/// both changed). Beyond MaxDiffLines lines on a side, the common head and tail are kept and the middle is
/// shown as removed and added whole.
std::vector<DiffLine> lineDiff(const QStringList& a, const QStringList& b);
inline constexpr int MaxDiffLines = 2000;

/// Two recorded runs side by side (History ▸ Compare Two Runs): their limits, what they used and how they
/// ended in one table, the rows that differ highlighted, and a diff of their stdout and stderr (lines only
/// in the first run red, only in the second green). A window of its own; it keeps copies of the records.
class RunCompare : public QWidget
{
    Q_OBJECT
public:
    RunCompare(agentrun::history::RunRecord first, agentrun::history::RunRecord second,
               QWidget* parent = nullptr);

    /// The labels of the table's rows whose two values differ ("Memory limit", "Peak memory", …).
    QStringList differingRows() const;
    /// The value of the row labelled `label` for the first (0) or second (1) run; empty when no such row.
    QString value(const QString& label, int run) const;
    /// The diff of stdout or stderr ("stdout"/"stderr") as text: "  same", "- only first", "+ only second".
    QString diffText(const QString& stream) const;

private:
    void addRow(const QString& label, const QString& first, const QString& second);
    QWidget* diffView(const QString& name, const std::string& first, const std::string& second);

    agentrun::history::RunRecord m_first;
    agentrun::history::RunRecord m_second;
    QTableWidget* m_table = nullptr;
    QTabWidget* m_outputs = nullptr;
    QStringList m_differing;
    QStringList m_stdoutDiff;
    QStringList m_stderrDiff;
};

} // namespace agentrun::ui
