#include "policypanel.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

#include "policyrulemodel.h"
#include "safetycheck.h"
#include "severitydelegate.h"

namespace agentrun::ui {

namespace {

const QString FileItem = QStringLiteral("\x01file");

QString joined(const std::vector<std::string>& names)
{
    QStringList list;
    for (const auto& n : names)
        list << QString::fromStdString(n);
    return list.isEmpty() ? QObject::tr("none") : list.join(QStringLiteral(", "));
}

} // namespace

PolicyPanel::PolicyPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("policyPanel"));
    m_model = new PolicyRuleModel(this);

    m_preset = new QComboBox(this);
    m_preset->setObjectName(QStringLiteral("policyPresetCombo"));
    for (const QString& name : safetycheck::presetNames())
        m_preset->addItem(name, name);
    m_preset->addItem(tr("File…"), FileItem);
    m_preset->setToolTip(tr("A preset, or a JSON policy file"));
    connect(m_preset, &QComboBox::activated, this, &PolicyPanel::choosePreset);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("policySummaryLabel"));
    m_summary->setWordWrap(true);

    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("policyRuleView"));
    m_view->setModel(m_model);
    m_view->setItemDelegateForColumn(PolicyRuleModel::SeverityColumn, new SeverityDelegate(m_view));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::SelectedClicked |
                            QAbstractItemView::EditKeyPressed);
    m_view->verticalHeader()->hide();
    m_view->setWordWrap(false);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
    m_view->horizontalHeader()->setSectionResizeMode(PolicyRuleModel::TitleColumn, QHeaderView::Stretch);
    m_view->horizontalHeader()->setSectionResizeMode(PolicyRuleModel::IdColumn,
                                                     QHeaderView::ResizeToContents);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &PolicyPanel::showRule);

    m_explanation = new QLabel(tr("Select a rule to see what it catches."), this);
    m_explanation->setObjectName(QStringLiteral("policyExplanationLabel"));
    m_explanation->setWordWrap(true);
    m_explanation->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_modules = new QLabel(this);
    m_modules->setObjectName(QStringLiteral("policyModulesLabel"));
    m_modules->setWordWrap(true);
    m_modules->setTextInteractionFlags(Qt::TextSelectableByMouse);

    connect(m_model, &PolicyRuleModel::policyEdited, this, [this] {
        m_policy = std::make_shared<const agentrun::safety::Policy>(m_model->policy());
        m_edited = true;
        updateSummary();
        Q_EMIT policyChanged();
    });

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Preset:"), this));
    top->addWidget(m_preset, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_summary);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_explanation);
    layout->addWidget(m_modules);
    setSource(QStringLiteral("standard"));
}

QString PolicyPanel::label() const
{
    return m_edited ? tr("%1 (edited)").arg(m_source) : m_source;
}

bool PolicyPanel::setSource(const QString& nameOrPath)
{
    auto loaded = agentrun::safety::Policy::load(nameOrPath.toStdString());
    if (!loaded) {
        Q_EMIT loadError(QString::fromStdString(loaded.error().message));
        m_preset->setCurrentIndex(m_preset->findData(m_source));
        return false;
    }
    m_source = nameOrPath;
    m_edited = false;
    m_model->setPolicy(*loaded);
    m_policy = std::make_shared<const agentrun::safety::Policy>(std::move(*loaded));
    int item = m_preset->findData(nameOrPath);
    if (item < 0) {
        m_preset->insertItem(m_preset->count() - 1, nameOrPath, nameOrPath);
        item = m_preset->count() - 2;
    }
    m_preset->setCurrentIndex(item);
    updateSummary();
    Q_EMIT policyChanged();
    return true;
}

void PolicyPanel::choosePreset(int index)
{
    QString source = m_preset->itemData(index).toString();
    if (source == FileItem) {
        source =
            QFileDialog::getOpenFileName(this, tr("Open policy"), {}, tr("Policy (*.json);;All files (*)"));
        if (source.isEmpty()) {
            m_preset->setCurrentIndex(m_preset->findData(m_source));
            return;
        }
    }
    setSource(source);
}

void PolicyPanel::showRule(const QModelIndex& index)
{
    if (!index.isValid())
        return;
    const QModelIndex first = m_model->index(index.row(), 0);
    m_explanation->setText(QStringLiteral("<b>%1</b> (default: %2)<br>%3")
                               .arg(first.data().toString().toHtmlEscaped(),
                                    first.data(PolicyRuleModel::DefaultSeverityRole).toString(),
                                    first.data(PolicyRuleModel::ExplanationRole).toString().toHtmlEscaped()));
}

void PolicyPanel::updateSummary()
{
    const auto& p = *m_policy;
    QString text = QString::fromStdString(p.description());
    if (m_edited)
        text = tr("Edited: the changed rules apply to the live check and to Run. ") + text;
    text += u' ' + (p.allowsOverride() ? tr("Blocked code may be run anyway, with a reason.")
                                       : tr("Blocked code can not be run anyway."));
    m_summary->setText(text.trimmed());
    m_modules->setText(tr("Blocked modules: %1\nAllowed modules: %2")
                           .arg(joined(p.blockedModules()), joined(p.allowedModules())));
}

} // namespace agentrun::ui
