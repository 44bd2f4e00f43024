// The import name → distribution table: well-formed, normalised, unique, and really compiled in.
#include "agentrun/deps/importnames.h"
#include "agentrun/deps/requirement.h"

#include <QTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

using namespace agentrun;

class TestDepsNames : public QObject
{
    Q_OBJECT

private:
    static std::string tableFile()
    {
        std::ifstream in(AGENTRUN_SOURCE_DIR "/resources/deps/import_names.json");
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

private Q_SLOTS:
    void tableIsCompiledInVerbatim()
    {
        const std::string file = tableFile();
        QVERIFY(!file.empty());
        QCOMPARE(std::string(deps::importNameTableSource()), file);
    }

    void hasAtLeast150Entries() { QVERIFY(deps::importNameTable().size() >= 150); }

    void keysAreUniqueInTheFile()
    {
        // nlohmann keeps the last of duplicate keys silently: count them while parsing.
        std::map<std::string, int> seen;
        int depth = 0;
        const auto json = nlohmann::json::parse(
            tableFile(), [&](int d, nlohmann::json::parse_event_t event, nlohmann::json& value) {
                depth = d;
                if (event == nlohmann::json::parse_event_t::key && depth == 1) {
                    ++seen[value.get<std::string>()];
                }
                return true;
            });
        QVERIFY(json.is_object());
        QCOMPARE(seen.size(), json.size());
        for (const auto& [key, count] : seen) {
            QVERIFY2(count == 1, ("duplicate import name " + key).c_str());
        }
    }

    void entriesAreNormalisedAndDiffer()
    {
        const std::regex identifier("[A-Za-z_][A-Za-z0-9_]*");
        for (const auto& [module, distribution] : deps::importNameTable()) {
            QVERIFY2(std::regex_match(module, identifier), ("not an import name: " + module).c_str());
            QVERIFY2(deps::normalize(distribution) == distribution,
                     ("not PEP 503-normalised: " + distribution).c_str());
            QVERIFY2(deps::parseRequirement(distribution).has_value(),
                     ("not a name: " + distribution).c_str());
            // An entry the normalisation already gives is dead weight (and hides typos).
            QVERIFY2(deps::normalize(module) != distribution, ("redundant entry: " + module).c_str());
        }
    }

    void mapsD5Names_data()
    {
        QTest::addColumn<QString>("module");
        QTest::addColumn<QString>("distribution");
        QTest::newRow("yaml") << "yaml"
                              << "pyyaml";
        QTest::newRow("sklearn") << "sklearn"
                                 << "scikit-learn";
        QTest::newRow("PIL") << "PIL"
                             << "pillow";
        QTest::newRow("cv2") << "cv2"
                             << "opencv-python";
        QTest::newRow("bs4") << "bs4"
                             << "beautifulsoup4";
        QTest::newRow("dateutil") << "dateutil"
                                  << "python-dateutil";
        QTest::newRow("unlisted keeps its name") << "numpy"
                                                 << "numpy";
        QTest::newRow("unlisted is normalised") << "Foo_Bar"
                                                << "foo-bar";
    }

    void mapsD5Names()
    {
        QFETCH(QString, module);
        QFETCH(QString, distribution);
        QCOMPARE(QString::fromStdString(deps::distributionFor(module.toStdString())), distribution);
    }
};

QTEST_APPLESS_MAIN(TestDepsNames)
#include "tst_deps_names.moc"
