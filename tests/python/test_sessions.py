"""Sessions through the client (POST/GET/DELETE /v2/sessions..., issue 17) against the real server.

A server without the session API fails this suite with a sentence saying so (never a silent skip)."""

import threading
import time
import unittest

import helper
from agentrun_workbench import APIError, RunResult, Session


def open_session(client, **options):
    try:
        return client.create_session(**options)
    except APIError as error:
        if error.status == 404 and not error.code.startswith("session."):
            raise AssertionError("This server has no session API (POST /v2/sessions answered %d %s): "
                                 "the suite needs agentrun serve with sessions (issue 17)." %
                                 (error.status, error.code)) from None
        raise


class SessionTest(unittest.TestCase):
    def setUp(self):
        self.client = helper.client()
        self.session = open_session(self.client)
        self.addCleanup(self._close)

    def _close(self):
        try:
            self.client.close_session(self.session.id)
        except APIError:
            pass

    def test_created(self):
        self.assertIsInstance(self.session, Session)
        self.assertTrue(self.session.id)
        self.assertEqual(self.session.runs, 0)
        self.assertFalse(self.session.busy)
        self.assertGreater(self.session.idle_timeout, 0)
        self.assertGreater(self.session.max_lifetime, 0)
        self.assertIn(self.session.id, [s.id for s in self.client.list_sessions()])
        self.assertEqual(self.client.get_session(self.session.id).id, self.session.id)

    def test_state_across_runs(self):
        first = self.client.run_in_session(self.session.id, "x = 41\nprint('set')")
        self.assertIsInstance(first, RunResult)
        self.assertEqual(first.status, "ok", first.output)
        self.assertEqual(first.stdout, "set\n")
        second = self.client.run_in_session(self.session.id, "print(x + 1)")
        self.assertEqual((second.status, second.stdout), ("ok", "42\n"), second.output)
        self.assertEqual(first.session.id, self.session.id)
        self.assertEqual(second.session.cell, first.session.cell + 1)
        self.assertFalse(second.session.restarted)
        self.assertIn("x", [v.name for v in second.session.variables])
        self.assertEqual(self.client.get_session(self.session.id).runs, 2)

    def test_stdin(self):
        result = self.client.run_in_session(self.session.id, "print(input()[::-1])", stdin="abc\n")
        self.assertEqual(result.stdout, "cba\n", result.output)

    def test_restart_loses_state(self):
        self.client.run_in_session(self.session.id, "y = 1")
        restarted = self.client.restart_session(self.session.id)
        self.assertEqual(restarted.id, self.session.id)
        after = self.client.run_in_session(self.session.id, "print(y)")
        self.assertEqual(after.status, "exception")
        self.assertIn("NameError", after.output)

    def test_timeout_replaces_the_sandbox(self):
        self.client.run_in_session(self.session.id, "z = 3")
        slow = self.client.run_in_session(self.session.id, "import time\ntime.sleep(60)", timeout=2)
        self.assertEqual(slow.status, "timeout")
        self.assertTrue(slow.session.restarted)
        after = self.client.run_in_session(self.session.id, "try:\n    print(z)\nexcept NameError:\n    print('gone')")
        self.assertEqual(after.stdout, "gone\n", after.output)
        self.assertFalse(after.session.restarted)

    def test_busy(self):
        slow = {}
        worker = threading.Thread(target=lambda: slow.update(result=self.client.run_in_session(
            self.session.id, "import time\ntime.sleep(4)\nprint('slept')")))
        worker.start()
        try:
            deadline = time.monotonic() + 60
            while not self.client.get_session(self.session.id).busy and time.monotonic() < deadline:
                time.sleep(0.05)
            with self.assertRaises(APIError) as caught:
                self.client.run_in_session(self.session.id, "print(1)")
            self.assertEqual((caught.exception.status, caught.exception.code), (409, "session.busy"))
        finally:
            worker.join(120)
        self.assertEqual(slow["result"].stdout, "slept\n")

    def test_closed(self):
        self.client.close_session(self.session.id)
        self.assertNotIn(self.session.id, [s.id for s in self.client.list_sessions()])
        for call in (lambda: self.client.get_session(self.session.id),
                     lambda: self.client.run_in_session(self.session.id, "print(1)"),
                     lambda: self.client.close_session(self.session.id)):
            with self.assertRaises(APIError) as caught:
                call()
            self.assertEqual((caught.exception.status, caught.exception.code), (404, "session.not_found"))

    def test_limits_rejected(self):
        with self.assertRaises(APIError) as caught:
            self.client.create_session(limits={"memory": "1k"})
        self.assertEqual((caught.exception.status, caught.exception.code), (422, "limits.memory"))


if __name__ == "__main__":
    unittest.main()
