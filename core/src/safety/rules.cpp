#include "rules.h"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>
#include <unordered_set>

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

using M = rules::Match;

// clang-format off
constexpr std::array nameTable{
    // process execution
    rules::NameEntry{"os.system", rules::processExec, "runs a shell command"},
    rules::NameEntry{"os.popen", rules::processExec, "runs a shell command"},
    rules::NameEntry{"os.execl", rules::processExec, "replaces the process with another program"},
    rules::NameEntry{"os.execle", rules::processExec, "replaces the process with another program"},
    rules::NameEntry{"os.execlp", rules::processExec, "replaces the process with another program"},
    rules::NameEntry{"os.execlpe", rules::processExec, "replaces the process with another program"},
    rules::NameEntry{"os.execv", rules::processExec, "replaces the process with another program"},
    rules::NameEntry{"os.execve", rules::processExec, "replaces the process with another program"},
    rules::NameEntry{"os.execvp", rules::processExec, "replaces the process with another program"},
    rules::NameEntry{"os.execvpe", rules::processExec, "replaces the process with another program"},
    rules::NameEntry{"os.spawnl", rules::processExec, "starts another program"},
    rules::NameEntry{"os.spawnle", rules::processExec, "starts another program"},
    rules::NameEntry{"os.spawnlp", rules::processExec, "starts another program"},
    rules::NameEntry{"os.spawnlpe", rules::processExec, "starts another program"},
    rules::NameEntry{"os.spawnv", rules::processExec, "starts another program"},
    rules::NameEntry{"os.spawnve", rules::processExec, "starts another program"},
    rules::NameEntry{"os.spawnvp", rules::processExec, "starts another program"},
    rules::NameEntry{"os.spawnvpe", rules::processExec, "starts another program"},
    rules::NameEntry{"os.posix_spawn", rules::processExec, "starts another program"},
    rules::NameEntry{"os.posix_spawnp", rules::processExec, "starts another program"},
    rules::NameEntry{"os.startfile", rules::processExec, "starts another program"},
    rules::NameEntry{"os.fork", rules::processExec, "forks the process"},
    rules::NameEntry{"os.forkpty", rules::processExec, "forks the process"},
    rules::NameEntry{"subprocess.Popen", rules::processExec, "starts another program"},
    rules::NameEntry{"subprocess.run", rules::processExec, "starts another program"},
    rules::NameEntry{"subprocess.call", rules::processExec, "starts another program"},
    rules::NameEntry{"subprocess.check_call", rules::processExec, "starts another program"},
    rules::NameEntry{"subprocess.check_output", rules::processExec, "starts another program"},
    rules::NameEntry{"subprocess.getoutput", rules::processExec, "runs a shell command"},
    rules::NameEntry{"subprocess.getstatusoutput", rules::processExec, "runs a shell command"},
    rules::NameEntry{"_posixsubprocess", rules::processExec, "is the native process launcher", M::Module},
    rules::NameEntry{"pty.spawn", rules::processExec, "starts another program"},
    rules::NameEntry{"platform.popen", rules::processExec, "runs a shell command"},
    rules::NameEntry{"commands.getoutput", rules::processExec, "runs a shell command"},
    rules::NameEntry{"asyncio.create_subprocess_exec", rules::processExec, "starts another program"},
    rules::NameEntry{"asyncio.create_subprocess_shell", rules::processExec, "runs a shell command"},
    // dynamic code
    rules::NameEntry{"eval", rules::dynamicCode, "evaluates a string as code"},
    rules::NameEntry{"exec", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"compile", rules::dynamicCode, "turns a string into code"},
    rules::NameEntry{"execfile", rules::dynamicCode, "runs a file as code"},
    rules::NameEntry{"code.interact", rules::dynamicCode, "starts an interpreter"},
    rules::NameEntry{"code.InteractiveInterpreter", rules::dynamicCode, "runs strings as code"},
    rules::NameEntry{"code.InteractiveConsole", rules::dynamicCode, "runs strings as code"},
    rules::NameEntry{"codeop.compile_command", rules::dynamicCode, "turns a string into code"},
    // dynamic import (literal arguments are handled as imports by the analyzer)
    rules::NameEntry{"__import__", rules::dynamicImport, "imports a module by a computed name"},
    rules::NameEntry{"importlib.import_module", rules::dynamicImport, "imports a module by a computed name"},
    rules::NameEntry{"importlib.util.spec_from_file_location", rules::dynamicImport, "imports code from a file"},
    rules::NameEntry{"importlib.util.module_from_spec", rules::dynamicImport, "creates a module from a loader"},
    rules::NameEntry{"importlib.machinery.SourceFileLoader", rules::dynamicImport, "imports code from a file"},
    rules::NameEntry{"importlib.machinery.ExtensionFileLoader", rules::dynamicImport, "loads native code"},
    rules::NameEntry{"importlib.reload", rules::dynamicImport, "re-imports a module"},
    rules::NameEntry{"imp", rules::dynamicImport, "loads modules from files", M::Module},
    rules::NameEntry{"runpy.run_path", rules::dynamicImport, "runs a file as code"},
    rules::NameEntry{"runpy.run_module", rules::dynamicImport, "runs a module by name"},
    rules::NameEntry{"zipimport.zipimporter", rules::dynamicImport, "imports code from an archive"},
    // reflection (calls checked argument by argument by the analyzer)
    rules::NameEntry{"vars", rules::reflection, "returns an object's namespace"},
    // introspection
    rules::NameEntry{"gc.get_objects", rules::introspection, "reaches every object of the interpreter"},
    rules::NameEntry{"gc.get_referrers", rules::introspection, "reaches objects by reference"},
    rules::NameEntry{"gc.get_referents", rules::introspection, "reaches objects by reference"},
    // frames
    rules::NameEntry{"sys._getframe", rules::frameAccess, "returns a stack frame"},
    rules::NameEntry{"sys._current_frames", rules::frameAccess, "returns stack frames"},
    rules::NameEntry{"sys.settrace", rules::frameAccess, "hands every frame to a callback"},
    rules::NameEntry{"sys.setprofile", rules::frameAccess, "hands every frame to a callback"},
    rules::NameEntry{"inspect.currentframe", rules::frameAccess, "returns a stack frame"},
    rules::NameEntry{"inspect.stack", rules::frameAccess, "returns stack frames"},
    rules::NameEntry{"inspect.trace", rules::frameAccess, "returns stack frames"},
    rules::NameEntry{"inspect.getouterframes", rules::frameAccess, "returns stack frames"},
    rules::NameEntry{"traceback.walk_stack", rules::frameAccess, "returns stack frames"},
    // code objects
    rules::NameEntry{"types.CodeType", rules::codeObjects, "builds a code object", M::Call},
    rules::NameEntry{"types.FunctionType", rules::codeObjects, "builds a function from a code object", M::Call},
    rules::NameEntry{"types.LambdaType", rules::codeObjects, "builds a function from a code object", M::Call},
    // native code
    rules::NameEntry{"ctypes", rules::nativeCode, "loads and calls native code", M::Module},
    rules::NameEntry{"_ctypes", rules::nativeCode, "loads and calls native code", M::Module},
    rules::NameEntry{"cffi", rules::nativeCode, "loads and calls native code", M::Module},
    // deserialisation
    rules::NameEntry{"pickle.load", rules::deserialization, "runs code chosen by the data it loads"},
    rules::NameEntry{"pickle.loads", rules::deserialization, "runs code chosen by the data it loads"},
    rules::NameEntry{"pickle.Unpickler", rules::deserialization, "runs code chosen by the data it loads"},
    rules::NameEntry{"_pickle", rules::deserialization, "is pickle's native loader", M::Module},
    rules::NameEntry{"cPickle", rules::deserialization, "runs code chosen by the data it loads", M::Module},
    rules::NameEntry{"dill.load", rules::deserialization, "runs code chosen by the data it loads"},
    rules::NameEntry{"dill.loads", rules::deserialization, "runs code chosen by the data it loads"},
    rules::NameEntry{"cloudpickle.load", rules::deserialization, "runs code chosen by the data it loads"},
    rules::NameEntry{"cloudpickle.loads", rules::deserialization, "runs code chosen by the data it loads"},
    rules::NameEntry{"marshal.load", rules::deserialization, "loads raw code objects"},
    rules::NameEntry{"marshal.loads", rules::deserialization, "loads raw code objects"},
    rules::NameEntry{"shelve.open", rules::deserialization, "unpickles what it reads"},
    rules::NameEntry{"yaml.unsafe_load", rules::deserialization, "builds arbitrary Python objects"},
    rules::NameEntry{"yaml.unsafe_load_all", rules::deserialization, "builds arbitrary Python objects"},
    rules::NameEntry{"jsonpickle.decode", rules::deserialization, "builds arbitrary Python objects"},
    // builtins and module tables
    rules::NameEntry{"__builtins__", rules::builtinsAccess, "reaches every builtin by name"},
    rules::NameEntry{"builtins", rules::builtinsAccess, "reaches every builtin by name"},
    rules::NameEntry{"sys.modules", rules::builtinsAccess, "reaches every loaded module by name"},
    rules::NameEntry{"globals", rules::builtinsAccess, "reaches module globals by name"},
    rules::NameEntry{"locals", rules::builtinsAccess, "reaches local variables by name"},
    // format strings
    rules::NameEntry{"string.Formatter", rules::formatString, "reads attributes named inside format strings"},
    // signals
    rules::NameEntry{"os.kill", rules::signals, "sends a signal to a process"},
    rules::NameEntry{"os.killpg", rules::signals, "sends a signal to a process group"},
    rules::NameEntry{"signal.pthread_kill", rules::signals, "sends a signal to a thread"},
    // dynamic code: standard-library entry points that run a string as code (the literal strings they
    // get are analysed as code by evasion.cpp; these entries catch the rest)
    rules::NameEntry{"timeit.timeit", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"timeit.repeat", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"timeit.Timer", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"cProfile.run", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"cProfile.runctx", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"cProfile.Profile().run", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"cProfile.Profile().runctx", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"profile.run", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"profile.runctx", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"profile.Profile().run", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"profile.Profile().runctx", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"trace.Trace().run", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"trace.Trace().runctx", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"pdb.run", rules::dynamicCode, "runs a string as code under the debugger"},
    rules::NameEntry{"pdb.runeval", rules::dynamicCode, "evaluates a string as code under the debugger"},
    rules::NameEntry{"pdb.runctx", rules::dynamicCode, "runs a string as code under the debugger"},
    rules::NameEntry{"bdb.Bdb().run", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"bdb.Bdb().runeval", rules::dynamicCode, "evaluates a string as code"},
    rules::NameEntry{"doctest.testfile", rules::dynamicCode, "runs the examples of a file as code"},
    rules::NameEntry{"doctest.DocFileSuite", rules::dynamicCode, "runs the examples of files as code"},
    rules::NameEntry{"code.InteractiveInterpreter().runsource", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"code.InteractiveInterpreter().runcode", rules::dynamicCode, "runs code"},
    rules::NameEntry{"code.InteractiveConsole().push", rules::dynamicCode, "runs a string as code"},
    rules::NameEntry{"code.InteractiveConsole().interact", rules::dynamicCode, "starts an interpreter"},
    rules::NameEntry{"typing.ForwardRef()._evaluate", rules::dynamicCode, "evaluates a string as code"},
    rules::NameEntry{"logging.config.fileConfig", rules::dynamicCode, "evaluates strings of a config file as code"},
    rules::NameEntry{"logging.config.listen", rules::dynamicCode, "runs logging configurations received from a socket"},
    // name resolution (literal names are followed by the resolver and judged by their own entry)
    rules::NameEntry{"getattr", rules::reflection, "looks attributes up by name"},
    rules::NameEntry{"pkgutil.resolve_name", rules::nameResolution, "resolves a dotted name to any object"},
    rules::NameEntry{"pydoc.locate", rules::nameResolution, "resolves a dotted name to any object"},
    rules::NameEntry{"pydoc.resolve", rules::nameResolution, "resolves a dotted name to any object"},
    rules::NameEntry{"unittest.mock._importer", rules::nameResolution, "imports a module by name"},
    rules::NameEntry{"unittest.mock._dot_lookup", rules::nameResolution, "resolves a dotted name"},
    rules::NameEntry{"logging.config.BaseConfigurator().resolve", rules::nameResolution, "resolves a dotted name to any object"},
    rules::NameEntry{"logging.config.DictConfigurator().resolve", rules::nameResolution, "resolves a dotted name to any object"},
    // import path
    rules::NameEntry{"sys.path.insert", rules::importPath, "changes where imports come from"},
    rules::NameEntry{"sys.path.append", rules::importPath, "changes where imports come from"},
    rules::NameEntry{"sys.path.extend", rules::importPath, "changes where imports come from"},
    rules::NameEntry{"sys.path.__setitem__", rules::importPath, "changes where imports come from"},
    rules::NameEntry{"sys.meta_path.insert", rules::importPath, "installs an import hook"},
    rules::NameEntry{"sys.meta_path.append", rules::importPath, "installs an import hook"},
    rules::NameEntry{"sys.meta_path.extend", rules::importPath, "installs an import hook"},
    rules::NameEntry{"sys.path_hooks.insert", rules::importPath, "installs an import hook"},
    rules::NameEntry{"sys.path_hooks.append", rules::importPath, "installs an import hook"},
    rules::NameEntry{"sys.path_importer_cache.clear", rules::importPath, "resets the import machinery"},
    rules::NameEntry{"sys.path_importer_cache.__setitem__", rules::importPath, "installs an import hook"},
    rules::NameEntry{"site.addsitedir", rules::importPath, "adds an import folder and runs its .pth files"},
    rules::NameEntry{"site.addpackage", rules::importPath, "runs a .pth file"},
    rules::NameEntry{"site.main", rules::importPath, "re-runs the site set-up"},
    rules::NameEntry{"site.getsitepackages", rules::importPath, "locates site-packages (to drop .pth or module files)"},
    rules::NameEntry{"site.getusersitepackages", rules::importPath, "locates user site-packages (to drop .pth or module files)"},
    rules::NameEntry{"site.USER_SITE", rules::importPath, "locates user site-packages (to drop .pth or module files)"},
    rules::NameEntry{"sysconfig.get_paths", rules::importPath, "locates site-packages (to drop .pth or module files)"},
    rules::NameEntry{"pkg_resources.working_set.add_entry", rules::importPath, "changes where imports come from"},
    // runtime installs
    rules::NameEntry{"pip", rules::runtimeInstall, "installs packages at run time", M::Module},
    rules::NameEntry{"ensurepip", rules::runtimeInstall, "installs pip at run time", M::Module},
    rules::NameEntry{"setuptools.command.easy_install", rules::runtimeInstall, "installs packages at run time", M::Module},
    rules::NameEntry{"venv", rules::runtimeInstall, "creates environments and installs pip into them", M::Module},
    rules::NameEntry{"conda", rules::runtimeInstall, "installs packages at run time", M::Module},
    rules::NameEntry{"micropip", rules::runtimeInstall, "installs packages at run time", M::Module},
    // secrets
    rules::NameEntry{"netrc.netrc", rules::secretAccess, "reads stored login credentials"},
    rules::NameEntry{"keyring.get_password", rules::secretAccess, "reads stored passwords"},
    rules::NameEntry{"keyring.get_credential", rules::secretAccess, "reads stored passwords"},
    rules::NameEntry{"pwd.getpwall", rules::hostProbing, "lists the accounts of the host"},
    // debuggers
    rules::NameEntry{"breakpoint", rules::debugger, "starts the debugger (or whatever PYTHONBREAKPOINT names)"},
    rules::NameEntry{"pdb.set_trace", rules::debugger, "starts an interactive debugger"},
    rules::NameEntry{"pdb.Pdb", rules::debugger, "creates an interactive debugger", M::Call},
    rules::NameEntry{"pdb.post_mortem", rules::debugger, "starts an interactive debugger"},
    rules::NameEntry{"pdb.pm", rules::debugger, "starts an interactive debugger"},
    rules::NameEntry{"pdb.runcall", rules::debugger, "runs a call under an interactive debugger"},
    rules::NameEntry{"bdb.set_trace", rules::debugger, "starts a debugger"},
    rules::NameEntry{"bdb.Bdb", rules::debugger, "creates a debugger", M::Call},
    rules::NameEntry{"ipdb", rules::debugger, "is an interactive debugger", M::Module},
    rules::NameEntry{"pudb", rules::debugger, "is an interactive debugger", M::Module},
    rules::NameEntry{"IPython.embed", rules::debugger, "starts an interactive console"},
    rules::NameEntry{"IPython.start_ipython", rules::debugger, "starts an interactive console"},
    rules::NameEntry{"IPython.terminal.embed", rules::debugger, "starts an interactive console", M::Module},
    // terminal injection
    rules::NameEntry{"termios.TIOCSTI", rules::terminalInjection, "types characters into the terminal"},
    rules::NameEntry{"termios.TIOCLINUX", rules::terminalInjection, "drives the Linux console"},
    // more frames, introspection, native code, deserialisation
    rules::NameEntry{"threading.settrace", rules::frameAccess, "hands every frame to a callback"},
    rules::NameEntry{"threading.setprofile", rules::frameAccess, "hands every frame to a callback"},
    rules::NameEntry{"threading.settrace_all_threads", rules::frameAccess, "hands every frame to a callback"},
    rules::NameEntry{"threading.setprofile_all_threads", rules::frameAccess, "hands every frame to a callback"},
    rules::NameEntry{"sys.monitoring.use_tool_id", rules::frameAccess, "hands code events to callbacks"},
    rules::NameEntry{"sys.monitoring.register_callback", rules::frameAccess, "hands code events to callbacks"},
    rules::NameEntry{"sys.monitoring.set_events", rules::frameAccess, "hands code events to callbacks"},
    rules::NameEntry{"sys.addaudithook", rules::introspection, "sees every audited event and its objects"},
    rules::NameEntry{"mmap.PROT_EXEC", rules::nativeCode, "maps executable memory"},
    rules::NameEntry{"pandas.read_pickle", rules::deserialization, "unpickles what it reads"},
    rules::NameEntry{"joblib.load", rules::deserialization, "unpickles what it reads"},
    rules::NameEntry{"pickle.Unpickler().load", rules::deserialization, "runs code chosen by the data it loads"},
    // network
    rules::NameEntry{"socket", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"socketserver", rules::network, "serves network connections", M::Module},
    rules::NameEntry{"ssl", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"urllib.request", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"urllib3", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"http.client", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"http.server", rules::network, "serves network connections", M::Module},
    rules::NameEntry{"requests", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"httpx", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"aiohttp", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"ftplib", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"smtplib", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"poplib", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"imaplib", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"telnetlib", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"xmlrpc.client", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"websocket", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"websockets", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"paramiko", rules::network, "opens network connections", M::Module},
    rules::NameEntry{"asyncio.open_connection", rules::network, "opens network connections"},
    rules::NameEntry{"asyncio.start_server", rules::network, "serves network connections"},
};

