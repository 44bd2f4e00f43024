// The editor's incremental check: after any sequence of edits, every report equals a fresh analyze() of
// the same text, under every preset (random edits of the benchmark text and of the test corpora,
// typing and deleting character by character, byte-order marks, fail-closed states in between).

#include "agentrun/safety/analyzer.h"
#include "agentrun/safety/incremental.h"
#include "agentrun/safety/reportjson.h"
#include "safety/syntaxtree.h"

#include <random>

#include <tree_sitter/api.h>

#include <QDir>
#include <QFile>
#include <QTest>

#include "../../../bench/python_snippet.h"

using namespace agentrun::safety;

namespace {

std::string readFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll().toStdString();
}

std::string dump(const Report& report)
{
    return toJson(report).dump();
}

// Pieces an edit inserts: dangerous names, aliases, brackets and quotes that open and close constructs,
// indentation, non-ASCII (fullwidth `ｅｖａｌ`), a lone continuation byte, a byte-order mark, NUL.
const std::vector<std::string>& fragments()
{
    static const std::vector<std::string> pieces{"eval(",
                                                 "exec",
                                                 "import os as o\n",
                                                 "o.system('x')\n",
                                                 "getattr(x, 'sys' + 'tem')",
                                                 "__globals__",
                                                 "\xEF\xBD\x85\xEF\xBD\x96\xEF\xBD\x81\xEF\xBD\x8C",
                                                 "(",
                                                 ")",
                                                 ":",
                                                 "\n",
                                                 "    ",
                                                 "'",
                                                 "\"",
                                                 "\"\"\"",
                                                 "def ",
                                                 "class ",
                                                 "f = eval\n",
                                                 "f(1)\n",
                                                 "from os import *\n",
                                                 "system('x')\n",
                                                 "async ",
                                                 "match x:\n    case _: pass\n",
                                                 "print 'x'\n",
                                                 "\\",
                                                 "\xC3\xA9",
                                                 "x",
                                                 "1",
                                                 " ",
                                                 "[",
                                                 "]",
                                                 "{",
                                                 "}",
                                                 "#",
                                                 "\xEF\xBB\xBF",
                                                 "\x80",
                                                 std::string(1, '\0'),
                                                 "'/etc/shadow'",
                                                 "__import__('o' + 's')",
                                                 "lambda: 0",
                                                 "@exec\n"};
    return pieces;
}

std::vector<Policy> presets()
{
    std::vector<Policy> out;
    for (const auto& name : Policy::presetNames())
        out.push_back(*Policy::preset(name));
    return out;
}

} // namespace

class TestIncremental : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void randomEdits_data();
    void randomEdits();
    void flatTreeReuse_data() { randomEdits_data(); }
    void flatTreeReuse();
    void typingAndDeleting();
    void byteOrderMark();
    void failClosedAndBack();
    void updateFindsTheEdit_data();
    void updateFindsTheEdit();
    void policyChange();
    void clampsEdits();
};

void TestIncremental::randomEdits_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("edits");
    QTest::newRow("benchmark 200 lines") << QByteArray::fromStdString(agentrun::bench::snippet(200)) << 400;
    QTest::newRow("benchmark 50 lines") << QByteArray::fromStdString(agentrun::bench::snippet(50)) << 400;
    const std::string benign = readFile(QStringLiteral(AGENTRUN_TEST_DATA "/safety/benign.py.txt"));
    QVERIFY(benign.size() > 10000);
    QTest::newRow("benign corpus") << QByteArray::fromStdString(benign) << 300;
    const std::string cases =
        readFile(QStringLiteral(AGENTRUN_TEST_DATA "/safety/agentrun_upstream_cases.json"));
    QVERIFY(!cases.empty());
    std::string upstream;
    for (const auto& c : nlohmann::json::parse(cases))
        upstream += c.at("code").get<std::string>() + "\n";
    QTest::newRow("AgentRun cases") << QByteArray::fromStdString(upstream) << 300;
    const QDir examples(QStringLiteral(AGENTRUN_SOURCE_DIR "/resources/examples"));
    const auto names = examples.entryList({QStringLiteral("*.py")}, QDir::Files, QDir::Name);
    QVERIFY(!names.isEmpty());
    for (const auto& name : names)
        QTest::newRow(qPrintable(QStringLiteral("example ") + name))
            << QByteArray::fromStdString(readFile(examples.filePath(name))) << 150;
    QTest::newRow("empty buffer") << QByteArray() << 150;
}

