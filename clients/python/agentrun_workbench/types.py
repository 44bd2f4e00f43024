"""Typed results of the /v2 API. Each keeps the server's JSON object in ``raw``, so a field this version
does not name yet is still there."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class Finding:
    """One finding of the static check: the rule, how severe, where (1-based line and column) and what
    to do about it."""

    rule: str
    severity: str
    message: str
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    hint: str = ""

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Finding":
        return cls(
            rule=data.get("rule", ""),
            severity=data.get("severity", ""),
            message=data.get("message", ""),
            line=int(data.get("line", 0) or 0),
            column=int(data.get("column", 0) or 0),
            end_line=int(data.get("end_line", 0) or 0),
            end_column=int(data.get("end_column", 0) or 0),
            hint=data.get("hint", "") or "",
        )


@dataclass
class CheckResult:
    """``POST /v2/check``: whether the code would run, and why not."""

    allowed: bool
    findings: List[Finding]
    imports: List[str]
    packages: List[str]
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "CheckResult":
        return cls(
            allowed=bool(data.get("allowed", False)),
            findings=[Finding.from_json(f) for f in data.get("findings", [])],
            imports=list(data.get("imports", [])),
            packages=list(data.get("packages", [])),
            raw=data,
        )


@dataclass
class Figure:
    """A matplotlib figure the run drew: ``data`` is the image itself (PNG bytes, decoded), ``size`` its
    length as the server counted it (the JSON's ``bytes``), ``stdout_offset`` where in stdout it was
    shown."""

    mime: str
    width: int
    height: int
    size: int
    stdout_offset: int
    data: bytes = field(repr=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Figure":
        return cls(
            mime=data.get("mime", ""),
            width=int(data.get("width", 0) or 0),
            height=int(data.get("height", 0) or 0),
            size=int(data.get("bytes", 0) or 0),
            stdout_offset=int(data.get("stdout_offset", 0) or 0),
            data=base64.b64decode(data.get("data", "") or ""),
        )


@dataclass
class Variable:
    """A name the session's program defined, as the session shows it: its type, a short repr and a size."""

    name: str
    type: str
    repr: str
    size: int

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Variable":
        return cls(name=data.get("name", ""), type=data.get("type", ""), repr=data.get("repr", ""),
                   size=int(data.get("size", 0) or 0))


@dataclass
class SessionCell:
    """What a run in a session says about the session: its id, the cell's number, whether the sandbox was
    replaced after this run (a timeout, out of memory or a crash: the session's state is lost), and the
    variables the session holds after it."""

    id: str
    cell: int
    restarted: bool
    variables: List[Variable] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "SessionCell":
        return cls(id=data.get("id", ""), cell=int(data.get("cell", 0) or 0),
                   restarted=bool(data.get("restarted", False)),
                   variables=[Variable.from_json(v) for v in data.get("variables", []) or []])


@dataclass
class RunResult:
    """A run's result: the ``agentrun run --json`` object (docs/cli.md).

    ``status`` is ``ok``, ``exception``, ``blocked``, ``timeout``, ``out_of_memory``, ``output_limit``,
    ``dependency_rejected``, ``install_failed``, ``killed``, ``cancelled``, ``engine_error`` or
    ``invalid_request``; ``output`` is stdout and stderr interleaved as a terminal shows them.
    """

    status: str
    exit_code: int
    message: str
    error_code: str
    output: str
    stdout: str
    stderr: str
    findings: List[Finding]
    packages: List[str]
    run_id: str
    duration_ms: Dict[str, float]
    peak_memory_bytes: int
    figures: List[Figure]
    session: Optional[SessionCell]
    raw: Dict[str, Any] = field(repr=False)
    figure_notes: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "RunResult":
        session = data.get("session")
        return cls(
            status=data.get("status", ""),
            exit_code=int(data.get("exit_code", 0) or 0),
            message=data.get("message", "") or "",
            error_code=data.get("error_code", "") or "",
            output=data.get("output", "") or "",
            stdout=data.get("stdout", "") or "",
            stderr=data.get("stderr", "") or "",
            findings=[Finding.from_json(f) for f in data.get("findings", []) or []],
            packages=list(data.get("packages", []) or []),
            run_id=data.get("run_id", "") or "",
            duration_ms=dict(data.get("duration_ms", {}) or {}),
            peak_memory_bytes=int(data.get("peak_memory_bytes", 0) or 0),
            figures=[Figure.from_json(f) for f in data.get("figures", []) or []],
            session=SessionCell.from_json(session) if isinstance(session, dict) else None,
            raw=data,
            figure_notes=list(data.get("figure_notes", []) or []),
        )


@dataclass
class RunSummary:
    """One row of ``GET /v2/runs`` (newest first); ``raw`` has every field the server sent."""

    run_id: str
    status: str
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "RunSummary":
        return cls(run_id=data.get("run_id", data.get("id", "")) or "", status=data.get("status", "") or "", raw=data)


@dataclass
class Health:
    """``GET /v2/health``."""

    status: str
    engine: str
    active_runs: int
    max_concurrent: int
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Health":
        return cls(
            status=data.get("status", ""),
            engine=data.get("engine", "") or "",
            active_runs=int(data.get("active_runs", 0) or 0),
            max_concurrent=int(data.get("max_concurrent", 0) or 0),
            raw=data,
        )


@dataclass
class Session:
    """A session (``/v2/sessions``): one sandbox that keeps its Python state from one run to the next."""

    id: str
    limits: Dict[str, Any]
    created_at: str
    idle_timeout: float
    max_lifetime: float
    runs: int
    busy: bool
    raw: Dict[str, Any] = field(repr=False)
    restarts: int = 0
    last_used_at: str = ""
    image: str = ""

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Session":
        return cls(
            id=data.get("id", ""),
            limits=dict(data.get("limits", {}) or {}),
            created_at=str(data.get("created_at", "") or ""),
            idle_timeout=float(data.get("idle_timeout", 0) or 0),
            max_lifetime=float(data.get("max_lifetime", 0) or 0),
            runs=int(data.get("runs", 0) or 0),
            busy=bool(data.get("busy", False)),
            raw=data,
            restarts=int(data.get("restarts", 0) or 0),
            last_used_at=str(data.get("last_used_at", "") or ""),
            image=data.get("image", "") or "",
        )


@dataclass
class Event:
    """One Server-Sent Event of ``GET /v2/runs/{id}/events``.

    ``kind`` is ``stage``, ``finding``, ``install``, ``stdout``, ``stderr``, ``figure``, ``resources`` or
    ``finished`` (always last); ``id`` is the event's number (what ``Last-Event-ID`` resumes after);
    ``data`` the decoded JSON.
    """

    id: int
    kind: str
    data: Dict[str, Any]

    @property
    def text(self) -> str:
        """The output of a ``stdout``/``stderr`` event, the line of an ``install`` event, else ""."""
        if self.kind in ("stdout", "stderr"):
            return self.data.get("data", "")
        if self.kind == "install":
            return self.data.get("line", "")
        return ""

    @property
    def stage(self) -> str:
        return self.data.get("stage", "") if self.kind == "stage" else ""

    @property
    def finding(self) -> Optional[Finding]:
        return Finding.from_json(self.data) if self.kind == "finding" else None

    @property
    def figure(self) -> Optional[Figure]:
        """The image of a ``figure`` event (the same object as the result's ``figures`` items)."""
        return Figure.from_json(self.data) if self.kind == "figure" else None

    @property
    def result(self) -> Optional[RunResult]:
        """The run's result, on the ``finished`` event."""
        return RunResult.from_json(self.data) if self.kind == "finished" else None

    @classmethod
    def parse(cls, event_id: str, kind: str, data: str) -> "Event":
        try:
            number = int(event_id)
        except ValueError:
            number = -1
        try:
            decoded = json.loads(data) if data else {}
        except ValueError:
            decoded = {"data": data}
        return cls(id=number, kind=kind or "message", data=decoded if isinstance(decoded, dict) else {"data": decoded})
