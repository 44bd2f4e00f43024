// run_python returns a run's figures as MCP image content after the text (issue 17), against the real
// engine and the data-science image (AGENTRUN_DATASCIENCE_IMAGE, default agentrun-sandbox:datascience).
#include "sandboxtools.h"

#include "agentrun/base64.h"
#include "agentrun/sandbox/figures.h"

#include <QtTest>

using namespace agentrun;
using nlohmann::json;

class TestMcpFigures : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void figuresAreImageContentAfterTheText()
    {
        if (qEnvironmentVariableIsSet("AGENTRUN_NO_DATASCIENCE")) {
            QSKIP("AGENTRUN_NO_DATASCIENCE is set (quickstart's QUICKSTART_DATASCIENCE=0): no data-science "
                  "image");
        }
        const QByteArray named = qgetenv("AGENTRUN_DATASCIENCE_IMAGE");
        run::ExecutorConfig executorConfig;
        executorConfig.image = named.isEmpty() ? "agentrun-sandbox:datascience" : named.toStdString();
        executorConfig.poolSize = 0;
        run::Executor executor(executorConfig);
        mcp::SandboxConfig config;
        config.rules.ceilings.timeoutSeconds = 120;
        config.rules.ceilings.memoryBytes = 1ll << 30;
        mcp::SandboxTools tools(config, executor);
        run::CancelToken cancel;
        mcp::ToolContext context{cancel, [](const std::string&) {}};
        const json result = tools.call(
            "run_python",
            {{"code", "import matplotlib.pyplot as plt\nprint('a')\nplt.figure(figsize=(2, 1), dpi=100)\n"
                      "plt.show()\nplt.figure(figsize=(3, 2), dpi=100)\nprint('b')\n"}},
            context);
        QVERIFY2(!result.value("isError", true), result.dump().c_str());
        const json& content = result["content"];
        QCOMPARE(content.size(), std::size_t(3));
        QCOMPARE(content[0].value("type", ""), std::string("text"));
        QCOMPARE(content[0].value("text", ""), std::string("a\nb\n"));
        const std::pair<int, int> sizes[] = {{200, 100}, {300, 200}};
        for (int i = 0; i < 2; ++i) {
            const json& image = content[static_cast<std::size_t>(i) + 1];
            QCOMPARE(image.value("type", ""), std::string("image"));
            QCOMPARE(image.value("mimeType", ""), std::string("image/png"));
            const auto png = base64Decode(image.value("data", ""));
            QVERIFY(png.has_value());
            QCOMPARE(sandbox::pngSize(*png), std::optional(sizes[i]));
        }
        const json& figures = result["structuredContent"]["figures"];
        QCOMPARE(figures.size(), std::size_t(2));
        QCOMPARE(figures[0].value("stdout_offset", -1), 2);
        QCOMPARE(figures[1].value("width", 0), 300);
        QVERIFY(!figures[0].contains("data")); // the image content carries it once
    }
};

QTEST_GUILESS_MAIN(TestMcpFigures)
#include "tst_figures.moc"