constexpr std::array attributeTable{
    rules::AttributeEntry{"__subclasses__", rules::introspection, "lists every subclass, the classic sandbox escape"},
    rules::AttributeEntry{"__globals__", rules::introspection, "exposes a function's module globals"},
    rules::AttributeEntry{"__code__", rules::introspection, "exposes a function's code object"},
    rules::AttributeEntry{"__closure__", rules::introspection, "exposes a function's closure cells"},
    rules::AttributeEntry{"__base__", rules::introspection, "walks the class hierarchy"},
    rules::AttributeEntry{"__bases__", rules::introspection, "walks the class hierarchy"},
    rules::AttributeEntry{"__mro__", rules::introspection, "walks the class hierarchy"},
    rules::AttributeEntry{"__self__", rules::introspection, "reaches the module behind a builtin"},
    rules::AttributeEntry{"__objclass__", rules::introspection, "reaches the class behind a descriptor"},
    rules::AttributeEntry{"__builtins__", rules::builtinsAccess, "reaches every builtin by name"},
    rules::AttributeEntry{"__import__", rules::dynamicImport, "imports a module by a computed name"},
    rules::AttributeEntry{"func_globals", rules::introspection, "exposes a function's module globals"},
    rules::AttributeEntry{"func_code", rules::introspection, "exposes a function's code object"},
    rules::AttributeEntry{"gi_frame", rules::frameAccess, "exposes a generator's stack frame"},
    rules::AttributeEntry{"gi_code", rules::frameAccess, "exposes a generator's code object"},
    rules::AttributeEntry{"cr_frame", rules::frameAccess, "exposes a coroutine's stack frame"},
    rules::AttributeEntry{"ag_frame", rules::frameAccess, "exposes an async generator's stack frame"},
    rules::AttributeEntry{"tb_frame", rules::frameAccess, "exposes a traceback's stack frame"},
    rules::AttributeEntry{"f_back", rules::frameAccess, "walks to the caller's stack frame"},
    rules::AttributeEntry{"f_globals", rules::frameAccess, "exposes a frame's globals"},
    rules::AttributeEntry{"f_builtins", rules::frameAccess, "exposes a frame's builtins"},
    rules::AttributeEntry{"f_locals", rules::frameAccess, "exposes a frame's locals"},
    rules::AttributeEntry{"f_code", rules::frameAccess, "exposes a frame's code object"},
    rules::AttributeEntry{"__dict__", rules::dunderAccess, "exposes an object's namespace"},
    rules::AttributeEntry{"__getattribute__", rules::dunderAccess, "looks attributes up by computed name"},
    rules::AttributeEntry{"__reduce__", rules::dunderAccess, "controls what unpickling runs"},
    rules::AttributeEntry{"__reduce_ex__", rules::dunderAccess, "controls what unpickling runs"},
    rules::AttributeEntry{"__loader__", rules::dunderAccess, "exposes a module's loader"},
    rules::AttributeEntry{"__spec__", rules::dunderAccess, "exposes a module's import spec"},
    rules::AttributeEntry{"__defaults__", rules::dunderAccess, "rewrites a function's defaults"},
    rules::AttributeEntry{"__kwdefaults__", rules::dunderAccess, "rewrites a function's defaults"},
    rules::AttributeEntry{"__traceback__", rules::dunderAccess, "leads to stack frames"},
    rules::AttributeEntry{"tb_next", rules::dunderAccess, "walks a traceback"},
};
// clang-format on

