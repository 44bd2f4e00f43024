# AgentRun: the interpreter that waits for the code. agent.py starts it as `python3 boot.py` before a
# run arrives, so a run does not pay for an interpreter start. It then behaves as `python3 main.py` in
# /tmp would: sys.argv, sys.path[0], the __main__ module and its attributes, SystemExit, the depth at
# which recursion fails, and the traceback of an uncaught exception (printed by sys.excepthook without
# this file's frames). Known differences: sys.getrecursionlimit() reports 3 more than by hand; the
# objects made by the interpreter's start are frozen (gc.freeze()), so gc.get_objects() lists only what
# the program made and gc.get_freeze_count() is not 0.
#
# When the program is over, the interpreter's own teardown (freeing every module and object) costs
# 2-3 ms, more than all the rest of a warm run. It is skipped only when nothing of it could be seen:
# no atexit callback, thread, object with a finalizer (__del__: generators, files, ...) or weakref
# callback of the program is alive, the program imported nothing from outside the standard library
# (nor ctypes: C code may hold buffered output), the standard streams are the interpreter's own and
# flush cleanly. Otherwise the interpreter ends as usual. tests/engine/tst_fidelity.cpp holds both ways
# to `python3 main.py` byte for byte.
#
# fd 3 carries, then closes: "<argc>\n", argc NUL-terminated arguments, the source. The source is also
# in /tmp/main.py, so that tracebacks can show its lines.
import os
import sys


