# AgentRun: the interpreter that waits for the code. agent.py starts it as `python3 boot.py` before a
# run arrives, so a run does not pay for an interpreter start. It then behaves as `python3 main.py` in
# /tmp would: sys.argv, sys.path[0], the __main__ module and its attributes, SystemExit, the depth at
# which recursion fails under the default limit, and an uncaught exception: printed as Python's top
# level does (sys.last_*, the audit event, sys.excepthook called with no exception being handled, its
# own failure reported; without this file's frames), then exit status 1, or death by SIGINT after a
# KeyboardInterrupt. A source that does not compile and that python3 main.py reads otherwise (NUL
# bytes, bytes not UTF-8, a coding declaration) is handed to python3 main.py itself.
# Known differences: this file's two frames sit below the program's, so stack walks see them
# (traceback.print_stack(), warnings.warn(stacklevel=2) at module level, sys._getframe(1)) and a
# limit the program sets with sys.setrecursionlimit() is reached 3 frames earlier;
# sys.getrecursionlimit() reports 3 more than by hand; the objects made by the interpreter's start are
# frozen (gc.freeze()), so gc.get_objects() lists only what the program made, gc.get_freeze_count() is
# not 0 and gc statistics differ.
#
# When the program is over, the interpreter's own teardown (freeing every module and object) costs
# 2-3 ms, more than all the rest of a warm run. It is skipped only when nothing of it could be seen:
# no atexit callback, thread, object with a finalizer (__del__: generators, files, ...), weakref
# callback (but the standard library's bookkeeping), gc callback or gc debug flag of the program is
# alive, the program froze none of its objects (gc.freeze() would hide them from the check), imported
# nothing from outside the standard library (nor ctypes: C code may hold buffered output; nor
# sub-interpreters or the C test modules), the standard streams are the interpreter's own and flush
# cleanly. Otherwise the interpreter ends as usual. tests/engine/tst_fidelity.cpp holds both ways to
# `python3 main.py` byte for byte.
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
    failure = None
    try:
        code = _agentrun_compile(rest, path, args)
        try:
            exec(code, main.__dict__)
        finally:
            _AGENTRUN_FIGURES.emit_open_figures()
    except SystemExit as error:
        status = error.code
        if status is None or (type(status) in (int, bool) and 0 <= status <= 255):
            _agentrun_quick_exit(int(status or 0))
        raise
    except BaseException as error:  # printed below, once no exception is being handled, as by hand
        failure = error
    finally:
        del boot_module
    if failure is None:
        _agentrun_quick_exit(0)
        return
    _agentrun_print_uncaught(failure)
    # After an uncaught KeyboardInterrupt (exactly that class), Python ends by SIGINT after the teardown
    interrupted = type(failure) is KeyboardInterrupt
    del failure  # by hand only sys.last_value keeps it (and its traceback's frames) for the teardown
    _agentrun_quick_exit(130 if interrupted else 1, interrupted)
    if interrupted:
        _agentrun_silence_next_excepthook()
        raise KeyboardInterrupt  # the top level sees it, runs the teardown and ends by SIGINT
    sys.exit(1)


def _agentrun_compile(source, path, args):
    """compile(); but when that fails on a source that python3 main.py reads otherwise (it reads the
    file line by line as C strings, so a NUL byte ends its line, and it words decoding errors its own
    way), python3 main.py itself takes over: nothing of the program has run yet."""
    try:
        return compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        try:
            source.decode()
            odd = b"\0" in source or b"coding" in b"\n".join(source.split(b"\n", 2)[:2])
        except UnicodeDecodeError:
            odd = True
        if odd:
            os.execv(sys.executable, ["python3", "main.py", *args])
        raise


def _agentrun_without_our_frames(error):
    """The exception with its traceback cut to the program's frames, as Python's top level has it."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == _AGENTRUN_BOOT_FILE:
        tb = tb.tb_next
    return BaseException.with_traceback(error, tb)  # not a with_traceback() of the program's class


def _agentrun_print_uncaught(error):
    """Prints an uncaught exception as Python's top level does (_PyErr_PrintEx in pythonrun.c): sets
    sys.last_type/last_value/last_traceback, raises the "sys.excepthook" audit event, then calls the
    hook with no exception being handled; a hook that fails or is missing is reported as by hand."""
    error = _agentrun_without_our_frames(error)
    kind, tb = type(error), error.__traceback__
    sys.last_type, sys.last_value, sys.last_traceback = kind, error, tb
    missing = "excepthook" not in sys.__dict__
    hook = None if missing else sys.excepthook
    try:
        sys.audit("sys.excepthook", hook, kind, error, tb)
    except RuntimeError:  # an audit hook's way to stop the printing
        return
    except Exception:  # by hand reported as "Exception ignored in audit hook"; not reproduced
        pass
    if missing:
        _agentrun_write_stderr("sys.excepthook is missing\n")
        _AGENTRUN_DISPLAY(kind, error, tb)
        return
    try:
        hook(kind, error, tb)
    except SystemExit:
        raise  # the top level ends the process with it, as by hand
    except BaseException as hook_error:
        hook_error = _agentrun_without_our_frames(hook_error)
        _agentrun_write_stderr("Error in sys.excepthook:\n")
        _AGENTRUN_DISPLAY(type(hook_error), hook_error, hook_error.__traceback__)
        _agentrun_write_stderr("\nOriginal exception was:\n")
        _AGENTRUN_DISPLAY(kind, error, tb)


def _agentrun_write_stderr(text):
    """PySys_WriteStderr: to sys.stderr, or to fd 2 when that fails."""
    try:
        sys.stderr.write(text)
    except BaseException:
        os.write(2, text.encode(errors="backslashreplace"))


def _agentrun_silence_next_excepthook():
    """The top level will print the KeyboardInterrupt raised for it again: let that print nothing and
    put back the program's sys.excepthook and sys.last_* it had."""
    names = ("excepthook", "last_type", "last_value", "last_traceback")
    saved = {name: sys.__dict__[name] for name in names if name in sys.__dict__}

    def restore(*_):
        for name in names:
            if name in saved:
                setattr(sys, name, saved[name])
            elif hasattr(sys, name):
                delattr(sys, name)

    sys.excepthook = restore


