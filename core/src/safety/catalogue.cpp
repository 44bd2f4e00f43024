// The rule catalogue: each rule's id, title, explanation, hint and default severity, and the
// severity names policies use.

#include "rules.h"

#include <algorithm>
#include <array>
#include <string>

namespace agentrun::safety {

namespace {

struct CatalogueEntry
{
    std::string_view id;
    std::string_view title;
    std::string_view explanation;
    std::string_view hint;
    Severity severity;
};

constexpr std::array catalogue{
    CatalogueEntry{
        rules::processExec, "Process execution",
        "Starting programs or shells: os.system, os.popen, the os.exec*/spawn*/posix_spawn families, "
        "os.fork, subprocess (Popen, run, call, check_output, ...), pty.spawn, "
        "asyncio.create_subprocess_*. Found through aliases (`import subprocess as sp`, "
        "`from os import system as s`, `run = subprocess.run`), star imports and getattr with "
        "literal names, name resolvers (pydoc.locate('os.system')), the arguments of lambdas and "
        "functions of the file, loops over literal sequences and match captures. It does not follow "
        "objects through containers or the return values of the file's own functions.",
        "Do the work in Python (shutil, pathlib, the library the command wraps) instead of a shell.",
        Severity::Block},
    CatalogueEntry{
        rules::dynamicCode, "Dynamic code",
        "eval, exec, compile and execfile turn strings into code the check cannot see, whether "
        "called, aliased (`f = eval`), passed as a value or used as a decorator (`@exec`). When the "
        "argument is built from chr(), concatenation or base64 the message shows what it decodes to.",
        "Write the code directly; for data use json.loads or ast.literal_eval.", Severity::Block},
    CatalogueEntry{rules::dynamicImport, "Dynamic import",
                   "__import__, importlib.import_module and friends with a name the check cannot read "
                   "(a variable, concatenation, chr()), and loaders that import from files "
                   "(importlib.util.spec_from_file_location, runpy, imp). A literal name is treated like an "
                   "ordinary import statement.",
                   "Use a plain `import name` statement.", Severity::Block},
    CatalogueEntry{rules::reflection, "Reflection on computed or dangerous names",
                   "getattr with a computed attribute name, getattr/operator.attrgetter/methodcaller with "
                   "a dangerous literal ('system', '__globals__'), and vars() of a module or of the current "
                   "scope. getattr(obj, \"literal\") with an ordinary name is fine.",
                   "Access the attribute directly (obj.name) or use a dict for dispatch.", Severity::Block},
    CatalogueEntry{rules::attributeWrite, "Attribute writes with computed names",
                   "setattr/delattr with a computed name. Common in ordinary code (copying kwargs onto an "
                   "object), so only a warning.",
                   "Prefer explicit attributes or a dict.", Severity::Warn},
    CatalogueEntry{
        rules::introspection, "Introspection escapes",
        "Attributes that walk from any object to the interpreter's internals: __subclasses__, "
        "__globals__, __code__, __closure__, __bases__/__base__/__mro__, __self__ of builtins, "
        "gc.get_objects/get_referrers, also in match class patterns (`case object(__globals__=g)`). "
        "Ordinary dunders (__init__, __name__, __class__, __dict__ of own objects) are not this rule.",
        "Use the object's public API.", Severity::Block},
    CatalogueEntry{rules::dunderAccess, "Unusual dunder access",
                   "Dunder attributes that are sometimes legitimate but also feature in escapes: __dict__, "
                   "__getattribute__, __reduce__, __loader__, __spec__, __defaults__, __traceback__, "
                   "vars() of a local object.",
                   "Check that the attribute is really needed.", Severity::Warn},
    CatalogueEntry{rules::frameAccess, "Frame access",
                   "Reaching stack frames, which expose every caller's globals and builtins: gi_frame, "
                   "cr_frame, f_back, f_globals, f_builtins, f_locals, tb_frame, sys._getframe, "
                   "inspect.currentframe/stack, sys.settrace/setprofile.",
                   "Use logging or traceback.format_exc for diagnostics.", Severity::Block},
    CatalogueEntry{rules::codeObjects, "Code objects",
                   "Constructing code or function objects (types.CodeType, types.FunctionType called), "
                   "which runs bytecode the check never saw. isinstance checks against these types are fine.",
                   "Define the function with def.", Severity::Block},
    CatalogueEntry{rules::nativeCode, "Native code",
                   "ctypes, _ctypes and cffi load and call machine code, bypassing everything Python-level.",
                   "Use a Python package that wraps the library.", Severity::Block},
    CatalogueEntry{rules::deserialization, "Unsafe deserialisation",
                   "pickle/cPickle/dill/cloudpickle loading, marshal.load(s), shelve, yaml.unsafe_load and "
                   "yaml.load without a safe Loader: loading such data runs code chosen by whoever wrote it.",
                   "Use json, csv or yaml.safe_load.", Severity::Block},
    CatalogueEntry{
        rules::builtinsAccess, "Builtins and module table access",
        "__builtins__, the builtins module's dangerous members, sys.modules, globals() and locals(): "
        "lookups by string that reach eval, os or anything else without naming it.",
        "Name what you need directly.", Severity::Block},
    CatalogueEntry{rules::formatString, "Format-string attribute access",
                   "str.format fields that read attributes or items starting with '_' "
                   "('{0.__globals__}'.format(f)) and string.Formatter, which does the same for any format "
                   "string. f-strings are checked like ordinary code.",
                   "Use f-strings or format plain values.", Severity::Block},
    CatalogueEntry{
        rules::hostProbing, "Host probing",
        "Literal paths and addresses that only make sense for looking around the host: /proc, /sys, "
        "/etc/shadow, /etc/passwd, /root, ~/.ssh, the Docker socket, the cloud metadata address; "
        "dumping the whole environment (dict(os.environ), os.environ.items()). Reading single "
        "variables (os.environ.get) is fine. Inside the container these show nothing of the host.",
        "Read files from the working directory and the variables you need by name.", Severity::Warn},
    CatalogueEntry{rules::signals, "Signals to other processes",
                   "os.kill, os.killpg and signal.pthread_kill send signals to processes.",
                   "Let the program end normally (sys.exit).", Severity::Block},
    CatalogueEntry{rules::network, "Network",
                   "Imports of networking modules (socket, urllib.request, http.client, requests, httpx, "
                   "aiohttp, ...). Allowed by default like AgentRun (runs have no network unless the profile "
                   "gives it); a policy can block it.",
                   "Runs have no network unless the profile allows it.", Severity::Info},
    CatalogueEntry{
        rules::blockedModule, "Module blocked by the policy",
        "Importing a module the policy lists under blocked_modules (strict: subprocess, socket, pickle, "
        "...), in any form: import, from-import, literal __import__/importlib.import_module.",
        "Choose another module or another policy.", Severity::Block},
    CatalogueEntry{rules::blockedCall, "Name blocked by the policy",
                   "Using a qualified name the policy lists under blocked_calls (AgentRun compat: its unsafe "
                   "function names).",
                   "Choose another function or another policy.", Severity::Block},
    CatalogueEntry{rules::blockedAttribute, "Attribute blocked by the policy",
                   "Reading or writing an attribute the policy lists under blocked_attributes.",
                   "Choose another attribute or another policy.", Severity::Block},
    CatalogueEntry{
        rules::restrictedPython, "RestrictedPython pattern (AgentRun compat)",
        "The agentrun-compat preset reproduces AgentRun 0.2.5's RestrictedPython pass: names and "
        "attributes starting with '_', async code, annotated assignments, match statements and other "
        "statements RestrictedPython does not allow.",
        "Use the standard policy for ordinary Python.", Severity::Block},
    CatalogueEntry{rules::syntaxError, "Syntax error",
                   "The source does not parse as Python 3: the finding gives the position and the reason "
                   "(CPython's wording for unclosed brackets, unterminated strings and Python 2 print/exec).",
                   "Fix the syntax at the position shown.", Severity::Block},
    CatalogueEntry{rules::unknownSyntax, "Syntax the analyzer does not know",
                   "Default deny: a construct the analyzer has no rules for (a node type outside its table, "
                   "such as a newer grammar's) is blocked rather than trusted.",
                   "Rewrite the construct with ordinary Python 3 syntax.", Severity::Block},
    CatalogueEntry{rules::encoding, "Encoding",
                   "The source must be UTF-8 without NUL bytes; anything else fails closed.",
                   "Save the file as UTF-8.", Severity::Block},
    CatalogueEntry{rules::tooLarge, "Too large",
                   "Sources over 1 MiB are not analysed (bounded time and memory) and fail closed.",
                   "Split the program or load data from files.", Severity::Block},
    CatalogueEntry{rules::tooComplex, "Too deeply nested",
                   "More than 200 nested brackets (CPython's own limit), more than 1000 nested syntax nodes, "
                   "or a parse that exceeds its time budget fails closed.",
                   "Flatten the expression.", Severity::Block},
    CatalogueEntry{
        rules::nameResolution, "Name resolution to code",
        "Standard-library resolvers that turn a dotted name into an object: pkgutil.resolve_name, "
        "pydoc.locate/resolve, unittest.mock's importer, logging.config's resolve. A literal name is "
        "followed (`pydoc.locate('os.system')` is os.system, judged by the rule for os.system); a "
        "computed name is blocked. logging.config.dictConfig factories (\"()\", \"class\", ext://) "
        "naming a dangerous callable are blocked too.",
        "Import the module and use the object directly.", Severity::Block},
    CatalogueEntry{
        rules::importPath, "Import path changes",
        "Changing where imports come from: sys.path/meta_path/path_hooks mutations (insert, append, "
        "assignment, slices, +=), site.addsitedir, writes of .pth, sitecustomize or usercustomize files "
        "and of site-packages locations, and setting PYTHONPATH, PYTHONSTARTUP, PYTHONHOME, "
        "PYTHONINSPECT, PYTHONBREAKPOINT, LD_PRELOAD or LD_LIBRARY_PATH in the environment. Reading "
        "sys.path is fine.",
        "Put helper code beside the program and import it normally.", Severity::Block},
    CatalogueEntry{rules::runtimeInstall, "Runtime package installs",
                   "Installing packages while the program runs through pip's own modules (pip, "
                   "pip._internal), ensurepip, setuptools' easy_install, venv, conda or micropip. "
                   "(pip through a subprocess is process-exec.)",
                   "Declare the dependencies of the run instead (the deps of the run spec).",
                   Severity::Block},
    CatalogueEntry{
        rules::systemPathWrite, "Destructive or persistent writes to system paths",
        "Removing, moving, truncating, chmod/chown-ing or writing files under system paths ('/', /etc, "
        "/usr, /bin, /lib, /boot, /var, /opt, /root, /home, /sys, /proc, /dev, cron and systemd folders; "
        "in the user's home `~`, removals of anything and writes of start-up and trust files such as "
        "~/.bashrc or ~/.ssh/authorized_keys), as the path is spelled "
        "in the code (literals, os.path.join, pathlib's `/`, expanduser, Path.home()). Also archive "
        "extraction into such paths or with filter='fully_trusted', and archive members named with "
        "'../' or an absolute path. The working folder and /tmp are fine.",
        "Write inside the working folder (or /tmp) instead.", Severity::Block},
    CatalogueEntry{
        rules::secretAccess, "Secret harvesting",
        "Reading key and credential files (~/.ssh, id_rsa, .aws/credentials, .netrc, .pgpass, "
        ".git-credentials, .docker/config.json, .kube/config, .gnupg, netrc, keyring) and walking or "
        "listing the whole file system or the home folder (os.walk('/'), glob('/**'), "
        "Path('/').rglob). Environment dumps are host-probing.",
        "Read only the files of the task, passed in as inputs.", Severity::Warn},
    CatalogueEntry{rules::exfiltration, "Exfiltration channels",
                   "DNS lookups (socket.gethostbyname/getaddrinfo, dnspython) of a host name built at run "
                   "time (concatenation, f-string, format, join): a classic channel for leaking data even "
                   "without network access, as the resolver forwards the name. Literal host names are fine.",
                   "Look up literal host names only.", Severity::Block},
    CatalogueEntry{
        rules::sourceHiding, "Source hiding",
        "Source a person reads differently from the interpreter: a coding declaration other than UTF-8 "
        "(utf-7, unicode_escape, latin-1, utf-16: the interpreter decodes the file differently from what "
        "the check and the reader see), a lone carriage return (a line break for Python, invisible in "
        "many terminals and viewers; the check reads the source as Python does), and bidirectional "
        "control characters (Trojan Source, CVE-2021-42574).",
        "Save the file as plain UTF-8 without control characters.", Severity::Block},
    CatalogueEntry{rules::debugger, "Debuggers and consoles",
                   "Interactive debuggers and consoles run whatever is typed on stdin: pdb.set_trace, "
                   "breakpoint() (which also calls whatever PYTHONBREAKPOINT names), pdb.Pdb, post_mortem, "
                   "runcall, bdb, ipdb, pudb, IPython.embed, and assigning sys.breakpointhook.",
                   "Remove the debugger call; print or log what you need.", Severity::Block},
    CatalogueEntry{rules::terminalInjection, "Terminal injection",
                   "Typing into the controlling terminal: fcntl.ioctl with TIOCSTI (0x5412) or TIOCLINUX "
                   "(0x541C), or with a computed request, and the OSC 52 escape sequence that writes the "
                   "clipboard of the terminal showing the output.",
                   "Write output with print; do not drive the terminal.", Severity::Block},
};

} // namespace

std::string_view toString(Severity severity)
{
    switch (severity) {
    case Severity::Info:
        return "info";
    case Severity::Warn:
        return "warn";
    case Severity::Block:
        return "block";
    }
    return "block";
}

std::optional<Severity> severityFromString(std::string_view text)
{
    if (text == "block")
        return Severity::Block;
    if (text == "warn")
        return Severity::Warn;
    if (text == "info")
        return Severity::Info;
    return std::nullopt;
}

std::vector<RuleInfo> ruleCatalogue()
{
    std::vector<RuleInfo> out;
    out.reserve(catalogue.size());
    for (const auto& entry : catalogue)
        out.push_back({std::string(entry.id), std::string(entry.title), std::string(entry.explanation),
                       entry.severity});
    return out;
}

namespace rules {

std::string_view hintFor(std::string_view ruleId)
{
    for (const auto& entry : catalogue)
        if (entry.id == ruleId)
            return entry.hint;
    return {};
}

bool isKnownRule(std::string_view ruleId)
{
    return std::ranges::any_of(catalogue, [&](const auto& entry) { return entry.id == ruleId; });
}

} // namespace rules
} // namespace agentrun::safety
