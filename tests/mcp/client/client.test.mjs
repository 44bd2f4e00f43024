// mcp.client: `agentrun mcp` driven over stdio by a client nobody here wrote, the official MCP TypeScript
// SDK client (pinned in package-lock.json), against the real engine. Usage: node client.test.mjs AGENTRUN
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const agentrun = process.argv[2];
assert.ok(agentrun, 'usage: node client.test.mjs AGENTRUN');

// Generous bounds: the machine may be busy; nothing here measures speed.
const RunTimeoutMs = 300_000;

// A history of its own: the runs must be recorded there with source "mcp".
const dataHome = mkdtempSync(join(tmpdir(), 'agentrun-mcp-'));
const env = { ...process.env, XDG_DATA_HOME: dataHome }; // and DOCKER_HOST, AGENTRUN_IMAGE
const transport = new StdioClientTransport({
  command: agentrun,
  args: ['mcp', '--max-memory', '512m', '--max-timeout', '120'],
  env,
  stderr: 'pipe',
});
let serverLog = '';
transport.stderr.on('data', (chunk) => {
  serverLog += chunk.toString();
  process.stderr.write(`[agentrun mcp] ${chunk}`);
});

const client = new Client({ name: 'agentrun-e2e', version: '1.0.0' });
const steps = [];
async function step(name, body) {
  process.stdout.write(`- ${name}\n`);
  await body();
  steps.push(name);
}