constexpr std::array builtinNames{
    "abs",          "aiter",      "all",         "anext",      "any",      "ascii",    "bin",
    "bool",         "breakpoint", "bytearray",   "bytes",      "callable", "chr",      "classmethod",
    "compile",      "complex",    "delattr",     "dict",       "dir",      "divmod",   "enumerate",
    "eval",         "exec",       "execfile",    "filter",     "float",    "format",   "frozenset",
    "getattr",      "globals",    "hasattr",     "hash",       "help",     "hex",      "id",
    "input",        "int",        "isinstance",  "issubclass", "iter",     "len",      "list",
    "locals",       "map",        "max",         "memoryview", "min",      "next",     "object",
    "oct",          "open",       "ord",         "pow",        "print",    "property", "range",
    "repr",         "reversed",   "round",       "set",        "setattr",  "slice",    "sorted",
    "staticmethod", "str",        "sum",         "super",      "tuple",    "type",     "vars",
    "zip",          "__import__", "__builtins__"};

template <class Entry, std::size_t N>
std::unordered_map<std::string_view, const Entry*> indexByName(const std::array<Entry, N>& table)
{
    std::unordered_map<std::string_view, const Entry*> index;
    for (const auto& entry : table)
        index.emplace(entry.name, &entry);
    return index;
}

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

