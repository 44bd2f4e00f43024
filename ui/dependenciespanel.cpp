#include "dependenciespanel.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include "agentrun/deps/whitelist.h"
#include "agentrun/run/executorconfig.h"

#include "contrast.h"
#include "dependencybakedialog.h"
#include "depsmessages.h"
#include "dependencycacheview.h"
#include "settings.h"

#include <QGroupBox>
#include <QPushButton>

namespace agentrun::ui {

namespace {

QStringList lines(const QString& text)
{
    QStringList out;
    for (const QString& line : text.split(u'\n')) {
        const QString t = line.trimmed();
        if (!t.isEmpty() && !t.startsWith(u'#'))
            out << t;
    }
    return out;
}

} // namespace

DependenciesPanel::DependenciesPanel(Settings& settings, QWidget* parent)
    : DependenciesPanel(settings, engineCacheBackend(agentrun::run::configFromEnvironment()), parent)
{}

DependenciesPanel::DependenciesPanel(Settings& settings, DependencyCacheBackend backend, QWidget* parent)
    : QWidget(parent), m_settings(settings), m_backend(std::move(backend))
{
    setObjectName(QStringLiteral("dependenciesPanel"));
    m_mode = new QComboBox(this);
    m_mode->setObjectName(QStringLiteral("depsModeCombo"));
    m_mode->addItem(tr("Any package"), int(Mode::Any));
    m_mode->addItem(tr("No packages"), int(Mode::None));
    m_mode->addItem(tr("Only the listed packages"), int(Mode::Listed));
    m_list = new QPlainTextEdit(this);
    m_list->setObjectName(QStringLiteral("depsListEdit"));
    m_list->setPlaceholderText(tr("One per line, optionally pinned:\nnumpy\npandas==2.2.*"));
    m_list->setTabChangesFocus(true);
    m_indexUrl = new QLineEdit(this);
    m_indexUrl->setObjectName(QStringLiteral("depsIndexUrlEdit"));
    m_indexUrl->setPlaceholderText(tr("package index URL (PEP 503 simple API), e.g. a local mirror"));
    m_indexUrl->setClearButtonEnabled(true);
    m_wheelhouse = new QLineEdit(this);
    m_wheelhouse->setObjectName(QStringLiteral("depsWheelhouseEdit"));
    m_wheelhouse->setPlaceholderText(tr("A folder of .whl files (offline)"));
    m_wheelhouse->setClearButtonEnabled(true);
    auto* browse = new QToolButton(this);
    browse->setObjectName(QStringLiteral("depsWheelhouseBrowse"));
    browse->setText(tr("…"));
    browse->setToolTip(tr("Choose the wheelhouse folder"));
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Wheelhouse"), m_wheelhouse->text());
        if (!dir.isEmpty())
            m_wheelhouse->setText(dir);
    });
    m_cached = new QPlainTextEdit(this);
    m_cached->setObjectName(QStringLiteral("depsCachedEdit"));
    m_cached->setPlaceholderText(tr("Baked into an image the runs use, one per line:\nnumpy\npandas==2.2.*"));
    m_cached->setTabChangesFocus(true);
    m_cached->setMaximumHeight(80);
    m_bakeButton = new QPushButton(tr("Bake image…"), this);
    m_bakeButton->setObjectName(QStringLiteral("depsBakeButton"));
    m_bakeButton->setToolTip(
        tr("Install the cached dependencies into an image derived from the sandbox image"));
    connect(m_bakeButton, &QPushButton::clicked, this, &DependenciesPanel::bake);
    m_cacheView = new DependencyCacheView(m_backend, this);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("depsErrorLabel"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: %1").arg(textColor(TextTone::Error).name()));

    auto* wheelRow = new QHBoxLayout;
    wheelRow->addWidget(m_wheelhouse, 1);
    wheelRow->addWidget(browse);
    auto* form = new QFormLayout;
    form->addRow(tr("Whitelist:"), m_mode);
    form->addRow(tr("Packages:"), m_list);
    form->addRow(tr("Index URL:"), m_indexUrl);
    form->addRow(tr("Wheelhouse:"), wheelRow);
    form->addRow(tr("Cached:"), m_cached);
    auto* bakeRow = new QHBoxLayout;
    bakeRow->addStretch(1);
    bakeRow->addWidget(m_bakeButton);
    form->addRow(QString(), bakeRow);
    auto* cacheBox = new QGroupBox(tr("Cache"), this);
    auto* cacheLayout = new QVBoxLayout(cacheBox);
    cacheLayout->addWidget(m_cacheView);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(cacheBox, 1);

    load();
    connect(m_mode, &QComboBox::currentIndexChanged, this, &DependenciesPanel::onEdited);
    connect(m_list, &QPlainTextEdit::textChanged, this, &DependenciesPanel::onEdited);
    connect(m_indexUrl, &QLineEdit::textChanged, this, &DependenciesPanel::onEdited);
    connect(m_wheelhouse, &QLineEdit::textChanged, this, &DependenciesPanel::onEdited);
    connect(m_cached, &QPlainTextEdit::textChanged, this, &DependenciesPanel::onEdited);
}

