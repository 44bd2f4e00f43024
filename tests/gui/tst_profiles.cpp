// Profiles (built-ins and saved ones) set the limits, the policy and the dependency settings; save as,
// import and export; the Dependencies panel's whitelist editor and its inline errors.
#include "agentrun/profile/profile.h"
#include "agentrun/run/executor.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QInputDialog>
#include <QLocale>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include "dependenciespanel.h"
#include "limitspanel.h"
#include "mainwindow.h"
#include "outputconsole.h"
#include "policypanel.h"
#include "policyrulemodel.h"
#include "profilebar.h"
#include "settings.h"

using namespace agentrun;

class TestProfiles : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void builtinsSetThePanels();
    void saveAsAndLoadBack();
    void saveAsThroughTheDialog();
    void exportAndImport();
    void specValidation_data();
    void specValidation();
    void dependencyErrorsStopTheRun();

private:
    QTemporaryDir m_dir;
    run::Executor m_executor;
};

void TestProfiles::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
    QVERIFY(m_dir.isValid());
    qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toUtf8());
    QCOMPARE(QString::fromStdString(profile::ProfileStore::defaultDirectory()),
             m_dir.filePath(QStringLiteral("config/agentrun/profiles")));
}

void TestProfiles::builtinsSetThePanels()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("builtins.ini")));
    ui::MainWindow window(m_executor, settings);
    auto* bar = window.profileBar();
    QVERIFY(bar->names().contains(QStringLiteral("default")));
    QVERIFY(bar->names().contains(QStringLiteral("strict")));
    QVERIFY(bar->names().contains(QStringLiteral("agentrun-compat")));
    QCOMPARE(window.findChild<QComboBox*>(QStringLiteral("profileCombo"))->currentText(),
             QStringLiteral("default"));

    QSignalSpy loaded(bar, &ui::ProfileBar::profileLoaded);
    QVERIFY(bar->select(QStringLiteral("strict")));
    QCOMPARE(loaded.size(), 1);
    const auto limits = window.limitsPanel()->limits();
    QVERIFY(limits.has_value());
    QCOMPARE(limits->timeoutSeconds, 10.0);
    QCOMPARE(limits->memoryBytes, 128ll << 20);
    QCOMPARE(window.policyPanel()->source(), QStringLiteral("strict"));
    QCOMPARE(settings.value(ui::Settings::Key::Profile).toString(), QStringLiteral("strict"));
    QCOMPARE(settings.value(ui::Settings::Key::Policy).toString(), QStringLiteral("strict"));

    QVERIFY(bar->select(QStringLiteral("agentrun-compat")));
    QCOMPARE(window.dependenciesPanel()->mode(), ui::DependenciesPanel::Mode::Any);
    QCOMPARE(window.dependenciesPanel()->allow(), std::vector<std::string>{"*"});
    QCOMPARE(window.policyPanel()->source(), QStringLiteral("agentrun-compat"));

    QSignalSpy failed(bar, &ui::ProfileBar::failed);
    QVERIFY(!bar->select(QStringLiteral("no-such-profile")));
    QCOMPARE(failed.size(), 1);
}

void TestProfiles::saveAsAndLoadBack()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("save.ini")));
    ui::MainWindow window(m_executor, settings);
    auto* bar = window.profileBar();
    auto* deps = window.dependenciesPanel();
    deps->setAllow({"pandas==2.2.*", "numpy"});
    deps->setSources(QStringLiteral("https://mirror.example/simple"), {});
    QVERIFY(deps->errorText().isEmpty());
    auto* rules = window.policyPanel()->ruleModel();
    QVERIFY(
        rules->setData(rules->index(rules->rowOf(QStringLiteral("process-exec")), 2), QStringLiteral("off")));

    QSignalSpy failed(bar, &ui::ProfileBar::failed);
    QVERIFY(!bar->saveAs(QStringLiteral("../escape")));
    QCOMPARE(failed.size(), 1);
    QVERIFY(bar->saveAs(QStringLiteral("mine")));
    QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("config/agentrun/profiles/mine.json"))));
    QVERIFY(bar->names().contains(QStringLiteral("mine")));
    QCOMPARE(bar->currentName(), QStringLiteral("mine"));

    QVERIFY(bar->select(QStringLiteral("default")));
    QCOMPARE(deps->mode(), ui::DependenciesPanel::Mode::None);
    QCOMPARE(window.policyPanel()->policy()->ruleLevel("process-exec"),
             std::optional(safety::Severity::Block));

    QVERIFY(bar->select(QStringLiteral("mine")));
    QCOMPARE(deps->allow(), (std::vector<std::string>{"pandas==2.2.*", "numpy"}));
    QCOMPARE(deps->indexUrl(), QStringLiteral("https://mirror.example/simple"));
    QCOMPARE(window.policyPanel()->policy()->ruleLevel("process-exec"), safety::Policy::RuleLevel());
    // The profile is a file a person can read and share.
    const auto stored = profile::ProfileStore(profile::ProfileStore::defaultDirectory()).load("mine");
    QVERIFY(stored.has_value());
    QCOMPARE(stored->allow, (std::vector<std::string>{"pandas==2.2.*", "numpy"}));
}

