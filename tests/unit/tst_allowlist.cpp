// The network allowlist's parts that need no engine: entries, the limits' JSON, Squid's configuration,
// its access log and the byte counter's reading of /proc/net/dev. The engine half is engine.allowlist.
#include "agentrun/errorcodes.h"
#include "agentrun/model/network.h"
#include "agentrun/model/runspecjson.h"
#include "agentrun/sandbox/squidconfig.h"
#include "deps/indexroute.h"
#include "run/networkmeter.h"

#include <QTest>

using namespace agentrun;

class TestAllowlist : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsEntries_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("normalised");
        QTest::addColumn<QString>("ports");
        QTest::newRow("name") << "api.example.com"
                              << "api.example.com"
                              << "80,443";
        QTest::newRow("upper case, trailing dot") << "API.Example.COM."
                                                  << "api.example.com"
                                                  << "80,443";
        QTest::newRow("port") << "api.example.com:8443"
                              << "api.example.com:8443"
                              << "8443";
        QTest::newRow("wildcard") << "*.example.org"
                                  << "*.example.org"
                                  << "80,443";
        QTest::newRow("wildcard port") << "*.example.org:8080"
                                       << "*.example.org:8080"
                                       << "8080";
        QTest::newRow("single label") << "localhost"
                                      << "localhost"
                                      << "80,443";
        QTest::newRow("hyphen digits") << "a-1.b2.test"
                                       << "a-1.b2.test"
                                       << "80,443";
    }

    void readsEntries()
    {
        QFETCH(QString, text);
        QFETCH(QString, normalised);
        QFETCH(QString, ports);
        auto entry = model::parseAllowEntry(text.toStdString());
        QVERIFY2(entry.has_value(), entry ? "" : entry.error().message.c_str());
        QCOMPARE(QString::fromStdString(entry->text()), normalised);
        QStringList shown;
        for (int port : entry->ports) {
            shown << QString::number(port);
        }
        QCOMPARE(shown.join(','), ports);
    }

    void refusesEntries_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("empty") << ""
                               << "every host";
        QTest::newRow("star") << "*"
                              << "every host";
        QTest::newRow("star dot") << "*."
                                  << "every host";
        QTest::newRow("ipv4") << "10.0.0.1"
                              << "address";
        QTest::newRow("ipv4 port") << "192.168.1.1:80"
                                   << "address";
        QTest::newRow("decimal address") << "3232235777"
                                         << "address";
        QTest::newRow("hex address") << "0x7f000001"
                                     << "address";
        QTest::newRow("ipv6") << "[::1]:443"
                              << "address";
        QTest::newRow("ipv6 bare") << "fe80::1"
                                   << "address";
        QTest::newRow("url") << "https://api.example.com"
                             << "URL";
        QTest::newRow("path") << "api.example.com/v1"
                              << "URL";
        QTest::newRow("port 0") << "api.example.com:0"
                                << "1 to 65535";
        QTest::newRow("port big") << "api.example.com:70000"
                                  << "1 to 65535";
        QTest::newRow("port text") << "api.example.com:https"
                                   << "1 to 65535";
        QTest::newRow("empty port") << "api.example.com:"
                                    << "1 to 65535";
        QTest::newRow("underscore") << "api_x.example.com"
                                    << "not a host name";
        QTest::newRow("space") << "api example.com"
                               << "not a host name";
        QTest::newRow("newline") << "api.example.com\nhttp_access allow all"
                                 << "not a host name";
        QTest::newRow("squid regex") << "a.b$|.*"
                                     << "not a host name";
        QTest::newRow("empty label") << "api..example.com"
                                     << "not a host name";
        QTest::newRow("leading hyphen") << "-api.example.com"
                                        << "not a host name";
        QTest::newRow("label 64") << QString(64, 'a') + ".com"
                                  << "not a host name";
        QTest::newRow("too long") << QString(QString(60, 'a') + ".").repeated(5) + "com"
                                  << "not a host name";
        QTest::newRow("tld wildcard") << "*.com"
                                      << "top-level";
        QTest::newRow("double wildcard") << "*.*.example.com"
                                         << "not a host name";
        QTest::newRow("inner wildcard") << "api.*.example.com"
                                        << "not a host name";
        QTest::newRow("utf8") << "bücher.example"
                              << "not a host name";
    }

    void refusesEntries()
    {
        QFETCH(QString, text);
        QFETCH(QString, fragment);
        auto entry = model::parseAllowEntry(text.toStdString());
        QVERIFY(!entry.has_value());
        QCOMPARE(entry.error().code, std::string(errc::LimitsAllowHosts));
        QVERIFY2(QString::fromStdString(entry.error().message).contains(fragment),
                 entry.error().message.c_str());
    }

    void normalisesLists()
    {
        auto list = model::normaliseAllowHosts({"b.test", "A.test", "a.test", "*.c.test:81", "b.test."});
        QVERIFY(list.has_value());
        QCOMPARE(*list, (std::vector<std::string>{"*.c.test:81", "a.test", "b.test"}));
        std::vector<std::string> many;
        for (int i = 0; i <= int(model::MaxAllowEntries); ++i) {
            many.push_back("h" + std::to_string(i) + ".test");
        }
        auto tooMany = model::normaliseAllowHosts(many);
        QVERIFY(!tooMany.has_value());
        QVERIFY(tooMany.error().message.find("at most 64") != std::string::npos);
    }

    void matchesLikeTheProxy()
    {
        const auto exact = *model::parseAllowEntry("api.test");
        QVERIFY(model::allows(exact, "api.test", 443));
        QVERIFY(model::allows(exact, "API.test.", 80));
        QVERIFY(!model::allows(exact, "api.test", 8080));
        QVERIFY(!model::allows(exact, "x.api.test", 443));
        QVERIFY(!model::allows(exact, "api.test.evil.example", 443));
        const auto wild = *model::parseAllowEntry("*.example.org:8443");
        QVERIFY(model::allows(wild, "a.example.org", 8443));
        QVERIFY(model::allows(wild, "a.b.example.org", 8443));
        QVERIFY(!model::allows(wild, "example.org", 8443));
        QVERIFY(!model::allows(wild, "badexample.org", 8443));
        QVERIFY(!model::allows(wild, "a.example.org", 443));
    }

    void limitsJson()
    {
        using nlohmann::json;
        // A host list alone means network allow; the list is normalised.
        auto limits = model::limitsFromJson(json{{"allow_hosts", {"API.test", "*.x.test:81"}}}, {});
        QVERIFY2(limits.has_value(), limits ? "" : limits.error().message.c_str());
        QCOMPARE(limits->network, std::string("allow"));
        QCOMPARE(limits->allowHosts, (std::vector<std::string>{"*.x.test:81", "api.test"}));
        const json written = model::toJson(*limits);
        QVERIFY(written["allow_hosts"] == json({"*.x.test:81", "api.test"}));
        QCOMPARE(written["network_bytes"].get<std::int64_t>(), 64ll << 20);
        auto again = model::limitsFromJson(written, {}, {.requireAll = true});
        QVERIFY(again.has_value());
        QVERIFY(*again == *limits);

        // "open" is the bridge; none writes neither allowlist field, and records without them still read.
        auto open = model::limitsFromJson(json{{"network", "open"}, {"network_bytes", "1m"}}, {});
        QVERIFY(open.has_value());
        QCOMPARE(open->network, std::string("bridge"));
        QCOMPARE(open->networkBytes, 1ll << 20);
        json none = model::toJson(model::Limits{});
        QVERIFY(!none.contains("allow_hosts") && !none.contains("network_bytes"));
        QVERIFY(model::limitsFromJson(none, {}, {.requireAll = true}).has_value());

        const auto refused = [](const json& body, const std::string& code) {
            auto result = model::limitsFromJson(body, {});
            return !result.has_value() && result.error().code == code;
        };
        QVERIFY(refused(json{{"network", "allow"}}, errc::LimitsAllowHosts));
        QVERIFY(refused(json{{"network", "allow"}, {"allow_hosts", json::array()}}, errc::LimitsAllowHosts));
        QVERIFY(refused(json{{"network", "none"}, {"allow_hosts", {"a.test"}}}, errc::LimitsAllowHosts));
        QVERIFY(refused(json{{"network", "bridge"}, {"allow_hosts", {"a.test"}}}, errc::LimitsAllowHosts));
        QVERIFY(refused(json{{"allow_hosts", "a.test"}}, "limits.allow_hosts"));
        QVERIFY(refused(json{{"allow_hosts", {1, 2}}}, "limits.allow_hosts"));
        QVERIFY(refused(json{{"allow_hosts", {"10.0.0.1"}}}, errc::LimitsAllowHosts));
        QVERIFY(refused(json{{"allow_hosts", {"a.test"}}, {"network_bytes", 10}}, errc::LimitsNetworkBytes));
        QVERIFY(
            refused(json{{"allow_hosts", {"a.test"}}, {"network_bytes", "17g"}}, errc::LimitsNetworkBytes));
        QVERIFY(refused(json{{"network", "everything"}}, errc::LimitsNetwork));
    }

    void squidAllowsOnlyTheList()
    {
        const std::vector<model::AllowEntry> entries = {*model::parseAllowEntry("api.test"),
                                                        *model::parseAllowEntry("*.files.test:8443")};
        const std::string conf = sandbox::squidConfig(entries, false);
        const QString text = QString::fromStdString(conf);
        QVERIFY(text.contains("acl host_1 dstdomain -n api.test\n"));
        QVERIFY(text.contains("acl port_1 port 80 443\n"));
        QVERIFY(text.contains("http_access allow host_1 port_1\n"));
        QVERIFY(text.contains("acl host_2 dstdom_regex -n -i ^([a-z0-9-]+\\.)+files\\.test$\n"));
        QVERIFY(text.contains("acl port_2 port 8443\n"));
        QVERIFY(text.contains("http_access allow host_2 port_2\n"));
        // Nothing else gets through, and nothing about the client leaves.
        QVERIFY(text.lastIndexOf("http_access") == text.indexOf("http_access deny all"));
        QVERIFY(text.contains("forwarded_for delete\n") && text.contains("via off\n"));
        QVERIFY(!text.contains("dns_nameservers"));
        QVERIFY(QString::fromStdString(sandbox::squidConfig(entries, true))
                    .contains("dns_nameservers 127.0.0.1\n"));
        // An empty list refuses everything.
        const QString none = QString::fromStdString(sandbox::squidConfig({}, false));
        QVERIFY(!none.contains("http_access allow"));
    }

    void readsTheAccessLog()
    {
        auto denied =
            sandbox::parseAccessLine("AGENTRUN 172.30.0.3 CONNECT other.test 443 403 TCP_DENIED 0 3890 0\n");
        QVERIFY(denied.has_value());
        QCOMPARE(denied->client, std::string("172.30.0.3"));
        QCOMPARE(denied->connection.host, std::string("other.test"));
        QCOMPARE(denied->connection.port, 443);
        QCOMPARE(denied->connection.status, 403);
        QVERIFY(!denied->connection.allowed);
        auto tunnel =
            sandbox::parseAccessLine("AGENTRUN 172.30.0.3 CONNECT api.test 443 200 TCP_TUNNEL 812 4411 37");
        QVERIFY(tunnel.has_value());
        QVERIFY(tunnel->connection.allowed);
        QCOMPARE(tunnel->connection.bytesSent, std::int64_t{812});
        QCOMPARE(tunnel->connection.bytesReceived, std::int64_t{4411});
        QCOMPARE(tunnel->connection.durationMs, 37.0);
        auto dashes = sandbox::parseAccessLine("AGENTRUN 172.30.0.3 GET api.test 80 - TCP_MISS - - -");
        QVERIFY(dashes.has_value());
        QCOMPARE(dashes->connection.status, 0);
        for (const char* bad :
             {"", "AGENTRUN", "1670000000.123 squid started", "AGENTRUN 1 2 3 4 5 6 7 8",
              "AGENTRUN a GET h x 200 TCP_MISS 1 2 3", "AGENTRUN a GET h 80 200 TCP_MISS 1 2 3 extra",
              "AGENTRUN a GET h 80 200 TCP_MISS -5x 2 3"}) {
            QVERIFY2(!sandbox::parseAccessLine(bad).has_value(), bad);
        }
        const std::string longHost(300, 'h');
        QVERIFY(
            !sandbox::parseAccessLine("AGENTRUN a GET " + longHost + " 80 200 TCP_MISS 1 2 3").has_value());
    }

    // An install from an index may reach that index's host on its port, and the names the settings add.
    void indexInstallsReachTheIndexOnly()
    {
        const auto texts = [](const std::vector<model::AllowEntry>& entries) {
            QStringList out;
            for (const auto& entry : entries) {
                out << QString::fromStdString(entry.text());
            }
            return out;
        };
        auto https = deps::indexAllowList("https://Pypi.Example/simple/", {});
        QVERIFY(https.has_value());
        QCOMPARE(texts(*https), QStringList{"pypi.example:443"});
        auto http = deps::indexAllowList("http://user:secret@mirror.lan:8080/simple?x=1", {"files.example"});
        QVERIFY(http.has_value());
        QCOMPARE(texts(*http), (QStringList{"mirror.lan:8080", "files.example"}));
        auto address = deps::indexAllowList("http://10.1.2.3/simple/", {});
        QVERIFY(address.has_value());
        QCOMPARE(texts(*address), QStringList{"10.1.2.3:80"});
        // The proxy lets the address through as written (an index by IP on a closed network).
        QVERIFY(sandbox::squidConfig(*address, false).find("dstdomain -n 10.1.2.3") != std::string::npos);

        for (const char* bad : {"ftp://x/simple", "http://host:99999/", "http://host:x/", "http:///simple",
                                "https://bad_name!/simple"}) {
            auto refused = deps::indexAllowList(bad, {});
            QVERIFY2(!refused.has_value(), bad);
            QCOMPARE(refused.error().code, std::string(errc::DepsSource));
        }
        auto badExtra = deps::indexAllowList("https://pypi.example/simple", {"10.0.0.1"});
        QVERIFY(!badExtra.has_value());
        QVERIFY2(badExtra.error().message.find("AGENTRUN_INDEX_HOSTS holds \"10.0.0.1\"") !=
                     std::string::npos,
                 badExtra.error().message.c_str());
    }

    void indexTrafficIsSaid()
    {
        std::vector<model::Connection> connections = {
            {"pypi.example", 443, "CONNECT", true, 200, 900, 50000, 12},
            {"files.example", 443, "CONNECT", false, 403, 0, 3000, 1},
            {"files.example", 443, "CONNECT", false, 403, 0, 3000, 1},
        };
        const auto lines = deps::indexTrafficLines(connections);
        QCOMPARE(lines.size(), std::size_t{3});
        QVERIFY2(lines[0].find("denied  CONNECT files.example:443 (403)") != std::string::npos,
                 lines[0].c_str());
        QVERIFY2(lines[2].find("3 requests through the egress proxy (1 allowed, 2 denied)") !=
                     std::string::npos,
                 lines[2].c_str());
        const auto refused = deps::refusedIndexHosts(connections);
        QVERIFY2(refused.starts_with("The egress proxy refused files.example:443: ") &&
                     refused.find("AGENTRUN_INDEX_HOSTS=files.example)") != std::string::npos,
                 refused.c_str());
        connections.resize(1);
        QVERIFY(deps::refusedIndexHosts(connections).empty());
        QVERIFY(deps::indexTrafficLines({}).empty());
    }

    void countsDeviceBytes()
    {
        const std::string dev =
            "Inter-|   Receive                                                |  Transmit\n"
            " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop "
            "fifo colls carrier compressed\n"
            "    lo:  999999      10    0    0    0     0          0         0   999999      10    0    0    "
            "0     0       0          0\n"
            "  eth0:    1234      12    0    0    0     0          0         0     5678      10    0    0    "
            "0     0       0          0\n";
        QCOMPARE(run::NetworkMeter::sumDeviceBytes(dev), std::int64_t{1234 + 5678});
        QCOMPARE(run::NetworkMeter::sumDeviceBytes("garbage"), std::int64_t{-1});
        QCOMPARE(run::NetworkMeter::sumDeviceBytes(""), std::int64_t{-1});
        QCOMPARE(run::NetworkMeter::sumDeviceBytes("  eth0: 1 2\n"), std::int64_t{-1});
    }
};

QTEST_GUILESS_MAIN(TestAllowlist)
#include "tst_allowlist.moc"