bool DependenciesPanel::isValidSpec(const QString& spec)
{
    // A PEP 508 name, optional extras, then comma-separated version clauses; no URLs or markers.
    static const QRegularExpression re(QStringLiteral(
        R"(^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\[[A-Za-z0-9._,\s-]*\])?)"
        R"((?:\s*(?:===|==|!=|~=|>=|<=|<|>)\s*[A-Za-z0-9.*+!_-]+(?:\s*,\s*(?:===|==|!=|~=|>=|<=|<|>)\s*[A-Za-z0-9.*+!_-]+)*)?$)"));
    return re.match(spec.trimmed()).hasMatch();
}

DependenciesPanel::Mode DependenciesPanel::mode() const
{
    return Mode(m_mode->currentData().toInt());
}

std::vector<std::string> DependenciesPanel::allow() const
{
    switch (mode()) {
    case Mode::Any:
        return {"*"};
    case Mode::None:
        return {};
    case Mode::Listed:
        break;
    }
    std::vector<std::string> out;
    for (const QString& spec : lines(m_list->toPlainText()))
        out.push_back(spec.toStdString());
    return out;
}

void DependenciesPanel::setAllow(const std::vector<std::string>& allow)
{
    QStringList specs;
    bool any = false;
    for (const auto& entry : allow) {
        any = any || entry == "*";
        if (entry != "*")
            specs << QString::fromStdString(entry);
    }
    const Mode mode = any ? Mode::Any : specs.isEmpty() ? Mode::None : Mode::Listed;
    m_mode->setCurrentIndex(m_mode->findData(int(mode)));
    m_list->setPlainText(specs.join(u'\n'));
}

QString DependenciesPanel::indexUrl() const
{
    return m_indexUrl->text().trimmed();
}

QString DependenciesPanel::wheelhouse() const
{
    return m_wheelhouse->text().trimmed();
}

void DependenciesPanel::setSources(const QString& indexUrl, const QString& wheelhouse)
{
    m_indexUrl->setText(indexUrl);
    m_wheelhouse->setText(wheelhouse);
}

std::vector<std::string> DependenciesPanel::cached() const
{
    std::vector<std::string> out;
    for (const QString& spec : lines(m_cached->toPlainText()))
        out.push_back(spec.toStdString());
    return out;
}

void DependenciesPanel::setCached(const std::vector<std::string>& cached)
{
    QStringList specs;
    for (const auto& spec : cached)
        specs << QString::fromStdString(spec);
    m_cached->setPlainText(specs.join(u'\n'));
}

DependencyBakeDialog* DependenciesPanel::bakeDialog() const
{
    return m_bakeDialog;
}

