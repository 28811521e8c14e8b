// Checks that need real addresses: PING_CHECK (ICMP/ICMPv6 echo on unprivileged ping
// sockets, which also exercises widening ping_group_range in a fresh namespace) and TCP
// connect timeouts against a filtered port. The checkers run in a node process inside the
// checker's namespace; the server is another namespace on the same bridge. HTTP_GET with
// the first SYN dropped: the request waits for a connection made later.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, hasCommand, labUnavailable, type Netns } from '../../lib/netns.js';
import { nativeUnavailable } from '../../../src/net/sys.js';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src');

const runner = `
import { pingCheck } from '${dist}/check/ping.js';
import { nativePingOpener } from '${dist}/check/ping-socket.js';
import { tcpCheck } from '${dist}/check/tcp.js';
import { httpCheck } from '${dist}/check/http.js';
const [kind, host, port, timeoutMs] = process.argv.slice(2);
const conn = { host, port: Number(port ?? 0), connectTimeoutMs: Number(timeoutMs ?? 500) };
const run = kind === 'ping' ? pingCheck({ conn }, nativePingOpener())
  : kind === 'http' ? httpCheck({ kind: 'HTTP_GET', conn, urls: [{ path: '/', statusCodes: [[200, 200]] }], protocol: '1.0' })
  : tcpCheck({ conn });
const r = await run(new AbortController().signal);
process.stdout.write(JSON.stringify(r));
`;

/**
 * A lab with two hosts on one bridge, and the runner script on disk: `fn` gets both hosts and
 * the script; the lab is cleaned up whatever happens. Skips without root, nft or the addon.
 */
async function inLab(t: TestContext, addrs: { chk: string[]; srv: string[] }, fn: (c: Netns, s: Netns, script: string) => Promise<void>): Promise<void> {
  const why = labUnavailable(['nft']) ?? nativeUnavailable();
  if (why) { t.skip(why); return; }
  const script = join(mkdtempSync(join(tmpdir(), 'kts-chk-')), 'run.mjs');
  writeFileSync(script, runner);
  const lab = await Lab.create();
  try {
    await fn(await lab.addHost('chk', { addrs: addrs.chk }), await lab.addHost('srv', { addrs: addrs.srv }), script);
  } finally {
    await lab.cleanup();
  }
}

test('PING_CHECK and TCP connect timeout between namespaces', async (t) => {
  await inLab(t, { chk: ['10.77.0.1/24', 'fd77::1/64'], srv: ['10.77.0.2/24', 'fd77::2/64'] }, async (c, s, script) => {
    const check = async (...args: string[]): Promise<{ ok: boolean; reason?: string }> => {
      const r = await c.exec(process.execPath, [script, ...args], { timeoutMs: 15_000 });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { ok: boolean; reason?: string };
    };
    assert.equal((await c.exec('cat', ['/proc/sys/net/ipv4/ping_group_range'])).stdout.trim().replace(/\s+/, ' '), '1 0');
    assert.deepEqual(await check('ping', '10.77.0.2'), { ok: true });
    assert.deepEqual((await c.exec('cat', ['/proc/sys/net/ipv4/ping_group_range'])).stdout.trim().split(/\s+/), ['0', '0'], 'widened to our gid');
    assert.deepEqual(await check('ping', 'fd77::2'), { ok: true });
    assert.equal((await check('ping', '10.77.0.9')).ok, false, 'nobody at that address');
    // The server stops answering pings (ICMP echo dropped), then comes back.
    if (hasCommand('nft')) {
      await s.run('nft', ['add table inet kt; add chain inet kt in { type filter hook input priority 0 ; } ; add rule inet kt in icmp type echo-request drop ; add rule inet kt in icmpv6 type echo-request drop ; add rule inet kt in tcp dport 81 drop']);
      assert.deepEqual(await check('ping', '10.77.0.2'), { ok: false, reason: 'no echo reply' });
      assert.deepEqual(await check('ping', 'fd77::2'), { ok: false, reason: 'no echo reply' });
      assert.deepEqual(await check('tcp', '10.77.0.2', '81'), { ok: false, reason: 'connect timeout' });
      assert.deepEqual(await check('tcp', '10.77.0.2', '82'), { ok: false, reason: 'connection refused' });
      await s.run('nft', ['delete table inet kt']);
      assert.deepEqual(await check('ping', '10.77.0.2'), { ok: true });
    }
  });
});

test('HTTP_GET sends its request when the connection is up, also when connect() had not finished (first SYN dropped)', async (t) => {
  await inLab(t, { chk: ['10.78.0.1/24'], srv: ['10.78.0.2/24'] }, async (c, s, script) => {
    const server = s.spawn(process.execPath, ['-e', "require('node:http').createServer((q, r) => r.end('ok')).listen(8080, () => console.log('listening'))"]);
    await new Promise<void>((resolve, reject) => {
      server.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('listening')) resolve(); });
      server.once('exit', (code) => reject(new Error(`HTTP server exited (${code})`)));
    });
    const check = async (): Promise<{ ok: boolean; reason?: string }> => {
      const r = await c.exec(process.execPath, [script, 'http', '10.78.0.2', '8080', '3000'], { timeoutMs: 15_000 });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { ok: boolean; reason?: string };
    };
    assert.deepEqual(await check(), { ok: true });
    // The first SYN to the server is dropped (a quota of one packet): the client sends it again
    // after a second, so the checker's socket is still connecting when it first tries to send.
    await s.run('nft', ['add table inet kt; add chain inet kt in { type filter hook input priority 0 ; } ; add rule inet kt in tcp dport 8080 tcp flags syn / fin,syn,rst,ack quota until 100 bytes counter drop']);
    assert.deepEqual(await check(), { ok: true });
    assert.match(await s.run('nft', ['list chain inet kt in']), /counter packets 1 /, 'one SYN was dropped');
  });
});
