// Figures in the front ends (issue 17): `agentrun run --json` and `--figures DIR`, REST /v2 results and the
// `figure` event, against the real engine and the data-science image (AGENTRUN_DATASCIENCE_IMAGE, default
// agentrun-sandbox:datascience; quickstart's test mode builds it).
#include "helper_cli.h"
#include "tst_restfixture.h"

#include "agentrun/base64.h"
#include "agentrun/sandbox/figures.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using nlohmann::json;

namespace {

QString datascienceImage()
{
    const QByteArray image = qgetenv("AGENTRUN_DATASCIENCE_IMAGE");
    return image.isEmpty() ? QStringLiteral("agentrun-sandbox:datascience") : QString::fromUtf8(image);
}

constexpr const char* Plot = R"py(import matplotlib.pyplot as plt
print("plotting")
plt.figure(figsize=(4, 3), dpi=100)
plt.plot([1, 4, 9, 16])
plt.show()
print("done")
)py";

/// One entry of "figures": the 400x300 PNG after "plotting\n", its data the PNG itself.
void checkFigureJson(const json& figure)
{
    QCOMPARE(figure.value("mime", ""), std::string("image/png"));
    QCOMPARE(figure.value("width", 0), 400);
    QCOMPARE(figure.value("height", 0), 300);
    QCOMPARE(figure.value("stdout_offset", -1), 9);
    const auto data = agentrun::base64Decode(figure.value("data", ""));
    QVERIFY(data.has_value());
    QCOMPARE(figure.value("bytes", std::size_t(0)), data->size());
    const auto size = agentrun::sandbox::pngSize(*data);
    QVERIFY(size && size->first == 400 && size->second == 300);
}

} // namespace

class TestFiguresE2e : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_plot;

private Q_SLOTS:
    void initTestCase()
    {
        if (qEnvironmentVariableIsSet("AGENTRUN_NO_DATASCIENCE")) {
            QSKIP("AGENTRUN_NO_DATASCIENCE is set (quickstart's QUICKSTART_DATASCIENCE=0): no data-science "
                  "image");
        }
        QByteArray why;
        QVERIFY2(resttest::engineReady(why), why.constData());
        QVERIFY(m_dir.isValid());
        m_plot = m_dir.filePath("plot.py");
        QFile file(m_plot);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(Plot);
    }

    void cliJsonAndFiguresDir()
    {
        const QString out = m_dir.filePath("plots");
        const auto result = testing::runCli(
            {"run", "--no-history", "--image", datascienceImage(), "--json", "--figures", out, m_plot});
        QVERIFY2(result.exitCode == 0, result.err.constData());
        const json answer = json::parse(result.out.toStdString());
        QCOMPARE(answer.value("stdout", ""), std::string("plotting\ndone\n"));
        QCOMPARE(answer["figures"].size(), std::size_t(1));
        checkFigureJson(answer["figures"][0]);
        QFile written(out + "/figure-1.png");
        QVERIFY(written.open(QIODevice::ReadOnly));
        QCOMPARE(written.readAll().toStdString(),
                 *agentrun::base64Decode(answer["figures"][0]["data"].get<std::string>()));
        QVERIFY2(result.err.contains("figure 1: 400x300 PNG"), result.err.constData());

        // Again into the same folder: the file is not overwritten, and the command says so.
        const auto again =
            testing::runCli({"run", "--no-history", "--image", datascienceImage(), "--figures", out, m_plot});
        QVERIFY2(again.err.contains("not written"), again.err.constData());
    }

    void cliListsFiguresWithoutWritingThem()
    {
        const auto result = testing::runCli({"run", "--no-history", "--image", datascienceImage(), m_plot});
        QVERIFY2(result.exitCode == 0, result.err.constData());
        QCOMPARE(result.out, QByteArray("plotting\ndone\n")); // no marker byte in the console
        QVERIFY2(result.err.contains("agentrun: figure 1: 400x300 PNG") &&
                     result.err.contains("(--figures DIR writes it)"),
                 result.err.constData());
    }

    void restResultAndFigureEvent()
    {
        qputenv("AGENTRUN_IMAGE", datascienceImage().toUtf8());
        resttest::ServerProcess server;
        QString error;
        const bool started = server.start({}, &error);
        qunsetenv("AGENTRUN_IMAGE");
        QVERIFY2(started, error.toUtf8().constData());
        auto client = server.client();

        auto sync = client->Post("/v2/runs", json{{"code", Plot}}.dump(), resttest::Json);
        QVERIFY(sync && sync->status == 200);
        const json result = json::parse(sync->body);
        QCOMPARE(result.value("stdout", ""), std::string("plotting\ndone\n"));
        QCOMPARE(result["figures"].size(), std::size_t(1));
        checkFigureJson(result["figures"][0]);

        auto started2 =
            client->Post("/v2/runs", json{{"code", Plot}, {"stream", true}}.dump(), resttest::Json);
        QVERIFY(started2 && started2->status == 200);
        const std::string events = json::parse(started2->body).value("events", "");
        std::string stream;
        // Read until the finished event, then stop reading (the request then ends as cancelled).
        static_cast<void>(client->Get(events, [&](const char* data, std::size_t length) {
            stream.append(data, length);
            return stream.find("event: finished") == std::string::npos;
        }));
        const auto at = stream.find("event: figure\ndata: ");
        QVERIFY2(at != std::string::npos, stream.substr(0, 2000).c_str());
        const auto begin = at + std::string("event: figure\ndata: ").size();
        checkFigureJson(json::parse(stream.substr(begin, stream.find('\n', begin) - begin)));
        // The figure event comes between the text before it and the text after it.
        QVERIFY(stream.find("plotting") < at && at < stream.find("done"));
        QCOMPARE(server.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestFiguresE2e)
#include "tst_figures.moc"
