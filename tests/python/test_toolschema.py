"""`agentrun tool-schema --format openai|anthropic`: the run tool of `agentrun mcp`, in the shapes of two
function-calling APIs."""

import json
import os
import subprocess
import unittest

CLI = os.environ["AGENTRUN_CLI"]


def tool_schema(*args):
    done = subprocess.run([CLI, "tool-schema", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=60)
    return done.returncode, done.stdout, done.stderr


def mcp_tools(*args):
    """tools/list of `agentrun mcp` (the one declaration both come from)."""
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}},
    ]
    done = subprocess.run([CLI, "mcp", "--no-history", *args], input="".join(json.dumps(m) + "\n" for m in messages),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    for line in done.stdout.splitlines():
        message = json.loads(line)
        if message.get("id") == 2:
            return message["result"]["tools"]
    raise AssertionError("no tools/list answer from agentrun mcp: " + done.stdout + done.stderr)


class ToolSchemaTest(unittest.TestCase):
    def test_openai(self):
        status, out, err = tool_schema("--format", "openai")
        self.assertEqual(status, 0, err)
        schema = json.loads(out)
        self.assertEqual(set(schema), {"type", "function"})
        self.assertEqual(schema["type"], "function")
        function = schema["function"]
        self.assertEqual(set(function), {"name", "description", "parameters"})
        self.assertEqual(function["name"], "run_python")
        self.assertEqual(function["parameters"]["type"], "object")
        self.assertEqual(function["parameters"]["properties"]["code"]["type"], "string")
        self.assertEqual(function["parameters"]["required"], ["code"])

    def test_anthropic(self):
        status, out, err = tool_schema("--format", "anthropic")
        self.assertEqual(status, 0, err)
        schema = json.loads(out)
        self.assertEqual(set(schema), {"name", "description", "input_schema"})
        self.assertEqual(schema["name"], "run_python")
        self.assertIn("code", schema["input_schema"]["properties"])
        self.assertEqual(schema["input_schema"]["required"], ["code"])

    def test_same_as_mcp(self):
        # The server's options change the description; both commands read them the same way.
        options = ["--allow", "numpy", "--timeout", "12", "--max-timeout", "40"]
        run = next(t for t in mcp_tools(*options) if t["name"] == "run_python")
        status, out, err = tool_schema("--format", "anthropic", *options)
        self.assertEqual(status, 0, err)
        schema = json.loads(out)
        self.assertEqual(schema["input_schema"], run["inputSchema"])
        self.assertEqual(schema["description"], run["description"])
        self.assertIn("numpy", schema["description"])
        self.assertIn("12 s", schema["description"])
        openai = json.loads(tool_schema("--format", "openai", *options)[1])
        self.assertEqual(openai["function"]["parameters"], run["inputSchema"])

    def test_bad_format(self):
        status, out, err = tool_schema("--format", "gemini")
        self.assertEqual(status, 2)
        self.assertEqual(out, "")
        self.assertIn("--format must be openai or anthropic", err)
        status, _, err = tool_schema()
        self.assertEqual(status, 2)
        self.assertIn("--format", err)


if __name__ == "__main__":
    unittest.main()