const NameEntry* findName(std::string_view qualifiedName)
{
    static const auto index = indexByName(nameTable);
    const auto it = index.find(qualifiedName);
    return it == index.end() ? nullptr : it->second;
}

const NameEntry* findModule(std::string_view module)
{
    while (!module.empty()) {
        if (const NameEntry* entry = findName(module); entry && entry->match == Match::Module)
            return entry;
        const auto dot = module.rfind('.');
        if (dot == std::string_view::npos)
            break;
        module = module.substr(0, dot);
    }
    return nullptr;
}

const AttributeEntry* findAttribute(std::string_view attribute)
{
    static const auto index = indexByName(attributeTable);
    const auto it = index.find(attribute);
    return it == index.end() ? nullptr : it->second;
}

bool isDangerousMemberName(std::string_view name)
{
    static const auto names = [] {
        // Generic words would make getattr(obj, "run") or attrgetter("load") a finding everywhere.
        static const std::unordered_set<std::string_view> generic{
            "run",        "call",    "load",   "loads", "open",     "stack",      "trace",
            "decode",     "modules", "repeat", "push",  "interact", "listen",     "locate",
            "resolve",    "embed",   "pm",     "main",  "getattr",  "set_events", "register_callback",
            "use_tool_id"};
        // Rules about where a name is used (import paths, installs, secrets) are not about reaching
        // the name by getattr: getattr(obj, "append") must stay fine.
        static const std::unordered_set<std::string_view> placeRules{importPath, runtimeInstall, secretAccess,
                                                                     hostProbing, network};
        std::unordered_set<std::string_view> out;
        for (const auto& entry : nameTable) {
            if (entry.match == Match::Module || placeRules.contains(entry.rule) ||
                entry.name.find("()") != std::string_view::npos)
                continue;
            const auto dot = entry.name.rfind('.');
            const auto last = dot == std::string_view::npos ? entry.name : entry.name.substr(dot + 1);
            if (!generic.contains(last))
                out.insert(last);
        }
        return out;
    }();
    return names.contains(name) || findAttribute(name) != nullptr;
}

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

