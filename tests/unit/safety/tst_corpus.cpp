// The check on the adversarial corpus of tests/data/safety/corpus (issue 20), held at the rates it
// reached (bench/check_corpus prints the table of docs/safety.md). A regression below these floors
// fails here; raise them when the check improves.

#include "corpus.h"

#include <QTest>

using namespace agentrun;

class TestCorpus : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void standardPolicy();
    void strictPolicy();

private:
    std::vector<corpus::Snippet> m_snippets;
};

void TestCorpus::initTestCase()
{
    for (const auto& file : corpus::files()) {
        auto part = corpus::read(AGENTRUN_TEST_DATA "/safety/" + file);
        QVERIFY2(!part.empty(), file.c_str());
        m_snippets.insert(m_snippets.end(), part.begin(), part.end());
    }
    int dangerous = 0;
    for (const auto& s : m_snippets)
        dangerous += s.expect != "benign";
    QVERIFY(dangerous >= 300);
    QVERIFY(static_cast<int>(m_snippets.size()) - dangerous >= 300);
}

void TestCorpus::standardPolicy()
{
    const auto r = corpus::measure(m_snippets, *safety::Policy::preset("standard"));
    const auto& d = r.dangerous;
    const auto& b = r.benign;
    QString misses;
    for (const auto& m : r.misses)
        misses += QString::fromStdString(m) + QLatin1Char(' ');
    QString flagged;
    for (const auto& m : r.falsePositives)
        flagged += QString::fromStdString(m) + QLatin1Char(' ');
    // Issue 20's targets: >= 97 % blocked or warned, >= 90 % blocked; benign <= 1 % blocked, <= 3 % warned.
    // Held tighter at what the corpus gives (352 of 389 blocked, 90.5 %, since `*args` parameters are
    // followed).
    QVERIFY2(d.pct(d.blocked + d.warned) >= 99.0, qPrintable(misses));
    QVERIFY2(d.pct(d.blocked) >= 90.4, qPrintable(QString::number(d.pct(d.blocked))));
    QVERIFY2(b.pct(b.blocked) <= 0.5, qPrintable(flagged));
    QVERIFY2(b.pct(b.warned) <= 1.0, qPrintable(flagged));
}

void TestCorpus::strictPolicy()
{
    const auto r = corpus::measure(m_snippets, *safety::Policy::preset("strict"));
    QString misses;
    for (const auto& m : r.misses)
        misses += QString::fromStdString(m) + QLatin1Char(' ');
    QString flagged;
    for (const auto& m : r.falsePositives)
        flagged += QString::fromStdString(m) + QLatin1Char(' ');
    QVERIFY2(r.dangerous.pct(r.dangerous.blocked) >= 100.0, qPrintable(misses));
    QVERIFY2(r.benign.pct(r.benign.blocked) <= 4.0, qPrintable(flagged));
}

QTEST_APPLESS_MAIN(TestCorpus)
#include "tst_corpus.moc"
