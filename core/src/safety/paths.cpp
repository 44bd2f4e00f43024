// Paths as the code spells them (literals, os.path.join, pathlib's `/`, expanduser, Path.home()),
// and what calls do with them: destructive or persistent writes under system paths, archive members
// that escape their folder, key and credential files, walks of the whole file system, and files that
// change what the interpreter imports (.pth in site-packages, sitecustomize).

#include "callargs.h"
#include "rules.h"

#include <algorithm>
#include <array>
#include <unordered_set>

namespace agentrun::safety {

namespace {

using namespace std::string_view_literals;

struct PathCall
{
    std::string_view name;
    std::array<int, 2> arguments; ///< positions of path arguments (-1: none)
    std::string_view verb;        ///< completes "`name` … `path`"
};

constexpr std::array pathCalls{
    PathCall{"shutil.rmtree", {0, -1}, "removes"},
    PathCall{"shutil.move", {0, 1}, "moves"},
    PathCall{"shutil.copy", {1, -1}, "copies into"},
    PathCall{"shutil.copy2", {1, -1}, "copies into"},
    PathCall{"shutil.copyfile", {1, -1}, "copies into"},
    PathCall{"shutil.copytree", {1, -1}, "copies into"},
    PathCall{"shutil.chown", {0, -1}, "changes the owner of"},
    PathCall{"shutil.unpack_archive", {1, -1}, "extracts into"},
    PathCall{"os.remove", {0, -1}, "removes"},
    PathCall{"os.unlink", {0, -1}, "removes"},
    PathCall{"os.rmdir", {0, -1}, "removes"},
    PathCall{"os.removedirs", {0, -1}, "removes"},
    PathCall{"os.rename", {0, 1}, "renames"},
    PathCall{"os.renames", {0, 1}, "renames"},
    PathCall{"os.replace", {0, 1}, "replaces"},
    PathCall{"os.chmod", {0, -1}, "changes the mode of"},
    PathCall{"os.lchmod", {0, -1}, "changes the mode of"},
    PathCall{"os.chown", {0, -1}, "changes the owner of"},
    PathCall{"os.lchown", {0, -1}, "changes the owner of"},
    PathCall{"os.truncate", {0, -1}, "truncates"},
    PathCall{"os.symlink", {0, 1}, "links"},
    PathCall{"os.link", {0, 1}, "links"},
    PathCall{"os.mkdir", {0, -1}, "creates"},
    PathCall{"os.makedirs", {0, -1}, "creates"},
    PathCall{"os.utime", {0, -1}, "touches"},
    PathCall{"os.mkfifo", {0, -1}, "creates"},
    PathCall{"os.mknod", {0, -1}, "creates"},
};

constexpr std::array pathMethods{"write_text"sv, "write_bytes"sv, "unlink"sv,     "rmdir"sv,
                                 "chmod"sv,      "lchmod"sv,      "touch"sv,      "mkdir"sv,
                                 "rename"sv,     "replace"sv,     "symlink_to"sv, "hardlink_to"sv};

constexpr std::array walkCalls{"os.walk"sv,    "os.fwalk"sv,  "os.listdir"sv,
                               "os.scandir"sv, "glob.glob"sv, "glob.iglob"sv};

constexpr std::array systemFolders{"etc"sv,   "usr"sv,  "bin"sv, "sbin"sv, "lib"sv,  "lib32"sv,
                                   "lib64"sv, "boot"sv, "var"sv, "root"sv, "home"sv, "opt"sv,
                                   "sys"sv,   "proc"sv, "dev"sv, "srv"sv,  "run"sv,  "snap"sv};

constexpr std::array secretMarkers{
    "/.ssh/"sv,       "~/.ssh"sv,  "id_rsa"sv,           "id_ed25519"sv,
    "id_ecdsa"sv,     "id_dsa"sv,  ".aws/credentials"sv, "/.netrc"sv,
    "~/.netrc"sv,     ".pgpass"sv, ".git-credentials"sv, ".docker/config.json"sv,
    ".kube/config"sv, "/.gnupg"sv, "/etc/ssh/"sv,        ".config/gcloud"sv};

// Files under the home folder that later shells, logins or interpreters read and trust.
constexpr std::array startupFiles{"/.bashrc"sv,
                                  "/.bash_profile"sv,
                                  "/.bash_login"sv,
                                  "/.profile"sv,
                                  "/.zshrc"sv,
                                  "/.zprofile"sv,
                                  "/.ssh"sv,
                                  "/.config/autostart"sv,
                                  "/.config/systemd"sv,
                                  "/.local/lib/python"sv,
                                  "/.local/bin"sv,
                                  "/.pythonrc"sv,
                                  "/.gitconfig"sv,
                                  "/.config/pip"sv,
                                  "/.pip/"sv,
                                  "/.pypirc"sv,
                                  "/.netrc"sv,
                                  "/.aws"sv,
                                  "/.docker"sv,
                                  "/.kube"sv};

/// '/', a folder of the system (not /tmp, /mnt, /media, /dev/null and friends), or the home folder:
/// all of it for removals (`destructive`), its start-up and trust files for writes.
bool isSystemPath(std::string_view path, bool destructive)
{
    if (path.starts_with("~")) {
        if (path.size() > 1 && path[1] != '/')
            return false; // ~user is another user's home: treated like a literal folder name
        if (destructive || path == "~" || path == "~/")
            return true;
        return std::ranges::any_of(startupFiles,
                                   [&](std::string_view f) { return path.substr(1).starts_with(f); });
    }
    if (!path.starts_with("/"))
        return false;
    while (path.size() > 1 && path.starts_with("//"))
        path.remove_prefix(1);
    if (path == "/" || path == "/." || path.starts_with("/?")) // "/?": something right under the root
        return true;
    static constexpr std::array harmless{"/dev/null"sv, "/dev/stdout"sv, "/dev/stderr"sv,
                                         "/dev/shm"sv,  "/var/tmp"sv,    "/run/user"sv};
    for (const auto h : harmless)
        if (path.starts_with(h))
            return false;
    const auto slash = path.find('/', 1);
    const std::string_view first = path.substr(1, slash == std::string_view::npos ? path.npos : slash - 1);
    return std::ranges::find(systemFolders, first) != systemFolders.end();
}

bool isWriteMode(std::string_view mode)
{
    return mode.find_first_of("wax+") != std::string_view::npos;
}

class PathChecker
{
public:
    PathChecker(Analysis& analysis) : a(analysis), t(analysis.tree()) {}

