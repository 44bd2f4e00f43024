// The dependencies panel's cache view and "Bake image" against the real engine, offscreen and offline:
// two wheels built here are baked into an image whose build lines show in the bake dialog; the cache
// view lists it with its size and removes it after a confirmation. Everything made here is removed.
#include "agentrun/deps/bake.h"
#include "agentrun/deps/installer.h"
#include "agentrun/engine/client.h"
#include "agentrun/engine/endpoint.h"
#include "agentrun/run/executor.h"

// The wheel builder lives with the engine tests (tests/engine/helper_wheel.*); the GUI suite compiles it in.
#include "../engine/helper_wheel.cpp"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <unistd.h>

#include "dependenciespanel.h"
#include "dependencybakedialog.h"
#include "dependencycachemodel.h"
#include "dependencycacheview.h"
#include "settings.h"

using namespace agentrun;

namespace {

/// Answers the next confirmation box with `button` as soon as it is shown.
void answerConfirmation(QMessageBox::StandardButton button, bool* seen)
{
    QTimer::singleShot(0, [button, seen] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (box && box->objectName() == QStringLiteral("depsCacheConfirm")) {
            *seen = true;
            box->button(button)->click();
        }
    });
}

int rowOf(const ui::DependencyCacheModel& model, const std::string& name)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.item(row).name == name) {
            return row;
        }
    }
    return -1;
}

} // namespace

