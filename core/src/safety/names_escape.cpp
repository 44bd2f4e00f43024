// Qualified names of the sandbox-escape families and what using each does.

#include "nametable.h"

#include <array>

namespace agentrun::safety::rules {

namespace {

using M = Match;

// clang-format off
constexpr std::array table{
    // process execution
    NameEntry{"os.system", processExec, "runs a shell command"},
    NameEntry{"os.popen", processExec, "runs a shell command"},
    NameEntry{"os.execl", processExec, "replaces the process with another program"},
    NameEntry{"os.execle", processExec, "replaces the process with another program"},
    NameEntry{"os.execlp", processExec, "replaces the process with another program"},
    NameEntry{"os.execlpe", processExec, "replaces the process with another program"},
    NameEntry{"os.execv", processExec, "replaces the process with another program"},
    NameEntry{"os.execve", processExec, "replaces the process with another program"},
    NameEntry{"os.execvp", processExec, "replaces the process with another program"},
    NameEntry{"os.execvpe", processExec, "replaces the process with another program"},
    NameEntry{"os.spawnl", processExec, "starts another program"},
    NameEntry{"os.spawnle", processExec, "starts another program"},
    NameEntry{"os.spawnlp", processExec, "starts another program"},
    NameEntry{"os.spawnlpe", processExec, "starts another program"},
    NameEntry{"os.spawnv", processExec, "starts another program"},
    NameEntry{"os.spawnve", processExec, "starts another program"},
    NameEntry{"os.spawnvp", processExec, "starts another program"},
    NameEntry{"os.spawnvpe", processExec, "starts another program"},
    NameEntry{"os.posix_spawn", processExec, "starts another program"},
    NameEntry{"os.posix_spawnp", processExec, "starts another program"},
    NameEntry{"os.startfile", processExec, "starts another program"},
    NameEntry{"os.fork", processExec, "forks the process"},
    NameEntry{"os.forkpty", processExec, "forks the process"},
    NameEntry{"subprocess.Popen", processExec, "starts another program"},
    NameEntry{"subprocess.run", processExec, "starts another program"},
    NameEntry{"subprocess.call", processExec, "starts another program"},
    NameEntry{"subprocess.check_call", processExec, "starts another program"},
    NameEntry{"subprocess.check_output", processExec, "starts another program"},
    NameEntry{"subprocess.getoutput", processExec, "runs a shell command"},
    NameEntry{"subprocess.getstatusoutput", processExec, "runs a shell command"},
    NameEntry{"_posixsubprocess", processExec, "is the native process launcher", M::Module},
    NameEntry{"pty.spawn", processExec, "starts another program"},
    NameEntry{"platform.popen", processExec, "runs a shell command"},
    NameEntry{"commands.getoutput", processExec, "runs a shell command"},
    NameEntry{"asyncio.create_subprocess_exec", processExec, "starts another program"},
    NameEntry{"asyncio.create_subprocess_shell", processExec, "runs a shell command"},
    // dynamic code
    NameEntry{"eval", dynamicCode, "evaluates a string as code"},
    NameEntry{"exec", dynamicCode, "runs a string as code"},
    NameEntry{"compile", dynamicCode, "turns a string into code"},
    NameEntry{"execfile", dynamicCode, "runs a file as code"},
    NameEntry{"code.interact", dynamicCode, "starts an interpreter"},
    NameEntry{"code.InteractiveInterpreter", dynamicCode, "runs strings as code"},
    NameEntry{"code.InteractiveConsole", dynamicCode, "runs strings as code"},
    NameEntry{"codeop.compile_command", dynamicCode, "turns a string into code"},
    // dynamic import (literal arguments are handled as imports by the analyzer)
    NameEntry{"__import__", dynamicImport, "imports a module by a computed name"},
    NameEntry{"importlib.import_module", dynamicImport, "imports a module by a computed name"},
    NameEntry{"importlib.util.spec_from_file_location", dynamicImport, "imports code from a file"},
    NameEntry{"importlib.util.module_from_spec", dynamicImport, "creates a module from a loader"},
    NameEntry{"importlib.machinery.SourceFileLoader", dynamicImport, "imports code from a file"},
    NameEntry{"importlib.machinery.ExtensionFileLoader", dynamicImport, "loads native code"},
    NameEntry{"importlib.reload", dynamicImport, "re-imports a module"},
    NameEntry{"imp", dynamicImport, "loads modules from files", M::Module},
    NameEntry{"runpy.run_path", dynamicImport, "runs a file as code"},
    NameEntry{"runpy.run_module", dynamicImport, "runs a module by name"},
    NameEntry{"zipimport.zipimporter", dynamicImport, "imports code from an archive"},
    // reflection (calls checked argument by argument by the analyzer)
    NameEntry{"vars", reflection, "returns an object's namespace"},
    // introspection
    NameEntry{"gc.get_objects", introspection, "reaches every object of the interpreter"},
    NameEntry{"gc.get_referrers", introspection, "reaches objects by reference"},
    NameEntry{"gc.get_referents", introspection, "reaches objects by reference"},
    // frames
    NameEntry{"sys._getframe", frameAccess, "returns a stack frame"},
    NameEntry{"sys._current_frames", frameAccess, "returns stack frames"},
    NameEntry{"sys.settrace", frameAccess, "hands every frame to a callback"},
    NameEntry{"sys.setprofile", frameAccess, "hands every frame to a callback"},
    NameEntry{"inspect.currentframe", frameAccess, "returns a stack frame"},
    NameEntry{"inspect.stack", frameAccess, "returns stack frames"},
    NameEntry{"inspect.trace", frameAccess, "returns stack frames"},
    NameEntry{"inspect.getouterframes", frameAccess, "returns stack frames"},
    NameEntry{"traceback.walk_stack", frameAccess, "returns stack frames"},
    // code objects
    NameEntry{"types.CodeType", codeObjects, "builds a code object", M::Call},
    NameEntry{"types.FunctionType", codeObjects, "builds a function from a code object", M::Call},
    NameEntry{"types.LambdaType", codeObjects, "builds a function from a code object", M::Call},
    // native code
    NameEntry{"ctypes", nativeCode, "loads and calls native code", M::Module},
    NameEntry{"_ctypes", nativeCode, "loads and calls native code", M::Module},
    NameEntry{"cffi", nativeCode, "loads and calls native code", M::Module},
    // deserialisation
    NameEntry{"pickle.load", deserialization, "runs code chosen by the data it loads"},
    NameEntry{"pickle.loads", deserialization, "runs code chosen by the data it loads"},
    NameEntry{"pickle.Unpickler", deserialization, "runs code chosen by the data it loads"},
    NameEntry{"_pickle", deserialization, "is pickle's native loader", M::Module},
    NameEntry{"cPickle", deserialization, "runs code chosen by the data it loads", M::Module},
    NameEntry{"dill.load", deserialization, "runs code chosen by the data it loads"},
    NameEntry{"dill.loads", deserialization, "runs code chosen by the data it loads"},
    NameEntry{"cloudpickle.load", deserialization, "runs code chosen by the data it loads"},
    NameEntry{"cloudpickle.loads", deserialization, "runs code chosen by the data it loads"},
    NameEntry{"marshal.load", deserialization, "loads raw code objects"},
    NameEntry{"marshal.loads", deserialization, "loads raw code objects"},
    NameEntry{"shelve.open", deserialization, "unpickles what it reads"},
    NameEntry{"yaml.unsafe_load", deserialization, "builds arbitrary Python objects"},
    NameEntry{"yaml.unsafe_load_all", deserialization, "builds arbitrary Python objects"},
    NameEntry{"jsonpickle.decode", deserialization, "builds arbitrary Python objects"},
    // builtins and module tables
    NameEntry{"__builtins__", builtinsAccess, "reaches every builtin by name"},
    NameEntry{"builtins", builtinsAccess, "reaches every builtin by name"},
    NameEntry{"sys.modules", builtinsAccess, "reaches every loaded module by name"},
    NameEntry{"globals", builtinsAccess, "reaches module globals by name"},
    NameEntry{"locals", builtinsAccess, "reaches local variables by name"},
    // format strings
    NameEntry{"string.Formatter", formatString, "reads attributes named inside format strings"},
    // signals
    NameEntry{"os.kill", signals, "sends a signal to a process"},
    NameEntry{"os.killpg", signals, "sends a signal to a process group"},
    NameEntry{"signal.pthread_kill", signals, "sends a signal to a thread"},
};
// clang-format on

} // namespace

std::span<const NameEntry> escapeNames()
{
    return table;
}

} // namespace agentrun::safety::rules