    /// The path an expression spells, when the code spells it: "~" stands for the home folder.
    std::optional<std::string> pathOf(std::int32_t node, int depth = 0) const
    {
        if (node < 0 || depth > 8)
            return std::nullopt;
        const Node& n = t.node(node);
        switch (n.kind) {
        case Kind::String:
        case Kind::ConcatenatedString:
            return a.constantString(node);
        case Kind::Identifier: {
            const std::int32_t value = a.singleValue(node);
            return value >= 0 ? pathOf(value, depth + 1) : std::nullopt;
        }
        case Kind::ParenthesizedExpression: {
            const auto inner = t.namedChildren(node);
            return inner.size() == 1 ? pathOf(inner.front(), depth + 1) : std::nullopt;
        }
        case Kind::BinaryOperator: {
            const std::int32_t op = t.child(node, Field::Operator);
            const std::string_view o = op >= 0 ? t.text(op) : std::string_view();
            const auto left = pathOf(t.child(node, Field::Left), depth + 1);
            if (!left)
                return std::nullopt;
            const auto right = pathOf(t.child(node, Field::Right), depth + 1);
            if (o == "/")
                return join(*left, right ? *right : std::string("?"));
            if (o == "+" && right)
                return *left + *right;
            return std::nullopt;
        }
        case Kind::Call:
            return callPath(node, depth);
        default:
            return std::nullopt;
        }
    }

    /// Cheap filter before arguments are collected: most calls are none of these.
    bool isRelevant(std::int32_t call, const std::vector<std::string>& callee) const
    {
        static const std::unordered_set<std::string_view> names = [] {
            std::unordered_set<std::string_view> out{"open",    "io.open",         "codecs.open",
                                                     "os.open", "tarfile.TarInfo", "zipfile.ZipInfo"};
            for (const auto& pc : pathCalls)
                out.insert(pc.name);
            out.insert(walkCalls.begin(), walkCalls.end());
            return out;
        }();
        static const std::unordered_set<std::string_view> methods = [] {
            std::unordered_set<std::string_view> out{"extractall", "extract",    "writestr", "rglob",
                                                     "glob",       "iterdir",    "walk",     "open",
                                                     "read_text",  "read_bytes", "add",      "write"};
            out.insert(pathMethods.begin(), pathMethods.end());
            return out;
        }();
        for (const auto& c : callee)
            if (names.contains(c))
                return true;
        const std::int32_t function = t.child(call, Field::Function);
        if (function < 0 || t.node(function).kind != Kind::Attribute)
            return false;
        const std::int32_t attr = t.child(function, Field::AttributeName);
        return attr >= 0 && methods.contains(a.name(attr));
    }