void TestIncremental::randomEdits()
{
    QFETCH(QByteArray, text);
    QFETCH(int, edits);
    const auto& pieces = fragments();
    std::mt19937 random(static_cast<std::mt19937::result_type>(text.size()));
    for (const Policy& policy : presets()) {
        IncrementalAnalyzer incremental(policy);
        std::string expected = text.toStdString();
        QCOMPARE(dump(incremental.reset(expected)), dump(analyze(expected, policy)));
        int changed = 0;
        for (int i = 0; i < edits; ++i) {
            TextEdit edit;
            edit.position = random() % (expected.size() + 1);
            edit.removedLength = random() % 3 == 0 ? random() % 16 : 0;
            if (random() % 4 != 0)
                edit.inserted = pieces[random() % pieces.size()];
            const std::size_t position = std::min(edit.position, expected.size());
            expected.replace(position, std::min(edit.removedLength, expected.size() - position),
                             edit.inserted);
            const std::string before = dump(analyze(expected, policy));
            const std::string after = dump(incremental.edit(edit));
            QCOMPARE(incremental.source(), expected);
            if (after != before)
                QFAIL(qPrintable(
                    QStringLiteral("edit %1 (%2 at %3, -%4) under %5:\nincremental %6\nfresh       %7")
                        .arg(i)
                        .arg(QString::fromStdString(edit.inserted).toHtmlEscaped())
                        .arg(edit.position)
                        .arg(edit.removedLength)
                        .arg(QString::fromStdString(policy.name()))
                        .arg(QString::fromStdString(after), QString::fromStdString(before))));
            changed += before != dump(analyze(text.toStdString(), policy));
        }
        // The edits must have moved the verdicts around, or the comparison proved little.
        QVERIFY2(changed > edits / 4, qPrintable(QString::number(changed)));
    }
}

// The keystroke check copies the statements an edit left alone from the previous flat tree: after every
// random edit the copy must equal a full flatten of the same tree-sitter tree, node for node.
void TestIncremental::flatTreeReuse()
{
    QFETCH(QByteArray, text);
    QFETCH(int, edits);
    std::string source = text.toStdString();
    if (source.find('\0') != std::string::npos)
        QSKIP("tree-sitter reads no NUL");
    std::mt19937 random(20);
    const auto parser = newPythonParser();
    auto parse = [&](const TSTree* base) {
        return TreePtr(ts_parser_parse_string(parser.get(), base, source.data(),
                                              static_cast<std::uint32_t>(source.size())));
    };
    auto pointAt = [](std::string_view t, std::size_t offset) {
        const std::string_view before = t.substr(0, offset);
        const auto row = static_cast<std::uint32_t>(std::ranges::count(before, '\n'));
        const std::size_t lineStart = before.rfind('\n');
        return TSPoint{row, static_cast<std::uint32_t>(
                                lineStart == std::string_view::npos ? offset : offset - lineStart - 1)};
    };
    TreePtr tree = parse(nullptr);
    const bool startsWithError = ts_node_has_error(ts_tree_root_node(tree.get()));
    std::vector<Node> previous = SyntaxTree::flatten(tree.get(), source, 1000).nodes();
    int reused = 0;
    for (int i = 0; i < edits / 2; ++i) { // half as many: two flattens per edit are compared
        const auto& pieces = fragments();
        std::string inserted = pieces[random() % pieces.size()];
        if (inserted.find('\0') != std::string::npos)
            inserted = "x";
        const std::size_t position = source.empty() ? 0 : random() % (source.size() + 1);
        const std::size_t removed =
            random() % 3 == 0 ? std::min<std::size_t>(random() % 8, source.size() - position) : 0;
        TSInputEdit change{};
        change.start_byte = static_cast<std::uint32_t>(position);
        change.old_end_byte = static_cast<std::uint32_t>(position + removed);
        change.new_end_byte = static_cast<std::uint32_t>(position + inserted.size());
        change.start_point = pointAt(source, position);
        change.old_end_point = pointAt(source, position + removed);
        source.replace(position, removed, inserted);
        change.new_end_point = pointAt(source, position + inserted.size());
        const bool oldHasError = ts_node_has_error(ts_tree_root_node(tree.get()));
        ts_tree_edit(tree.get(), &change);
        TreePtr next = parse(oldHasError ? nullptr : tree.get());
        const SyntaxTree full = SyntaxTree::flatten(next.get(), source, 1000);
        if (!oldHasError) {
            const FlatReuse reuse = FlatReuse::after(
                previous, tree.get(), next.get(), change.start_byte, change.old_end_byte, change.new_end_byte,
                static_cast<std::int64_t>(change.new_end_point.row) - change.old_end_point.row);
            const SyntaxTree copied = SyntaxTree::flatten(next.get(), source, 1000, &reuse);
            QCOMPARE(copied.size(), full.size());
            for (std::size_t n = 0; n < full.size(); ++n) {
                const Node& a = copied.nodes()[n];
                const Node& b = full.nodes()[n];
                const bool same = a.kind == b.kind && a.field == b.field && a.named == b.named &&
                                  a.known == b.known && a.missing == b.missing && a.symbol == b.symbol &&
                                  a.startByte == b.startByte && a.endByte == b.endByte &&
                                  a.startRow == b.startRow && a.parent == b.parent &&
                                  a.firstChild == b.firstChild && a.nextSibling == b.nextSibling;
                if (!same)
                    QFAIL(qPrintable(QStringLiteral("edit %1: node %2 differs").arg(i).arg(n)));
            }
            ++reused;
        }
        previous = full.nodes();
        tree = std::move(next);
    }
    QVERIFY(reused > 0 || startsWithError || text.isEmpty());
}

