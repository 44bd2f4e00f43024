// The module map of docs/design.md, checked on the sources: it fails when
//  - a file under ui/ reaches an engine header (agentrun/engine/…), directly or through core headers;
//  - two core modules include each other, directly or round a longer cycle;
//  - core includes Qt, ui/ or app/ headers;
//  - model/ (the value types) includes anything of core above it.
// The checker runs first on small trees with planted violations, so that a checker that finds nothing
// cannot pass.

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

namespace {

struct Include
{
    QString target; ///< as written between the quotes or brackets
    bool angled = false;
};

QList<Include> includesOf(const QString& path)
{
    QList<Include> out;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return out;
    static const QRegularExpression pattern(QStringLiteral(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])"));
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine());
        const auto match = pattern.match(line);
        if (match.hasMatch())
            out.append({match.captured(2), match.captured(1) == u"<"});
    }
    return out;
}

QStringList sourcesUnder(const QString& dir)
{
    QStringList out;
    QDirIterator it(dir, {QStringLiteral("*.h"), QStringLiteral("*.cpp"), QStringLiteral("*.h.in")},
                    QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        out << it.next();
    out.sort();
    return out;
}

/// The checker. `root` holds core/, ui/ and app/ like the repository.
class Layering
{
public:
    explicit Layering(QString root) : m_root(std::move(root)) {}

    QStringList violations()
    {
        QStringList found;
        const QString core = m_root + u"/core";
        QMap<QString, QSet<QString>> edges; // module -> modules it includes
        QMap<QString, QString> edgeExample; // "a>b" -> file that makes the edge
        for (const QString& file : sourcesUnder(core)) {
            const QString from = moduleOf(file);
            for (const Include& include : includesOf(file)) {
                const QString& t = include.target;
                if (include.angled && (t.startsWith(u'Q') || t.startsWith(u"qt"))) {
                    found << QStringLiteral("core includes Qt: %1 includes <%2>").arg(relative(file), t);
                    continue;
                }
                if (t.startsWith(u"ui/") || t.startsWith(u"app/") || t.startsWith(u"../")) {
                    found << QStringLiteral("core includes outside core: %1 includes \"%2\"")
                                 .arg(relative(file), t);
                    continue;
                }
                const QString resolved = resolveCore(file, t);
                if (resolved.isEmpty())
                    continue;
                const QString to = moduleOf(resolved);
                if (to == from || to == u"base")
                    continue;
                edges[from].insert(to);
                edgeExample.insert(from + u'>' + to, relative(file) + QStringLiteral(" includes ") + t);
            }
        }
        for (const QString& to : edges.value(QStringLiteral("model"))) {
            if (to != u"safety") // safety's Finding is a value type from the library below core
                found << QStringLiteral("model depends on %1 above it: %2")
                             .arg(to, edgeExample.value(QStringLiteral("model>") + to));
        }
        // Cycles: a module that reaches itself.
        QSet<QString> reported;
        for (auto it = edges.cbegin(); it != edges.cend(); ++it) {
            const QStringList path = cycleFrom(it.key(), edges);
            if (path.isEmpty())
                continue;
            QStringList sorted = path;
            sorted.sort();
            const QString key = sorted.join(u',');
            if (reported.contains(key))
                continue;
            reported.insert(key);
            QStringList evidence;
            for (int i = 0; i + 1 < path.size(); ++i)
                evidence << edgeExample.value(path[i] + u'>' + path[i + 1]);
            found << QStringLiteral("core modules include each other: %1 (%2)")
                         .arg(path.join(QStringLiteral(" -> ")), evidence.join(QStringLiteral("; ")));
        }
        // ui/: no engine header, however it is reached.
        for (const QString& file : sourcesUnder(m_root + u"/ui")) {
            for (const Include& include : includesOf(file)) {
                QStringList chain;
                if (reachesEngine(include.target, chain, {}))
                    found << QStringLiteral("ui reaches the engine: %1 includes %2")
                                 .arg(relative(file), chain.join(QStringLiteral(" -> ")));
            }
        }
        return found;
    }

private:
    QString relative(const QString& path) const { return QDir(m_root).relativeFilePath(path); }

    /// "run" for core/src/run/x.cpp and core/include/agentrun/run/x.h; "base" for files at the top.
    QString moduleOf(const QString& path) const
    {
        const QString rel = relative(path);
        static const QRegularExpression pattern(QStringLiteral(R"(^core/(?:include/agentrun|src)/([^/]+)/)"));
        const auto match = pattern.match(rel);
        return match.hasMatch() ? match.captured(1) : QStringLiteral("base");
    }

    /// The core file an include names, or empty (a system or third-party header).
    QString resolveCore(const QString& from, const QString& target) const
    {
        const QStringList candidates = {QString(m_root + u"/core/include/" + target),
                                        QString(m_root + u"/core/src/" + target),
                                        QString(QFileInfo(from).absolutePath() + u'/' + target)};
        for (const QString& candidate : candidates) {
            if (QFileInfo(candidate).isFile())
                return QFileInfo(candidate).canonicalFilePath();
        }
        return {};
    }

    bool reachesEngine(const QString& target, QStringList& chain, QSet<QString> seen) const
    {
        if (target.startsWith(u"agentrun/engine/")) {
            chain << target;
            return true;
        }
        if (!target.startsWith(u"agentrun/"))
            return false;
        const QString file = m_root + u"/core/include/" + target;
        if (seen.contains(file) || !QFileInfo(file).isFile())
            return false;
        seen.insert(file);
        for (const Include& include : includesOf(file)) {
            QStringList rest;
            if (reachesEngine(include.target, rest, seen)) {
                chain << target << rest;
                return true;
            }
        }
        return false;
    }

    static QStringList cycleFrom(const QString& start, const QMap<QString, QSet<QString>>& edges)
    {
        // Depth-first search for a path start -> … -> start.
        QList<QStringList> stack{{start}};
        QSet<QString> visited;
        while (!stack.isEmpty()) {
            const QStringList path = stack.takeLast();
            for (const QString& next : edges.value(path.last())) {
                if (next == start)
                    return path + QStringList{start};
                if (!visited.contains(next)) {
                    visited.insert(next);
                    stack.append(path + QStringList{next});
                }
            }
        }
        return {};
    }

    QString m_root;
};

void write(const QString& path, const QByteArray& text)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(text);
}

} // namespace

