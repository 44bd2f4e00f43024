#include "limitspanel.h"

#include "agentrun/errorcodes.h"
#include "agentrun/sandbox/containerspec.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

#include "contrast.h"
#include "outcome.h"
#include "settings.h"

namespace agentrun::ui {

namespace {

constexpr qint64 MiB = 1ll << 20;

QString sizeText(qint64 bytes)
{
    // The shortest exact spelling parseSize reads back: "64m", "1g", "1536k".
    for (auto [unit, suffix] :
         {std::pair{1ll << 30, 'g'}, std::pair{1ll << 20, 'm'}, std::pair{1ll << 10, 'k'}})
        if (bytes % unit == 0)
            return QString::number(bytes / unit) + QLatin1Char(suffix);
    return QString::number(bytes);
}

} // namespace

LimitsPanel::LimitsPanel(Settings& settings, QString image, QWidget* parent)
    : QWidget(parent), m_settings(settings), m_image(std::move(image))
{
    setObjectName(QStringLiteral("limitsPanel"));

    m_timeout = new QDoubleSpinBox(this);
    m_timeout->setObjectName(QStringLiteral("timeoutLimitSpin"));
    m_timeout->setRange(0.1, 3600);
    m_timeout->setDecimals(1);
    m_timeout->setSuffix(tr(" s"));
    m_memory = new QSpinBox(this);
    m_memory->setObjectName(QStringLiteral("memoryLimitSpin"));
    m_memory->setRange(16, 64 * 1024);
    m_memory->setSuffix(tr(" MiB"));
    m_memory->setSingleStep(64);
    m_swap = new QSpinBox(this);
    m_swap->setObjectName(QStringLiteral("swapLimitSpin"));
    m_swap->setRange(0, 64 * 1024);
    m_swap->setSuffix(tr(" MiB"));
    m_swap->setSingleStep(64);
    m_cpus = new QDoubleSpinBox(this);
    m_cpus->setObjectName(QStringLiteral("cpusLimitSpin"));
    m_cpus->setRange(0.05, 64);
    m_cpus->setDecimals(2);
    m_cpus->setSingleStep(0.25);
    m_pids = new QSpinBox(this);
    m_pids->setObjectName(QStringLiteral("pidsLimitSpin"));
    m_pids->setRange(8, 32768);
    m_output = new QLineEdit(this);
    m_output->setObjectName(QStringLiteral("outputLimitEdit"));
    m_tmpfs = new QLineEdit(this);
    m_tmpfs->setObjectName(QStringLiteral("tmpfsLimitEdit"));
    m_network = new QComboBox(this);
    m_network->setObjectName(QStringLiteral("networkCombo"));
    m_network->addItem(tr("None (no network)"), QStringLiteral("none"));
    m_network->addItem(tr("Allowlist (these hosts only)"), QStringLiteral("allow"));
    m_network->addItem(tr("Open (everything)"), QStringLiteral("bridge"));
    m_allowHosts = new QPlainTextEdit(this);
    m_allowHosts->setObjectName(QStringLiteral("allowHostsEdit"));
    m_allowHosts->setPlaceholderText(tr("api.example.com\n*.example.org\napi.example.com:8443"));
    m_allowHosts->setTabChangesFocus(true);
    m_allowHosts->setMaximumHeight(m_allowHosts->fontMetrics().lineSpacing() * 5);
    m_networkBytes = new QLineEdit(this);
    m_networkBytes->setObjectName(QStringLiteral("networkBytesEdit"));
    m_openWarning = new QLabel(
        tr("⚠ Open network: the run can reach anything this machine can — the cloud metadata service, the "
           "local network, every host on the internet. Prefer an allowlist of the hosts the code needs."),
        this);
    m_openWarning->setObjectName(QStringLiteral("networkOpenWarning"));
    m_openWarning->setWordWrap(true);
    {
        QFont bold = m_openWarning->font();
        bold.setBold(true);
        m_openWarning->setFont(bold);
        // The warning tone, made readable on this panel's own background (WCAG AA, 4.5:1).
        QPalette palette = m_openWarning->palette();
        palette.setColor(QPalette::WindowText, readableOn(toneColor(Outcome::Tone::Warning),
                                                          this->palette().color(QPalette::Window)));
        m_openWarning->setPalette(palette);
    }
    m_runtime = new QComboBox(this);
    m_runtime->setObjectName(QStringLiteral("runtimeCombo"));
    m_runtime->addItem(tr("runc (default)"), QStringLiteral("runc"));
    m_runtime->addItem(tr("runsc (gVisor)"), QStringLiteral("runsc"));

    auto* form = new QFormLayout;
    auto addRow = [this, form](const QString& label, QWidget* field, const QString& range) {
        auto* row = new QHBoxLayout;
        row->addWidget(field, 1);
        auto* hint = new QLabel(range, this);
        hint->setEnabled(false); // drawn in the palette's disabled (grey) text colour
        row->addWidget(hint);
        field->setToolTip(tr("Accepted: %1").arg(range));
        // A label given as text to addRow(QString, QLayout*) has no buddy, so its mnemonic would show
        // as a literal '&': give it the field as buddy, which also makes Alt+letter focus the field.
        auto* text = new QLabel(label, this);
        text->setBuddy(field);
        form->addRow(text, row);
    };
    addRow(tr("&Timeout"), m_timeout, tr("0.1 – 3600 s"));
    addRow(tr("&Memory"), m_memory, tr("16 MiB – 64 GiB"));
    addRow(tr("S&wap"), m_swap, tr("0 – the memory limit"));
    addRow(tr("&CPUs"), m_cpus, tr("0.05 – 64"));
    addRow(tr("&Processes"), m_pids, tr("8 – 32768"));
    addRow(tr("&Output cap"), m_output, tr("1k – 256m per stream"));
    addRow(tr("/tmp si&ze"), m_tmpfs, tr("1m – memory − 8m"));
    addRow(tr("&Network"), m_network, QString());
    addRow(tr("Allowed &hosts"), m_allowHosts, tr("names, *.domain, name:port"));
    addRow(tr("Network &cap"), m_networkBytes, tr("1k – 16g in + out"));
    form->addRow(m_openWarning);
    addRow(tr("&Runtime"), m_runtime, QString());

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("limitsErrorLabel"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #d02020;"));
    m_error->hide();

    auto makePreview = [this](const QString& name) {
        auto* view = new QPlainTextEdit(this);
        view->setObjectName(name);
        view->setReadOnly(true);
        view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        return view;
    };
    m_dockerRun = makePreview(QStringLiteral("dockerRunPreview"));
    m_dockerRun->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_hostConfig = makePreview(QStringLiteral("hostConfigPreview"));
    auto* previews = new QTabWidget(this);
    previews->setDocumentMode(true);
    previews->addTab(m_dockerRun, tr("docker run"));
    previews->addTab(m_hostConfig, tr("HostConfig"));

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(previews, 1);

    load();

    connect(m_timeout, &QDoubleSpinBox::valueChanged, this, &LimitsPanel::onEdited);
    connect(m_memory, &QSpinBox::valueChanged, this, &LimitsPanel::onEdited);
    connect(m_swap, &QSpinBox::valueChanged, this, &LimitsPanel::onEdited);
    connect(m_cpus, &QDoubleSpinBox::valueChanged, this, &LimitsPanel::onEdited);
    connect(m_pids, &QSpinBox::valueChanged, this, &LimitsPanel::onEdited);
    connect(m_output, &QLineEdit::textChanged, this, &LimitsPanel::onEdited);
    connect(m_tmpfs, &QLineEdit::textChanged, this, &LimitsPanel::onEdited);
    connect(m_network, &QComboBox::currentIndexChanged, this, &LimitsPanel::onEdited);
    connect(m_allowHosts, &QPlainTextEdit::textChanged, this, &LimitsPanel::onEdited);
    connect(m_networkBytes, &QLineEdit::textChanged, this, &LimitsPanel::onEdited);
    connect(m_runtime, &QComboBox::currentIndexChanged, this, &LimitsPanel::onEdited);
}

QString LimitsPanel::title() const
{
    return tr("Limits");
}

QIcon LimitsPanel::icon() const
{
    return QIcon(QStringLiteral(":/icons/check.svg"));
}

void LimitsPanel::load()
{
    const agentrun::model::Limits l = m_settings.limits();
    m_loading = true;
    m_timeout->setValue(l.timeoutSeconds);
    m_memory->setValue(int(l.memoryBytes / MiB));
    m_swap->setValue(int((l.memorySwapBytes - l.memoryBytes) / MiB));
    m_cpus->setValue(l.cpus);
    m_pids->setValue(int(l.pids));
    m_output->setText(sizeText(l.outputLimitBytes));
    m_tmpfs->setText(sizeText(l.tmpfsBytes));
    m_network->setCurrentIndex(qMax(0, m_network->findData(QString::fromStdString(l.network))));
    QStringList hosts;
    for (const auto& host : l.allowHosts)
        hosts << QString::fromStdString(host);
    m_allowHosts->setPlainText(hosts.join(u'\n'));
    m_networkBytes->setText(sizeText(l.networkBytes));
    m_runtime->setCurrentIndex(qMax(0, m_runtime->findData(QString::fromStdString(l.runtime))));
    m_loading = false;
    onEdited();
}

QStringList LimitsPanel::setLimits(const agentrun::model::Limits& wanted)
{
    m_settings.setLimits(wanted);
    load();
    QStringList rounded;
    const auto shown = limits();
    if (!shown)
        return {tr("all (%1)").arg(QString::fromStdString(shown.error().message))};
    if (shown->timeoutSeconds != wanted.timeoutSeconds)
        rounded << tr("timeout");
    if (shown->memoryBytes != wanted.memoryBytes)
        rounded << tr("memory");
    if (shown->memorySwapBytes != wanted.memorySwapBytes)
        rounded << tr("swap");
    if (shown->cpus != wanted.cpus)
        rounded << tr("CPUs");
    if (shown->pids != wanted.pids)
        rounded << tr("processes");
    if (shown->outputLimitBytes != wanted.outputLimitBytes)
        rounded << tr("output cap");
    if (shown->tmpfsBytes != wanted.tmpfsBytes)
        rounded << tr("/tmp size");
    if (shown->network != wanted.network)
        rounded << tr("network");
    if (shown->allowHosts != wanted.allowHosts)
        rounded << tr("allowed hosts");
    if (shown->networkBytes != wanted.networkBytes)
        rounded << tr("network cap");
    if (shown->runtime != wanted.runtime)
        rounded << tr("runtime");
    return rounded;
}

bool LimitsPanel::apply()
{
    const auto l = limits();
    if (!l)
        return false;
    m_settings.setLimits(*l);
    return true;
}

void LimitsPanel::restoreDefaults()
{
    m_settings.setLimits(agentrun::model::Limits{});
    load();
}

agentrun::Result<agentrun::model::Limits> LimitsPanel::limits() const
{
    agentrun::model::Limits l;
    l.timeoutSeconds = m_timeout->value();
    l.memoryBytes = qint64(m_memory->value()) * MiB;
    l.memorySwapBytes = l.memoryBytes + qint64(m_swap->value()) * MiB;
    l.cpus = m_cpus->value();
    l.pids = m_pids->value();
    auto output =
        agentrun::model::parseSize(m_output->text().trimmed().toStdString(), errc::LimitsOutputLimit);
    if (!output)
        return std::unexpected(output.error());
    l.outputLimitBytes = *output;
    auto tmpfs = agentrun::model::parseSize(m_tmpfs->text().trimmed().toStdString(), errc::LimitsTmpfs);
    if (!tmpfs)
        return std::unexpected(tmpfs.error());
    l.tmpfsBytes = *tmpfs;
    l.network = m_network->currentData().toString().toStdString();
    if (l.network == "allow") {
        auto hosts = agentrun::model::normaliseAllowHosts(hostEntries());
        if (!hosts) {
            // "limits.allow_hosts: "10.0.0.1" is an address: …" → the entry, why, and what to write.
            std::string message = hosts.error().message;
            const std::string prefix = std::string(errc::LimitsAllowHosts) + ": ";
            if (message.starts_with(prefix))
                message = tr("Allowed host ").toStdString() + message.substr(prefix.size());
            message += tr(" Write one host a line, like api.example.com, *.example.org or "
                          "api.example.com:8443.")
                           .toStdString();
            return agentrun::fail(errc::LimitsAllowHosts, message);
        }
        l.allowHosts = std::move(*hosts);
    }
    auto cap =
        agentrun::model::parseSize(m_networkBytes->text().trimmed().toStdString(), errc::LimitsNetworkBytes);
    if (!cap)
        return std::unexpected(cap.error());
    l.networkBytes = *cap;
    l.runtime = m_runtime->currentData().toString().toStdString();
    if (auto valid = agentrun::model::validate(l); !valid)
        return std::unexpected(valid.error());
    return l;
}

QString LimitsPanel::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

std::vector<std::string> LimitsPanel::hostEntries() const
{
    std::vector<std::string> entries;
    static const QRegularExpression separators(QStringLiteral("[,\\n]"));
    for (const QString& part : m_allowHosts->toPlainText().split(separators, Qt::SkipEmptyParts)) {
        if (const QString entry = part.trimmed(); !entry.isEmpty())
            entries.push_back(entry.toStdString());
    }
    return entries;
}

void LimitsPanel::updateNetworkFields()
{
    const QString mode = m_network->currentData().toString();
    m_allowHosts->setEnabled(mode == u"allow");
    m_networkBytes->setEnabled(mode != u"none");
    m_openWarning->setVisible(mode == u"bridge");
}

void LimitsPanel::onEdited()
{
    if (m_loading)
        return;
    updateNetworkFields();
    const auto l = limits();
    if (!l) {
        showError(QString::fromStdString(l.error().code), QString::fromStdString(l.error().message));
        return;
    }
    showError({}, {});
    updatePreview(*l);
    m_settings.setLimits(*l);
    Q_EMIT changed();
}

QWidget* LimitsPanel::fieldFor(const QString& code) const
{
    const QHash<QString, QWidget*> fields{
        {QString::fromLatin1(errc::LimitsTimeout), m_timeout},
        {QString::fromLatin1(errc::LimitsMemory), m_memory},
        {QString::fromLatin1(errc::LimitsMemorySwap), m_swap},
        {QString::fromLatin1(errc::LimitsCpus), m_cpus},
        {QString::fromLatin1(errc::LimitsPids), m_pids},
        {QString::fromLatin1(errc::LimitsOutputLimit), m_output},
        {QString::fromLatin1(errc::LimitsTmpfs), m_tmpfs},
        {QString::fromLatin1(errc::LimitsNetwork), m_network},
        {QString::fromLatin1(errc::LimitsAllowHosts), m_allowHosts},
        {QString::fromLatin1(errc::LimitsNetworkBytes), m_networkBytes},
        {QString::fromLatin1(errc::LimitsRuntime), m_runtime},
    };
    return fields.value(code);
}

void LimitsPanel::markReached(const QString& field)
{
    if (QWidget* before = reachedField()) {
        before->setProperty("reached", false);
        if (!before->property("invalid").toBool())
            before->setStyleSheet(QString());
        before->setToolTip(QString());
    }
    QWidget* now = field.isEmpty() ? nullptr : fieldFor(QStringLiteral("limits.") + field);
    if (!now)
        return;
    now->setProperty("reached", true);
    if (!now->property("invalid").toBool())
        now->setStyleSheet(QStringLiteral("border: 2px solid #8a5a00;"));
    now->setToolTip(
        tr("The last run reached this limit and was ended by it. Raise it if the code needs more."));
}

QWidget* LimitsPanel::reachedField() const
{
    for (QWidget* w : {static_cast<QWidget*>(m_timeout), static_cast<QWidget*>(m_memory),
                       static_cast<QWidget*>(m_output), static_cast<QWidget*>(m_networkBytes)}) {
        if (w->property("reached").toBool())
            return w;
    }
    return nullptr;
}

void LimitsPanel::showError(const QString& code, const QString& message)
{
    for (QWidget* w :
         {static_cast<QWidget*>(m_timeout), static_cast<QWidget*>(m_memory), static_cast<QWidget*>(m_swap),
          static_cast<QWidget*>(m_cpus), static_cast<QWidget*>(m_pids), static_cast<QWidget*>(m_output),
          static_cast<QWidget*>(m_tmpfs), static_cast<QWidget*>(m_network),
          static_cast<QWidget*>(m_allowHosts), static_cast<QWidget*>(m_networkBytes)}) {
        w->setStyleSheet(QString());
        w->setProperty("invalid", false);
    }
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
    if (QWidget* field = fieldFor(code)) {
        field->setProperty("invalid", true);
        field->setStyleSheet(QStringLiteral("border: 1px solid #d02020;"));
    }
}

void LimitsPanel::setImage(const QString& image)
{
    m_image = image;
    if (const auto l = limits())
        updatePreview(*l);
}

void LimitsPanel::updatePreview(const agentrun::model::Limits& l)
{
    const std::string image = m_image.toStdString();
    m_dockerRun->setPlainText(QString::fromStdString(agentrun::sandbox::dockerRunCommand(l, image)));
    const auto spec = agentrun::sandbox::containerSpec(l, image);
    const auto hostConfig = spec.contains("HostConfig") ? spec["HostConfig"] : spec;
    m_hostConfig->setPlainText(QString::fromStdString(hostConfig.dump(2)));
}

} // namespace agentrun::ui
