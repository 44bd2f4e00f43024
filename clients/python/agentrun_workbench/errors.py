"""The client's exceptions: what the server refused (with its error code) and a server that cannot be reached."""

from __future__ import annotations


class AgentRunError(Exception):
    """Base class of every error this package raises."""


class APIError(AgentRunError):
    """The server answered with an error: ``{"error": {"code", "message"}}``.

    ``status`` is the HTTP status, ``code`` the server's error code (``limits.memory``, ``auth.token``,
    ``session.not_found``, ...; docs/reference/errors.md lists them all) and ``message`` its sentence,
    which says what happened and what to do.
    """

    def __init__(self, status: int, code: str, message: str, retry_after: float | None = None):
        super().__init__(f"{code}: {message} (HTTP {status})" if code else f"{message} (HTTP {status})")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


class ServerUnreachable(AgentRunError):
    """No answer from the server: nothing listens at the address, the name does not resolve, or the
    connection broke before an answer came."""

    def __init__(self, url: str, reason: str):
        super().__init__(
            f"Cannot reach the AgentRun Workbench server at {url}: {reason}. Start it with `agentrun serve` "
            "(docs/rest.md), or point the client at it (Client(base_url=...) or the AGENTRUN_URL variable)."
        )
        self.url = url
        self.reason = reason
