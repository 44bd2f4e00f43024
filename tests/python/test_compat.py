"""AgentRun's own test cases (tests/data/safety/agentrun_upstream_cases.json, taken from AgentRun 0.2.5's
tests/test_agentrun.py) through the drop-in, against a real `agentrun serve`.

Every case is accounted for: it runs, or it is in NOT_RUN with the reason, and
test_every_case_accounted_for fails when a case is added to the file without a decision here.
"""

import json
import os
import re
import subprocess
import time
import unittest

import helper
from agentrun_workbench import Client
from agentrun_workbench.compat import AgentRun

CASES_FILE = os.path.join(os.environ["AGENTRUN_TEST_DATA"], "safety", "agentrun_upstream_cases.json")
with open(CASES_FILE, encoding="utf-8") as f:
    CASES = json.load(f)

NO_PACKAGE = "needs {} installed from a package index; the test server is offline (an empty wheelhouse)"
NOT_RUN = {
    "execute_with_dependencies_1": NO_PACKAGE.format("arrow"),
    "execute_with_dependencies_4": NO_PACKAGE.format("numpy"),
    "benchmark_cached_dependency": NO_PACKAGE.format("numpy"),
    "benchmark_dependency": NO_PACKAGE.format("requests") + ", and the network (example.com)",
    "historical_requests_whitelisted": NO_PACKAGE.format("requests") + ", and the network (example.com)",
    # No long-lived container: there is nothing to look up by name (docs/migration.md); see
    # test_container_name_is_not_looked_up for what happens instead.
    "init_wrong_container_name": "no named container on the server's side",
    "init_stopped_container": "no named container on the server's side",
    "historical_wrong_container_at_execute": "no named container on the server's side",
}


def cases(api):
    return [c for c in CASES if c["api"] == api and c["name"] not in NOT_RUN]


def runner(config=None, **extra):
    config = dict(config or {})
    config.pop("container_name", None)
    return AgentRun(container_name="agentrun-sandbox", client=helper.client(), **config, **extra)


