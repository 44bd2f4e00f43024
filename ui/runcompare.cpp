#include "runcompare.h"

#include <algorithm>
#include <tuple>

#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTabBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextEdit>
#include <QVBoxLayout>

#include "labels.h"

namespace agentrun::ui {

namespace {

const QColor DifferBackground(0xff, 0xf0, 0xc0); // a row whose two values differ
const QColor RemovedBackground(0xff, 0xdd, 0xdd);
const QColor AddedBackground(0xdd, 0xff, 0xdd);

QStringList linesOf(const std::string& text)
{
    if (text.empty())
        return {};
    QStringList lines = QString::fromUtf8(text.data(), qsizetype(text.size())).split(u'\n');
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast(); // the final newline ends the last line, it does not start another
    return lines;
}

/// Longest common subsequence of two short lists of lines, as a diff.
void lcsDiff(const QStringList& a, const QStringList& b, std::vector<DiffLine>& out)
{
    const auto n = size_t(a.size());
    const auto m = size_t(b.size());
    // lengths[i][j]: the LCS of a[i..] and b[j..], in one flat table.
    std::vector<int> lengths((n + 1) * (m + 1), 0);
    const auto at = [m](size_t i, size_t j) { return i * (m + 1) + j; };
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            lengths[at(i, j)] = a[qsizetype(i)] == b[qsizetype(j)]
                                    ? lengths[at(i + 1, j + 1)] + 1
                                    : std::max(lengths[at(i + 1, j)], lengths[at(i, j + 1)]);
    size_t i = 0;
    size_t j = 0;
    while (i < n && j < m) {
        if (a[qsizetype(i)] == b[qsizetype(j)]) {
            out.push_back({DiffLine::Kind::Same, a[qsizetype(i)]});
            ++i;
            ++j;
        } else if (lengths[at(i + 1, j)] >= lengths[at(i, j + 1)]) {
            out.push_back({DiffLine::Kind::Removed, a[qsizetype(i++)]});
        } else {
            out.push_back({DiffLine::Kind::Added, b[qsizetype(j++)]});
        }
    }
    while (i < n)
        out.push_back({DiffLine::Kind::Removed, a[qsizetype(i++)]});
    while (j < m)
        out.push_back({DiffLine::Kind::Added, b[qsizetype(j++)]});
}

QString sizeOrBlank(std::int64_t bytes)
{
    return bytes > 0 ? sizeLabel(bytes) : QString();
}

} // namespace

std::vector<DiffLine> lineDiff(const QStringList& a, const QStringList& b)
{
    std::vector<DiffLine> out;
    // The common head and tail first: most runs of one snippet differ in a few lines.
    qsizetype head = 0;
    while (head < a.size() && head < b.size() && a[head] == b[head])
        ++head;
    qsizetype tail = 0;
    while (tail < a.size() - head && tail < b.size() - head &&
           a[a.size() - 1 - tail] == b[b.size() - 1 - tail])
        ++tail;
    for (qsizetype k = 0; k < head; ++k)
        out.push_back({DiffLine::Kind::Same, a[k]});
    const QStringList middleA = a.mid(head, a.size() - head - tail);
    const QStringList middleB = b.mid(head, b.size() - head - tail);
    if (middleA.size() <= MaxDiffLines && middleB.size() <= MaxDiffLines) {
        lcsDiff(middleA, middleB, out);
    } else {
        for (const QString& line : middleA)
            out.push_back({DiffLine::Kind::Removed, line});
        for (const QString& line : middleB)
            out.push_back({DiffLine::Kind::Added, line});
    }
    for (qsizetype k = a.size() - tail; k < a.size(); ++k)
        out.push_back({DiffLine::Kind::Same, a[k]});
    return out;
}

RunCompare::RunCompare(agentrun::history::RunRecord first, agentrun::history::RunRecord second,
                       QWidget* parent)
    : QWidget(parent, Qt::Window), m_first(std::move(first)), m_second(std::move(second))
{
    setObjectName(QStringLiteral("runCompare"));
    setAttribute(Qt::WA_DeleteOnClose);
    const QString firstName = QString::fromStdString(m_first.runId).left(8);
    const QString secondName = QString::fromStdString(m_second.runId).left(8);
    setWindowTitle(tr("Compare runs %1 and %2").arg(firstName, secondName));

    m_table = new QTableWidget(0, 2, this);
    m_table->setObjectName(QStringLiteral("compareTable"));
    m_table->setHorizontalHeaderLabels({tr("Run %1").arg(firstName), tr("Run %1").arg(secondName)});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);

