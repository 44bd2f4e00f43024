# AgentRun: the session kernel. In session mode (`agent.py --session`) the agent starts this interpreter
# once, before the first run, and sends it each run ("cell") in turn; the cells share one __main__
# namespace, so variables, imports, open files and the working directory survive from one run to the
# next, as in a notebook. Nothing here is a boundary: the code runs in this very process and could
# rewrite it; the sandbox (container, limits, the agent as init) is the wall, as for a single run.
#
# fd 3 (from the agent): per cell a JSON header line {"code": n, "stdin": m, "argv": [...], "cell": k},
# then n bytes of UTF-8 source and m bytes for the cell's stdin.
# fd 4 (to the agent): per cell one JSON line {"exit": status, "variables": [...]}, written after the
# cell's output has been flushed, so the agent's report comes after every byte of it.
#
# A cell's source is registered in linecache as "<cell k>", so a traceback shows the cell's own lines
# (also for a function defined in an earlier cell and called later). An uncaught exception prints the
# traceback without this file's frames and the cell's status is 1; SystemExit ends the cell (not the
# session) with its status, as `python3 main.py` would exit with it. If this interpreter dies (os._exit,
# a signal, the OOM killer), the agent reports it and the host replaces the sandbox: state lost.
import builtins
import io
import json
import linecache
import os
import reprlib
import sys
import traceback

MAX_VARIABLES = 200
_THIS_FILE = __file__

_short = reprlib.Repr()
_short.maxstring = 60
_short.maxother = 60
_short.maxlist = _short.maxtuple = _short.maxdict = _short.maxset = 6


class _Cells:
    """fd 3, read in chunks: header lines and exact byte counts."""

    def __init__(self, fd):
        self.fd = fd
        self.buffer = b""

    def line(self):
        while b"\n" not in self.buffer:
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                os._exit(0)  # the agent is gone: nothing left to do
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)

    def exact(self, size):
        while len(self.buffer) < size:
            chunk = os.read(self.fd, max(1 << 16, size - len(self.buffer)))
            if not chunk:
                os._exit(0)
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data


def _without_our_frames(tb):
    while tb is not None and tb.tb_frame.f_code.co_filename == _THIS_FILE:
        tb = tb.tb_next
    return tb


def _run_cell(source, name, namespace):
    """Runs one cell in the session's namespace; returns its exit status."""
    try:
        text = source.decode("utf-8")
        linecache.cache[name] = (len(text), None, text.splitlines(True), name)
        code = compile(text, name, "exec", dont_inherit=True)
        exec(code, namespace)
        return 0
    except SystemExit as error:
        status = error.code
        if status is None:
            return 0
        if type(status) in (int, bool):
            return int(status) & 0xFF
        print(status, file=sys.stderr)
        return 1
    except BaseException as error:  # noqa: B036 - the cell's uncaught exception, printed as by hand
        tb = _without_our_frames(error.__traceback__)
        sys.last_type, sys.last_value, sys.last_traceback = type(error), error, tb
        try:
            traceback.print_exception(type(error), error, tb, file=sys.stderr)
        except BaseException:  # noqa: B036 - a broken exception must not end the session
            print("%s: (its message could not be printed)" % type(error).__name__, file=sys.stderr)
        return 130 if type(error) is KeyboardInterrupt else 1


def _size(value):
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and all(isinstance(n, int) for n in shape):
        return "x".join(str(n) for n in shape) or "scalar"
    if isinstance(value, str):
        return "%d chars" % len(value)
    if isinstance(value, (bytes, bytearray)):
        return "%d bytes" % len(value)
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        return "%d items" % len(value)
    return ""


def _variables(namespace):
    """The variables view: what the cells defined (not modules, not names starting with _)."""
    found = []
    for name, value in list(namespace.items()):
        if name.startswith("_") or isinstance(value, type(sys)):
            continue
        if len(found) >= MAX_VARIABLES:
            break
        try:
            shown = _short.repr(value)
        except BaseException:  # noqa: B036 - a repr that fails is the user's: show that it failed
            shown = "<repr failed>"
        try:
            size = _size(value)
        except BaseException:  # noqa: B036
            size = ""
        found.append({"name": name, "type": type(value).__name__, "repr": shown[:120], "size": size})
    return found


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: B036 - a stream the cell replaced or closed
            pass


def _figures():
    """The figures helper (agentrun_figures.py), when the image has one: open figures become images."""
    module = sys.modules.get("agentrun_figures")
    if module is not None:
        try:
            module.emit_open_figures()
        except BaseException:  # noqa: B036 - never the session's end
            pass


def main():
    os.set_inheritable(3, False)
    os.set_inheritable(4, False)
    cells = _Cells(3)
    sys.path[0] = "/tmp"
    os.chdir("/tmp")
    here = os.path.dirname(os.path.abspath(_THIS_FILE))
    try:
        sys.path.append(here)
        import agentrun_figures  # noqa: F401 - optional; installs the figure backend
        agentrun_figures.install()
    except Exception:  # noqa: BLE001 - no figure support in this image
        pass
    finally:
        if here in sys.path:
            sys.path.remove(here)
    main_module = type(sys)("__main__")
    main_module.__builtins__ = builtins
    main_module.__file__ = "/tmp/main.py"
    sys.modules["__main__"] = main_module
    namespace = main_module.__dict__
    while True:
        header = cells.line()
        source = cells.exact(int(header["code"]))
        data = cells.exact(int(header.get("stdin", 0)))
        name = "<cell %d>" % int(header.get("cell", 0))
        sys.argv[:] = ["main.py", *[str(a) for a in header.get("argv", [])]]
        sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape")
        status = _run_cell(source, name, namespace)
        _figures()
        _flush()
        try:
            variables = _variables(namespace)
        except BaseException:  # noqa: B036
            variables = []
        line = json.dumps({"exit": status, "variables": variables}) + "\n"
        view = memoryview(line.encode())
        while view:
            view = view[os.write(4, view):]


if __name__ == "__main__":
    main()