class CompatCasesTest(unittest.TestCase):
    def test_every_case_accounted_for(self):
        names = {c["name"] for c in CASES}
        self.assertEqual(len(names), len(CASES), "case names are unique")
        self.assertLessEqual(set(NOT_RUN), names, "NOT_RUN names only cases of the file")
        self.assertGreaterEqual(len(CASES) - len(NOT_RUN), 33)

    def test_safety_check(self):
        agent = runner()
        run = cases("safety_check")
        self.assertGreaterEqual(len(run), 15)
        for case in run:
            with self.subTest(case=case["name"]):
                verdict = agent.safety_check(case["code"])
                self.assertEqual(set(verdict), {"safe", "message"})
                self.assertEqual(verdict["safe"], case["expect"] == "safe")
                if "message" in case:
                    self.assertEqual(verdict["message"], case["message"])

    def test_parse_dependencies(self):
        agent = runner()
        run = cases("parse_dependencies")
        self.assertEqual(len(run), 6)
        for case in run:
            with self.subTest(case=case["name"]):
                expected = json.loads(case["expect"][len("deps:"):])
                self.assertEqual(sorted(agent.parse_dependencies(case["code"])), sorted(expected))

    def test_execute_code_in_container(self):
        run = cases("execute_code_in_container")
        self.assertGreaterEqual(len(run), 10)
        for case in run:
            with self.subTest(case=case["name"]):
                output = runner(case.get("config")).execute_code_in_container(case["code"])
                self.assertIsInstance(output, str)
                expect = case["expect"]
                if "exact_return" in case:
                    self.assertEqual(output, case["exact_return"])
                elif expect.startswith("error-contains:"):
                    self.assertIn(expect[len("error-contains:"):], output)
                    if case["name"] == "benchmark_exception":
                        self.assertTrue(output.endswith("ZeroDivisionError: division by zero\n"))
                elif expect.startswith("output:"):
                    self.assertEqual(output, expect[len("output:"):])
                else:
                    self.assertEqual(output, case["message"])

    def test_init_dependency_mismatch(self):
        case = next(c for c in CASES if c["name"] == "init_dependency_mismatch")
        with self.assertRaises(ValueError) as caught:
            runner(case["config"])
        self.assertIn(case["expect"][len("error-contains:"):], str(caught.exception))

    def test_init_docker_not_running(self):
        # A real server whose engine is not there (DOCKER_HOST names a socket that does not exist):
        # AgentRun's RuntimeError with its words, followed by the server's own sentence.
        case = next(c for c in CASES if c["name"] == "init_docker_not_running")
        expected = case["expect"][len("error-contains:"):].replace(" Docker daemon not available", "")
        work = os.environ["AGENTRUN_TEST_WORK"]
        log = open(os.path.join(work, "serve-no-engine.log"), "wb")
        env = dict(os.environ, DOCKER_HOST="unix://" + os.path.join(work, "no-engine.sock"))
        server = subprocess.Popen(
            [os.environ["AGENTRUN_CLI"], "serve", "--listen", "127.0.0.1:0", "--no-history", "--token-file",
             os.environ["AGENTRUN_TEST_TOKEN_FILE"]], stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            url = None
            for _ in range(600):
                with open(log.name, errors="replace") as f:
                    found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", f.read())
                if found:
                    url = found.group(1)
                    break
                self.assertIsNone(server.poll(), "the engine-less server exited")
                time.sleep(0.1)
            self.assertIsNotNone(url)
            with self.assertRaises(RuntimeError) as caught:
                AgentRun("any-name", client=Client(url, token=helper.TOKEN))
            self.assertIn(expected, str(caught.exception))
            self.assertIn("no-engine.sock", str(caught.exception))
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()

    def test_server_not_running(self):
        with self.assertRaises(RuntimeError) as caught:
            AgentRun("any-name", base_url=helper.closed_port_url(), token="x" * 20)
        self.assertIn("Failed to connect to the AgentRun Workbench server", str(caught.exception))

    def test_container_name_is_not_looked_up(self):
        agent = AgentRun(container_name="wrong-container-name", client=helper.client())
        self.assertEqual(agent.execute_code_in_container("print('Hello, World!')"), "Hello, World!\n")

    def test_url_and_token_from_environment(self):
        # AGENTRUN_URL and AGENTRUN_TOKEN (set by run_tests.py): the one-import migration needs nothing else.
        agent = AgentRun(container_name="my_container")
        self.assertEqual(agent.execute_code_in_container("print(2 + 2)"), "4\n")

    def test_limits_mapped(self):
        agent = runner({"memory_limit": "64m", "cpu_quota": 25000, "default_timeout": 5})
        self.assertEqual(agent._limits(), {"timeout": 5, "memory": "64m", "cpus": 0.25})
        stored = agent.client.get_run(agent._run("print(1)").run_id)
        self.assertEqual(stored["status"], "ok")
        self.assertEqual(stored["policy"], "agentrun-compat")
        self.assertEqual(stored["limits"]["timeout"], 5)
        self.assertEqual(stored["limits"]["memory"], 64 * 1024 * 1024)
        self.assertEqual(stored["limits"]["cpus"], 0.25)
        # AgentRun's own default pair (100m, 512m) is above twice the memory: the server's sentence.
        refused = runner({"memswap_limit": "512m"}).execute_code_in_container("print(1)")
        self.assertIn("between the memory limit", refused)

    def test_install_dependencies(self):
        agent = runner({"dependencies_whitelist": ["pandas"]})
        self.assertEqual(agent.install_dependencies(None, ["numpy"]), "Dependency: numpy is not in the whitelist.")
        self.assertEqual(agent.install_dependencies(None, []), "Dependencies installed successfully.")
        open_agent = runner()
        self.assertEqual(open_agent.install_dependencies(None, ["unknownpackage"]),
                         "Failed to install dependency unknownpackage")
        self.assertEqual(open_agent.install_dependencies(None, ["json"]), "Dependencies installed successfully.")
        # A server without --allow installs nothing: the import fails, and so does the install.
        closed = runner({"dependencies_whitelist": []})
        self.assertEqual(closed.install_dependencies(None, []), "Dependencies installed successfully.")
        self.assertEqual(runner({"dependencies_whitelist": ["leftpad"]}).install_dependencies(None, ["leftpad"]),
                         "Failed to install dependency leftpad")
        self.assertFalse(agent.copy_code_to_container(None, "print(1)")["success"])
        self.assertIsNone(agent.clean_up(None, "x.py", []))
        with self.assertRaises(NotImplementedError):
            agent.execute_command_in_container(None, "ls", 5)

    def test_docker_client_refused(self):
        with self.assertRaises(TypeError):
            AgentRun("c", client=object())


if __name__ == "__main__":
    unittest.main()