    const auto str = [](const std::string& text) { return QString::fromStdString(text); };
    const auto time = [](const agentrun::history::RunRecord& r) {
        return QString::fromStdString(agentrun::history::formatTimestamp(r.createdMs));
    };
    const auto limits = [](const agentrun::history::RunRecord& r) {
        return agentrun::history::limitsFromJson(r.limits);
    };
    const auto l1 = limits(m_first);
    const auto l2 = limits(m_second);
    const auto limit = [](const agentrun::Result<agentrun::model::Limits>& l, auto field) {
        return l ? field(*l) : QString();
    };

    addRow(tr("Time"), time(m_first), time(m_second));
    addRow(tr("Status"), str(m_first.status), str(m_second.status));
    addRow(tr("Exit code"), QString::number(m_first.exitCode), QString::number(m_second.exitCode));
    addRow(tr("Message"), str(m_first.message), str(m_second.message));
    addRow(tr("Profile"), str(m_first.profile), str(m_second.profile));
    const auto memory = [](const agentrun::model::Limits& l) { return sizeLabel(l.memoryBytes); };
    const auto swap = [](const agentrun::model::Limits& l) { return sizeLabel(l.memorySwapBytes); };
    const auto cpus = [](const agentrun::model::Limits& l) { return QString::number(l.cpus, 'g', 4); };
    const auto timeout = [](const agentrun::model::Limits& l) {
        return tr("%1 s").arg(QString::number(l.timeoutSeconds, 'g', 6));
    };
    const auto pids = [](const agentrun::model::Limits& l) { return QString::number(l.pids); };
    const auto output = [](const agentrun::model::Limits& l) { return sizeLabel(l.outputLimitBytes); };
    const auto network = [](const agentrun::model::Limits& l) { return QString::fromStdString(l.network); };
    addRow(tr("Memory limit"), limit(l1, memory), limit(l2, memory));
    addRow(tr("Memory+swap"), limit(l1, swap), limit(l2, swap));
    addRow(tr("CPUs"), limit(l1, cpus), limit(l2, cpus));
    addRow(tr("Timeout"), limit(l1, timeout), limit(l2, timeout));
    addRow(tr("Pids"), limit(l1, pids), limit(l2, pids));
    addRow(tr("Output limit"), limit(l1, output), limit(l2, output));
    addRow(tr("Network"), limit(l1, network), limit(l2, network));
    addRow(tr("Peak memory"), sizeOrBlank(m_first.peakMemoryBytes), sizeOrBlank(m_second.peakMemoryBytes));
    const auto cpuTime = [](const agentrun::history::RunRecord& r) {
        return r.cpuSeconds > 0 ? durationLabel(r.cpuSeconds * 1000.0) : QString();
    };
    addRow(tr("CPU time"), cpuTime(m_first), cpuTime(m_second));
    addRow(tr("Wall time"), durationLabel(m_first.durations.runMs), durationLabel(m_second.durations.runMs));
    addRow(tr("Duration"), durationLabel(m_first.durations.totalMs),
           durationLabel(m_second.durations.totalMs));
    addRow(tr("Image"), str(m_first.image), str(m_second.image));
    addRow(tr("Policy"), str(m_first.policy), str(m_second.policy));
    const auto code = [](const agentrun::history::RunRecord& r) {
        return QStringLiteral("%1 bytes, sha256 %2")
            .arg(r.codeBytes)
            .arg(QString::fromStdString(r.codeSha256).left(12));
    };
    addRow(tr("Code"), code(m_first), code(m_second));
    m_table->resizeRowsToContents();

