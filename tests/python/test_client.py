"""The REST /v2 client against a real `agentrun serve` (run by run_tests.py)."""

import base64
import socket
import struct
import threading
import unittest
import zlib

import helper
from agentrun_workbench import APIError, CheckResult, Client, Event, RunResult, ServerUnreachable


class RunTest(unittest.TestCase):
    def setUp(self):
        self.client = helper.client()

    def test_health(self):
        health = self.client.health()
        self.assertEqual(health.status, "ok")
        self.assertIn("Docker", health.engine)
        self.assertGreaterEqual(health.max_concurrent, 1)

    def test_run_ok(self):
        result = self.client.run("print(6 * 7)")
        self.assertIsInstance(result, RunResult)
        self.assertEqual(result.status, "ok")
        self.assertTrue(result.ok)
        self.assertEqual(result.exit_code, 0)
        self.assertEqual(result.stdout, "42\n")
        self.assertEqual(result.output, "42\n")
        self.assertTrue(result.run_id)
        self.assertGreater(result.duration_ms["total"], 0)

    def test_exception(self):
        result = self.client.run("print('before')\nraise KeyError('nope')")
        self.assertEqual(result.status, "exception")
        self.assertEqual(result.exit_code, 1)
        self.assertEqual(result.error_code, "run.exception")
        self.assertEqual(result.stdout, "before\n")
        self.assertIn("KeyError: 'nope'", result.stderr)
        self.assertIn("KeyError", result.message)

    def test_stdin(self):
        result = self.client.run("import sys\nprint(sys.stdin.read().upper(), end='')", stdin="one\ntwo\n")
        self.assertEqual(result.status, "ok", result.message)
        self.assertEqual(result.stdout, "ONE\nTWO\n")

    def test_limits_applied(self):
        result = self.client.run("import time\ntime.sleep(30)", limits={"timeout": 1, "memory": "64m"})
        self.assertEqual(result.status, "timeout")

    def test_limits_rejected_with_field(self):
        with self.assertRaises(APIError) as caught:
            self.client.run("print(1)", limits={"memory": "1k"})
        self.assertEqual(caught.exception.status, 422)
        self.assertEqual(caught.exception.code, "limits.memory")
        self.assertIn("16 MiB", caught.exception.message)  # the accepted range
        with self.assertRaises(APIError) as caught:
            self.client.run("print(1)", limits={"memroy": "64m"})
        self.assertEqual(caught.exception.status, 422)
        self.assertIn("memroy", caught.exception.code + caught.exception.message)

    def test_blocked_findings_in_result(self):
        result = self.client.run("import os\nos.system('ls')")
        self.assertEqual(result.status, "blocked")
        self.assertTrue(result.findings)
        self.assertEqual(result.findings[0].severity, "block")
        self.assertEqual(result.findings[0].line, 2)

    def test_check(self):
        check = self.client.check("import os\nos.system('rm -rf /')")
        self.assertIsInstance(check, CheckResult)
        self.assertFalse(check.allowed)
        finding = check.findings[0]
        self.assertEqual(finding.rule, "process-exec")
        self.assertEqual((finding.line, finding.column), (2, 1))
        self.assertTrue(finding.hint)
        self.assertEqual(check.imports, ["os"])
        self.assertTrue(self.client.check("print(1)").allowed)
        compat = self.client.check("import os.path", policy="agentrun-compat")
        self.assertEqual(compat.findings[0].message, "Unsafe module import: os.path")

    def test_run_lookup_and_list(self):
        result = self.client.run("print('looked up')")
        stored = self.client.get_run(result.run_id)
        self.assertEqual(stored["code"], "print('looked up')")
        self.assertEqual(self.client.get_result(result.run_id).stdout, "looked up\n")
        runs = self.client.list_runs(limit=50)
        self.assertIn(result.run_id, [r.run_id for r in runs])
        self.assertTrue(all(r.status == "ok" for r in self.client.list_runs(status="ok", limit=5)))
        with self.assertRaises(APIError) as caught:
            self.client.get_run("0000000000000000")
        self.assertEqual((caught.exception.status, caught.exception.code), (404, "run.not_found"))

    def test_openapi(self):
        document = self.client.openapi()
        self.assertIn("/v2/runs", document["paths"])


