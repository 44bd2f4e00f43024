// The workbench's words for a bad package source (issue 23): the core's messages name the CLI's flags
// (--wheelhouse DIR, --index-url URL, --allow); the window names the Dependencies panel's fields instead,
// by error code and field (ui/depsmessages.h), and the CLI's messages stay as they are. The messages are
// the core's own, made by its checks. The same through the window and the engine: gui.workbenchdeps.
#include "agentrun/deps/installer.h"
#include "agentrun/errorcodes.h"
#include "agentrun/run/dependencysettings.h"

#include <QTemporaryDir>
#include <QTest>

#include "depsmessages.h"

using namespace agentrun;

namespace {

bool namesAFlag(const QString& text)
{
    return text.contains(u"--");
}

} // namespace

class TestDepsMessages : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void noSourceNamesBothFields()
    {
        model::RunSpec spec;
        spec.allow = {"pandas==2.2.*"};
        const auto core = run::requireDependencySource(spec);
        QVERIFY(!core);
        QVERIFY(core.error().code == errc::DepsNoSource);
        // The CLI's message is the core's, flags and all: other tests and the CLI rely on it.
        QVERIFY(core.error().message.find("--wheelhouse DIR") != std::string::npos);

        const QString shown = ui::dependencyMessage(core.error(), spec, {"pandas"});
        QVERIFY2(!namesAFlag(shown), qPrintable(shown));
        QVERIFY2(shown.contains(QStringLiteral("the Wheelhouse field")) &&
                     shown.contains(QStringLiteral("the Index URL field in the Dependencies panel")) &&
                     shown.contains(QStringLiteral("pandas")),
                 qPrintable(shown));

        spec.cached = {"numpy"};
        const QString cached = ui::dependencyMessage(core.error(), spec);
        QVERIFY2(cached.contains(QStringLiteral("cached dependencies (numpy)")) &&
                     cached.contains(QStringLiteral("Bake image")) && !namesAFlag(cached),
                 qPrintable(cached));
    }

    void aBadWheelhouseOrIndexNamesItsField()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        model::RunSpec spec;
        spec.wheelhouse = dir.filePath(QStringLiteral("gone")).toStdString();
        auto core = run::validateDependencySettings(spec);
        QVERIFY(!core);
        QVERIFY(core.error().code == errc::DepsSource);
        QString shown = ui::dependencyMessage(core.error(), spec);
        QVERIFY2(shown.startsWith(QStringLiteral("Check the Wheelhouse field in the Dependencies panel: the "
                                                 "wheelhouse \"")) &&
                     shown.contains(dir.filePath(QStringLiteral("gone"))) && !namesAFlag(shown),
                 qPrintable(shown));

        spec.wheelhouse.clear();
        spec.indexUrl = "ftp://mirror.example/simple";
        core = run::validateDependencySettings(spec);
        QVERIFY(!core);
        shown = ui::dependencyMessage(core.error(), spec);
        QVERIFY2(shown.startsWith(QStringLiteral("Check the Index URL field in the Dependencies panel: the "
                                                 "index URL \"ftp://mirror.example/simple\"")),
                 qPrintable(shown));
    }

    void anIndexWithoutANetworkNamesTheIndexField()
    {
        // As run/bridge.cpp words it for an index install on an engine without a bridge network.
        const Error core{errc::EngineNoBridge,
                         "--index-url needs a network, but this Docker engine has no bridge network (it was "
                         "started with --bridge=none), so nothing was run."};
        model::RunSpec spec;
        spec.indexUrl = "https://mirror.example/simple";
        const QString shown = ui::dependencyMessage(core, spec);
        QVERIFY2(
            shown.startsWith(QStringLiteral("The Index URL field in the Dependencies panel needs a network")),
            qPrintable(shown));
        QVERIFY(!shown.contains(QStringLiteral("--index-url")));
        // The engine's own option stays: it is not a field of the window.
        QVERIFY(shown.contains(QStringLiteral("--bridge=none")));
        // A run that asked for --network bridge (the Limits panel's Network) is not about the index.
        model::RunSpec plain;
        const Error bridge{errc::EngineNoBridge, "--network bridge needs a network, but …"};
        QCOMPARE(ui::dependencyMessage(bridge, plain), QString::fromStdString(bridge.message));
    }

    void otherMessagesAreLeftAlone()
    {
        const Error limit{errc::EngineUnreachable, "Cannot connect to the Docker engine at unix:///x."};
        QCOMPARE(ui::dependencyMessage(limit, {}), QString::fromStdString(limit.message));
        // A deps message that still names a flag gets the field's name instead.
        const Error other{errc::DepsInstallFailed, "Failed to install dependency x: give --wheelhouse"};
        QCOMPARE(
            ui::dependencyMessage(other, {}),
            QStringLiteral("Failed to install dependency x: give the Wheelhouse field in the Dependencies "
                           "panel"));
    }
};

QTEST_MAIN(TestDepsMessages)
#include "tst_depsmessages.moc"
