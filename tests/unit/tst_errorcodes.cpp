// The error code catalogue (agentrun/errorcodes.h): every code once, well formed, documented, with the
// kind status decisions read; and no code written as a string literal in core/, app/ or ui/ outside it
// (the scan is tested on a planted literal first, so a scan that finds nothing cannot pass by accident).
#include "agentrun/errorcodes.h"

#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace errc = agentrun::errc;
namespace fs = std::filesystem;

namespace {

/// Literals that look like codes but are something else, each with its reason.
struct Exception
{
    std::string_view file;
    std::string_view literal;
    std::string_view why;
};
constexpr Exception NotCodes[] = {
    {"ui/mainwindow.cpp", "policy.json", "the name of the scratch file the edited policy is written to"},
    {"core/src/run/admission.cpp", "limits.tmpfs_size", "the REST field the message names"},
    {"core/src/safety/names_evasion.cpp", "profile.run",
     "Python's profile.run, a name the static check knows"},
    {"core/src/safety/names_evasion.cpp", "profile.runctx",
     "Python's profile.runctx, a name the static check knows"},
    {"ui/sessionrestore.cpp", "session.json", "the workbench's session file (its tabs), not a code"},
    {"core/src/safety/evasion.cpp", "profile.run", "Python's profile.run, a code sink of the static check"},
    {"core/src/safety/evasion.cpp", "profile.runctx",
     "Python's profile.runctx, a code sink of the static check"},
};

/// The areas of dotted codes ("engine" for engine.unreachable): a literal "area.name" is a code.
std::set<std::string> codeAreas()
{
    std::set<std::string> areas;
    for (const auto& area : errc::areas) {
        for (const auto& entry : area.entries) {
            if (const auto dot = entry.code.find('.'); dot != std::string_view::npos && dot > 0) {
                areas.emplace(entry.code.substr(0, dot));
            }
        }
    }
    return areas;
}

/// "file:line: literal" for each string literal in the C++ sources under `root`/`dirs` that reads as an
/// error code of a known area, outside the catalogue and outside comments.
std::vector<std::string> literalCodes(const fs::path& root, const std::vector<std::string>& dirs)
{
    static const std::regex literal(R"re("([a-z_]+)\.([a-z_]+(\.[a-z_]+)*)")re");
    const std::set<std::string> areas = codeAreas();
    std::vector<std::string> found;
    for (const auto& dir : dirs) {
        if (!fs::exists(root / dir)) {
            continue;
        }
        for (const auto& item : fs::recursive_directory_iterator(root / dir)) {
            const auto ext = item.path().extension();
            if (!item.is_regular_file() || (ext != ".cpp" && ext != ".h" && ext != ".in")) {
                continue;
            }
            const std::string relative = item.path().lexically_relative(root).generic_string();
            if (relative == "core/include/agentrun/errorcodes.h") {
                continue;
            }
            std::ifstream in(item.path());
            std::string line;
            for (int number = 1; std::getline(in, line); ++number) {
                std::string code = line.substr(0, line.find("//"));
                const auto first = code.find_first_not_of(" \t");
                if (first != std::string::npos && code[first] == '*') {
                    continue; // inside a block comment
                }
                if (first != std::string::npos && code.compare(first, 8, "#include") == 0) {
                    continue; // a header's name ("server.h"), not a code
                }
                for (auto it = std::sregex_iterator(code.begin(), code.end(), literal);
                     it != std::sregex_iterator(); ++it) {
                    const std::string text = (*it)[1].str() + "." + (*it)[2].str();
                    if (!areas.contains((*it)[1].str())) {
                        continue;
                    }
                    const bool excepted = std::ranges::any_of(NotCodes, [&](const Exception& e) {
                        return e.file == relative && e.literal == text;
                    });
                    if (!excepted) {
                        found.push_back(relative + ":" + std::to_string(number) + ": \"" + text + "\"");
                    }
                }
            }
        }
    }
    return found;
}

void write(const fs::path& path, const std::string& text)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

} // namespace

