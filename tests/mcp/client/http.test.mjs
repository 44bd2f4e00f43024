// mcp.http_client: the MCP endpoint of `agentrun serve` (/mcp, Streamable HTTP) driven by the official MCP
// TypeScript SDK client (pinned in package-lock.json) against the real engine, plus raw requests a client
// library would never send. Usage: node http.test.mjs AGENTRUN
// With the data-science image (unless AGENTRUN_NO_DATASCIENCE is set) the server runs on it, and a
// matplotlib figure comes back as MCP image content.
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const agentrun = process.argv[2];
assert.ok(agentrun, 'usage: node http.test.mjs AGENTRUN');

// Generous bounds: the machine may be busy; nothing here measures speed.
const RunTimeoutMs = 300_000;
const dataScience = !process.env.AGENTRUN_NO_DATASCIENCE;
const image = process.env.AGENTRUN_DATASCIENCE_IMAGE || 'agentrun-sandbox:datascience';

const dataHome = mkdtempSync(join(tmpdir(), 'agentrun-mcp-http-'));
const env = { ...process.env, XDG_DATA_HOME: dataHome }; // and DOCKER_HOST
const token = 'mcp-http-test-' + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
const tokenFile = join(dataHome, 'token');
writeFileSync(tokenFile, token, { mode: 0o600 });

const server = spawn(agentrun, [
  'serve', '--listen', '127.0.0.1:0', '--token-file', tokenFile, '--max-memory', '512m', '--max-timeout', '120',
  ...(dataScience ? ['--image', image] : []),
], { env, stdio: ['ignore', 'ignore', 'pipe'] });
let serverLog = '';
server.stderr.on('data', (chunk) => {
  serverLog += chunk.toString();
  process.stderr.write(`[agentrun serve] ${chunk}`);
});
const exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })));

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

let url;
let client;
let transport;
const auth = () => ({ Authorization: `Bearer ${token}` });
const json = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