async function waitFor(predicate, what, ms = 120_000) {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function text(result) {
  return result.content.filter((c) => c.type === 'text').map((c) => c.text).join('');
}

try {
  await step('initialize: the handshake negotiates the SDK revision and the tools capability', async () => {
    await client.connect(transport);
    assert.equal(client.getServerVersion().name, 'agentrun');
    assert.ok(client.getServerCapabilities().tools, 'tools capability');
    assert.match(client.getInstructions() ?? '', /sandbox/);
  });

  await step('tools/list: run_python, check_python and the session tools, described for a model', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name),
      ['run_python', 'check_python', 'session_start', 'session_restart', 'session_close', 'session_list']);
    assert.ok(tools[0].inputSchema.properties.session_id, 'run_python takes a session_id');
    const run = tools[0];
    assert.match(run.description, /no network/);
    assert.match(run.description, /standard library/);
    assert.match(run.description, /[Pp]rint/);
    assert.deepEqual(run.inputSchema.required, ['code']);
    assert.ok(run.outputSchema, 'run_python declares its structured content');
  });

  await step('run_python: output, status and exit code, with progress', async () => {
    const progress = [];
    const result = await client.callTool(
      { name: 'run_python', arguments: { code: 'import sys\nprint(sum(range(10)))\nprint(sys.stdin.read().upper())', stdin: 'hello' } },
      undefined,
      { timeout: RunTimeoutMs, onprogress: (p) => progress.push(p) },
    );
    assert.equal(result.isError, false, text(result));
    assert.match(text(result), /45\nHELLO/);
    assert.equal(result.structuredContent.status, 'ok');
    assert.equal(result.structuredContent.exit_code, 0);
    assert.ok(result.structuredContent.duration_ms.total > 0);
    assert.ok(progress.length >= 1, 'at least one progress notification');
    assert.ok(progress.some((p) => p.message === 'running'), JSON.stringify(progress));
  });

  await step('run_python: an exception is a tool error with the traceback', async () => {
    const result = await client.callTool(
      { name: 'run_python', arguments: { code: "raise ValueError('bad value')" } }, undefined, { timeout: RunTimeoutMs });
    assert.equal(result.isError, true);
    assert.equal(result.structuredContent.status, 'exception');
    assert.equal(result.structuredContent.exit_code, 1);
    assert.match(text(result), /ValueError: bad value/);
  });

  const blockedCode = 'import os\nos.system("id")\n';
  await step('run_python: blocked code returns its findings with positions, nothing runs', async () => {
    const result = await client.callTool(
      { name: 'run_python', arguments: { code: blockedCode } }, undefined, { timeout: RunTimeoutMs });
    assert.equal(result.isError, true);
    assert.equal(result.structuredContent.status, 'blocked');
    const findings = result.structuredContent.findings;
    assert.ok(findings.length >= 1);
    assert.ok(findings.some((f) => f.line === 2 && f.severity === 'block'), JSON.stringify(findings));
    assert.match(text(result), /line 2, column \d+: block /);
  });

  await step('check_python: the same verdict without running', async () => {
    const result = await client.callTool({ name: 'check_python', arguments: { code: blockedCode } });
    assert.equal(result.structuredContent.allowed, false);
    assert.match(text(result), /blocked/);
    const fine = await client.callTool({ name: 'check_python', arguments: { code: 'print(1)' } });
    assert.equal(fine.structuredContent.allowed, true);
  });

  await step('run_python: a limit above the ceiling is refused, naming the ceiling', async () => {
    const result = await client.callTool(
      { name: 'run_python', arguments: { code: 'print(1)', limits: { memory: '1g' } } }, undefined, { timeout: RunTimeoutMs });
    assert.equal(result.isError, true);
    assert.equal(result.structuredContent.error_code, 'limits.memory');
    assert.match(text(result), /ceiling of 512 MiB/);
  });

  await step('a session across calls: state kept, a timeout restarts it, closed at the end', async () => {
    const started = await client.callTool({ name: 'session_start', arguments: {} }, undefined, { timeout: RunTimeoutMs });
    assert.equal(started.isError, undefined, text(started));
    const id = started.structuredContent.id;
    assert.match(text(started), /session_id/);
    const call = (code, extra = {}) => client.callTool(
      { name: 'run_python', arguments: { code, session_id: id, ...extra } }, undefined, { timeout: RunTimeoutMs });
    assert.equal((await call('rows = [3, 1, 2]')).isError, false);
    const sorted = await call('rows.sort()\nprint(rows)');
    assert.match(text(sorted), /\[1, 2, 3\]/);
    assert.equal(sorted.structuredContent.session.cell, 2);
    const refused = await call('print(1)', { limits: { memory: '256m' } });
    assert.equal(refused.structuredContent.error_code, 'limits.memory');
    const stuck = await call('while True:\n    pass', { limits: { timeout: 2 } });
    assert.equal(stuck.structuredContent.status, 'timeout');
    assert.equal(stuck.structuredContent.session.restarted, true);
    assert.match(text(stuck), /Session restarted: state lost/);
    const fresh = await call('print("rows" in dir())');
    assert.match(text(fresh), /False/);
    const listed = await client.callTool({ name: 'session_list', arguments: {} });
    assert.equal(listed.structuredContent.sessions.length, 1);
    const closed = await client.callTool({ name: 'session_close', arguments: { session_id: id } });
    assert.match(text(closed), /closed/);
    const gone = await call('print(1)');
    assert.equal(gone.isError, true);
    assert.equal(gone.structuredContent.error_code, 'session.not_found');
  });

  await step('tools/call of an unknown tool is a protocol error (-32602)', async () => {
    await assert.rejects(client.callTool({ name: 'rm_rf', arguments: {} }), (error) => {
      assert.ok(error instanceof McpError);
      assert.equal(error.code, -32602);
      return true;
    });
  });

  await step('cancel: notifications/cancelled stops a long run', async () => {
    const abort = new AbortController();
    const before = (serverLog.match(/: cancelled after/g) ?? []).length;
    const started = Date.now();
    const call = client.callTool(
      { name: 'run_python', arguments: { code: 'import time\nprint("started", flush=True)\ntime.sleep(100)\nprint("not reached")', limits: { timeout: 110 } } },
      undefined,
      {
        signal: abort.signal,
        timeout: RunTimeoutMs,
        onprogress: (p) => { if (p.message === 'running') abort.abort('the test cancels'); },
      },
    );
    await assert.rejects(call);
    // The server logs each finished run; a cancelled one says so, long before its 110 s timeout.
    await waitFor(() => (serverLog.match(/: cancelled after/g) ?? []).length > before, 'the run to end as cancelled', 90_000);
    assert.ok(Date.now() - started < 100_000, 'the run ended before its own timeout');
    // The server goes on serving.
    const after = await client.callTool(
      { name: 'run_python', arguments: { code: 'print("still here")' } }, undefined, { timeout: RunTimeoutMs });
    assert.match(text(after), /still here/);
  });

  if (!process.env.AGENTRUN_NO_DATASCIENCE) {
    await step('a figure over stdio: a server on the data-science image returns PNG image content', async () => {
      const figures = new Client({ name: 'agentrun-e2e-figures', version: '1.0.0' });
      const onImage = new StdioClientTransport({
        command: agentrun,
        args: ['mcp', '--no-history', '--image', process.env.AGENTRUN_DATASCIENCE_IMAGE || 'agentrun-sandbox:datascience'],
        env,
        stderr: 'pipe',
      });
      onImage.stderr.on('data', (chunk) => process.stderr.write(`[agentrun mcp, figures] ${chunk}`));
      await figures.connect(onImage);
      try {
        const result = await figures.callTool({
          name: 'run_python',
          arguments: { code: 'import matplotlib.pyplot as plt\nplt.figure(figsize=(3, 2), dpi=40)\nplt.plot([1, 2])\nplt.show()' },
        }, undefined, { timeout: RunTimeoutMs });
        assert.equal(result.isError, false, text(result));
        const images = result.content.filter((c) => c.type === 'image');
        assert.equal(images.length, 1);
        assert.equal(images[0].mimeType, 'image/png');
        const png = Buffer.from(images[0].data, 'base64');
        assert.equal(png.readUInt32BE(16), 120); // IHDR width: 3 in × 40 dpi
        assert.equal(png.readUInt32BE(20), 80);
      } finally {
        await figures.close();
      }
    });
  }

  await step('close: the server exits when its stdin closes, and its runs are in the history', async () => {
    await client.close(); // closes the server's stdin; SIGTERM after 2 s, SIGKILL after 4 s
    // Its last words come after its warm container was removed: a killed server never says them.
    await waitFor(() => serverLog.includes('agentrun mcp: stopped'), 'the server to stop', 30_000);
    const history = JSON.parse(execFileSync(agentrun, ['history', '--json', '--limit', '50'], { env }).toString());
    const sources = new Set(history.runs.map((r) => r.source));
    assert.deepEqual([...sources], ['mcp']);
    const statuses = history.runs.map((r) => r.status).sort();
    // ok, exception, blocked, the session's ok, ok, timeout, ok, cancelled, ok: refused calls (above the
    // ceiling, a session's own limit, a closed session) never became runs.
    assert.deepEqual(statuses, ['blocked', 'cancelled', 'exception', 'ok', 'ok', 'ok', 'ok', 'ok', 'timeout']);
  });
} catch (error) {
  console.error(`FAILED after ${steps.length} steps:`, error);
  await client.close().catch(() => {});
  rmSync(dataHome, { recursive: true, force: true });
  process.exit(1);
}
rmSync(dataHome, { recursive: true, force: true });
console.log(`ok: ${steps.length} steps`);