class StreamTest(unittest.TestCase):
    CODE = "import time, sys\nfor i in range(3):\n    print('line', i, flush=True)\n    time.sleep(0.3)\nprint('oops', file=sys.stderr)"

    def test_events_in_order_ending_in_finished(self):
        client = helper.client()
        events = list(client.stream(self.CODE))
        self.assertTrue(all(isinstance(e, Event) for e in events))
        ids = [e.id for e in events]
        self.assertEqual(ids, list(range(len(events))), "event ids are 0, 1, 2, ... in order")
        self.assertEqual(events[-1].kind, "finished")
        self.assertEqual([e.kind for e in events].count("finished"), 1)
        stages = [e.stage for e in events if e.kind == "stage"]
        self.assertLess(stages.index("running"), len(stages))
        self.assertEqual("".join(e.text for e in events if e.kind == "stdout"), "line 0\nline 1\nline 2\n")
        self.assertEqual("".join(e.text for e in events if e.kind == "stderr"), "oops\n")
        first_output = next(i for i, e in enumerate(events) if e.kind == "stdout")
        self.assertLess(ids.index(next(e.id for e in events if e.stage == "running")), first_output)
        result = events[-1].result
        self.assertEqual(result.status, "ok")
        self.assertEqual(result.stdout, "line 0\nline 1\nline 2\n")

    def test_resume_with_last_event_id(self):
        client = helper.client()
        run_id = client.start_run(self.CODE)
        everything = list(client.events(run_id))
        middle = everything[len(everything) // 2]
        rest = list(client.events(run_id, last_event_id=middle.id))
        self.assertEqual([e.id for e in rest], [e.id for e in everything if e.id > middle.id])
        self.assertEqual(rest[-1].kind, "finished")

    def test_reconnects_after_a_broken_stream(self):
        # A proxy that cuts the first event stream after a few hundred bytes of its answer (in the middle
        # of an event, inside a chunk): the client reconnects with Last-Event-ID and yields every event
        # exactly once, in order.
        proxy = CuttingProxy(helper.URL, cut_after=420)
        self.addCleanup(proxy.close)
        client = helper.client()
        run_id = client.start_run(self.CODE)
        through_proxy = helper.client()
        through_proxy.base_url = proxy.url
        events = list(through_proxy.events(run_id))
        self.assertGreaterEqual(proxy.cuts, 1, "the proxy did cut a stream")
        self.assertGreaterEqual(proxy.connections, 2, "the client reconnected")
        self.assertEqual([e.id for e in events], list(range(len(events))))
        self.assertEqual(events[-1].kind, "finished")
        self.assertEqual([e.id for e in events], [e.id for e in client.events(run_id)])
        self.assertIn("last-event-id: ", proxy.later_requests[0].lower())

    def test_blocked_stream_has_findings(self):
        events = list(helper.client().stream("import os\nos.system('ls')"))
        self.assertIn("finding", [e.kind for e in events])
        self.assertEqual(events[-1].result.status, "blocked")


class CuttingProxy:
    """A TCP proxy to the server that closes its first connection after `cut_after` bytes of the answer."""

    def __init__(self, target_url, cut_after):
        host, port = target_url.split("//")[1].split(":")
        self.target = (host, int(port))
        self.cut_after = cut_after
        self.cuts = 0
        self.connections = 0
        self.later_requests = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.url = "http://127.0.0.1:%d" % self.listener.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(downstream, self.connections == 1), daemon=True).start()

    def _serve(self, downstream, cut):
        upstream = socket.create_connection(self.target)
        request = downstream.recv(65536)
        if not cut:
            self.later_requests.append(request.decode("latin-1"))
        upstream.sendall(request)
        sent = 0
        try:
            while True:
                data = upstream.recv(65536)
                if not data:
                    break
                if cut and sent + len(data) >= self.cut_after:
                    downstream.sendall(data[:self.cut_after - sent])
                    self.cuts += 1
                    break
                downstream.sendall(data)
                sent += len(data)
        finally:
            downstream.close()
            upstream.close()

    def close(self):
        self.closed = True
        self.listener.close()


class AuthAndFailureTest(unittest.TestCase):
    def test_wrong_token_refused(self):
        for token in ("wrong-token-of-enough-length", None, ""):
            with self.subTest(token=token):
                client = Client(helper.URL, token=token)
                client.token = token  # no fallback to AGENTRUN_TOKEN
                with self.assertRaises(APIError) as caught:
                    client.health()
                self.assertEqual(caught.exception.status, 401)
                self.assertEqual(caught.exception.code, "auth.token")
                with self.assertRaises(APIError):
                    client.run("print(1)")

    def test_token_from_environment(self):
        # AGENTRUN_URL and AGENTRUN_TOKEN are set by run_tests.py: a bare Client() is configured.
        self.assertEqual(Client().health().status, "ok")

    def test_server_down(self):
        url = helper.closed_port_url()
        client = Client(url, token="x" * 20, timeout=10)
        for call in (client.health, lambda: client.run("print(1)"), lambda: list(client.events("abc"))):
            with self.assertRaises(ServerUnreachable) as caught:
                call()
            self.assertIn(url, str(caught.exception))
            self.assertIn("agentrun serve", str(caught.exception))

    def test_code_must_be_text(self):
        with self.assertRaises(TypeError):
            helper.client().run(b"print(1)")


def _png(width, height):
    """A valid PNG of the given size (the header is what the server reads width and height from)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class FiguresTest(unittest.TestCase):
    def test_figures_decoded(self):
        # The result JSON's figures (docs/rest.md): base64 in "data", decoded into bytes here.
        png = _png(3, 2)
        result = RunResult.from_json({"status": "ok", "exit_code": 0, "stdout": "a\n", "figures": [
            {"mime": "image/png", "width": 3, "height": 2, "bytes": len(png), "stdout_offset": 2,
             "data": base64.b64encode(png).decode()}]})
        self.assertEqual(len(result.figures), 1)
        figure = result.figures[0]
        self.assertEqual(figure.data, png)
        self.assertEqual((figure.mime, figure.width, figure.height, figure.size, figure.stdout_offset),
                         ("image/png", 3, 2, len(png), 2))
        self.assertEqual(RunResult.from_json({"status": "ok"}).figures, [])

    def test_run_without_figures(self):
        self.assertEqual(helper.client().run("print(1)").figures, [])


if __name__ == "__main__":
    unittest.main()