class TestDependencyCache : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QTemporaryDir m_wheelhouse;
    std::unique_ptr<engine::Client> m_client;
    std::string m_one = "guibake-one-" + std::to_string(::getpid());
    std::string m_two = "guibake-two-" + std::to_string(::getpid());
    std::string m_baseId;
    std::string m_tag;

    std::string image() const
    {
        const QByteArray env = qgetenv("AGENTRUN_IMAGE");
        return env.isEmpty() ? run::ExecutorConfig{}.image : env.toStdString();
    }
    std::vector<deps::Requirement> set() const { return {{m_one, ""}, {m_two, ""}}; }
    bool imageExists(const std::string& ref)
    {
        auto response = m_client->request("GET", "/images/" + ref + "/json");
        return response && response->status == 200;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid() && m_wheelhouse.isValid());
        auto endpoint = engine::Endpoint::resolve();
        QVERIFY(endpoint.has_value());
        m_client = std::make_unique<engine::Client>(*endpoint);
        QVERIFY2(m_client->info().has_value(), "the Docker engine must be running for this test");
        auto base = m_client->inspectImage(image());
        QVERIFY2(base.has_value(), "the sandbox image must be built for this test");
        m_baseId = base->value("Id", "");
        m_tag = deps::bakedImageTag(set(), m_baseId);
        QVERIFY(!imageExists(m_tag));
        QFile::setPermissions(m_wheelhouse.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                                       QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther |
                                                       QFile::ExeOther);
        testing::makeWheel(m_wheelhouse.path().toStdString(), m_one, "guibake_one", "1.0");
        testing::makeWheel(m_wheelhouse.path().toStdString(), m_two, "guibake_two", "2.0", {m_one});
    }

    void cleanupTestCase()
    {
        if (!m_client) {
            return;
        }
        deps::removeBakedImage(*m_client, m_tag);
        const deps::InstallSource source{"", m_wheelhouse.path().toStdString(), true};
        m_client->request("DELETE", "/volumes/" + deps::cacheVolumeName(set(), m_baseId, source));
        QVERIFY(!imageExists(m_tag));
    }

    void modelPassesTheTester()
    {
        ui::DependencyCacheModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setItems(
            {{ui::DependencyCacheItem::Kind::Volume, "agentrun-deps-1", "a,b", "wheelhouse", "t", 2048, true},
             {ui::DependencyCacheItem::Kind::BakedImage, "agentrun-sandbox-deps:1", "c", "index h", "t", -1,
              false}});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, ui::DependencyCacheModel::PackagesColumn).data().toString(),
                 QStringLiteral("a, b"));
        QCOMPARE(model.index(0, ui::DependencyCacheModel::SizeColumn).data().toString(),
                 QStringLiteral("2 KiB"));
        QCOMPARE(model.index(0, ui::DependencyCacheModel::InUseColumn).data().toString(),
                 QStringLiteral("in use"));
        QCOMPARE(model.index(1, ui::DependencyCacheModel::KindColumn).data().toString(),
                 QStringLiteral("Baked image"));
        QCOMPARE(model.index(1, ui::DependencyCacheModel::SizeColumn).data().toString(),
                 QStringLiteral("unknown"));
        QCOMPARE(model.totalBytes(), qint64(2048));
        model.setItems({});
        QCOMPARE(model.rowCount(), 0);
    }

    void cachedDependencyOutsideTheWhitelistIsRefusedInline()
    {
        ui::Settings settings(m_dir.filePath(QStringLiteral("refuse.ini")));
        ui::DependenciesPanel panel(settings);
        panel.setAllow({m_one});
        panel.setCached({m_one, "numpy"});
        QCOMPARE(panel.errorText(),
                 QStringLiteral("Some cached dependencies are not in the whitelist. (numpy)"));
        panel.setSources({}, m_wheelhouse.path());
        panel.findChild<QPushButton*>(QStringLiteral("depsBakeButton"))->click();
        QVERIFY(!panel.bakeDialog()); // nothing started
        QCOMPARE(panel.findChild<QLabel*>(QStringLiteral("depsErrorLabel"))->text(),
                 QStringLiteral("Some cached dependencies are not in the whitelist. (numpy)"));
        // Whitelisted: no error, and the list is kept in the settings.
        panel.setAllow({m_one, "numpy"});
        QVERIFY(panel.errorText().isEmpty());
        QCOMPARE(settings.value(ui::Settings::Key::DepsCached).toStringList(),
                 (QStringList{QString::fromStdString(m_one), QStringLiteral("numpy")}));
    }

    void bakeShowsItsProgressAndTheCacheListsTheImage()
    {
        ui::Settings settings(m_dir.filePath(QStringLiteral("bake.ini")));
        ui::DependenciesPanel panel(settings);
        panel.resize(900, 700);
        auto* view = panel.cacheView();
        QSignalSpy refreshed(view, &ui::DependencyCacheView::refreshed);
        panel.show(); // the first show lists the cache
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() >= 1, 60000);
        QCOMPARE(refreshed.takeFirst().at(0).toString(), QString());
        QCOMPARE(rowOf(*view->model(), m_tag), -1);

        panel.setAllow({m_one, m_two});
        panel.setCached({m_two, m_one});
        panel.setSources({}, m_wheelhouse.path());
        QVERIFY(panel.errorText().isEmpty());
        panel.findChild<QPushButton*>(QStringLiteral("depsBakeButton"))->click();
        ui::DependencyBakeDialog* dialog = panel.bakeDialog();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        QVERIFY(dialog->isBaking());
        QSignalSpy finished(dialog, &ui::DependencyBakeDialog::bakeFinished);
        // Lines arrive while the bake is still running (the GUI thread is free to render them).
        QTRY_VERIFY_WITH_TIMEOUT(dialog->log().contains(QStringLiteral("Installing")), 60000);
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 240000);
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
        QCOMPARE(finished.at(0).at(1).toString(), QString::fromStdString(m_tag));
        const QString log = dialog->log();
        QVERIFY2(log.contains(QStringLiteral("Successfully installed")), qPrintable(log));
        QVERIFY2(log.contains(QStringLiteral("Step 1/")), qPrintable(log));
        QVERIFY(dialog->statusText().startsWith(QStringLiteral("Baked: agentrun-sandbox-deps:")));
        QCOMPARE(dialog->findChild<QPushButton*>(QStringLiteral("depsBakeCancelButton"))->text(),
                 QStringLiteral("Close"));
        QVERIFY(imageExists(m_tag));

        // The view refreshes after the bake and lists the image with its size.
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(*view->model(), m_tag) >= 0, 60000);
        QTRY_VERIFY(!view->isBusy());
        const int row = rowOf(*view->model(), m_tag);
        const auto& model = *view->model();
        QCOMPARE(model.index(row, ui::DependencyCacheModel::KindColumn).data().toString(),
                 QStringLiteral("Baked image"));
        QCOMPARE(model.index(row, ui::DependencyCacheModel::PackagesColumn).data().toString(),
                 QString::fromStdString(m_one + ", " + m_two));
        QVERIFY(model.item(row).sizeBytes > 0);
        QVERIFY(model.index(row, ui::DependencyCacheModel::SizeColumn).data().toString().endsWith(u'B'));
        QVERIFY(view->statusText().contains(QStringLiteral("baked image")));
        dialog->close();
    }

    void removeAsksFirstThenRemovesTheImage()
    {
        ui::Settings settings(m_dir.filePath(QStringLiteral("remove.ini")));
        ui::DependenciesPanel panel(settings);
        auto* view = panel.cacheView();
        QSignalSpy refreshed(view, &ui::DependencyCacheView::refreshed);
        panel.show();
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() >= 1, 60000);
        const int row = rowOf(*view->model(), m_tag);
        QVERIFY(row >= 0);
        auto* table = view->findChild<QTableView*>(QStringLiteral("depsCacheTable"));
        table->selectRow(row);
        auto* remove = view->findChild<QPushButton*>(QStringLiteral("depsCacheRemoveButton"));
        QVERIFY(remove->isEnabled());

        // Cancel keeps it; so does cancelling a prune.
        bool asked = false;
        answerConfirmation(QMessageBox::Cancel, &asked);
        remove->click();
        QVERIFY(asked);
        QVERIFY(!view->isBusy());
        asked = false;
        answerConfirmation(QMessageBox::Cancel, &asked);
        view->findChild<QPushButton*>(QStringLiteral("depsCachePruneButton"))->click();
        QVERIFY(asked);
        QVERIFY(!view->isBusy());
        QVERIFY(imageExists(m_tag));

        // Yes removes it, and the list follows.
        refreshed.clear();
        asked = false;
        answerConfirmation(QMessageBox::Yes, &asked);
        remove->click();
        QVERIFY(asked);
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() == 1, 60000);
        QCOMPARE(refreshed.at(0).at(0).toString(), QString());
        QVERIFY(!imageExists(m_tag));
        QCOMPARE(rowOf(*view->model(), m_tag), -1);
        QVERIFY(view->statusText().startsWith(QStringLiteral("Removed ")));
    }
};

QTEST_MAIN(TestDependencyCache)
#include "tst_dependencycache.moc"