void TestIncremental::typingAndDeleting()
{
    // Every keystroke of typing a snippet that turns dangerous halfway, then backspacing it away.
    const std::string snippet = "import subprocess as sp\n"
                                "def run(cmd):\n"
                                "    f = getattr(sp, 'run')\n"
                                "    return f(cmd, shell=True)\n"
                                "print(run(['ls']))\n";
    const std::string prefix = agentrun::bench::snippet(50);
    const std::size_t at = prefix.find("def process_0"); // between two top-level statements
    QVERIFY(at != std::string::npos);
    for (const Policy& policy : presets()) {
        IncrementalAnalyzer incremental(policy);
        incremental.reset(prefix);
        std::string expected = prefix;
        std::size_t typed = 0;
        bool blocked = false;
        for (const char c : snippet) {
            expected.insert(at + typed, 1, c);
            const Report report = incremental.edit({at + typed, 0, std::string(1, c)});
            ++typed;
            QCOMPARE(dump(report), dump(analyze(expected, policy)));
            blocked = blocked || !report.allowed;
        }
        QVERIFY(blocked);
        while (typed > 0) {
            --typed;
            expected.erase(at + typed, 1);
            QCOMPARE(dump(incremental.edit({at + typed, 1, {}})), dump(analyze(expected, policy)));
        }
        QCOMPARE(incremental.source(), prefix);
    }
}

void TestIncremental::byteOrderMark()
{
    const Policy policy;
    const std::string bom = "\xEF\xBB\xBF";
    IncrementalAnalyzer incremental(policy);
    std::string text = bom + "import os\nos.system('x')\n";
    QCOMPARE(dump(incremental.reset(text)), dump(analyze(text, policy)));
    QVERIFY(!incremental.edit({3, 0, "x = 1\n"}).allowed);
    text.insert(3, "x = 1\n");
    QCOMPARE(dump(incremental.edit({9, 0, "y = 2\n"})), dump(analyze(text.insert(9, "y = 2\n"), policy)));
    // The mark goes away, comes back, and is cut in half: offsets shift by three bytes each time.
    text.erase(0, 3);
    QCOMPARE(dump(incremental.edit({0, 3, {}})), dump(analyze(text, policy)));
    text.insert(0, bom);
    QCOMPARE(dump(incremental.edit({0, 0, bom})), dump(analyze(text, policy)));
    text.erase(1, 1);
    const Report broken = incremental.edit({1, 1, {}});
    QCOMPARE(dump(broken), dump(analyze(text, policy)));
    QCOMPARE(broken.findings.front().rule, std::string("encoding"));
    text.insert(1, "\xBB");
    QCOMPARE(dump(incremental.edit({1, 0, "\xBB"})), dump(analyze(text, policy)));
    QCOMPARE(incremental.source(), text);
}

