"""The REST /v2 client (docs/rest.md; the server's own GET /openapi.json describes every endpoint)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterator, List, Optional

from .errors import APIError, ServerUnreachable
from .types import CheckResult, Event, Health, RunResult, RunSummary, Session

DEFAULT_URL = "http://127.0.0.1:8000"


class Client:
    """A client of one ``agentrun serve``.

    ``base_url`` defaults to the ``AGENTRUN_URL`` variable, then ``http://127.0.0.1:8000``; ``token`` to
    ``AGENTRUN_TOKEN`` (a server started with ``--token-file`` wants ``Authorization: Bearer <token>`` on
    every request). ``timeout`` is how long one HTTP request may wait for the server, in seconds: a
    synchronous run waits for the run, so keep it above the runs' own timeouts.

    Every method raises :class:`APIError` (with the server's ``code``) when the server refuses, and
    :class:`ServerUnreachable` when there is no server to ask.
    """

    def __init__(self, base_url: Optional[str] = None, token: Optional[str] = None, timeout: float = 900.0):
        url = base_url or os.environ.get("AGENTRUN_URL") or DEFAULT_URL
        if "://" not in url:
            url = "http://" + url
        self.base_url = url.rstrip("/")
        self.token = token if token is not None else os.environ.get("AGENTRUN_TOKEN")
        self.timeout = timeout

    # -- plumbing --------------------------------------------------------------------------------------

    def _open(self, method: str, path: str, body: Any = None, headers: Optional[Dict[str, str]] = None,
              timeout: Optional[float] = None):
        data = None
        all_headers = {"Accept": "application/json"}
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        if self.token:
            all_headers["Authorization"] = "Bearer " + self.token
        all_headers.update(headers or {})
        request = urllib.request.Request(self.base_url + path, data=data, headers=all_headers, method=method)
        try:
            return urllib.request.urlopen(request, timeout=self.timeout if timeout is None else timeout)
        except urllib.error.HTTPError as error:
            raise _api_error(error) from None
        except urllib.error.URLError as error:
            raise ServerUnreachable(self.base_url, str(error.reason)) from None
        except (ConnectionError, socket.timeout, OSError) as error:
            raise ServerUnreachable(self.base_url, str(error) or type(error).__name__) from None

    def _json(self, method: str, path: str, body: Any = None) -> Any:
        with self._open(method, path, body) as response:
            try:
                raw = response.read()
            except (ConnectionError, socket.timeout, OSError, http.client.HTTPException) as error:
                raise ServerUnreachable(self.base_url, "the connection broke during the answer: " + repr(error)) from None
            if not raw:
                return None
            return json.loads(raw.decode("utf-8"))

    # -- server ----------------------------------------------------------------------------------------

    def health(self) -> Health:
        """``GET /v2/health``. A server whose container engine is down answers 503: :class:`APIError`
        with an ``engine.*`` code."""
        return Health.from_json(self._json("GET", "/v2/health"))

    def openapi(self) -> Dict[str, Any]:
        """The server's OpenAPI 3.0 document (``GET /openapi.json``)."""
        return self._json("GET", "/openapi.json")

    # -- runs ------------------------------------------------------------------------------------------

    @staticmethod
    def _run_body(code: str, stdin: Optional[str], limits: Optional[Dict[str, Any]], policy: Optional[str],
                  dependencies: Optional[List[str]], profile: Optional[str]) -> Dict[str, Any]:
        if not isinstance(code, str):
            raise TypeError("code must be a str with the Python source to run")
        body: Dict[str, Any] = {"code": code}
        if stdin is not None:
            body["stdin"] = stdin
        if limits:
            body["limits"] = dict(limits)
        if policy is not None:
            body["policy"] = policy
        if dependencies is not None:
            body["dependencies"] = list(dependencies)
        if profile is not None:
            body["profile"] = profile
        return body

    def run(self, code: str, *, stdin: Optional[str] = None, limits: Optional[Dict[str, Any]] = None,
            policy: Optional[str] = None, dependencies: Optional[List[str]] = None,
            profile: Optional[str] = None) -> RunResult:
        """Runs ``code`` and waits for its result (``POST /v2/runs``).

        ``limits`` takes the keys of docs/rest.md: ``timeout`` (seconds), ``memory``, ``memory_swap``,
        ``output_limit``, ``tmpfs`` (bytes or ``"256m"``), ``cpus``, ``pids``, ``network``, ``runtime``.
        A value the server does not accept is :class:`APIError` 422 whose ``code`` names the field
        (``limits.memory``). A program that fails is not an error: see ``RunResult.status``.
        """
        body = self._run_body(code, stdin, limits, policy, dependencies, profile)
        return RunResult.from_json(self._json("POST", "/v2/runs", body))

    def start_run(self, code: str, *, stdin: Optional[str] = None, limits: Optional[Dict[str, Any]] = None,
                  policy: Optional[str] = None, dependencies: Optional[List[str]] = None,
                  profile: Optional[str] = None) -> str:
        """Starts a run and returns its id at once (``"stream": true``); follow it with :meth:`events`
        and fetch the result with :meth:`get_run`."""
        body = self._run_body(code, stdin, limits, policy, dependencies, profile)
        body["stream"] = True
        return self._json("POST", "/v2/runs", body)["run_id"]

    def events(self, run_id: str, last_event_id: Optional[int] = None, reconnects: int = 3) -> Iterator[Event]:
        """The run's events as they happen (``GET /v2/runs/{id}/events``), in order, ending with the
        ``finished`` event (whose ``.result`` is the run's result).

        The server keeps every event of a run, so this may start after the run ended. When the
        connection breaks before ``finished``, it reconnects with ``Last-Event-ID`` (up to
        ``reconnects`` times) and goes on after the last event it gave; ``last_event_id`` starts there.
        """
        last = last_event_id
        failures = 0
        path = "/v2/runs/" + urllib.parse.quote(run_id, safe="") + "/events"
        while True:
            headers = {"Accept": "text/event-stream"}
            if last is not None:
                headers["Last-Event-ID"] = str(last)
            try:
                response = self._open("GET", path, headers=headers)
            except ServerUnreachable:
                failures += 1
                if failures > reconnects:
                    raise
                time.sleep(min(0.5 * failures, 2.0))
                continue
            finished = False
            try:
                for event in _read_events(response):
                    if event.id >= 0:
                        last = event.id
                    failures = 0
                    yield event
                    if event.kind == "finished":
                        finished = True
                        return
            except (ConnectionError, socket.timeout, OSError, http.client.HTTPException) as error:
                # A cut in the middle of a chunk is http.client's IncompleteRead, not an OSError.
                failures += 1
                if failures > reconnects:
                    raise ServerUnreachable(self.base_url, "the event stream broke: " + repr(error)) from None
                continue
            finally:
                response.close()
            if not finished:
                failures += 1
                if failures > reconnects:
                    raise ServerUnreachable(self.base_url, "the event stream of run " + run_id +
                                            " ended without its finished event")

    def stream(self, code: str, **options: Any) -> Iterator[Event]:
        """Starts a run and yields its events (:meth:`start_run` then :meth:`events`)."""
        return self.events(self.start_run(code, **options))

    def get_run(self, run_id: str) -> Dict[str, Any]:
        """``GET /v2/runs/{id}``: the stored run (the result's fields plus ``code``, ``policy``,
        ``limits``, ``source``, ``created_at``), or ``{"status": "running", "stage"}`` while it runs.
        An unknown id is :class:`APIError` 404 ``run.not_found``."""
        return self._json("GET", "/v2/runs/" + urllib.parse.quote(run_id, safe=""))

    def get_result(self, run_id: str) -> RunResult:
        """:meth:`get_run` as a :class:`RunResult` (of a finished run)."""
        return RunResult.from_json(self.get_run(run_id))

    def list_runs(self, status: Optional[str] = None, limit: Optional[int] = None,
                  offset: Optional[int] = None) -> List[RunSummary]:
        """``GET /v2/runs``: the recorded runs, newest first."""
        query = {k: v for k, v in (("status", status), ("limit", limit), ("offset", offset)) if v is not None}
        path = "/v2/runs" + ("?" + urllib.parse.urlencode(query) if query else "")
        return [RunSummary.from_json(r) for r in self._json("GET", path).get("runs", [])]

    def check(self, code: str, policy: Optional[str] = None) -> CheckResult:
        """The static check alone (``POST /v2/check``): nothing runs."""
        body: Dict[str, Any] = {"code": code}
        if policy is not None:
            body["policy"] = policy
        return CheckResult.from_json(self._json("POST", "/v2/check", body))

    # -- sessions --------------------------------------------------------------------------------------

    def create_session(self, limits: Optional[Dict[str, Any]] = None, profile: Optional[str] = None) -> Session:
        """``POST /v2/sessions``: a sandbox that keeps its Python state across runs. Too many sessions
        is :class:`APIError` 429 ``session.limit``."""
        body: Dict[str, Any] = {}
        if limits:
            body["limits"] = dict(limits)
        if profile is not None:
            body["profile"] = profile
        return Session.from_json(self._json("POST", "/v2/sessions", body))

    def list_sessions(self) -> List[Session]:
        return [Session.from_json(s) for s in self._json("GET", "/v2/sessions").get("sessions", [])]

    def get_session(self, session_id: str) -> Session:
        return Session.from_json(self._json("GET", "/v2/sessions/" + urllib.parse.quote(session_id, safe="")))

    @staticmethod
    def _session_run_body(code: str, stdin: Optional[str], timeout: Optional[float],
                          limits: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        if not isinstance(code, str):
            raise TypeError("code must be a str with the Python source to run")
        body: Dict[str, Any] = {"code": code}
        if stdin is not None:
            body["stdin"] = stdin
        merged = dict(limits or {})
        if timeout is not None:
            merged["timeout"] = timeout
        if merged:
            body["limits"] = merged
        return body

    def run_in_session(self, session_id: str, code: str, *, stdin: Optional[str] = None,
                       timeout: Optional[float] = None, limits: Optional[Dict[str, Any]] = None) -> RunResult:
        """Runs ``code`` as the session's next cell; ``result.session`` says which cell, whether the
        sandbox had to be replaced (state lost) and the variables it holds. A run may set ``timeout``
        and ``output_limit`` (the other limits are the session's). One run at a time: a second is
        :class:`APIError` 409 ``session.busy``; an unknown or closed session 404 ``session.not_found``."""
        path = "/v2/sessions/" + urllib.parse.quote(session_id, safe="") + "/runs"
        return RunResult.from_json(self._json("POST", path, self._session_run_body(code, stdin, timeout, limits)))

    def stream_in_session(self, session_id: str, code: str, *, stdin: Optional[str] = None,
                          timeout: Optional[float] = None, limits: Optional[Dict[str, Any]] = None) -> Iterator[Event]:
        """:meth:`run_in_session` with live events, as :meth:`stream`."""
        body = self._session_run_body(code, stdin, timeout, limits)
        body["stream"] = True
        path = "/v2/sessions/" + urllib.parse.quote(session_id, safe="") + "/runs"
        return self.events(self._json("POST", path, body)["run_id"])

    def restart_session(self, session_id: str) -> Session:
        """A fresh sandbox for the session: its state is gone, its id stays."""
        path = "/v2/sessions/" + urllib.parse.quote(session_id, safe="") + "/restart"
        return Session.from_json(self._json("POST", path, {}))

    def close_session(self, session_id: str) -> None:
        self._json("DELETE", "/v2/sessions/" + urllib.parse.quote(session_id, safe=""))


def _api_error(error: urllib.error.HTTPError) -> APIError:
    try:
        raw = error.read()
    except OSError:
        raw = b""
    code, message = "", ""
    try:
        payload = json.loads(raw.decode("utf-8")) if raw else {}
        if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
            code = str(payload["error"].get("code", ""))
            message = str(payload["error"].get("message", ""))
    except ValueError:
        pass
    if not message:
        message = raw.decode("utf-8", "replace").strip() or (error.reason or "no message")
    retry_after = None
    header = error.headers.get("Retry-After") if error.headers else None
    if header:
        try:
            retry_after = float(header)
        except ValueError:
            pass
    return APIError(error.code, code, str(message), retry_after)


def _read_events(response) -> Iterator[Event]:
    """Server-Sent Events (the WHATWG format): fields up to a blank line make one event; lines that
    start with ':' are comments (the server's keep-alives)."""
    event_id, kind, data = "", "", []
    while True:
        line = response.readline()
        if not line:
            return
        text = line.decode("utf-8").rstrip("\r\n")
        if text == "":
            if data or kind:
                yield Event.parse(event_id, kind, "\n".join(data))
            event_id, kind, data = "", "", []
            continue
        if text.startswith(":"):
            continue
        name, _, value = text.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "id":
            event_id = value
        elif name == "event":
            kind = value
        elif name == "data":
            data.append(value)
