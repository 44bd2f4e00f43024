// The tar reader and host writer behind copy-out (docs/security.md, F1–F5): links, devices and escaping
// names never reach the host, caps abort early with bounded memory, names are sanitised, and bytes may
// arrive split anywhere.
#include "agentrun/engine/tar.h"
#include "agentrun/engine/tarreader.h"
#include "agentrun/sandbox/copyout.h"

#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

using agentrun::engine::TarEntry;
using agentrun::engine::TarReader;
using agentrun::engine::TarWriter;
using agentrun::model::TarLimits;

namespace {

/// One raw ustar header block, as a hostile archive may write it.
std::string header(const std::string& name, char type, std::uint64_t size, const std::string& link = {})
{
    std::string block(512, '\0');
    std::memcpy(block.data(), name.data(), std::min<std::size_t>(name.size(), 100));
    std::snprintf(block.data() + 100, 8, "%07o", 0644u);
    std::snprintf(block.data() + 108, 8, "%07o", 0u);
    std::snprintf(block.data() + 116, 8, "%07o", 0u);
    if (size < (1ull << 33)) {
        std::snprintf(block.data() + 124, 12, "%011llo", static_cast<unsigned long long>(size));
    } else { // GNU base-256, as writers do for 8 GiB and more
        block[124] = static_cast<char>(0x80);
        for (int i = 0; i < 8; ++i) {
            block[135 - i] = static_cast<char>((size >> (8 * i)) & 0xff);
        }
    }
    std::snprintf(block.data() + 136, 12, "%011o", 0u);
    block[156] = type;
    std::memcpy(block.data() + 157, link.data(), std::min<std::size_t>(link.size(), 100));
    std::memcpy(block.data() + 257,
                "ustar\0"
                "00",
                8);
    std::memset(block.data() + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : block) {
        sum += c;
    }
    std::snprintf(block.data() + 148, 8, "%06o", sum);
    return block;
}

std::string padded(const std::string& data)
{
    return data + std::string((512 - data.size() % 512) % 512, '\0');
}

std::string end()
{
    return std::string(1024, '\0');
}

struct Collected
{
    std::map<std::string, std::string> files;
    std::vector<std::string> directories;
    std::string current;
};

TarReader::Sink collect(Collected& c)
{
    return {[&c](const TarEntry& e) -> agentrun::Result<void> {
                if (e.kind == TarEntry::Kind::Directory) {
                    c.directories.push_back(e.path);
                } else {
                    c.current = e.path;
                    c.files[e.path];
                }
                return {};
            },
            [&c](std::string_view d) -> agentrun::Result<void> {
                c.files[c.current].append(d);
                return {};
            },
            []() -> agentrun::Result<void> { return {}; }};
}

} // namespace

class TestTarReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsFilesAndDirectoriesAtEverySplit()
    {
        TarWriter writer;
        QVERIFY(writer.addDirectory("out"));
        QVERIFY(writer.addFile("out/a.txt", "alpha\n"));
        QVERIFY(writer.addFile("out/empty", ""));
        QVERIFY(writer.addFile("out/big.bin", std::string(5000, 'b')));
        const std::string tar = writer.finish();
        for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{511}, std::size_t{512},
                                  std::size_t{513}, tar.size()}) {
            Collected c;
            TarReader reader({}, collect(c));
            for (std::size_t i = 0; i < tar.size(); i += chunk) {
                QVERIFY(reader.feed(std::string_view(tar).substr(i, chunk)));
            }
            QVERIFY(reader.finish());
            QCOMPARE(c.directories, std::vector<std::string>{"out"});
            QCOMPARE(c.files.size(), std::size_t{3});
            QCOMPARE(c.files["out/a.txt"], std::string("alpha\n"));
            QCOMPARE(c.files["out/empty"], std::string());
            QCOMPARE(c.files["out/big.bin"], std::string(5000, 'b'));
            QVERIFY(reader.rejections().empty());
        }
    }

    void rejectsLinksAndSpecialFiles_data()
    {
        QTest::addColumn<char>("type");
        QTest::addColumn<QString>("link");
        QTest::addColumn<QString>("reason");
        QTest::addRow("F1 symlink to /etc/passwd")
            << '2' << "/etc/passwd"
            << "symbolic link to etc/passwd; links are never copied out";
        QTest::addRow("F2 symlink up and out")
            << '2' << "../../../../home/u/.bashrc"
            << "symbolic link to ../../../../home/u/.bashrc; links are never copied out";
        QTest::addRow("F3 hard link") << '1' << "out/a.txt"
                                      << "hard link to out/a.txt; links are never copied out";
        QTest::addRow("F3 fifo") << '6' << ""
                                 << "FIFO; special files are never copied out";
        QTest::addRow("F3 char device") << '3' << ""
                                        << "character device; devices are never copied out";
        QTest::addRow("F3 block device") << '4' << ""
                                         << "block device; devices are never copied out";
        QTest::addRow("sparse (GNU S)") << 'S' << ""
                                        << "unsupported entry type 'S'";
    }

    void rejectsLinksAndSpecialFiles()
    {
        QFETCH(char, type);
        QFETCH(QString, link);
        QFETCH(QString, reason);
        const std::string tar = header("out/r.txt", type, 0, link.toStdString()) +
                                header("out/ok.txt", '0', 2) + padded("ok") + end();
        Collected c;
        TarReader reader({}, collect(c));
        QVERIFY(reader.feed(tar));
        QVERIFY(reader.finish());
        QCOMPARE(reader.rejections().size(), std::size_t{1});
        QCOMPARE(reader.rejections()[0].archivePath, std::string("out/r.txt"));
        QCOMPARE(QString::fromStdString(reader.rejections()[0].reason), reason);
        QCOMPARE(c.files.size(), std::size_t{1});
        QCOMPARE(c.files["out/ok.txt"], std::string("ok"));
    }

    void rejectsEscapingNames()
    {
        const std::string tar = header("../evil", '0', 1) + padded("x") + header("a/../../evil2", '0', 1) +
                                padded("x") + header("/abs/ok", '0', 1) + padded("y") + end();
        Collected c;
        TarReader reader({}, collect(c));
        QVERIFY(reader.feed(tar));
        QVERIFY(reader.finish());
        QCOMPARE(reader.rejections().size(), std::size_t{2});
        QCOMPARE(reader.rejections()[0].reason, std::string("its name leaves the destination (`..`)"));
        QCOMPARE(c.files.size(), std::size_t{1});
        QVERIFY(c.files.count("abs/ok")); // leading '/' dropped: always relative to the destination
    }

    void sanitisesNames()
    {
        // F5: newline, bidi override, control characters, invalid UTF-8, over-long component.
        QCOMPARE(TarReader::sanitizeComponent("a\nb"), std::string("a_b"));
        QCOMPARE(TarReader::sanitizeComponent("invoice\u202Etxt.exe"), std::string("invoice_txt.exe"));
        QCOMPARE(TarReader::sanitizeComponent("x\x1b[31my"), std::string("x_[31my"));
        QCOMPARE(TarReader::sanitizeComponent("caf\xc3\xa9"), std::string("caf\xc3\xa9"));
        QCOMPARE(TarReader::sanitizeComponent("bad\xff\xc3"), std::string("bad__"));
        QCOMPARE(TarReader::sanitizeComponent("\xc0\xaf"), std::string("__")); // overlong '/'
        QCOMPARE(TarReader::sanitizeComponent(std::string(4096, 'n')).size(), std::size_t{255});
        QCOMPARE(TarReader::sanitizeComponent(std::string(200, 'x') + std::string(40, '\xe2')).size(),
                 std::size_t{240}); // every stray lead byte becomes '_', cut at 255 bytes
    }

    void readsGnuAndPaxLongNames()
    {
        const std::string longName = std::string(150, 'd') + "/" + std::string(150, 'f');
        std::string pax = " path=" + longName + "\n";
        std::string record = std::to_string(pax.size() + 3) + pax; // length includes its own digits
        QCOMPARE(record.size(), pax.size() + 3);
        const std::string tar = header("././@LongLink", 'L', longName.size() + 1) + padded(longName + '\0') +
                                header("short", '0', 3) + padded("gnu") +
                                header("PaxHeaders/x", 'x', record.size()) + padded(record) +
                                header("short2", '0', 3) + padded("pax") + end();
        Collected c;
        TarReader reader({}, collect(c));
        QVERIFY(reader.feed(tar));
        QVERIFY(reader.finish());
        QCOMPARE(c.files.size(), std::size_t{1}); // both name the same path: the writer would refuse twice
        QCOMPARE(c.files[longName], std::string("gnupax"));
    }

    void abortsPastTheCaps()
    {
        // F4: a 10 GB (sparse) file is refused from its header, before a byte of it is read.
        {
            const std::string tar = header("huge.bin", '0', 10ull * 1024 * 1024 * 1024);
            Collected c;
            TarReader reader({}, collect(c));
            const auto result = reader.feed(tar);
            QVERIFY(!result);
            QCOMPARE(result.error().code, std::string("archive.file_too_large"));
            QCOMPARE(
                result.error().message,
                std::string("The copy was aborted: huge.bin is 10737418240 bytes, over the per-file cap of "
                            "16777216 bytes."));
            QVERIFY(!reader.feed(std::string(512, 'x'))); // stays failed
        }
        // Total cap across files.
        {
            TarLimits limits;
            limits.maxFileBytes = 100;
            limits.maxTotalBytes = 250;
            std::string tar;
            for (int i = 0; i < 3; ++i) {
                tar += header("f" + std::to_string(i), '0', 100) + padded(std::string(100, 'z'));
            }
            Collected c;
            TarReader reader(limits, collect(c));
            const auto result = reader.feed(tar + end());
            QVERIFY(!result);
            QCOMPARE(result.error().code, std::string("archive.too_large"));
            QCOMPARE(c.files.size(), std::size_t{2});
        }
        // A million entries: aborted at the entry cap, memory bounded (headers only).
        {
            TarLimits limits;
            limits.maxEntries = 1000;
            Collected c;
            TarReader reader(limits, collect(c));
            agentrun::Result<void> result;
            int fed = 0;
            for (; fed < 1000000 && result; ++fed) {
                result = reader.feed(header("d/" + std::to_string(fed), '5', 0));
            }
            QVERIFY(!result);
            QCOMPARE(result.error().code, std::string("archive.too_many_entries"));
            QCOMPARE(fed, 1001);
        }
    }

    void rejectsMalformedAndTruncated()
    {
        std::string bad = header("x", '0', 1);
        bad[0] = 'y'; // checksum no longer matches
        TarReader reader({}, {});
        const auto result = reader.feed(bad);
        QVERIFY(!result);
        QCOMPARE(result.error().code, std::string("archive.malformed"));

        TarReader truncated({}, {});
        QVERIFY(truncated.feed(header("x", '0', 1000) + std::string(10, 'a')));
        const auto finished = truncated.finish();
        QVERIFY(!finished);
        QCOMPARE(finished.error().code, std::string("archive.truncated"));
    }

    void hostWriterNeverFollowsLinks()
    {
        QTemporaryDir dir;
        QTemporaryDir outside;
        const std::filesystem::path destination = dir.path().toStdString();
        // A link planted in the destination (by anything) must not redirect a write.
        std::filesystem::create_directory_symlink(outside.path().toStdString(), destination / "out");
        std::filesystem::create_symlink(std::filesystem::path(outside.path().toStdString()) / "victim",
                                        destination / "file.txt");
        auto writer = agentrun::sandbox::HostWriter::open(destination);
        QVERIFY(writer);
        {
            TarWriter tar;
            QVERIFY(tar.addFile("out/a.txt", "x"));
            TarReader reader({}, writer->sink());
            const auto result = reader.feed(tar.finish());
            QVERIFY(!result);
            QCOMPARE(result.error().code, std::string("copyout.host"));
            QVERIFY(result.error().message.starts_with("Could not open directory out/a.txt on the host: "));
        }
        {
            TarWriter tar;
            QVERIFY(tar.addFile("file.txt", "x"));
            TarReader reader({}, writer->sink());
            const auto result = reader.feed(tar.finish());
            QVERIFY(!result);
            QCOMPARE(result.error().message,
                     std::string("Could not create file file.txt on the host: File exists."));
        }
        QVERIFY(std::filesystem::is_empty(outside.path().toStdString()));
        QVERIFY(!std::filesystem::exists(std::filesystem::path(outside.path().toStdString()) / "victim"));

        // The destination itself must not be a link.
        const auto linked = agentrun::sandbox::HostWriter::open(destination / "out");
        QVERIFY(!linked);
        QCOMPARE(linked.error().code, std::string("copyout.destination"));
    }

    void hostWriterWritesFilesWithoutSpecialModes()
    {
        QTemporaryDir dir;
        auto writer = agentrun::sandbox::HostWriter::open(dir.path().toStdString());
        QVERIFY(writer);
        std::string tar = header("sub/tool", '0', 4);
        std::snprintf(tar.data() + 100, 8, "%07o", 06755u); // setuid + setgid
        std::memset(tar.data() + 148, ' ', 8);
        unsigned sum = 0;
        for (unsigned char c : tar) {
            sum += c;
        }
        std::snprintf(tar.data() + 148, 8, "%06o", sum);
        TarReader reader({}, writer->sink());
        QVERIFY(reader.feed(tar + padded("#!/x") + end()));
        QVERIFY(reader.finish());
        const auto path = std::filesystem::path(dir.path().toStdString()) / "sub/tool";
        std::ifstream in(path);
        QCOMPARE(std::string(std::istreambuf_iterator<char>(in), {}), std::string("#!/x"));
        const auto perms = std::filesystem::status(path).permissions();
        QCOMPARE(perms & (std::filesystem::perms::set_uid | std::filesystem::perms::set_gid),
                 std::filesystem::perms::none);
        QCOMPARE(writer->report().files, std::vector<std::string>{"sub/tool"});
        QCOMPARE(writer->report().bytes, std::uint64_t{4});
    }

    // Issue 21 item 10: names that sanitise the same (`a\nb`, `a_b`) stopped the whole copy with "File
    // exists"; now the later one gets a suffix and is listed. A folder that meets a file of the copy
    // gets a suffix too, and its entries follow it.
    void hostWriterGivesCollidingNamesASuffix()
    {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        auto writer = agentrun::sandbox::HostWriter::open(root);
        QVERIFY(writer);
        TarWriter tar;
        QVERIFY(tar.addFile("out/a\nb.txt", "first"));
        QVERIFY(tar.addFile("out/a_b.txt", "second"));
        QVERIFY(tar.addFile("out/a_b.txt", "third")); // the same name twice in one archive
        QVERIFY(tar.addFile("out/d", "a file"));
        QVERIFY(tar.addDirectory("out/d"));
        QVERIFY(tar.addFile("out/d/inner", "in the folder"));
        TarReader reader({}, writer->sink());
        const auto fed = reader.feed(tar.finish());
        QVERIFY2(fed, fed ? "" : fed.error().message.c_str());
        QVERIFY(reader.finish());
        const auto read = [&](const char* name) {
            std::ifstream in(root / name);
            return std::string(std::istreambuf_iterator<char>(in), {});
        };
        QCOMPARE(read("out/a_b.txt"), std::string("first"));
        QCOMPARE(read("out/a_b~2.txt"), std::string("second"));
        QCOMPARE(read("out/a_b~3.txt"), std::string("third"));
        QCOMPARE(read("out/d"), std::string("a file"));
        QCOMPARE(read("out/d~2/inner"), std::string("in the folder"));
        const auto& renamed = writer->report().renamed;
        QCOMPARE(renamed.size(), std::size_t{3});
        QCOMPARE(renamed[0].archivePath, std::string("out/a_b.txt"));
        QCOMPARE(renamed[0].path, std::string("out/a_b~2.txt"));
        QCOMPARE(renamed[2].path, std::string("out/d~2"));
        QCOMPARE(writer->report().files.size(), std::size_t{5});
        QVERIFY(std::ranges::find(writer->report().files, "out/d~2/inner") != writer->report().files.end());
    }

    // Issue 21 item 10: a collected .git planted an executable hook. Execute bits go unless asked for.
    void hostWriterDropsExecuteBitsUnlessAsked()
    {
        for (const bool keep : {false, true}) {
            QTemporaryDir dir;
            const std::filesystem::path root = dir.path().toStdString();
            auto writer = agentrun::sandbox::HostWriter::open(root, {.keepExecutable = keep});
            QVERIFY(writer);
            TarWriter tar;
            QVERIFY(tar.addFile(".git/hooks/pre-commit", "#!/bin/sh\n", 0777));
            TarReader reader({}, writer->sink());
            QVERIFY(reader.feed(tar.finish()));
            QVERIFY(reader.finish());
            struct stat info
            {};
            QCOMPARE(::stat((root / ".git/hooks/pre-commit").c_str(), &info), 0);
            QCOMPARE(info.st_mode & 07777, keep ? 0755u : 0644u);
        }
    }

    // Issue 21 item 10: a copy stopped at a cap left what it wrote; rollback() removes all of it.
    void hostWriterRollsBackEverything()
    {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        auto writer = agentrun::sandbox::HostWriter::open(root);
        QVERIFY(writer);
        TarWriter tar;
        for (int i = 0; i < 20; ++i) {
            QVERIFY(tar.addFile("out/sub" + std::to_string(i % 3) + "/f" + std::to_string(i), "x"));
        }
        agentrun::model::TarLimits limits;
        limits.maxEntries = 10;
        TarReader reader(limits, writer->sink());
        const auto fed = reader.feed(tar.finish());
        QVERIFY(!fed);
        QCOMPARE(fed.error().code, std::string("archive.too_many_entries"));
        QCOMPARE(writer->report().files.size(), std::size_t{10});
        QCOMPARE(writer->rollback(), std::size_t{10});
        QVERIFY(writer->report().files.empty());
        QVERIFY(std::filesystem::is_empty(root));
    }
};

QTEST_APPLESS_MAIN(TestTarReader)
#include "tst_tarreader.moc"
