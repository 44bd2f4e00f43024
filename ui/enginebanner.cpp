#include "enginebanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTextDocumentFragment>
#include <QVBoxLayout>

#include "contrast.h"

namespace agentrun::ui {

EngineBanner::EngineBanner(EngineMonitor& monitor, QString address, QWidget* parent)
    : QFrame(parent), m_monitor(monitor), m_address(std::move(address))
{
    setObjectName(QStringLiteral("engineBanner"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    // Amber, as the other "not ready" states; the text is made to reach 4.5:1 on it.
    const QColor background(0xff, 0xf3, 0xcd);
    QPalette pal = palette();
    pal.setColor(QPalette::Window, background);
    pal.setColor(QPalette::WindowText, readableOn(QColor(0x66, 0x4d, 0x03), background, 7.0));
    pal.setColor(QPalette::Text, pal.color(QPalette::WindowText));
    setPalette(pal);

    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("engineBannerTitle"));
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("engineBannerText"));
    m_text->setWordWrap(true); // never cut at the window's edge
    m_text->setTextFormat(Qt::RichText);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_retry = new QPushButton(tr("&Retry"), this);
    m_retry->setObjectName(QStringLiteral("engineRetryButton"));
    m_retry->setToolTip(tr("Ask the engine again now"));
    connect(m_retry, &QPushButton::clicked, this, [this] {
        m_title->setText(tr("Asking the Docker engine at %1 again…").arg(m_address));
        m_monitor.checkNow();
    });

    auto* words = new QVBoxLayout;
    words->setContentsMargins(0, 0, 0, 0);
    words->addWidget(m_title);
    words->addWidget(m_text);
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(10, 6, 10, 6);
    row->addLayout(words, 1);
    row->addWidget(m_retry, 0, Qt::AlignTop);

    connect(&m_monitor, &EngineMonitor::stateChanged, this,
            [this](EngineMonitor::State state, const QString&) { onState(state); });
    hide(); // until the engine is known not to answer
    onState(m_monitor.state());
}

QString EngineBanner::message() const
{
    return m_title->text() + u'\n' + QTextDocumentFragment::fromHtml(m_text->text()).toPlainText();
}

void EngineBanner::onState(EngineMonitor::State state)
{
    if (state != EngineMonitor::State::Unreachable) {
        // Checking keeps what is shown until the answer; Ready and ImageMissing mean the engine answered.
        if (state != EngineMonitor::State::Checking)
            hide();
        return;
    }
    const int seconds = (m_monitor.retryInterval() + 999) / 1000;
    m_title->setText(
        tr("The Docker engine does not answer at %1: nothing can run until it does.").arg(m_address));
    const QString reason = m_monitor.detail().toHtmlEscaped();
    m_text->setText(
        tr("%1<br>To start it: from the AgentRun folder run <code>./packaging/quickstart.sh</code> (it "
           "installs "
           "and starts an engine), or <code>sudo systemctl start docker</code>; or set "
           "<code>DOCKER_HOST</code> "
           "to an engine that runs. The workbench asks again every %n s and this bar goes away when the "
           "engine answers.",
           nullptr, seconds)
            .arg(reason));
    show();
}

} // namespace agentrun::ui
