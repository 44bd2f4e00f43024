// model::splitCells: the `# %%` cell convention (VS Code, Spyder, Jupytext) for `agentrun session --cells`.
#include "agentrun/model/cells.h"

#include <QTest>

using namespace agentrun;

class TestCells : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void noMarkerIsOneCell()
    {
        const auto cells = model::splitCells("x = 1\nprint(x)\n");
        QCOMPARE(cells.size(), std::size_t{1});
        QCOMPARE(cells[0].code, std::string("x = 1\nprint(x)\n"));
        QCOMPARE(cells[0].firstLine, 1);
    }

    void markersSplitAndBelongToNone()
    {
        const auto cells = model::splitCells("a = 1\n# %% load\nb = 2\n  # %%\n\nc = 3");
        QCOMPARE(cells.size(), std::size_t{3});
        QCOMPARE(cells[0].code, std::string("a = 1\n"));
        QCOMPARE(cells[1].code, std::string("b = 2\n"));
        QCOMPARE(cells[1].firstLine, 3);
        QCOMPARE(cells[2].code, std::string("\nc = 3"));
        QCOMPARE(cells[2].firstLine, 5);
    }

    void blankCellsAreLeftOutAndLookAlikesAreCode()
    {
        const auto cells = model::splitCells("# %%\n\n# %%\nx = '# %%'\n#%% not a marker\n");
        QCOMPARE(cells.size(), std::size_t{1});
        QCOMPARE(cells[0].code, std::string("x = '# %%'\n#%% not a marker\n"));
        QVERIFY(model::splitCells("").empty());
        QVERIFY(model::splitCells("# %%\n   \n\r\n").empty());
    }
};

QTEST_APPLESS_MAIN(TestCells)
#include "tst_cells.moc"