    void checkCall(std::int32_t call, const std::vector<std::string>& callee)
    {
        if (!isRelevant(call, callee))
            return;
        const CallArgs args(a, call);
        for (const auto& pc : pathCalls) {
            if (!anyOf(callee, pc.name))
                continue;
            for (const int index : pc.arguments)
                if (index >= 0)
                    if (reportSystemPath(call, args.get(static_cast<std::size_t>(index)), pc.name, pc.verb))
                        return;
            return;
        }
        if (anyOf(callee, "open") || anyOf(callee, "io.open") || anyOf(callee, "codecs.open")) {
            const std::int32_t modeNode = args.get(1, "mode");
            const auto mode = modeNode >= 0 ? a.constantString(modeNode) : std::optional<std::string>("r");
            if (mode && isWriteMode(*mode))
                reportSystemPath(call, args.get(0, "file"), "open", "writes");
            if (const auto path = pathOf(args.get(0, "file"));
                path && (*path == "/dev/mem" || *path == "/dev/kmem" || *path == "/dev/port" ||
                         (path->starts_with("/proc/") && path->ends_with("/mem"))))
                a.report(rules::nativeCode, call, "`open('" + *path + "')` reaches raw memory");
            checkSecret(call, args.get(0, "file"));
            return;
        }
        if (anyOf(callee, "os.open")) {
            const std::int32_t flags = args.get(1, "flags");
            const std::string_view text = flags >= 0 ? t.text(flags) : std::string_view();
            if (text.find("WRONLY") != text.npos || text.find("RDWR") != text.npos ||
                text.find("CREAT") != text.npos || text.find("APPEND") != text.npos ||
                text.find("TRUNC") != text.npos)
                reportSystemPath(call, args.get(0, "path"), "os.open", "writes");
            return;
        }
        for (const std::string_view walk : walkCalls)
            if (anyOf(callee, walk)) {
                checkWalk(call, args.get(0), walk, walk.starts_with("glob"));
                return;
            }
        if (anyOf(callee, "tarfile.TarInfo") || anyOf(callee, "zipfile.ZipInfo"))
            checkMember(call, args.get(0, "name"));
        if (const std::int32_t arcname = args.keyword("arcname"); arcname >= 0)
            checkMember(call, arcname);
        const std::int32_t function = t.child(call, Field::Function);
        if (function < 0 || t.node(function).kind != Kind::Attribute)
            return;
        const std::int32_t attr = t.child(function, Field::AttributeName);
        const std::string_view method = attr >= 0 ? a.name(attr) : std::string_view();
        const std::int32_t object = t.child(function, Field::Object);
        if (method == "extractall" || method == "extract") {
            const std::int32_t filter = args.keyword("filter");
            if (filter >= 0 && a.constantString(filter) == "fully_trusted")
                a.report(rules::systemPathWrite, call,
                         "`" + std::string(method) +
                             "(filter='fully_trusted')` lets members escape the folder");
            reportSystemPath(call, args.get(method == "extractall" ? 0 : 1, "path"), method, "extracts into");
            return;
        }
        if (method == "writestr") {
            checkMember(call, args.get(0));
            return;
        }
        if (method == "rglob" || method == "glob" || method == "iterdir" || method == "walk") {
            if (const auto base = pathOf(object))
                if (*base == "/" || *base == "~")
                    a.report(rules::secretAccess, call,
                             "walks `" + *base + "` (" +
                                 (*base == "/" ? "the whole file system" : "the home folder") +
                                 "), the way credential harvesters look for keys");
            return;
        }
        const bool opensForWrite = method == "open" && [&] {
            const auto mode = a.constantString(args.get(0, "mode"));
            return mode && isWriteMode(*mode);
        }();
        if (opensForWrite || std::ranges::find(pathMethods, method) != pathMethods.end())
            reportSystemPath(call, object, method, "writes");
        if (method == "read_text" || method == "read_bytes" || method == "open")
            checkSecret(call, object);
    }

    void checkString(std::int32_t node, std::string_view value)
    {
        if (value.size() > 512)
            return;
        if (value.find("site-packages/") != value.npos || value.find("dist-packages/") != value.npos ||
            value.find("sitecustomize") != value.npos || value.find("usercustomize") != value.npos) {
            a.report(rules::importPath, node,
                     "`" + std::string(value.substr(0, 60)) +
                         "` names an import location or start-up file: writing it changes what every later "
                         "interpreter runs");
            return;
        }
        if (value.find("docker.sock") != value.npos || value.find("containerd.sock") != value.npos ||
            value.find("podman.sock") != value.npos) {
            a.report(rules::processExec, node,
                     "`" + std::string(value.substr(0, 60)) +
                         "` is a container engine's API: whoever talks to it starts containers on the host");
            return;
        }
        for (const auto marker : secretMarkers)
            if (value.find(marker) != value.npos) {
                a.report(rules::secretAccess, node,
                         "`" + std::string(value.substr(0, 60)) + "` is a key or credential file");
                return;
            }
    }

private:
    Analysis& a;
    const SyntaxTree& t;

