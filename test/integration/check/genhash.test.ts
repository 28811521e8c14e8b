// Our genhash against Debian's (/usr/bin/genhash from keepalived 2.2.7) on the same pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { close, deadPort, httpsServer, listen, makeCerts } from './servers.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const ours = join(root, 'bin', 'genhash');
const theirs = '/usr/bin/genhash';

async function exec(bin: string, args: string[]): Promise<{ out: string; err: string; code: number }> {
  try {
    const r = await run(bin, args, { timeout: 20_000 });
    return { out: r.stdout, err: r.stderr, code: 0 };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; code?: number };
    return { out: x.stdout ?? '', err: x.stderr ?? '', code: typeof x.code === 'number' ? x.code : 1 };
  }
}

const bodies: Record<string, Buffer> = {
  '/': Buffer.from('<html><body>hello</body></html>\n'),
  '/empty': Buffer.alloc(0),
  '/binary': Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff)),
  '/big': Buffer.alloc(200_000, 'x'),
};
let server: http.Server;
let port: number;
before(async () => {
  server = http.createServer((req, res) => {
    // No Date: header, so two fetches a second apart dump the same bytes.
    res.sendDate = false;
    const b = bodies[req.url ?? ''];
    if (!b) { res.writeHead(404, { 'Content-Length': 4 }); res.end('gone'); return; }
    res.writeHead(200, { 'Content-Length': b.length, 'X-Host': String(req.headers.host) });
    res.end(b);
  });
  port = await listen(server);
});
after(async () => close(server));

test('genhash prints the same digest as keepalived\'s genhash for the same pages', async (t) => {
  if (!existsSync(theirs)) { t.skip('needs /usr/bin/genhash (keepalived)'); return; }
  for (const url of [...Object.keys(bodies), '/missing']) {
    for (const extra of [[], ['-V', 'vhost.example', '-P', '1.1']]) {
      const args = ['-s', '127.0.0.1', '-p', String(port), '-u', url, ...extra];
      const [a, b] = [await exec(ours, args), await exec(theirs, args)];
      assert.equal(a.out, b.out, `digest for ${url} ${extra.join(' ')}`);
      assert.match(a.out, /^[0-9a-f]{32}\n$/);
    }
  }
});

test('genhash -v prints the same dumps as keepalived\'s, apart from the response time', async (t) => {
  if (!existsSync(theirs)) { t.skip('needs /usr/bin/genhash (keepalived)'); return; }
  const strip = (s: string): string => s.replace(/= \d+ usecs/, '= N usecs');
  for (const url of ['/', '/binary', '/empty']) {
    const args = ['-v', '-s', '127.0.0.1', '-p', String(port), '-u', url];
    const [a, b] = [await exec(ours, args), await exec(theirs, args)];
    assert.equal(strip(a.out), strip(b.out), `verbose output for ${url}`);
  }
});

test('genhash over TLS (-S) agrees with keepalived\'s', async (t) => {
  if (!existsSync(theirs)) { t.skip('needs /usr/bin/genhash (keepalived)'); return; }
  let certs;
  try { certs = makeCerts(); } catch { t.skip('needs openssl'); return; }
  const s = httpsServer(certs, (_req, res) => { res.writeHead(200, { 'Content-Length': 6 }); res.end('secret'); });
  const p = await listen(s);
  try {
    const args = ['-S', '-s', '127.0.0.1', '-p', String(p), '-u', '/'];
    const [a, b] = [await exec(ours, args), await exec(theirs, args)];
    assert.equal(a.out, b.out);
    assert.equal(a.out, `${createHash('md5').update('secret').digest('hex')}\n`);
  } finally {
    await close(s);
  }
});

test('genhash: usage errors and a refused connection', async () => {
  const noArgs = await exec(ours, ['-s', '127.0.0.1']);
  assert.equal(noArgs.code, 1);
  assert.match(noArgs.err, /^Usage: genhash COMMAND \[OPTIONS\]/);
  const name = await exec(ours, ['-s', 'host.example', '-p', '80', '-u', '/']);
  assert.equal(name.code, 1);
  assert.match(name.err, /server should be an IP, not host\.example/);
  const refused = await exec(ours, ['-s', '127.0.0.1', '-p', String(await deadPort()), '-u', '/']);
  assert.equal(refused.out, 'Connection failed\n');
  assert.equal(refused.code, 1);
  const help = await exec(ours, ['-h']);
  assert.equal(help.code, 0);
  assert.match(help.err, /--use-virtualhost -V/);
});