def _agentrun_run():
    chunks = []
    while True:
        chunk = os.read(3, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(3)
    data = b"".join(chunks)
    count, _, rest = data.partition(b"\n")
    args = []
    for _ in range(int(count)):
        arg, _, rest = rest.partition(b"\0")
        args.append(os.fsdecode(arg))

    path = "/tmp/main.py"
    boot_file = __file__
    boot_module = sys.modules["__main__"]  # kept alive: a dropped module may have its globals cleared
    sys.argv[:] = ["main.py", *args]
    sys.path[0] = "/tmp"
    main = type(sys)("__main__")
    main.__file__ = path
    main.__cached__ = None
    main.__loader__ = sys.modules["_frozen_importlib_external"].SourceFileLoader("__main__", path)
    main.__builtins__ = __builtins__
    main.__annotations__ = {}
    sys.modules["__main__"] = main
    # Our frames (this module, this function, exec) sit below the program's: give their depth back, so
    # that deep recursion fails at the same depth, with the same traceback, as when run by hand.
    depth, frame = 1, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    sys.setrecursionlimit(sys.getrecursionlimit() + depth)
    try:
        code = compile(rest, path, "exec", dont_inherit=True)
        exec(code, main.__dict__)
    except SystemExit as error:
        status = error.code
        if status is None or (type(status) in (int, bool) and 0 <= status <= 255):
            _agentrun_quick_exit(int(status or 0))
        raise
    except BaseException as error:  # what Python's top level would print, without our frames
        tb = error.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == boot_file:
            tb = tb.tb_next
        # The hook prints the exception's own __traceback__ when it has one, so set it.
        sys.excepthook(type(error), error.with_traceback(tb), tb)
        _agentrun_quick_exit(1)
        sys.exit(1)
    finally:
        del boot_module
    _agentrun_quick_exit(0)


def _agentrun_quick_exit(status):
    """Ends the process with `status` now when the interpreter's teardown would show nothing (see the
    top of this file); returns, for the usual teardown, otherwise."""
    try:
        if not _agentrun_teardown_unseen():
            return
        for stream in (sys.stdout, sys.stderr):
            if not stream.closed:
                stream.flush()
    except BaseException:  # anything unusual: the interpreter ends as it would by hand
        return
    if os.environ.get("AGENTRUN_TRACE_TEARDOWN"):  # for tests/engine/tst_fidelity.cpp
        os.write(2, b"agentrun: teardown skipped\n")
    os._exit(status)


def _agentrun_teardown_unseen():
    """True when the interpreter's teardown could not run any code or write any byte."""
    # No import and nothing audited before the audit-hook test: a hook of the program would see it.
    atexit, gc, _thread, _warnings, _weakref = _AGENTRUN_MODULES
    if _AGENTRUN_AUDIT_HOOKS or atexit._ncallbacks() or _thread._count():
        return False
    if sys.flags.inspect or "PYTHONINSPECT" in os.environ:
        return False
    if sys.stdout is not sys.__stdout__ or sys.stderr is not sys.__stderr__:
        return False
    if sys.warnoptions or _warnings.filters != _AGENTRUN_BOOT_WARNING_FILTERS:
        return False  # e.g. ResourceWarnings of files the teardown closes would be shown
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return False
    threading = sys.modules.get("threading")
    if threading is not None and (threading.active_count() > 1 or threading._threading_atexits):
        return False
    module_type = type(sys)
    for name, module in list(sys.modules.items()):
        if name in _AGENTRUN_BOOT_MODULES:
            continue
        if type(module) is not module_type or name in ("_ctypes", "ctypes"):
            return False
        file = module.__dict__.get("__file__")
        if file is not None and not (type(file) is str and file.startswith(_AGENTRUN_STDLIB) and
                                     "-packages" not in file):
            return False
    # What the program made: the objects of the interpreter's start are frozen and not listed.
    objects = gc.get_objects()
    if len(objects) > 100000:
        return False  # checking would cost more than the teardown saves
    for obj in objects:
        kind = type(obj)
        # A class of the program with a finalizer counts even when none of its objects is listed.
        for klass in (obj.__mro__ if isinstance(obj, type) else ()) + kind.__mro__:
            if "__del__" in klass.__dict__:
                return False
        if issubclass(kind, _weakref.ReferenceType) and not _agentrun_quiet_callback(obj.__callback__):
            return False
    return True


def _agentrun_quiet_callback(callback):
    """Whether a weakref callback is the standard library's own bookkeeping (WeakSet, weak dictionaries,
    the abc caches), which shows nothing when the teardown runs it."""
    if callback is None:
        return True
    if type(callback) is type(_agentrun_quiet_callback):
        return callback.__code__.co_filename.startswith(_AGENTRUN_STDLIB)
    # _abc's cache clean-up: a C function bound to a weakref of the cache.
    return (type(callback) is type(len) and callback.__name__ == "_destroy" and
            type(callback.__self__) is _AGENTRUN_MODULES[4].ReferenceType)


_AGENTRUN_STDLIB = os.path.dirname(os.__file__) + os.sep
_AGENTRUN_BOOT_MODULES = frozenset(sys.modules) | {"__main__"}
_AGENTRUN_BOOT_WARNING_FILTERS = list(sys.modules["_warnings"].filters)
_AGENTRUN_AUDIT_HOOKS = []


def _agentrun_audit(event, args):
    """Notes a program's audit hook: it would see the teardown's events and ours."""
    if event == "sys.addaudithook":
        _AGENTRUN_AUDIT_HOOKS.append(True)


def _agentrun_prepare():
    """Work done while the interpreter waits, not in the run: the first compile() of a process costs
    ~1 ms, and the objects of the interpreter's start, frozen, stay out of the program's collections
    and out of the check above. The modules the check needs are imported now and taken out of
    sys.modules again, as by hand the program imports them if it wants them."""
    import atexit
    import gc

    for name in ("atexit", "gc"):
        if name not in _AGENTRUN_BOOT_MODULES:
            del sys.modules[name]
    modules = (atexit, gc, *(sys.modules[name] for name in ("_thread", "_warnings", "_weakref")))
    compile("pass", "<warm-up>", "exec")
    sys.addaudithook(_agentrun_audit)
    gc.freeze()
    return modules


_AGENTRUN_MODULES = _agentrun_prepare()
_agentrun_run()
