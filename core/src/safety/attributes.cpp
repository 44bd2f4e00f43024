// Dangerous attribute names: reading them walks to the interpreter's internals or frames.

#include "nametable.h"

#include <array>

namespace agentrun::safety::rules {

namespace {

// clang-format off
constexpr std::array table{
    AttributeEntry{"__subclasses__", introspection, "lists every subclass, the classic sandbox escape"},
    AttributeEntry{"__globals__", introspection, "exposes a function's module globals"},
    AttributeEntry{"__code__", introspection, "exposes a function's code object"},
    AttributeEntry{"__closure__", introspection, "exposes a function's closure cells"},
    AttributeEntry{"__base__", introspection, "walks the class hierarchy"},
    AttributeEntry{"__bases__", introspection, "walks the class hierarchy"},
    AttributeEntry{"__mro__", introspection, "walks the class hierarchy"},
    AttributeEntry{"__self__", introspection, "reaches the module behind a builtin"},
    AttributeEntry{"__objclass__", introspection, "reaches the class behind a descriptor"},
    AttributeEntry{"__builtins__", builtinsAccess, "reaches every builtin by name"},
    AttributeEntry{"__import__", dynamicImport, "imports a module by a computed name"},
    AttributeEntry{"func_globals", introspection, "exposes a function's module globals"},
    AttributeEntry{"func_code", introspection, "exposes a function's code object"},
    AttributeEntry{"gi_frame", frameAccess, "exposes a generator's stack frame"},
    AttributeEntry{"gi_code", frameAccess, "exposes a generator's code object"},
    AttributeEntry{"cr_frame", frameAccess, "exposes a coroutine's stack frame"},
    AttributeEntry{"ag_frame", frameAccess, "exposes an async generator's stack frame"},
    AttributeEntry{"tb_frame", frameAccess, "exposes a traceback's stack frame"},
    AttributeEntry{"f_back", frameAccess, "walks to the caller's stack frame"},
    AttributeEntry{"f_globals", frameAccess, "exposes a frame's globals"},
    AttributeEntry{"f_builtins", frameAccess, "exposes a frame's builtins"},
    AttributeEntry{"f_locals", frameAccess, "exposes a frame's locals"},
    AttributeEntry{"f_code", frameAccess, "exposes a frame's code object"},
    AttributeEntry{"__dict__", dunderAccess, "exposes an object's namespace"},
    AttributeEntry{"__getattribute__", dunderAccess, "looks attributes up by computed name"},
    AttributeEntry{"__reduce__", dunderAccess, "controls what unpickling runs"},
    AttributeEntry{"__reduce_ex__", dunderAccess, "controls what unpickling runs"},
    AttributeEntry{"__loader__", dunderAccess, "exposes a module's loader"},
    AttributeEntry{"__spec__", dunderAccess, "exposes a module's import spec"},
    AttributeEntry{"__defaults__", dunderAccess, "rewrites a function's defaults"},
    AttributeEntry{"__kwdefaults__", dunderAccess, "rewrites a function's defaults"},
    AttributeEntry{"__traceback__", dunderAccess, "leads to stack frames"},
    AttributeEntry{"tb_next", dunderAccess, "walks a traceback"},
};
// clang-format on

} // namespace

std::span<const AttributeEntry> attributeNames()
{
    return table;
}

} // namespace agentrun::safety::rules