class TstErrorCodes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyCodeOnceWellFormedAndDocumented()
    {
        static const std::regex code(R"(^[a-z_]+(\.[a-z_]+)*$)");
        std::set<std::string_view> seen;
        int count = 0;
        for (const auto& area : errc::areas) {
            QVERIFY(!area.title.empty() && !area.about.empty() && !area.entries.empty());
            for (const auto& entry : area.entries) {
                const std::string shown(entry.code);
                QVERIFY2(seen.insert(entry.code).second, (shown + " is in the catalogue twice").c_str());
                QVERIFY2(entry.family || std::regex_match(std::string(entry.code), code),
                         (shown + " is not lower_case.dotted").c_str());
                QVERIFY2(!entry.family || entry.code.ends_with('.') || entry.code == "--", shown.c_str());
                QVERIFY2(entry.meaning.ends_with('.') && entry.meaning.size() > 15,
                         (shown + ": meaning").c_str());
                QVERIFY2(entry.action.ends_with('.') && entry.action.size() > 10,
                         (shown + ": what to do").c_str());
                ++count;
            }
        }
        QVERIFY2(count >= 100, qPrintable(QString::number(count)));
    }

    void kindsAreReadFromTheCatalogue()
    {
        QVERIFY(errc::kindOf(errc::DepsCachedNotWhitelisted) == errc::Kind::Rejected);
        QVERIFY(errc::kindOf(errc::DepsSpec) == errc::Kind::Invalid);
        QVERIFY(errc::kindOf(errc::HistoryAmbiguous) == errc::Kind::NotFound);
        QVERIFY(errc::kindOf(errc::RunPidsLimit) == errc::Kind::Limit);
        QVERIFY(errc::kindOf(errc::EngineProtocol) == errc::Kind::Unavailable);
        // Families: the field follows the prefix; the exact code wins over its family.
        QCOMPARE(errc::find("profile.limits.memory")->code, std::string_view(errc::ProfileFamily));
        QCOMPARE(errc::find("policy.rules.network")->code, std::string_view(errc::PolicyFamily));
        QCOMPARE(errc::find("--max-memory")->code, std::string_view(errc::OptionFamily));
        QCOMPARE(errc::find(errc::PolicyJson)->code, std::string_view("policy.json"));
        QCOMPARE(errc::find("limits.timeout_seconds")->code, std::string_view(errc::LimitsFamily));
        // Unknown codes are plain failures, and a bare prefix is no code.
        QVERIFY(errc::find("nothing.like_this") == nullptr);
        QVERIFY(errc::find("limits.") == nullptr);
        QVERIFY(errc::kindOf("") == errc::Kind::Failed);
    }

    /// The scan finds a planted literal, in code but not in a comment, and not in the catalogue itself.
    void scanFindsAPlantedLiteral()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const fs::path root = dir.path().toStdString();
        write(root / "core/src/x.cpp", "return fail(\"engine.unreachable\", \"m\");\n"
                                       "// \"engine.timeout\" in a comment is fine\n"
                                       "auto p = \"os.system\"; // not an area\n");
        write(root / "app/cli/y.cpp", "if (code == \"history.brand_new\") {}\n");
        write(root / "core/include/agentrun/errorcodes.h", "X(A, \"engine.unreachable\", ...)\n");
        write(root / "ui/mainwindow.cpp", "file(\"policy.json\");\n");
        const auto found = literalCodes(root, {"core", "app", "ui"});
        QCOMPARE(found.size(), std::size_t{2});
        QVERIFY(std::ranges::count(found, "core/src/x.cpp:1: \"engine.unreachable\"") == 1);
        QVERIFY(std::ranges::count(found, "app/cli/y.cpp:1: \"history.brand_new\"") == 1);
    }

    void noCodeLiteralOutsideTheCatalogue()
    {
        const auto found = literalCodes(AGENTRUN_SOURCE_DIR, {"core", "app", "ui"});
        std::string list;
        for (const auto& item : found) {
            list += "\n  " + item;
        }
        QVERIFY2(found.empty(),
                 qPrintable(QString::fromStdString("error codes written as literals; use the constants of "
                                                   "agentrun/errorcodes.h (add new codes there):" +
                                                   list)));
    }
};

QTEST_GUILESS_MAIN(TstErrorCodes)
#include "tst_errorcodes.moc"