    static std::string join(const std::string& left, const std::string& right)
    {
        if (right.starts_with("/"))
            return right;
        if (left.ends_with("/"))
            return left + right;
        return left + "/" + right;
    }

    std::optional<std::string> callPath(std::int32_t call, int depth) const
    {
        const std::int32_t function = t.child(call, Field::Function);
        const auto& callee = a.resolve(function);
        const CallArgs args(a, call);
        auto joinAll = [&](std::size_t from) -> std::optional<std::string> {
            std::optional<std::string> out;
            for (std::size_t i = from; i < args.positional.size(); ++i) {
                const auto part = pathOf(args.positional[i], depth + 1);
                if (!part)
                    return out ? std::optional(join(*out, "?")) : std::nullopt;
                out = out ? join(*out, *part) : *part;
            }
            return out;
        };
        static constexpr std::array constructors{"pathlib.Path"sv, "pathlib.PurePath"sv,
                                                 "pathlib.PosixPath"sv, "pathlib.PurePosixPath"sv,
                                                 "os.path.join"sv};
        for (const auto c : constructors)
            if (anyOf(callee, c))
                return joinAll(0);
        if (anyOf(callee, "pathlib.Path.home") || anyOf(callee, "pathlib.PosixPath.home"))
            return std::string("~");
        static constexpr std::array passThrough{"os.path.expanduser"sv, "os.path.abspath"sv,
                                                "os.path.normpath"sv,   "os.path.realpath"sv,
                                                "os.fspath"sv,          "str"sv};
        for (const auto c : passThrough)
            if (anyOf(callee, c))
                return args.positional.empty() ? std::nullopt : pathOf(args.positional[0], depth + 1);
        if (function >= 0 && t.node(function).kind == Kind::Attribute) {
            const std::int32_t attr = t.child(function, Field::AttributeName);
            const std::string_view method = attr >= 0 ? a.name(attr) : std::string_view();
            if (method == "expanduser" || method == "resolve" || method == "absolute")
                return pathOf(t.child(function, Field::Object), depth + 1);
            if (method == "joinpath") {
                const auto base = pathOf(t.child(function, Field::Object), depth + 1);
                const auto rest = joinAll(0);
                if (base && rest)
                    return join(*base, *rest);
            }
        }
        return std::nullopt;
    }

    bool reportSystemPath(std::int32_t call, std::int32_t argument, std::string_view name,
                          std::string_view verb)
    {
        const auto path = pathOf(argument);
        const bool destructive = verb == "removes" || verb == "moves" || verb == "renames" ||
                                 verb == "replaces" || verb == "truncates" || verb.starts_with("changes");
        if (!path || !isSystemPath(*path, destructive))
            return false;
        a.report(rules::systemPathWrite, call,
                 "`" + std::string(name) + "` " + std::string(verb) + " `" + path->substr(0, 60) +
                     "`, outside the working folder (a system or home path)");
        return true;
    }

    void checkSecret(std::int32_t call, std::int32_t argument)
    {
        if (argument < 0 || t.node(argument).kind == Kind::String) // literals are checked on their own
            return;
        if (const auto path = pathOf(argument))
            for (const auto marker : secretMarkers)
                if (path->find(marker) != std::string::npos) {
                    a.report(rules::secretAccess, call,
                             "reads `" + path->substr(0, 60) + "`, a key or credential file");
                    return;
                }
    }

    void checkWalk(std::int32_t call, std::int32_t argument, std::string_view name, bool pattern)
    {
        const auto path = pathOf(argument);
        if (!path)
            return;
        const bool whole = *path == "/" || *path == "~" || *path == "~/" ||
                           (pattern && (path->starts_with("/*") || path->starts_with("/home/*") ||
                                        path->starts_with("~/**") || path->starts_with("/root/")));
        if (whole)
            a.report(
                rules::secretAccess, call,
                "`" + std::string(name) + "('" + path->substr(0, 40) +
                    "')` walks the whole file system or the home folder, the way credential harvesters look "
                    "for keys");
    }

    void checkMember(std::int32_t call, std::int32_t argument)
    {
        const auto name = argument >= 0 ? a.constantString(argument) : std::nullopt;
        if (name &&
            (name->starts_with("/") || name->starts_with("../") || name->find("/../") != std::string::npos))
            a.report(rules::systemPathWrite, call,
                     "the archive member `" + name->substr(0, 60) +
                         "` escapes the folder it is extracted into");
    }
};

} // namespace

void checkPathCall(Analysis& analysis, std::int32_t call, const std::vector<std::string>& callee)
{
    PathChecker(analysis).checkCall(call, callee);
}

void checkPathString(Analysis& analysis, std::int32_t node, std::string_view value)
{
    PathChecker(analysis).checkString(node, value);
}

} // namespace agentrun::safety