void TestProfiles::saveAsThroughTheDialog()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("dialog.ini")));
    ui::MainWindow window(m_executor, settings);
    QTimer::singleShot(0, qApp, [] {
        auto* dialog = qobject_cast<QInputDialog*>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        dialog->setTextValue(QStringLiteral("from-dialog"));
        dialog->accept();
    });
    window.findChild<QAction*>(QStringLiteral("saveProfileAction"))->trigger();
    QVERIFY(window.profileBar()->names().contains(QStringLiteral("from-dialog")));
}

void TestProfiles::exportAndImport()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("export.ini")));
    ui::MainWindow window(m_executor, settings);
    auto* bar = window.profileBar();
    QVERIFY(bar->select(QStringLiteral("strict")));
    const QString path = m_dir.filePath(QStringLiteral("exported.json"));
    QVERIFY(bar->exportTo(path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    auto exported = profile::fromJson(file.readAll().toStdString());
    QVERIFY2(exported.has_value(), exported ? "" : exported.error().message.c_str());
    QCOMPARE(exported->policy, std::string("strict"));
    QCOMPARE(exported->limits.memoryBytes, 128ll << 20);

    exported->name = "shared-by-a-colleague";
    exported->limits.timeoutSeconds = 42;
    const QString incoming = m_dir.filePath(QStringLiteral("incoming.json"));
    QFile out(incoming);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(QByteArray::fromStdString(profile::toJson(*exported)));
    out.close();
    QVERIFY(bar->select(QStringLiteral("default")));
    QVERIFY(bar->importFrom(incoming));
    QCOMPARE(bar->currentName(), QStringLiteral("shared-by-a-colleague"));
    QCOMPARE(window.limitsPanel()->limits()->timeoutSeconds, 42.0);

    QSignalSpy failed(bar, &ui::ProfileBar::failed);
    QFile bad(m_dir.filePath(QStringLiteral("bad.json")));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(R"({"name": "bad", "limits": {"memory": "lots"}})");
    bad.close();
    QVERIFY(!bar->importFrom(bad.fileName()));
    QCOMPARE(failed.size(), 1);
    QVERIFY2(failed.at(0).at(0).toString().contains(QStringLiteral("limits")),
             qPrintable(failed.at(0).at(0).toString()));
}

void TestProfiles::specValidation_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<bool>("valid");
    QTest::newRow("name") << "numpy" << true;
    QTest::newRow("pin") << "pandas==2.2.*" << true;
    QTest::newRow("range") << "requests>=2.31,<3" << true;
    QTest::newRow("extras") << "uvicorn[standard]~=0.29" << true;
    QTest::newRow("url") << "https://evil.example/x.whl" << false;
    QTest::newRow("option") << "--index-url=x" << false;
    QTest::newRow("marker") << "numpy; python_version<'3.8'" << false;
}

void TestProfiles::specValidation()
{
    QFETCH(QString, spec);
    QFETCH(bool, valid);
    QCOMPARE(ui::DependenciesPanel::isValidSpec(spec), valid);
}

void TestProfiles::dependencyErrorsStopTheRun()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("deps.ini")));
    ui::MainWindow window(m_executor, settings);
    auto* deps = window.dependenciesPanel();
    auto* mode = deps->findChild<QComboBox*>(QStringLiteral("depsModeCombo"));
    mode->setCurrentIndex(mode->findData(int(ui::DependenciesPanel::Mode::Listed)));
    QCOMPARE(deps->errorText(), QStringLiteral("List at least one package, or choose “No packages”."));
    deps->findChild<QPlainTextEdit*>(QStringLiteral("depsListEdit"))
        ->setPlainText(QStringLiteral("numpy\nhttp://x"));
    QVERIFY(deps->errorText().contains(QStringLiteral("“http://x” is not a package name")));
    QVERIFY(!window.runCurrent());
    auto* console = window.findChild<ui::OutputConsole*>(QStringLiteral("outputConsole"));
    QTRY_VERIFY(console->toPlainText().contains(QStringLiteral("— not started: “http://x”")));
    // Only valid settings are stored.
    QCOMPARE(settings.value(ui::Settings::Key::DepsAllow).toStringList(), QStringList());
    deps->findChild<QPlainTextEdit*>(QStringLiteral("depsListEdit"))
        ->setPlainText(QStringLiteral("numpy\nrich==13.*"));
    QVERIFY(deps->errorText().isEmpty());
    QCOMPARE(settings.value(ui::Settings::Key::DepsAllow).toStringList(),
             (QStringList{QStringLiteral("numpy"), QStringLiteral("rich==13.*")}));
    deps->setSources(QStringLiteral("https://index.example/simple"), m_dir.path());
    QCOMPARE(deps->errorText(),
             QStringLiteral("Fill in either the Index URL field or the Wheelhouse field in the Dependencies "
                            "panel, not both."));
}

QTEST_MAIN(TestProfiles)
#include "tst_profiles.moc"
