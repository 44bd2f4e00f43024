"""docs/agents.md is true: every Python example runs against the test server and prints what the page says
it prints (the ```text block after "Prints:"), the desktop client configuration starts an
`agentrun mcp` that answers tools/list, and the HTTP one reaches serve's /mcp with its headers."""

import json
import os
import re
import subprocess
import sys
import unittest
import urllib.parse
import urllib.request

PAGE = os.path.join(os.environ["AGENTRUN_SOURCE_DIR"], "docs", "agents.md")
CLI = os.environ["AGENTRUN_CLI"]

BLOCK = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)


def blocks():
    """(language, text, the expected output or None) of each fenced block of the page."""
    with open(PAGE, encoding="utf-8") as f:
        text = f.read()
    found = list(BLOCK.finditer(text))
    result = []
    for i, match in enumerate(found):
        expected = None
        if i + 1 < len(found) and found[i + 1].group(1) == "text":
            between = text[match.end():found[i + 1].start()]
            if between.strip() == "Prints:":
                expected = found[i + 1].group(2)
        result.append((match.group(1), match.group(2), expected))
    return result


class DocsTest(unittest.TestCase):
    def test_python_examples(self):
        examples = [(code, expected) for language, code, expected in blocks() if language == "python"]
        self.assertGreaterEqual(len(examples), 3)
        env = dict(os.environ)
        # `agentrun` on PATH, as for a user who installed it; the address and token from AGENTRUN_URL and
        # AGENTRUN_TOKEN, as the page says.
        env["PATH"] = os.path.dirname(CLI) + os.pathsep + env.get("PATH", "")
        for index, (code, expected) in enumerate(examples):
            with self.subTest(example=index, first_line=code.splitlines()[0]):
                self.assertIsNotNone(expected, "every example says what it prints")
                done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env=env, timeout=300)
                self.assertEqual(done.returncode, 0, done.stderr)
                self.assertEqual(done.stdout, expected)

    def test_desktop_configuration(self):
        configs = [json.loads(code) for language, code, _ in blocks()
                   if language == "json" and "mcpServers" in code and '"command"' in code]
        self.assertEqual(len(configs), 1)
        server = configs[0]["mcpServers"]["agentrun"]
        self.assertEqual(server["command"], "agentrun")
        self.assertEqual(server["args"][0], "mcp")
        messages = [
            {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                        "clientInfo": {"name": "docs", "version": "1"}}},
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}},
        ]
        env = dict(os.environ)
        env.update({k: v for k, v in server.get("env", {}).items() if k != "DOCKER_HOST"})
        done = subprocess.run([CLI, *server["args"], "--no-history"],
                              input="".join(json.dumps(m) + "\n" for m in messages), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        answers = {m.get("id"): m for m in map(json.loads, done.stdout.splitlines())}
        names = [t["name"] for t in answers[2]["result"]["tools"]]
        self.assertIn("run_python", names)
        run = next(t for t in answers[2]["result"]["tools"] if t["name"] == "run_python")
        self.assertIn("numpy", run["description"])  # the configuration's --allow reached the server

    def test_http_configuration(self):
        """The `url` configuration: its path is the test server's MCP endpoint, its header carries the token."""
        configs = [json.loads(code) for language, code, _ in blocks()
                   if language == "json" and "mcpServers" in code and '"url"' in code]
        self.assertEqual(len(configs), 1)
        server = configs[0]["mcpServers"]["agentrun"]
        path = urllib.parse.urlparse(server["url"]).path
        self.assertEqual(path, "/mcp")
        headers = {k: v.replace("<the token>", os.environ["AGENTRUN_TOKEN"]) for k, v in server["headers"].items()}
        body = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                           "clientInfo": {"name": "docs", "version": "1"}}}
        request = urllib.request.Request(os.environ["AGENTRUN_URL"].rstrip("/") + path, data=json.dumps(body).encode(),
                                         headers={**headers, "Content-Type": "application/json",
                                                  "Accept": "application/json, text/event-stream"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            self.assertRegex(answer.headers["Mcp-Session-Id"], "^[0-9a-f]{32}$")
            self.assertEqual(json.load(answer)["result"]["serverInfo"]["name"], "agentrun")


if __name__ == "__main__":
    unittest.main()