def _agentrun_quick_exit(status, interrupted=False):
    """Ends the process with `status` (or by SIGINT when `interrupted`, as Python's exit_sigint) now
    when the interpreter's teardown would show nothing (see the top of this file); returns, for the
    usual teardown, otherwise."""
    try:
        if not _agentrun_teardown_unseen():
            return
        for stream in (sys.stdout, sys.stderr):
            if not stream.closed:
                stream.flush()
    except BaseException:  # anything unusual: the interpreter ends as it would by hand
        return
    if _AGENTRUN_TRACE:
        os.write(2, b"agentrun: teardown skipped\n")
    if interrupted:
        import _signal

        _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
        os.kill(os.getpid(), _signal.SIGINT)
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
    warnings = sys.modules.get("warnings")  # the C side follows its attributes when they are rebound
    if warnings is not None and (warnings.__dict__.get("filters") is not _warnings.filters or
                                 warnings.__dict__.get("defaultaction") != "default"):
        return False  # e.g. warnings.filters = []: an unclosed _socket.socket warns in the teardown
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return False
    if gc.callbacks or gc.get_debug():
        return False  # the teardown's collections would call them, or print what they collect
    if gc.get_freeze_count() > _AGENTRUN_FROZEN:
        return False  # the program froze objects of its own: the check below would not see them
    threading = sys.modules.get("threading")
    if threading is not None and (threading.active_count() > 1 or threading._threading_atexits):
        return False
    module_type = type(sys)
    for name, module in list(sys.modules.items()):
        if name in _AGENTRUN_BOOT_MODULES:
            continue
        if type(module) is not module_type or name == "ctypes" or name.startswith(_AGENTRUN_C_RISKS):
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
    logging's handler list, the abc caches, thread-local data), which shows nothing when the teardown
    runs it. Not any function of the standard library: weakref.ref(obj, pprint.pprint) prints."""
    if callback is None:
        return True
    if type(callback) is type(_agentrun_quiet_callback):
        return (callback.__qualname__ in _AGENTRUN_QUIET_CALLBACKS and
                callback.__code__.co_filename.startswith(_AGENTRUN_STDLIB))
    # _abc's cache and _thread._local clean-ups: C functions bound to a weakref.
    return (type(callback) is type(len) and
            callback.__name__ in ("_destroy", "_localdummy_destroyed") and
            type(callback.__self__) is _AGENTRUN_MODULES[4].ReferenceType)


# Modules of the standard library that run C code with output or state the check does not see:
# ctypes (C buffers), sub-interpreters (their own atexit, threads, objects), the C test modules.
_AGENTRUN_C_RISKS = ("_ctypes", "_xx", "_test")
_AGENTRUN_QUIET_CALLBACKS = frozenset((
    "WeakSet.__init__.<locals>._remove",
    "WeakValueDictionary.__init__.<locals>.remove",
    "WeakKeyDictionary.__init__.<locals>.remove",
    "_removeHandlerRef",
))


def _agentrun_figures():
    """The figures backend (agentrun_figures.py), installed before the program when matplotlib is there;
    otherwise out of sys.modules again, as the program would not see it by hand."""
    import agentrun_figures

    if not agentrun_figures.install():
        del sys.modules["agentrun_figures"]
    return agentrun_figures


_AGENTRUN_FIGURES = _agentrun_figures()
_AGENTRUN_BOOT_FILE = __file__
# For tests/engine/tst_fidelity.cpp; read now, so that a program setting it cannot make us write.
_AGENTRUN_TRACE = bool(os.environ.get("AGENTRUN_TRACE_TEARDOWN"))
_AGENTRUN_STDLIB = os.path.dirname(os.__file__) + os.sep
_AGENTRUN_BOOT_MODULES = frozenset(sys.modules) | {"__main__"}
_AGENTRUN_BOOT_WARNING_FILTERS = list(sys.modules["_warnings"].filters)
_AGENTRUN_AUDIT_HOOKS = []
_AGENTRUN_DISPLAY = sys.__excepthook__  # PyErr_Display, whatever the program does to sys


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
    return modules, gc.get_freeze_count()


_AGENTRUN_MODULES, _AGENTRUN_FROZEN = _agentrun_prepare()
_agentrun_run()