try {
  await step('serve starts and prints its port', async () => {
    await waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(serverLog), 'the server to listen', 60_000);
    const port = serverLog.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/)[1];
    url = new URL(`http://127.0.0.1:${port}/mcp`);
  });

  await step('a wrong token and no token are refused (401) before anything runs', async () => {
    for (const headers of [{ Authorization: 'Bearer not-the-token' }, {}]) {
      const refused = new Client({ name: 'intruder', version: '1.0.0' });
      const wrong = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
      await assert.rejects(refused.connect(wrong), (error) => {
        assert.match(String(error), /401|[Bb]earer/);
        return true;
      });
      await refused.close().catch(() => {});
    }
  });

  await step('initialize over HTTP: a session id, the tools capability, instructions', async () => {
    client = new Client({ name: 'agentrun-e2e-http', version: '1.0.0' });
    transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: auth() } });
    await client.connect(transport);
    assert.match(transport.sessionId ?? '', /^[0-9a-f]{32}$/);
    assert.equal(client.getServerVersion().name, 'agentrun');
    assert.ok(client.getServerCapabilities().tools);
    assert.match(client.getInstructions() ?? '', /sandbox/);
  });

  await step('tools/list: the tools of agentrun mcp', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name),
      ['run_python', 'check_python', 'session_start', 'session_restart', 'session_close', 'session_list']);
    assert.match(tools[0].description, /no network/);
  });

  await step('run_python: output, status and exit code, with progress on the call\'s stream', async () => {
    const progress = [];
    const result = await client.callTool(
      { name: 'run_python', arguments: { code: 'print(sum(range(10)))' } }, undefined,
      { timeout: RunTimeoutMs, onprogress: (p) => progress.push(p) });
    assert.equal(result.isError, false, text(result));
    assert.match(text(result), /^45\n/);
    assert.equal(result.structuredContent.status, 'ok');
    assert.equal(result.structuredContent.exit_code, 0);
    assert.ok(progress.some((p) => p.message === 'running'), JSON.stringify(progress));
  });

  await step('run_python: blocked code returns its findings, nothing runs', async () => {
    const result = await client.callTool(
      { name: 'run_python', arguments: { code: 'import os\nos.system("id")\n' } }, undefined, { timeout: RunTimeoutMs });
    assert.equal(result.isError, true);
    assert.equal(result.structuredContent.status, 'blocked');
    assert.ok(result.structuredContent.findings.some((f) => f.line === 2 && f.severity === 'block'));
  });

  if (dataScience) {
    await step('run_python: a matplotlib figure comes back as PNG image content of its size', async () => {
      const result = await client.callTool({
        name: 'run_python',
        arguments: { code: 'import matplotlib.pyplot as plt\nplt.figure(figsize=(4, 3), dpi=50)\nplt.plot([1, 3, 2])\nplt.show()\nprint("plotted")' },
      }, undefined, { timeout: RunTimeoutMs });
      assert.equal(result.isError, false, text(result));
      assert.match(text(result), /plotted/);
      const images = result.content.filter((c) => c.type === 'image');
      assert.equal(images.length, 1, JSON.stringify(result.content.map((c) => c.type)));
      assert.equal(images[0].mimeType, 'image/png');
      const png = Buffer.from(images[0].data, 'base64');
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
      assert.equal(png.readUInt32BE(16), 200); // IHDR width: 4 in × 50 dpi
      assert.equal(png.readUInt32BE(20), 150);
    });
  } else {
    process.stdout.write('- (figure step skipped: AGENTRUN_NO_DATASCIENCE is set)\n');
  }

  await step('a session across calls: state kept, closed at the end', async () => {
    const started = await client.callTool({ name: 'session_start', arguments: {} }, undefined, { timeout: RunTimeoutMs });
    const id = started.structuredContent.id;
    const call = (code) => client.callTool(
      { name: 'run_python', arguments: { code, session_id: id } }, undefined, { timeout: RunTimeoutMs });
    assert.equal((await call('rows = [3, 1, 2]')).isError, false);
    const sorted = await call('rows.sort()\nprint(rows)');
    assert.match(text(sorted), /\[1, 2, 3\]/);
    assert.equal(sorted.structuredContent.session.cell, 2);
    const closed = await client.callTool({ name: 'session_close', arguments: { session_id: id } });
    assert.match(text(closed), /closed/);
  });

  await step('tools/call of an unknown tool is a JSON-RPC error (-32602), not an HTTP failure', async () => {
    await assert.rejects(client.callTool({ name: 'rm_rf', arguments: {} }), (error) => {
      assert.ok(error instanceof McpError, String(error));
      assert.equal(error.code, -32602);
      return true;
    });
  });

  await step('cancel: notifications/cancelled on the session stops a long run', async () => {
    const abort = new AbortController();
    const before = (serverLog.match(/mcp: run \w+: cancelled after/g) ?? []).length;
    const started = Date.now();
    const call = client.callTool(
      { name: 'run_python', arguments: { code: 'import time\nprint("started", flush=True)\ntime.sleep(100)', limits: { timeout: 110 } } },
      undefined,
      { signal: abort.signal, timeout: RunTimeoutMs, onprogress: (p) => { if (p.message === 'running') abort.abort('the test cancels'); } },
    );
    await assert.rejects(call);
    await waitFor(() => (serverLog.match(/mcp: run \w+: cancelled after/g) ?? []).length > before,
      'the run to end as cancelled', 90_000);
    assert.ok(Date.now() - started < 100_000, 'the run ended before its own timeout');
    const after = await client.callTool(
      { name: 'run_python', arguments: { code: 'print("still here")' } }, undefined, { timeout: RunTimeoutMs });
    assert.match(text(after), /still here/);
  });

  await step('raw requests: the 2026-07-28 stateless form, with the headers mirroring the body', async () => {
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: meta } });
    const ok = await fetch(url, { method: 'POST', headers: { ...auth(), ...json, 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/list' }, body });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('mcp-session-id'), null); // stateless: no session minted
    const listed = await ok.json();
    assert.equal(listed.result.tools.length, 6);
    assert.equal(listed.result.resultType, 'complete');
    const mismatch = await fetch(url, { method: 'POST', headers: { ...auth(), ...json, 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call' }, body });
    assert.equal(mismatch.status, 400);
    assert.equal((await mismatch.json()).error.code, -32020);
  });

  await step('raw requests: hostile ones are refused with the status that says why', async () => {
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const post = (headers, body = ping) => fetch(url, { method: 'POST', headers, body });
    // A web page on another origin, even with the token: 403 (DNS rebinding, CSRF).
    assert.equal((await post({ ...auth(), ...json, Origin: 'http://evil.example' })).status, 403);
    // A form post's content type: 415, before the body is read.
    assert.equal((await post({ ...auth(), 'Content-Type': 'text/plain', Accept: json.Accept })).status, 415);
    // Malformed JSON: 400 with a JSON-RPC parse error; a body over the server's cap: 413.
    const malformed = await post({ ...auth(), ...json }, '{"jsonrpc": "2.0", "id": 1, "method": ');
    assert.equal(malformed.status, 400);
    assert.equal((await malformed.json()).error.code, -32700);
    assert.equal((await post({ ...auth(), ...json }, JSON.stringify({ pad: 'x'.repeat(3 << 20) }))).status, 413);
    // An Accept that takes neither form of answer: 406. A session nobody opened: 404.
    assert.equal((await post({ ...auth(), 'Content-Type': 'application/json', Accept: 'text/html' })).status, 406);
    assert.equal((await post({ ...auth(), ...json, 'Mcp-Session-Id': 'f'.repeat(32) })).status, 404);
    // No stream of the server's own.
    const get = await fetch(url, { headers: { ...auth(), Accept: 'text/event-stream' } });
    assert.equal(get.status, 405);
  });

  await step('DELETE ends the session: its id is 404 afterwards', async () => {
    const id = transport.sessionId;
    await transport.terminateSession();
    const after = await fetch(url, { method: 'POST', headers: { ...auth(), ...json, 'Mcp-Session-Id': id, 'MCP-Protocol-Version': '2025-11-25' }, body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' }) });
    assert.equal(after.status, 404);
    await client.close();
  });

  await step('SIGTERM: the server stops, and the MCP runs are in its history as source mcp', async () => {
    server.kill('SIGTERM');
    const { code } = await exited;
    assert.equal(code, 0, serverLog.slice(-2000));
    assert.match(serverLog, /agentrun: stopped/);
    const history = JSON.parse(execFileSync(agentrun, ['history', '--json', '--limit', '50'], { env }).toString());
    const sources = new Set(history.runs.map((r) => r.source));
    assert.deepEqual([...sources], ['mcp']);
    const statuses = history.runs.map((r) => r.status);
    for (const status of ['ok', 'blocked', 'cancelled']) assert.ok(statuses.includes(status), JSON.stringify(statuses));
  });
} catch (error) {
  console.error(`FAILED after ${steps.length} steps:`, error);
  await client?.close().catch(() => {});
  server.kill('SIGKILL');
  rmSync(dataHome, { recursive: true, force: true });
  process.exit(1);
}
rmSync(dataHome, { recursive: true, force: true });
console.log(`ok: ${steps.length} steps`);
