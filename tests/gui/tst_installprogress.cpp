// What the Output console shows while a run installs its packages (issue 23): each progress line as it
// comes, the time each package took, and "installed N packages in X s" (ui/installprogress.h), from the
// installer's and pip's lines with made-up times. The real install through the window:
// gui.workbenchdeps (anInstallShowsItsProgressAndTimes).
#include <QTest>

#include "installprogress.h"

using agentrun::ui::InstallProgress;
using namespace std::chrono_literals;

class TestInstallProgress : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void eachPackageGetsItsTimeAndTheInstallASummary()
    {
        const InstallProgress::Clock::time_point t0{};
        InstallProgress progress;
        // Lines before the stage are passed through untouched.
        QCOMPARE(progress.line(QStringLiteral("before"), t0), QStringList{QStringLiteral("before")});
        QVERIFY(progress.end(t0).isEmpty());

        progress.begin(t0);
        QVERIFY(progress.active());
        QStringList shown;
        shown << progress.line(QStringLiteral("Installing pkg-a from the wheelhouse (offline)"), t0 + 300ms);
        shown << progress.line(QStringLiteral("Looking in links: /wheelhouse"), t0 + 500ms);
        shown << progress.line(QStringLiteral("Processing /wheelhouse/pkg_a-1.0-py3-none-any.whl"),
                               t0 + 600ms);
        shown << progress.line(
            QStringLiteral("Processing /wheelhouse/pkg_b-2.1-py3-none-any.whl (from pkg-a==1.0)"),
            t0 + 850ms);
        shown << progress.line(QStringLiteral("Collecting numpy==2.1"), t0 + 1000ms);
        shown << progress.line(QStringLiteral("  Downloading numpy-2.1.0-cp311-…-x86_64.whl (16.3 MB)"),
                               t0 + 1100ms);
        shown << progress.line(QStringLiteral("Installing collected packages: pkg_b, pkg_a, numpy"),
                               t0 + 4000ms);
        shown << progress.line(QStringLiteral("Successfully installed numpy-2.1.0 pkg_a-1.0 pkg_b-2.1"),
                               t0 + 4500ms);
        shown << progress.line(QStringLiteral("Installed numpy==2.1.0,pkg-a==1.0,pkg-b==2.1"), t0 + 4600ms);
        shown << progress.end(t0 + 5000ms);
        QVERIFY(!progress.active());

        const QStringList expected{
            QStringLiteral("Installing pkg-a from the wheelhouse (offline)"),
            QStringLiteral("Looking in links: /wheelhouse"),
            QStringLiteral("Processing /wheelhouse/pkg_a-1.0-py3-none-any.whl"),
            QStringLiteral("pkg_a 1.0: 0.25 s"), // before the next package's line, as soon as it is known
            QStringLiteral("Processing /wheelhouse/pkg_b-2.1-py3-none-any.whl (from pkg-a==1.0)"),
            QStringLiteral("pkg_b 2.1: 0.15 s"),
            QStringLiteral("Collecting numpy==2.1"),
            QStringLiteral("  Downloading numpy-2.1.0-cp311-…-x86_64.whl (16.3 MB)"),
            QStringLiteral("numpy: 3.00 s"),
            QStringLiteral("Installing collected packages: pkg_b, pkg_a, numpy"),
            QStringLiteral("Successfully installed numpy-2.1.0 pkg_a-1.0 pkg_b-2.1"),
            QStringLiteral("Installed numpy==2.1.0,pkg-a==1.0,pkg-b==2.1"),
            QStringLiteral("installed 3 packages in 5.00 s"), // from the stage's start
        };
        QCOMPARE(shown, expected);
    }

    void aCachedSetAndAFailedInstallSayWhatHappened()
    {
        const InstallProgress::Clock::time_point t0{};
        InstallProgress cached;
        cached.begin(t0);
        cached.line(QStringLiteral("Using cached dependencies pkg-a==1.0,pkg-b (volume agentrun-deps-1f)"),
                    t0 + 90ms);
        QCOMPARE(cached.end(t0 + 120ms),
                 QStringList{QStringLiteral("2 packages ready from the cache in 0.12 s")});

        // pip's own count stands when the installer's line never came; the last package ends with it.
        InstallProgress failed;
        failed.begin(t0);
        failed.line(QStringLiteral("Processing /wheelhouse/only-3.0-py3-none-any.whl"), t0);
        QCOMPARE(failed.end(t0 + 12s),
                 (QStringList{QStringLiteral("only 3.0: 12.0 s")})); // nothing installed: no summary

        InstallProgress one;
        one.begin(t0);
        one.line(QStringLiteral("Successfully installed only-3.0"), t0 + 1s);
        QCOMPARE(one.end(t0 + 2s), QStringList{QStringLiteral("installed 1 package in 2.00 s")});

        // A second installing stage in the same run (baked image, then the code's packages) adds up.
        InstallProgress twice;
        twice.begin(t0);
        twice.line(QStringLiteral("Installed a==1"), t0 + 1s);
        twice.begin(t0 + 2s);
        twice.line(QStringLiteral("Installed b==1,c==2"), t0 + 3s);
        QCOMPARE(twice.end(t0 + 4s), QStringList{QStringLiteral("installed 3 packages in 4.00 s")});
    }
};

QTEST_MAIN(TestInstallProgress)
#include "tst_installprogress.moc"