bool hasInstanceEntries(std::string_view qualifiedClass)
{
    static const auto classes = [] {
        std::unordered_set<std::string_view> out{"dns.resolver.Resolver"};
        for (const auto& entry : nameTable)
            if (const auto at = entry.name.find("()"); at != std::string_view::npos)
                out.insert(entry.name.substr(0, at));
        for (const std::string_view resolver :
             {"logging.config.BaseConfigurator().resolve", "logging.config.DictConfigurator().resolve"})
            out.insert(resolver.substr(0, resolver.find("()")));
        return out;
    }();
    return classes.contains(qualifiedClass);
}

bool isNameResolver(std::string_view name)
{
    static const std::unordered_set<std::string_view> resolvers{"pkgutil.resolve_name",
                                                                "pydoc.locate",
                                                                "pydoc.resolve",
                                                                "unittest.mock._importer",
                                                                "unittest.mock._dot_lookup",
                                                                "logging.config.BaseConfigurator().resolve",
                                                                "logging.config.DictConfigurator().resolve"};
    return resolvers.contains(name);
}

bool isBuiltinName(std::string_view name)
{
    static const std::unordered_set<std::string_view> names(builtinNames.begin(), builtinNames.end());
    return names.contains(name);
}

} // namespace rules
} // namespace agentrun::safety
