# AgentRun: the interpreter that waits for the code. agent.py starts it as `python3 boot.py` before a
# run arrives, so a run does not pay for an interpreter start. It then behaves as `python3 main.py` in
# /tmp would: sys.argv, sys.path[0], the __main__ module and its attributes, SystemExit, the depth at
# which recursion fails, and the traceback of an uncaught exception (printed by sys.excepthook without
# this file's frames). Known difference: sys.getrecursionlimit() reports 3 more than by hand.
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
    except SystemExit:
        raise
    except BaseException as error:  # what Python's top level would print, without our frames
        tb = error.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == boot_file:
            tb = tb.tb_next
        # The hook prints the exception's own __traceback__ when it has one, so set it.
        sys.excepthook(type(error), error.with_traceback(tb), tb)
        sys.exit(1)
    finally:
        del boot_module


_agentrun_run()
