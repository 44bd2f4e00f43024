// Qualified names of issue 20's evasion families and of the network, and what using each does.

#include "nametable.h"

#include <array>

namespace agentrun::safety::rules {

namespace {

using M = Match;

// clang-format off
constexpr std::array table{
    // dynamic code: standard-library entry points that run a string as code (the literal strings they
    // get are analysed as code by evasion.cpp; these entries catch the rest)
    NameEntry{"timeit.timeit", dynamicCode, "runs a string as code"},
    NameEntry{"timeit.repeat", dynamicCode, "runs a string as code"},
    NameEntry{"timeit.Timer", dynamicCode, "runs a string as code"},
    NameEntry{"cProfile.run", dynamicCode, "runs a string as code"},
    NameEntry{"cProfile.runctx", dynamicCode, "runs a string as code"},
    NameEntry{"cProfile.Profile().run", dynamicCode, "runs a string as code"},
    NameEntry{"cProfile.Profile().runctx", dynamicCode, "runs a string as code"},
    NameEntry{"profile.run", dynamicCode, "runs a string as code"},
    NameEntry{"profile.runctx", dynamicCode, "runs a string as code"},
    NameEntry{"profile.Profile().run", dynamicCode, "runs a string as code"},
    NameEntry{"profile.Profile().runctx", dynamicCode, "runs a string as code"},
    NameEntry{"trace.Trace().run", dynamicCode, "runs a string as code"},
    NameEntry{"trace.Trace().runctx", dynamicCode, "runs a string as code"},
    NameEntry{"pdb.run", dynamicCode, "runs a string as code under the debugger"},
    NameEntry{"pdb.runeval", dynamicCode, "evaluates a string as code under the debugger"},
    NameEntry{"pdb.runctx", dynamicCode, "runs a string as code under the debugger"},
    NameEntry{"bdb.Bdb().run", dynamicCode, "runs a string as code"},
    NameEntry{"bdb.Bdb().runeval", dynamicCode, "evaluates a string as code"},
    NameEntry{"doctest.testfile", dynamicCode, "runs the examples of a file as code"},
    NameEntry{"doctest.DocFileSuite", dynamicCode, "runs the examples of files as code"},
    NameEntry{"code.InteractiveInterpreter().runsource", dynamicCode, "runs a string as code"},
    NameEntry{"code.InteractiveInterpreter().runcode", dynamicCode, "runs code"},
    NameEntry{"code.InteractiveConsole().push", dynamicCode, "runs a string as code"},
    NameEntry{"code.InteractiveConsole().interact", dynamicCode, "starts an interpreter"},
    NameEntry{"typing.ForwardRef()._evaluate", dynamicCode, "evaluates a string as code"},
    NameEntry{"logging.config.fileConfig", dynamicCode, "evaluates strings of a config file as code"},
    NameEntry{"logging.config.listen", dynamicCode, "runs logging configurations received from a socket"},
    // name resolution (literal names are followed by the resolver and judged by their own entry)
    NameEntry{"getattr", reflection, "looks attributes up by name"},
    NameEntry{"pkgutil.resolve_name", nameResolution, "resolves a dotted name to any object"},
    NameEntry{"pydoc.locate", nameResolution, "resolves a dotted name to any object"},
    NameEntry{"pydoc.resolve", nameResolution, "resolves a dotted name to any object"},
    NameEntry{"unittest.mock._importer", nameResolution, "imports a module by name"},
    NameEntry{"unittest.mock._dot_lookup", nameResolution, "resolves a dotted name"},
    NameEntry{"logging.config.BaseConfigurator().resolve", nameResolution, "resolves a dotted name to any object"},
    NameEntry{"logging.config.DictConfigurator().resolve", nameResolution, "resolves a dotted name to any object"},
    // import path
    NameEntry{"sys.path.insert", importPath, "changes where imports come from"},
    NameEntry{"sys.path.append", importPath, "changes where imports come from"},
    NameEntry{"sys.path.extend", importPath, "changes where imports come from"},
    NameEntry{"sys.path.__setitem__", importPath, "changes where imports come from"},
    NameEntry{"sys.meta_path.insert", importPath, "installs an import hook"},
    NameEntry{"sys.meta_path.append", importPath, "installs an import hook"},
    NameEntry{"sys.meta_path.extend", importPath, "installs an import hook"},
    NameEntry{"sys.path_hooks.insert", importPath, "installs an import hook"},
    NameEntry{"sys.path_hooks.append", importPath, "installs an import hook"},
    NameEntry{"sys.path_importer_cache.clear", importPath, "resets the import machinery"},
    NameEntry{"sys.path_importer_cache.__setitem__", importPath, "installs an import hook"},
    NameEntry{"site.addsitedir", importPath, "adds an import folder and runs its .pth files"},
    NameEntry{"site.addpackage", importPath, "runs a .pth file"},
    NameEntry{"site.main", importPath, "re-runs the site set-up"},
    NameEntry{"site.getsitepackages", importPath, "locates site-packages (to drop .pth or module files)"},
    NameEntry{"site.getusersitepackages", importPath, "locates user site-packages (to drop .pth or module files)"},
    NameEntry{"site.USER_SITE", importPath, "locates user site-packages (to drop .pth or module files)"},
    NameEntry{"sysconfig.get_paths", importPath, "locates site-packages (to drop .pth or module files)"},
    NameEntry{"pkg_resources.working_set.add_entry", importPath, "changes where imports come from"},
    // runtime installs
    NameEntry{"pip", runtimeInstall, "installs packages at run time", M::Module},
    NameEntry{"ensurepip", runtimeInstall, "installs pip at run time", M::Module},
    NameEntry{"setuptools.command.easy_install", runtimeInstall, "installs packages at run time", M::Module},
    NameEntry{"venv", runtimeInstall, "creates environments and installs pip into them", M::Module},
    NameEntry{"conda", runtimeInstall, "installs packages at run time", M::Module},
    NameEntry{"micropip", runtimeInstall, "installs packages at run time", M::Module},
    // secrets
    NameEntry{"netrc.netrc", secretAccess, "reads stored login credentials"},
    NameEntry{"keyring.get_password", secretAccess, "reads stored passwords"},
    NameEntry{"keyring.get_credential", secretAccess, "reads stored passwords"},
    NameEntry{"pwd.getpwall", hostProbing, "lists the accounts of the host"},
    // debuggers
    NameEntry{"breakpoint", debugger, "starts the debugger (or whatever PYTHONBREAKPOINT names)"},
    NameEntry{"pdb.set_trace", debugger, "starts an interactive debugger"},
    NameEntry{"pdb.Pdb", debugger, "creates an interactive debugger", M::Call},
    NameEntry{"pdb.post_mortem", debugger, "starts an interactive debugger"},
    NameEntry{"pdb.pm", debugger, "starts an interactive debugger"},
    NameEntry{"pdb.runcall", debugger, "runs a call under an interactive debugger"},
    NameEntry{"bdb.set_trace", debugger, "starts a debugger"},
    NameEntry{"bdb.Bdb", debugger, "creates a debugger", M::Call},
    NameEntry{"ipdb", debugger, "is an interactive debugger", M::Module},
    NameEntry{"pudb", debugger, "is an interactive debugger", M::Module},
    NameEntry{"IPython.embed", debugger, "starts an interactive console"},
    NameEntry{"IPython.start_ipython", debugger, "starts an interactive console"},
    NameEntry{"IPython.terminal.embed", debugger, "starts an interactive console", M::Module},
    // terminal injection
    NameEntry{"termios.TIOCSTI", terminalInjection, "types characters into the terminal"},
    NameEntry{"termios.TIOCLINUX", terminalInjection, "drives the Linux console"},
    // more frames, introspection, native code, deserialisation
    NameEntry{"threading.settrace", frameAccess, "hands every frame to a callback"},
    NameEntry{"threading.setprofile", frameAccess, "hands every frame to a callback"},
    NameEntry{"threading.settrace_all_threads", frameAccess, "hands every frame to a callback"},
    NameEntry{"threading.setprofile_all_threads", frameAccess, "hands every frame to a callback"},
    NameEntry{"sys.monitoring.use_tool_id", frameAccess, "hands code events to callbacks"},
    NameEntry{"sys.monitoring.register_callback", frameAccess, "hands code events to callbacks"},
    NameEntry{"sys.monitoring.set_events", frameAccess, "hands code events to callbacks"},
    NameEntry{"sys.addaudithook", introspection, "sees every audited event and its objects"},
    NameEntry{"mmap.PROT_EXEC", nativeCode, "maps executable memory"},
    NameEntry{"pandas.read_pickle", deserialization, "unpickles what it reads"},
    NameEntry{"joblib.load", deserialization, "unpickles what it reads"},
    NameEntry{"pickle.Unpickler().load", deserialization, "runs code chosen by the data it loads"},
    // network
    NameEntry{"socket", network, "opens network connections", M::Module},
    NameEntry{"socketserver", network, "serves network connections", M::Module},
    NameEntry{"ssl", network, "opens network connections", M::Module},
    NameEntry{"urllib.request", network, "opens network connections", M::Module},
    NameEntry{"urllib3", network, "opens network connections", M::Module},
    NameEntry{"http.client", network, "opens network connections", M::Module},
    NameEntry{"http.server", network, "serves network connections", M::Module},
    NameEntry{"requests", network, "opens network connections", M::Module},
    NameEntry{"httpx", network, "opens network connections", M::Module},
    NameEntry{"aiohttp", network, "opens network connections", M::Module},
    NameEntry{"ftplib", network, "opens network connections", M::Module},
    NameEntry{"smtplib", network, "opens network connections", M::Module},
    NameEntry{"poplib", network, "opens network connections", M::Module},
    NameEntry{"imaplib", network, "opens network connections", M::Module},
    NameEntry{"telnetlib", network, "opens network connections", M::Module},
    NameEntry{"xmlrpc.client", network, "opens network connections", M::Module},
    NameEntry{"websocket", network, "opens network connections", M::Module},
    NameEntry{"websockets", network, "opens network connections", M::Module},
    NameEntry{"paramiko", network, "opens network connections", M::Module},
    NameEntry{"asyncio.open_connection", network, "opens network connections"},
    NameEntry{"asyncio.start_server", network, "serves network connections"},
};
// clang-format on

} // namespace

std::span<const NameEntry> evasionNames()
{
    return table;
}

} // namespace agentrun::safety::rules
