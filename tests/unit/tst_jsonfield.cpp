// Reading JSON that comes from outside without trusting it: json::*Field return the fallback for absent
// or mistyped fields, and the stats reader (which runs inside a libcurl callback, where an exception
// would abort the program) ignores a mistyped stats answer instead of throwing.
#include "agentrun/jsonfield.h"
#include "agentrun/sandbox/dockersandboxes.h"

#include <QTest>

namespace json = agentrun::json;
using nlohmann::json_literals::operator""_json;

class TstJsonField : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void wellTypedFieldsAreRead()
    {
        const auto object = R"({"s": "text", "i": 42, "d": 1.5, "b": true, "o": {"k": 1}, "a": [1, 2]})"_json;
        QCOMPARE(json::textField(object, "s"), std::string("text"));
        QCOMPARE(json::integerField(object, "i"), std::int64_t{42});
        QCOMPARE(json::numberField(object, "d"), 1.5);
        QCOMPARE(json::numberField(object, "i"), 42.0); // a whole number is a number too
        QCOMPARE(json::boolField(object, "b"), true);
        QCOMPARE(json::integerField(json::objectField(object, "o"), "k"), std::int64_t{1});
        QCOMPARE(json::arrayField(object, "a").size(), std::size_t{2});
    }

    void mistypedOrAbsentFieldsReadAsTheFallback()
    {
        const auto object =
            R"({"s": 1, "i": "42", "d": "1.5", "b": "yes", "o": [1], "a": {"k": 1}, "f": 2.5})"_json;
        QCOMPARE(json::textField(object, "s", "none"), std::string("none"));
        QCOMPARE(json::integerField(object, "i", -1), std::int64_t{-1});
        QCOMPARE(json::integerField(object, "f", -1), std::int64_t{-1}); // 2.5 is not a whole number
        QCOMPARE(json::numberField(object, "d", 7.0), 7.0);
        QCOMPARE(json::boolField(object, "b", true), true);
        QVERIFY(json::objectField(object, "o").is_object() && json::objectField(object, "o").empty());
        QVERIFY(json::arrayField(object, "a").is_array() && json::arrayField(object, "a").empty());
        QCOMPARE(json::textField(object, "missing"), std::string());
        // Not an object at all: every field is absent.
        for (const auto& notAnObject : {"[1, 2]"_json, "\"text\""_json, "null"_json, "3"_json}) {
            QCOMPARE(json::textField(notAnObject, "s"), std::string());
            QCOMPARE(json::integerField(notAnObject, "i", 5), std::int64_t{5});
            QVERIFY(json::objectField(notAnObject, "o").empty());
        }
    }

    void dockerStatsReadsAnEngineAnswer()
    {
        const auto stats = R"({
            "memory_stats": {"usage": 1048576},
            "cpu_stats": {"cpu_usage": {"total_usage": 300}, "system_cpu_usage": 2000, "online_cpus": 2},
            "precpu_stats": {"cpu_usage": {"total_usage": 100}, "system_cpu_usage": 1000},
            "pids_stats": {"current": 3}
        })"_json;
        const auto sample = agentrun::sandbox::dockerStats(stats);
        QCOMPARE(sample.memoryBytes, std::int64_t{1048576});
        QCOMPARE(sample.cpuPercent, 40.0); // 200 of 1000 system ticks, on 2 CPUs
        QCOMPARE(sample.pids, std::int64_t{3});
        QCOMPARE(sample.throttledSeconds, 0.0); // no throttling_data: not throttled
        QCOMPARE(sample.cpuSeconds, 300e-9);    // the CPU time so far (ns in the answer)
        // The CPU limit's throttled time (ns), as the engine reports it: seconds in the sample.
        const auto throttled = R"({"memory_stats": {"usage": 1},
            "cpu_stats": {"throttling_data": {"periods": 20, "throttled_periods": 16,
                                              "throttled_time": 1600000000}}})"_json;
        QCOMPARE(agentrun::sandbox::dockerStats(throttled).throttledSeconds, 1.6);
    }

    /// nlohmann's value() throws type_error.302 on each of these; inside the libcurl callback that
    /// would have ended the program.
    void dockerStatsIgnoresAMistypedAnswer()
    {
        const auto mistyped = {
            R"({"memory_stats": {"usage": "x"}})"_json,
            R"({"memory_stats": "x", "cpu_stats": 1, "precpu_stats": [], "pids_stats": {"current": true}})"_json,
            R"({"cpu_stats": {"cpu_usage": {"total_usage": "300"}, "system_cpu_usage": "2000",
                              "online_cpus": "2"},
                "precpu_stats": {"cpu_usage": 5, "system_cpu_usage": null}})"_json,
            R"([1, 2, 3])"_json,
            R"("stats")"_json,
        };
        for (const auto& stats : mistyped) {
            agentrun::sandbox::SandboxStats sample;
            try {
                sample = agentrun::sandbox::dockerStats(stats);
            } catch (const std::exception& error) {
                QFAIL(qPrintable(QStringLiteral("dockerStats threw on %1: %2")
                                     .arg(QString::fromStdString(stats.dump()), error.what())));
            }
            QCOMPARE(sample.memoryBytes, std::int64_t{0});
            QCOMPARE(sample.cpuPercent, 0.0);
            QCOMPARE(sample.pids, std::int64_t{0});
        }
        // A mistyped field does not spoil the well-typed ones beside it.
        const auto partly = R"({"memory_stats": {"usage": 4096}, "pids_stats": {"current": "many"}})"_json;
        QCOMPARE(agentrun::sandbox::dockerStats(partly).memoryBytes, std::int64_t{4096});
    }
};

QTEST_GUILESS_MAIN(TstJsonField)
#include "tst_jsonfield.moc"