void DependenciesPanel::bake()
{
    QString error = errorText();
    if (error.isEmpty() && cached().empty())
        error = tr("List the cached dependencies to bake first.");
    if (error.isEmpty() && indexUrl().isEmpty() && wheelhouse().isEmpty())
        error = tr("Fill in the Wheelhouse field or the Index URL field to bake from.");
    if (!error.isEmpty()) {
        m_error->setText(error);
        m_error->setVisible(true);
        return;
    }
    if (m_bakeDialog && m_bakeDialog->isBaking()) {
        m_bakeDialog->raise();
        return;
    }
    delete m_bakeDialog;
    agentrun::deps::InstallSource source;
    source.wheelhouse = wheelhouse().toStdString();
    source.indexUrl = source.wheelhouse.empty() ? indexUrl().toStdString() : std::string();
    QStringList names;
    for (const auto& spec : cached())
        names << QString::fromStdString(spec);
    m_bakeDialog = new DependencyBakeDialog(
        [backend = m_backend, cachedSpecs = cached(), allowed = allow(),
         source](const DependencyBakeDialog::Progress& progress, const std::atomic<bool>& cancel) {
            auto baked = backend.bake(cachedSpecs, allowed, source, progress, cancel);
            if (!baked) { // the panel's fields, not the CLI's flags (depsmessages.h)
                agentrun::model::RunSpec spec;
                spec.wheelhouse = source.wheelhouse;
                spec.indexUrl = source.indexUrl;
                baked.error().message = dependencyMessage(baked.error(), spec).toStdString();
            }
            return baked;
        },
        names.join(QStringLiteral(", ")), this);
    m_bakeDialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_bakeDialog, &DependencyBakeDialog::bakeFinished, m_cacheView, &DependencyCacheView::refresh);
    m_bakeDialog->show();
    m_bakeDialog->start();
}

QString DependenciesPanel::errorText() const
{
    if (mode() == Mode::Listed) {
        const QStringList specs = lines(m_list->toPlainText());
        if (specs.isEmpty())
            return tr("List at least one package, or choose “No packages”.");
        for (const QString& spec : specs)
            if (!isValidSpec(spec))
                return tr("“%1” is not a package name with an optional pin (e.g. pandas==2.2.*).").arg(spec);
    }
    if (!indexUrl().isEmpty()) {
        const QUrl url(indexUrl(), QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != u"https" && url.scheme() != u"http") || url.host().isEmpty())
            return tr("The Index URL field in the Dependencies panel must hold an http(s) URL "
                      "(e.g. https://mirror.example/simple).");
        if (!wheelhouse().isEmpty())
            return tr("Fill in either the Index URL field or the Wheelhouse field in the Dependencies panel, "
                      "not both.");
    }
    const std::vector<std::string> cachedSpecs = cached();
    for (const auto& spec : cachedSpecs)
        if (!isValidSpec(QString::fromStdString(spec)))
            return tr("Cached “%1” is not a package name with an optional pin.")
                .arg(QString::fromStdString(spec));
    if (!cachedSpecs.empty()) {
        // AgentRun's start-up check: every cached dependency must be whitelisted.
        if (auto whitelist = agentrun::deps::Whitelist::parse(allow()); whitelist) {
            if (auto allowed = agentrun::deps::checkCachedDependencies(cachedSpecs, *whitelist); !allowed)
                return QString::fromStdString(allowed.error().message);
        }
    }
    return {};
}

void DependenciesPanel::load()
{
    m_loading = true;
    const QStringList allow = m_settings.value(Settings::Key::DepsAllow).toStringList();
    std::vector<std::string> entries;
    for (const QString& a : allow)
        entries.push_back(a.toStdString());
    setAllow(entries);
    setSources(m_settings.value(Settings::Key::DepsIndexUrl).toString(),
               m_settings.value(Settings::Key::DepsWheelhouse).toString());
    std::vector<std::string> cachedSpecs;
    for (const QString& spec : m_settings.value(Settings::Key::DepsCached).toStringList())
        cachedSpecs.push_back(spec.toStdString());
    setCached(cachedSpecs);
    m_loading = false;
    onEdited();
}

void DependenciesPanel::onEdited()
{
    m_list->setEnabled(mode() == Mode::Listed);
    if (m_loading)
        return;
    const QString error = errorText();
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
    if (error.isEmpty()) {
        QStringList allowList;
        for (const auto& a : allow())
            allowList << QString::fromStdString(a);
        m_settings.setValue(Settings::Key::DepsAllow, allowList);
        m_settings.setValue(Settings::Key::DepsIndexUrl, indexUrl());
        m_settings.setValue(Settings::Key::DepsWheelhouse, wheelhouse());
        QStringList cachedList;
        for (const auto& spec : cached())
            cachedList << QString::fromStdString(spec);
        m_settings.setValue(Settings::Key::DepsCached, cachedList);
    }
    Q_EMIT changed();
}

} // namespace agentrun::ui
