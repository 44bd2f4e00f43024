"""AgentRun Workbench: a client for the REST /v2 API of ``agentrun serve``.

    from agentrun_workbench import Client
    client = Client("http://127.0.0.1:8000", token=None)
    result = client.run("print(6 * 7)")
    print(result.status, result.stdout)

``agentrun_workbench.compat.AgentRun`` is a drop-in for AgentRun 0.2.5's ``AgentRun`` class.
Standard library only; Python 3.9 or newer.
"""

from .client import DEFAULT_URL, Client
from .errors import AgentRunError, APIError, ServerUnreachable
from .types import (
    CheckResult,
    Event,
    Figure,
    Finding,
    Health,
    RunResult,
    RunSummary,
    Session,
    SessionCell,
    Variable,
)

__all__ = [
    "DEFAULT_URL",
    "Client",
    "AgentRunError",
    "APIError",
    "ServerUnreachable",
    "CheckResult",
    "Event",
    "Figure",
    "Finding",
    "Health",
    "RunResult",
    "RunSummary",
    "Session",
    "SessionCell",
    "Variable",
]

__version__ = "0.1.0"
