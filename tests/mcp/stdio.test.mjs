// mcp.stdio: the `agentrun mcp` process over a raw pipe, against the real engine. Hostile lines get
// JSON-RPC errors and the process goes on; stdout carries nothing but JSON-RPC messages; closing stdin
// during a run cancels it and the process exits 0 after removing its containers.
// Usage: node stdio.test.mjs AGENTRUN
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

const agentrun = process.argv[2];
assert.ok(agentrun, 'usage: node stdio.test.mjs AGENTRUN');

const server = spawn(agentrun, ['mcp', '--no-history'], { stdio: ['pipe', 'pipe', 'pipe'] });
let stderr = '';
server.stderr.on('data', (chunk) => { stderr += chunk.toString(); process.stderr.write(`[agentrun mcp] ${chunk}`); });
const messages = [];
let pending = '';
server.stdout.on('data', (chunk) => {
  pending += chunk.toString();
  let newline;
  while ((newline = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, newline);
    pending = pending.slice(newline + 1);
    messages.push(JSON.parse(line)); // anything else on stdout fails the test here
  }
});
const exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })));

function write(text) {
  return new Promise((resolve, reject) => server.stdin.write(text, (error) => (error ? reject(error) : resolve())));
}

async function waitFor(predicate, what, ms = 120_000) {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const errors = () => messages.filter((m) => m.error);

try {
  const hostile = [
    ['not JSON', '{"jsonrpc":"2.0","id":1,', -32700, null],
    ['a line over 8 MiB', `{"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":"${'a'.repeat(9 << 20)}"}}`, -32600, null],
    ['a batch', '[{"jsonrpc":"2.0","id":3,"method":"ping"}]', -32600, null],
    ['200000 nested arrays in params',
     `{"jsonrpc":"2.0","id":4,"method":"ping","params":{"x":${'['.repeat(200000)}${']'.repeat(200000)}}}`, -32600, null],
    ['jsonrpc 1.0', '{"jsonrpc":"1.0","id":5,"method":"ping"}', -32600, 5],
    ['no revision', '{"jsonrpc":"2.0","id":6,"method":"tools/list"}', -32602, 6],
    ['unsupported revision',
     '{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2019-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}',
     -32022, 7],
  ];
  for (const [what, line, code, id] of hostile) {
    const before = errors().length;
    await write(line + '\n');
    await waitFor(() => errors().length > before, `the answer to ${what}`);
    const answer = errors().at(-1);
    assert.equal(answer.error.code, code, `${what}: ${JSON.stringify(answer)}`);
    assert.equal(answer.id, id, what);
    if (what.includes('nested')) assert.match(answer.error.message, /64 levels/);
    process.stdout.write(`- ${what}: ${code}\n`);
  }

  // The 2026-07-28 way: no handshake, the revision in every request.
  const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
  await write(JSON.stringify({ jsonrpc: '2.0', id: 'd', method: 'server/discover', params: { _meta: meta } }) + '\n');
  await waitFor(() => messages.some((m) => m.id === 'd'), 'server/discover');
  assert.equal(messages.find((m) => m.id === 'd').result.supportedVersions[0], '2026-07-28');
  process.stdout.write('- server/discover\n');

  // A long run; stdin closes while it runs.
  await write(JSON.stringify({
    jsonrpc: '2.0', id: 'long', method: 'tools/call',
    params: { name: 'run_python', arguments: { code: 'import time\ntime.sleep(100)', limits: { timeout: 110 } }, _meta: { ...meta, progressToken: 7 } },
  }) + '\n');
  await waitFor(() => messages.some((m) => m.method === 'notifications/progress' && m.params.progressToken === 7 && m.params.message === 'running'), 'the run to start');
  const closed = Date.now();
  server.stdin.end();
  const { code, signal } = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve({ code: 'timeout' }), 90_000).unref())]);
  assert.equal(code, 0, `exit ${code} ${signal}`);
  assert.ok(Date.now() - closed < 90_000);
  assert.match(stderr, /: cancelled after \d+ ms/);
  assert.match(stderr, /agentrun mcp: stopped/);
  assert.ok(!messages.some((m) => m.id === 'long'), 'no answer for a run cancelled by the shutdown');
  process.stdout.write('- stdin closed during a run: cancelled, exit 0\n');
} catch (error) {
  console.error('FAILED:', error);
  server.kill('SIGKILL');
  process.exit(1);
}
console.log('ok');
