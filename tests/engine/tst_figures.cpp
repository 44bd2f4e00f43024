// Figures (issue 17): matplotlib figures and images saved under /tmp/outputs/ come back with the run as
// PNGs, in order with the text, in the data-science image (agentrun-sandbox:datascience, which
// quickstart's test mode builds; AGENTRUN_DATASCIENCE_IMAGE names another). The text output is what the
// program printed, without a marker byte; a run without matplotlib is unchanged.
#include "helper_engine.h"

#include "agentrun/run/executor.h"
#include "agentrun/sandbox/figures.h"

#include <QTest>

using namespace agentrun;

namespace {

std::string datascienceImage()
{
    const char* image = std::getenv("AGENTRUN_DATASCIENCE_IMAGE");
    return image != nullptr && *image != '\0' ? image : "agentrun-sandbox:datascience";
}

class FigureCounter : public run::RunObserver
{
public:
    void output(model::Stream stream, std::string_view bytes) override
    {
        if (stream == model::Stream::Stdout) {
            stdoutSoFar += bytes;
        }
    }
    void figure(const model::Figure& figure) override { offsets.push_back(figure.stdoutOffset); }

    std::string stdoutSoFar;
    std::vector<std::int64_t> offsets;
};

/// The figure is a whole PNG file of this size: the header the host read, and the end chunk.
void checkPng(const model::Figure& figure, int width, int height)
{
    QCOMPARE(figure.mime, std::string("image/png"));
    QCOMPARE(figure.width, width);
    QCOMPARE(figure.height, height);
    const auto size = sandbox::pngSize(figure.bytes);
    QVERIFY(size.has_value());
    QCOMPARE(size->first, width);
    QCOMPARE(size->second, height);
    QVERIFY2(figure.bytes.ends_with(std::string("IEND\xae\x42\x60\x82", 8)), "the PNG is not whole");
}

std::string describe(const model::RunResult& result)
{
    std::string notes;
    for (const auto& note : result.figureNotes) {
        notes += note + "; ";
    }
    return std::string(model::toString(result.status)) + " " + result.message +
           "\nstdout: " + result.stdoutData + "\nstderr: " + result.stderrData + "\nnotes: " + notes;
}

} // namespace

class TestFigures : public QObject
{
    Q_OBJECT

    std::unique_ptr<engine::Client> m_client;
    std::unique_ptr<run::Executor> m_executor;
    int m_baseline = 0;

    model::RunResult run(const std::string& code, run::RunObserver* observer = nullptr)
    {
        model::RunSpec request;
        request.code = code;
        request.limits.timeoutSeconds = 60; // the first matplotlib import builds its font cache
        request.skipCheck = true;
        run::RunObserver quiet;
        run::CancelToken cancel;
        return m_executor->run(request, observer != nullptr ? *observer : quiet, cancel);
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_client = testing::requireEngine();
        m_baseline = testing::managedContainers(*m_client);
        if (std::getenv("AGENTRUN_NO_DATASCIENCE") != nullptr) {
            QSKIP("AGENTRUN_NO_DATASCIENCE is set (quickstart's QUICKSTART_DATASCIENCE=0): no data-science "
                  "image");
        }
        auto image = m_client->findImage(datascienceImage());
        QVERIFY2(image && *image, (datascienceImage() +
                                   " is missing: build it with `agentrun image build --variant datascience` "
                                   "(after packaging/sandbox/build-base.sh --variant datascience)")
                                      .c_str());
        run::ExecutorConfig config;
        config.image = datascienceImage();
        config.poolSize = 0;
        m_executor = std::make_unique<run::Executor>(config);
    }

    void cleanupTestCase()
    {
        m_executor.reset();
        if (m_client) {
            QCOMPARE(testing::managedContainers(*m_client), m_baseline);
        }
    }