    m_outputs = new QTabWidget(this);
    m_outputs->setObjectName(QStringLiteral("compareOutputs"));
    for (const auto& [name, a, b] :
         {std::tuple(QStringLiteral("stdout"), &m_first.stdoutData, &m_second.stdoutData),
          std::tuple(QStringLiteral("stderr"), &m_first.stderrData, &m_second.stderrData)}) {
        QWidget* view = diffView(name, *a, *b);
        const int changed = view->property("changedLines").toInt();
        const int tab = m_outputs->addTab(
            view, changed > 0 ? tr("%1 (%n lines differ)", nullptr, changed).arg(name) : name);
        if (changed > 0)
            m_outputs->tabBar()->setTabTextColor(tab, QColor(0xb0, 0x20, 0x20));
    }

    auto* legend = new QLabel(tr("Rows that differ are highlighted. Output: lines only in run %1 are red "
                                 "(−), only in run %2 green (+).")
                                  .arg(firstName, secondName),
                              this);
    legend->setWordWrap(true);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_table);
    split->addWidget(m_outputs);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(legend);
    layout->addWidget(split, 1);
    resize(900, 700);
}

void RunCompare::addRow(const QString& label, const QString& first, const QString& second)
{
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    m_table->setVerticalHeaderItem(row, new QTableWidgetItem(label));
    auto* a = new QTableWidgetItem(first);
    auto* b = new QTableWidgetItem(second);
    a->setToolTip(first);
    b->setToolTip(second);
    if (first != second) {
        m_differing << label;
        QFont bold = a->font();
        bold.setBold(true);
        for (QTableWidgetItem* item : {a, b}) {
            item->setBackground(DifferBackground);
            item->setForeground(QColor(0x20, 0x20, 0x20));
            item->setFont(bold);
        }
        m_table->verticalHeaderItem(row)->setFont(bold);
    }
    m_table->setItem(row, 0, a);
    m_table->setItem(row, 1, b);
}

QWidget* RunCompare::diffView(const QString& name, const std::string& first, const std::string& second)
{
    auto* view = new QTextEdit(this);
    view->setObjectName(name + QStringLiteral("Diff"));
    view->setReadOnly(true);
    view->setLineWrapMode(QTextEdit::NoWrap);
    QStringList& plain = name == u"stdout" ? m_stdoutDiff : m_stderrDiff;
    const auto diff = lineDiff(linesOf(first), linesOf(second));
    const QString font = QFontDatabase::systemFont(QFontDatabase::FixedFont).family().toHtmlEscaped();
    QString html = QStringLiteral("<pre style=\"font-family:'%1'\">").arg(font);
    int changed = 0;
    for (const DiffLine& line : diff) {
        QString prefix = QStringLiteral("  ");
        QString style;
        if (line.kind == DiffLine::Kind::Removed) {
            prefix = QStringLiteral("- ");
            style = QStringLiteral(" style=\"background:%1;color:#600000\"").arg(RemovedBackground.name());
            ++changed;
        } else if (line.kind == DiffLine::Kind::Added) {
            prefix = QStringLiteral("+ ");
            style = QStringLiteral(" style=\"background:%1;color:#004000\"").arg(AddedBackground.name());
            ++changed;
        }
        plain << prefix + line.text;
        html += QStringLiteral("<span%1>%2</span>\n").arg(style, QString(prefix + line.text).toHtmlEscaped());
    }
    html += QStringLiteral("</pre>");
    if (diff.empty())
        html = tr("<p><i>Neither run wrote to %1.</i></p>").arg(name);
    else if (changed == 0)
        html.prepend(tr("<p><i>The same in both runs.</i></p>"));
    view->setHtml(html);
    view->setProperty("changedLines", changed);
    return view;
}

QStringList RunCompare::differingRows() const
{
    return m_differing;
}

QString RunCompare::value(const QString& label, int run) const
{
    for (int row = 0; row < m_table->rowCount(); ++row)
        if (m_table->verticalHeaderItem(row)->text() == label)
            return m_table->item(row, run)->text();
    return {};
}

QString RunCompare::diffText(const QString& stream) const
{
    return (stream == u"stdout" ? m_stdoutDiff : m_stderrDiff).join(u'\n');
}

} // namespace agentrun::ui