class TestLayering : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void plantedViolationsAreFound_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("ui includes the engine")
            << "ui/panel.cpp" << QByteArray("#include \"agentrun/engine/client.h\"\n")
            << "ui reaches the engine";
        QTest::newRow("ui reaches it through core")
            << "ui/panel.cpp" << QByteArray("#include \"agentrun/run/result.h\"\n")
            << "agentrun/run/result.h -> agentrun/engine/client.h";
        QTest::newRow("two modules include each other")
            << "core/src/engine/client.cpp" << QByteArray("#include \"agentrun/run/result.h\"\n")
            << "core modules include each other";
        QTest::newRow("core includes Qt")
            << "core/src/run/x.cpp" << QByteArray("#include <QString>\n") << "core includes Qt";
        QTest::newRow("core includes ui") << "core/src/run/x.cpp" << QByteArray("#include \"ui/labels.h\"\n")
                                          << "core includes outside core";
        QTest::newRow("model above itself")
            << "core/include/agentrun/model/limits.h" << QByteArray("#include \"agentrun/run/result.h\"\n")
            << "model depends on run";
    }

    void plantedViolationsAreFound()
    {
        QFETCH(QString, path);
        QFETCH(QByteArray, text);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString root = dir.path();
        // A clean little tree: run uses the engine, ui uses model.
        write(root + "/core/include/agentrun/engine/client.h", "#pragma once\n");
        write(root + "/core/include/agentrun/model/limits.h", "#pragma once\n");
        write(root + "/core/include/agentrun/run/result.h",
              "#pragma once\n#include \"agentrun/engine/client.h\"\n#include \"agentrun/model/limits.h\"\n");
        write(root + "/ui/panel.cpp", "#include \"agentrun/model/limits.h\"\n#include <QWidget>\n");
        QVERIFY2(Layering(root).violations().isEmpty(), qPrintable(Layering(root).violations().join(u'\n')));
        write(root + u'/' + path, text);
        const QStringList found = Layering(root).violations();
        QVERIFY2(!found.isEmpty(), "the planted violation was not found");
        QVERIFY2(found.join(u'\n').contains(expected), qPrintable(found.join(u'\n')));
    }

    void theRepositoryKeepsItsLayers()
    {
        const QStringList found = Layering(QStringLiteral(AGENTRUN_SOURCE_DIR)).violations();
        QVERIFY2(found.isEmpty(), qPrintable(found.join(u'\n')));
    }
};

QTEST_GUILESS_MAIN(TestLayering)
#include "tst_layering.moc"
