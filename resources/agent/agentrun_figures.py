# AgentRun: matplotlib figures come back with the run, without code changes.
#
# A matplotlib backend (agentrun_figures_backend.py; Agg: no display) whose show() writes every open figure to stdout as PNG, as one
# marker line "\x1eAGENTRUN-FIGURE:<base64 PNG>\n", and closes it. The host's output collector takes the
# line out of the text (core/src/sandbox/figures.cpp) and returns the image with the run, at its place
# in the text. sys.stdout is flushed first, so text printed before show() stays before the figure.
#
# install()            before the program: makes this module matplotlib's default backend, when
#                      matplotlib is installed (MPLBACKEND, unless the program's environment sets one;
#                      MPLCONFIGDIR under /tmp, as the root file system is read-only). Imports nothing
#                      of matplotlib: a program that does not use it pays nothing.
# emit_open_figures()  after the program (or a session cell): the figures still open, then the PNG
#                      images the program saved directly under /tmp/outputs/ (sorted by name; each
#                      version of a file once, so a session cell that rewrites a file sends it again).
#
# Only PNG travels: the host reads the size from the PNG header. JPEG or SVG files saved under
# /tmp/outputs/ are not sent as figures (collect them as files).
import os
import sys

MARKER = b"\x1eAGENTRUN-FIGURE:"
OUTPUTS = "/tmp/outputs"
CONFIG_DIR = "/tmp/.matplotlib"
_installed = False
_sent_outputs = set()


def install():
    """Makes this module matplotlib's backend for the program, when matplotlib is there; returns whether
    it did. Looks for matplotlib without importing it (nor importlib.util)."""
    global _installed
    if _installed:
        return True
    finder = sys.modules["_frozen_importlib_external"].PathFinder
    try:
        if finder.find_spec("matplotlib") is None:
            return False
    except (ImportError, ValueError):
        return False
    _installed = True
    # The backend (agentrun_figures_backend.py) is found by name without putting /opt/agentrun on the
    # program's sys.path, and loaded lazily: only matplotlib's first use of it runs it (and imports Agg).
    from importlib import util

    name = "agentrun_figures_backend"
    spec = util.spec_from_file_location(name, os.path.join(os.path.dirname(__file__), name + ".py"))
    spec.loader = util.LazyLoader(spec.loader)
    backend = util.module_from_spec(spec)
    sys.modules[name] = backend
    sys.modules.setdefault("agentrun_figures", sys.modules[__name__])
    spec.loader.exec_module(backend)
    os.environ.setdefault("MPLBACKEND", "module://" + name)
    os.environ.setdefault("MPLCONFIGDIR", CONFIG_DIR)
    if os.environ["MPLCONFIGDIR"] == CONFIG_DIR:
        _seed_font_list()
    return True


def _seed_font_list():
    """Copies the font list the image made (packaging/sandbox/Dockerfile) into the run's MPLCONFIGDIR:
    matplotlib needs that directory writable, and making the list costs a run about 0.2 s."""
    seed = os.path.join(os.path.dirname(__file__), "matplotlib")
    try:
        names = os.listdir(seed)
        os.makedirs(CONFIG_DIR, exist_ok=True)
        for name in names:
            target = os.path.join(CONFIG_DIR, name)
            if name.endswith(".json") and not os.path.exists(target):
                with open(os.path.join(seed, name), "rb") as source, open(target, "wb") as copy:
                    copy.write(source.read())
    except OSError:
        pass  # matplotlib makes the list itself


def _write(png):
    """One marker line on fd 1, after whatever the program's sys.stdout still holds."""
    try:
        sys.stdout.flush()
    except Exception:
        pass
    import base64

    data = MARKER + base64.b64encode(png) + b"\n"
    while data:
        written = os.write(1, data)
        data = data[written:]


def _emit_figure(figure):
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    _write(buffer.getvalue())


def emit_open_figures():
    """Sends the figures still open (and closes them), then the PNG files saved under /tmp/outputs/."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if _installed and pyplot is not None:
        try:
            _show()
        except Exception as error:  # a broken figure must not hide the program's own outcome
            print(f"agentrun: a figure could not be drawn: {error!r}", file=sys.stderr)
    _emit_outputs()


def _emit_outputs():
    # os.stat raises no audit event (os.scandir does): a program's audit hook sees nothing unless the
    # program made the folder.
    try:
        os.stat(OUTPUTS)
    except OSError:
        return
    try:
        entries = sorted(os.scandir(OUTPUTS), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if not entry.name.lower().endswith(".png"):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            info = entry.stat(follow_symlinks=False)
            key = (entry.path, info.st_mtime_ns, info.st_size)  # a session cell may rewrite a file
            if key in _sent_outputs:
                continue
            with open(entry.path, "rb") as file:
                png = file.read((8 << 20) + 1)  # the host's cap per figure; a larger file is dropped there
        except OSError:
            continue
        _sent_outputs.add(key)
        _write(png)


def show():
    """The backend's show(): every open figure to the host, in order, then closed."""
    _show()


def _show():
    from matplotlib import pyplot
    from matplotlib._pylab_helpers import Gcf

    for manager in Gcf.get_all_fig_managers():
        _emit_figure(manager.canvas.figure)
    pyplot.close("all")