void TestIncremental::failClosedAndBack()
{
    // States in which nothing is parsed (NUL, deep brackets, too large) drop the kept tree; the next
    // edit parses afresh and still agrees.
    const Policy policy;
    std::string text = agentrun::bench::snippet(200);
    IncrementalAnalyzer incremental(policy);
    incremental.reset(text);
    const std::size_t middle = text.size() / 2;

    text.insert(middle, 1, '\0');
    Report report = incremental.edit({middle, 0, std::string(1, '\0')});
    QCOMPARE(report.findings.front().rule, std::string("encoding"));
    QCOMPARE(dump(report), dump(analyze(text, policy)));
    text.erase(middle, 1);
    QCOMPARE(dump(incremental.edit({middle, 1, {}})), dump(analyze(text, policy)));

    const std::string deep = "x = " + std::string(300, '(');
    text.insert(0, deep);
    report = incremental.edit({0, 0, deep});
    QCOMPARE(report.findings.front().rule, std::string("too-complex"));
    QCOMPARE(dump(report), dump(analyze(text, policy)));
    text.erase(0, deep.size());
    QCOMPARE(dump(incremental.edit({0, deep.size(), {}})), dump(analyze(text, policy)));

    const std::string padding(maxSourceBytes, '#');
    text.append(padding);
    report = incremental.edit({text.size() - padding.size(), 0, padding});
    QCOMPARE(report.findings.front().rule, std::string("too-large"));
    text.resize(text.size() - padding.size());
    QCOMPARE(dump(incremental.edit({text.size(), padding.size(), {}})), dump(analyze(text, policy)));
    text.insert(0, "import os\nos.system('x')\n");
    report = incremental.edit({0, 0, "import os\nos.system('x')\n"});
    QCOMPARE(report.findings.size(), std::size_t(1));
    QCOMPARE(dump(report), dump(analyze(text, policy)));
}

void TestIncremental::updateFindsTheEdit_data()
{
    QTest::addColumn<QString>("before");
    QTest::addColumn<QString>("after");
    QTest::addColumn<int>("position");
    QTest::addColumn<int>("removed");
    QTest::addColumn<QString>("inserted");
    QTest::newRow("insert in the middle") << "abcdef"
                                          << "abcXdef" << 3 << 0 << "X";
    QTest::newRow("delete") << "abcdef"
                            << "abef" << 2 << 2 << "";
    QTest::newRow("replace") << "abcdef"
                             << "abXYef" << 2 << 2 << "XY";
    QTest::newRow("identical") << "abc"
                               << "abc" << 3 << 0 << "";
    QTest::newRow("from empty") << ""
                                << "abc" << 0 << 0 << "abc";
    QTest::newRow("to empty") << "abc"
                              << "" << 0 << 3 << "";
    QTest::newRow("repeated letter") << "aaaa"
                                     << "aaaaa" << 4 << 0 << "a";
    QTest::newRow("prefix and suffix overlap") << "abab"
                                               << "ab" << 2 << 2 << "";
    QTest::newRow("append") << "abc"
                            << "abcd" << 3 << 0 << "d";
    QTest::newRow("prepend") << "abc"
                             << "zabc" << 0 << 0 << "z";
}

void TestIncremental::updateFindsTheEdit()
{
    QFETCH(QString, before);
    QFETCH(QString, after);
    QFETCH(int, position);
    QFETCH(int, removed);
    QFETCH(QString, inserted);
    const TextEdit edit = IncrementalAnalyzer::difference(before.toStdString(), after.toStdString());
    QCOMPARE(edit.position, static_cast<std::size_t>(position));
    QCOMPARE(edit.removedLength, static_cast<std::size_t>(removed));
    QCOMPARE(edit.inserted, inserted.toStdString());
    std::string applied = before.toStdString();
    applied.replace(edit.position, edit.removedLength, edit.inserted);
    QCOMPARE(applied, after.toStdString());
}

void TestIncremental::policyChange()
{
    // socket: information in standard, a blocked module in strict.
    const std::string text = "import socket\nprint(socket.gethostname())\n";
    IncrementalAnalyzer incremental(*Policy::preset("standard"));
    QVERIFY(incremental.reset(text).allowed);
    incremental.setPolicy(*Policy::preset("strict"));
    const Report strict = incremental.update(text + "x = 1\n");
    QVERIFY(!strict.allowed);
    QCOMPARE(dump(strict), dump(analyze(text + "x = 1\n", *Policy::preset("strict"))));
    QCOMPARE(incremental.policy().name(), std::string("strict"));
}

void TestIncremental::clampsEdits()
{
    const Policy policy;
    IncrementalAnalyzer incremental(policy);
    incremental.reset("x = 1\n");
    QCOMPARE(dump(incremental.edit({100, 5, "eval('1')\n"})), dump(analyze("x = 1\neval('1')\n", policy)));
    QCOMPARE(incremental.source(), std::string("x = 1\neval('1')\n"));
    QCOMPARE(dump(incremental.edit({2, 1000, {}})), dump(analyze("x ", policy)));
}

QTEST_GUILESS_MAIN(TestIncremental)
#include "tst_incremental.moc"
