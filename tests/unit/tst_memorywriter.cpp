// The MemoryWriter (files collected into memory, issue 17) against the HostWriter: the same archive gives the
// same names (suffixes after a collision, a folder renamed past a file), the same bytes, the same modes; a
// rollback keeps nothing.
#include "agentrun/engine/tar.h"
#include "agentrun/engine/tarreader.h"
#include "agentrun/sandbox/copyout.h"
#include "agentrun/sandbox/memorywriter.h"

#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <fstream>
#include <map>

using namespace agentrun;

namespace {

std::string hostileArchive()
{
    engine::TarWriter tar;
    (void)tar.addFile("out/a\nb.txt", "first");
    (void)tar.addFile("out/a_b.txt", "second");
    (void)tar.addFile("out/a_b.txt", "third"); // the same name twice in one archive
    (void)tar.addFile("out/d", "a file");
    (void)tar.addDirectory("out/d");
    (void)tar.addFile("out/d/inner", "in the folder");
    (void)tar.addFile("out/run.sh", "#!/bin/sh\n", 04755); // setuid and execute bits
    (void)tar.addFile("empty", "");
    return tar.finish();
}

} // namespace

class TestMemoryWriter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void namesBytesAndModesAsOnTheHost()
    {
        const std::string archive = hostileArchive();
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        auto host = sandbox::HostWriter::open(root);
        QVERIFY(host);
        engine::TarReader toHost({}, host->sink());
        QVERIFY(toHost.feed(archive));
        QVERIFY(toHost.finish());

        sandbox::MemoryWriter memory;
        engine::TarReader toMemory({}, memory.sink());
        // Bytes split anywhere: one at a time.
        for (const char byte : archive) {
            QVERIFY(toMemory.feed(std::string_view(&byte, 1)));
        }
        QVERIFY(toMemory.finish());

        QCOMPARE(memory.report().files, host->report().files);
        QCOMPARE(memory.report().sizes, host->report().sizes);
        QCOMPARE(memory.report().renamed.size(), host->report().renamed.size());
        for (std::size_t i = 0; i < host->report().renamed.size(); ++i) {
            QCOMPARE(memory.report().renamed[i].archivePath, host->report().renamed[i].archivePath);
            QCOMPARE(memory.report().renamed[i].path, host->report().renamed[i].path);
        }
        const auto contents = memory.takeContents();
        QCOMPARE(contents.size(), host->report().files.size());
        for (const auto& file : contents) {
            std::ifstream in(root / file.path, std::ios::binary);
            QCOMPARE(file.data, std::string(std::istreambuf_iterator<char>(in), {}));
            struct stat info
            {};
            QCOMPARE(::stat((root / file.path).c_str(), &info), 0);
            QCOMPARE(file.mode, static_cast<unsigned>(info.st_mode & 07777));
        }
        std::map<std::string, std::string> byPath;
        for (const auto& file : contents) {
            byPath[file.path] = file.data;
        }
        QCOMPARE(byPath.at("out/a_b~3.txt"), std::string("third"));
        QCOMPARE(byPath.at("out/d~2/inner"), std::string("in the folder"));
        QCOMPARE(byPath.at("empty"), std::string());
    }

    void executeBitsOnlyWhenAsked()
    {
        for (const bool keep : {false, true}) {
            sandbox::MemoryWriter memory({keep});
            engine::TarReader reader({}, memory.sink());
            QVERIFY(reader.feed(hostileArchive()));
            QVERIFY(reader.finish());
            for (const auto& file : memory.takeContents()) {
                if (file.path == "out/run.sh") {
                    QCOMPARE(file.mode, keep ? 0755u : 0644u); // never setuid
                }
            }
        }
    }

    void aCapStopsAndTheRollbackKeepsNothing()
    {
        sandbox::MemoryWriter memory;
        model::TarLimits limits;
        limits.maxTotalBytes = 12; // "first", "second": 11 bytes; "third" passes the cap
        engine::TarReader reader(limits, memory.sink());
        const auto fed = reader.feed(hostileArchive());
        QVERIFY(!fed);
        QCOMPARE(fed.error().code, std::string("archive.too_large"));
        QCOMPARE(memory.report().files.size(), std::size_t{2});
        QCOMPARE(memory.rollback(), std::size_t{2});
        QVERIFY(memory.report().files.empty());
        QVERIFY(memory.report().sizes.empty());
        QVERIFY(memory.takeContents().empty());
    }
};

QTEST_GUILESS_MAIN(TestMemoryWriter)
#include "tst_memorywriter.moc"
