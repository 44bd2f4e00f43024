// The REST server's adapter to the one run description, in-process (no socket, no engine): a POST /v2/runs
// body over the server's defaults, then the server's rules (run::admit) on the result.

#include "agentrun/run/admission.h"

#include "restroutes.h"

#include <QTest>

using namespace agentrun;
using nlohmann::json;

namespace {

Result<model::RunSpec> read(const json& body, const cli::ServeConfig& config = {})
{
    bool stream = false;
    return cli::runSpecFromBody(body, config, stream);
}

run::AdmissionRules rulesAllowing(std::vector<std::string> allow)
{
    run::AdmissionRules rules;
    rules.allow = std::move(allow);
    return rules;
}

} // namespace

class TestRestSpec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void whitelistEntriesAreRequirementNames()
    {
        // Issue 16: the server compared requested packages with its whitelist by exact string.
        cli::ServeConfig config;
        config.defaults.allow = {"requests"};
        auto spec = read(json{{"code", "import requests"}, {"dependencies", {"Requests==2.*"}}}, config);
        QVERIFY2(spec.has_value(), spec ? "" : spec.error().message.c_str());
        QCOMPARE(spec->allow, std::vector<std::string>{"Requests==2.*"});
        auto admitted = run::admit(*spec, rulesAllowing({"requests"}));
        QVERIFY2(admitted.has_value(), admitted ? "" : admitted.error().message.c_str());
        // Normalised names (PEP 503): case, '_' and '.' are '-'.
        auto dotted = read(json{{"code", "1"}, {"dependencies", {"Zope.Interface>=5"}}}, config);
        QVERIFY(dotted.has_value());
        QVERIFY(run::admit(*dotted, rulesAllowing({"zope-interface"})).has_value());
        // Another distribution is still refused, whatever its spelling.
        auto other = read(json{{"code", "1"}, {"dependencies", {"Requests-Toolbelt"}}}, config);
        QVERIFY(other.has_value());
        auto refused = run::admit(*other, rulesAllowing({"requests"}));
        QVERIFY(!refused.has_value());
        QCOMPARE(refused.error().code, std::string("dependencies"));
    }

    void aServerPinWins()
    {
        cli::ServeConfig config;
        config.defaults.allow = {"pandas==2.2.*"};
        auto spec = read(json{{"code", "1"}, {"dependencies", {"pandas"}}}, config);
        QVERIFY(spec.has_value());
        QCOMPARE(spec->allow, std::vector<std::string>{"pandas==2.2.*"});
        QVERIFY(run::admit(*spec, rulesAllowing(config.defaults.allow)).has_value());
        // A client's own different pin on a pinned entry is refused.
        auto pinned = read(json{{"code", "1"}, {"dependencies", {"pandas==1.0"}}}, config);
        QVERIFY(pinned.has_value());
        QVERIFY(!run::admit(*pinned, rulesAllowing(config.defaults.allow)).has_value());
    }

    void theServersSourcesComeWithItsDefaults()
    {
        // serve --wheelhouse / --index-url set the defaults every run starts from; a body cannot change them.
        cli::ServeConfig config;
        config.defaults.wheelhouse = "/srv/wheels";
        config.defaults.indexUrl = "https://index.example/simple";
        auto spec = read(json{{"code", "1"}, {"dependencies", {"requests"}}}, config);
        QVERIFY(spec.has_value());
        QCOMPARE(spec->wheelhouse, std::string("/srv/wheels"));
        QCOMPARE(spec->indexUrl, std::string("https://index.example/simple"));
        // Naming a profile without sources (the built-in "default") keeps the server's.
        auto named = read(json{{"code", "1"}, {"profile", "default"}}, config);
        QVERIFY(named.has_value());
        QCOMPARE(named->profile, std::string("default"));
        QCOMPARE(named->wheelhouse, std::string("/srv/wheels"));
        QCOMPARE(named->indexUrl, std::string("https://index.example/simple"));
    }

    void hostileBodies_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("code");
        QTest::newRow("not an object") << QByteArray("[1]") << "request.body";
        QTest::newRow("no code") << QByteArray(R"({"stdin": "x"})") << "code";
        QTest::newRow("code not a string") << QByteArray(R"({"code": {"x": 1}})") << "code";
        // A client must not make the server read or write host folders.
        QTest::newRow("wheelhouse") << QByteArray(R"({"code": "1", "wheelhouse": "/etc"})") << "wheelhouse";
        QTest::newRow("collect") << QByteArray(R"({"code": "1", "collect": {"paths": ["a"], "to": "/"}})")
                                 << "collect";
        // The list form is accepted (into memory); its paths are checked here, before anything starts.
        QTest::newRow("collect climbs out")
            << QByteArray(R"({"code": "1", "collect": ["a/../../b"]})") << "request.collect";
        QTest::newRow("collect not strings") << QByteArray(R"({"code": "1", "collect": [{}]})") << "collect";
        // (Not a raw string: moc reads the "//" of a URL in one as a comment and drops the class.)
        QTest::newRow("index") << QByteArray("{\"code\": \"1\", \"index_url\": \"http://evil\"}")
                               << "index_url";
        QTest::newRow("skip check") << QByteArray(R"({"code": "1", "skip_check": true})") << "skip_check";
        QTest::newRow("unknown limit")
            << QByteArray(R"({"code": "1", "limits": {"ram": 1}})") << "limits.ram";
        QTest::newRow("one field twice")
            << QByteArray(R"({"code": "1", "limits": {"tmpfs": 1048576, "tmpfs_size": "2m"}})")
            << "limits.tmpfs";
        QTest::newRow("size as words")
            << QByteArray(R"({"code": "1", "limits": {"memory": "lots"}})") << "limits.memory";
        QTest::newRow("huge pids") << QByteArray(R"({"code": "1", "limits": {"pids": 1e30}})")
                                   << "limits.pids";
        QTest::newRow("dependencies not a list")
            << QByteArray(R"({"code": "1", "dependencies": "numpy"})") << "dependencies";
        QTest::newRow("stream not a bool") << QByteArray(R"({"code": "1", "stream": "yes"})") << "stream";
        QTest::newRow("profile not a name") << QByteArray(R"({"code": "1", "profile": 5})") << "profile";
    }

    void hostileBodies()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, code);
        auto spec = read(json::parse(body.toStdString()));
        QVERIFY(!spec.has_value());
        QCOMPARE(QString::fromStdString(spec.error().code), code);
        QVERIFY(!spec.error().message.empty());
    }

    void memoryAloneFitsSwapAndTmp()
    {
        // As on the command line: memory without swap means no swap; memory without /tmp sizes /tmp from it,
        // so the documented minimum of 16 MiB is accepted.
        auto spec = read(json{{"code", "1"}, {"limits", {{"memory", "16m"}}}});
        QVERIFY2(spec.has_value(), spec ? "" : spec.error().message.c_str());
        QCOMPARE(spec->limits.memorySwapBytes, 16ll << 20);
        QVERIFY(spec->limits.tmpfsBytes < spec->limits.memoryBytes);
    }
};

QTEST_GUILESS_MAIN(TestRestSpec)
#include "tst_restspec.moc"
