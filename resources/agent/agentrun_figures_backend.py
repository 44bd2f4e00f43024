# AgentRun: the matplotlib backend of agentrun_figures.py (MPLBACKEND=module://agentrun_figures_backend,
# set by its install()). Agg draws; show() sends each open figure to the host as PNG and closes it.
import agentrun_figures
from matplotlib.backend_bases import FigureManagerBase as FigureManager  # noqa: F401 (read by matplotlib)
from matplotlib.backends.backend_agg import FigureCanvasAgg as FigureCanvas  # noqa: F401

backend_version = "agentrun"


def show(*args, **kwargs):
    agentrun_figures.show()