    // plt.show() and a figure left open: PNGs of the figures' sizes, at their places in the text.
    void showAndOpenFigures()
    {
        FigureCounter observer;
        const auto result = run(R"py(import matplotlib.pyplot as plt
print("one")
plt.figure(figsize=(4, 3), dpi=100)
plt.plot([1, 2, 3])
plt.show()
print("two", end="")
plt.figure(figsize=(2, 1), dpi=100)
plt.plot([3, 1])
print(" three")
)py",
                                &observer);
        QVERIFY2(result.status == model::Status::Ok, describe(result).c_str());
        QCOMPARE(result.stdoutData, std::string("one\ntwo three\n"));
        QCOMPARE(result.output, std::string("one\ntwo three\n"));
        QCOMPARE(result.stderrData, std::string()); // no warning about a config dir or fonts
        QCOMPARE(observer.stdoutSoFar, result.stdoutData);
        QCOMPARE(result.figures.size(), std::size_t(2));
        checkPng(result.figures[0], 400, 300);
        checkPng(result.figures[1], 200, 100);
        QCOMPARE(result.figures[0].stdoutOffset, std::int64_t(4));  // after "one\n"
        QCOMPARE(result.figures[1].stdoutOffset, std::int64_t(14)); // at the end: emitted after the run
        QCOMPARE(observer.offsets, (std::vector<std::int64_t>{4, 14}));
        QVERIFY(result.figureNotes.empty());
    }

    void savedOutputComesBack()
    {
        const auto result = run(R"py(import os
import matplotlib
import matplotlib.pyplot as plt
os.makedirs("/tmp/outputs")
plt.figure(figsize=(3, 2), dpi=50)
plt.plot([1, 4, 9])
plt.savefig("/tmp/outputs/chart.png")
plt.savefig("/tmp/outputs/chart.svg")
plt.close("all")
print("saved", matplotlib.get_backend())
)py");
        QVERIFY2(result.status == model::Status::Ok, describe(result).c_str());
        QCOMPARE(result.stdoutData, std::string("saved module://agentrun_figures_backend\n"));
        QCOMPARE(result.figures.size(), std::size_t(1)); // the PNG; the SVG is a file to collect
        checkPng(result.figures[0], 150, 100);
    }

    // The program forges markers: garbage makes no figure and leaks no byte into the text.
    void forgedMarker()
    {
        const auto result = run("import sys\nsys.stdout.write('a\\x1eAGENTRUN-FIGURE:not base64 at "
                                "all\\nb\\x1eAGENTRUN-FIGURE:aGVsbG8=\\nc\\n')\n");
        QVERIFY2(result.status == model::Status::Ok, describe(result).c_str());
        QCOMPARE(result.stdoutData, std::string("abc\n"));
        QVERIFY(result.figures.empty());
        QCOMPARE(result.figureNotes.size(), std::size_t(2));
    }

    void countCapHolds()
    {
        const auto result = run(R"py(import matplotlib.pyplot as plt
for i in range(40):
    plt.figure(figsize=(1, 1), dpi=20)
    plt.show()
print("done")
)py");
        QVERIFY2(result.status == model::Status::Ok, describe(result).c_str());
        QCOMPARE(result.stdoutData, std::string("done\n"));
        QCOMPARE(result.figures.size(), std::size_t(sandbox::FigureCaps{}.maxCount));
        checkPng(result.figures.back(), 20, 20);
        QCOMPARE(result.figureNotes.size(), std::size_t(8)); // one per dropped figure
    }

    // The default image has no matplotlib: nothing is installed, nothing is visible, nothing changes.
    void withoutMatplotlibNothingChanges()
    {
        run::ExecutorConfig config;
        config.image = testing::sandboxImage();
        config.poolSize = 0;
        run::Executor plain(config);
        model::RunSpec request;
        request.code = "import os, sys\nprint('hello', 'MPLBACKEND' in os.environ, "
                       "[m for m in sys.modules if 'agentrun' in m])\n";
        request.skipCheck = true;
        run::RunObserver quiet;
        run::CancelToken cancel;
        const auto result = plain.run(request, quiet, cancel);
        QVERIFY2(result.status == model::Status::Ok, describe(result).c_str());
        QCOMPARE(result.stdoutData, std::string("hello False []\n"));
        QVERIFY(result.figures.empty());
        QVERIFY(result.figureNotes.empty());
    }
};

QTEST_GUILESS_MAIN(TestFigures)
#include "tst_figures.moc"
