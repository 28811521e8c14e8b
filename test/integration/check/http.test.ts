import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type tls from 'node:tls';
import { httpCheck } from '../../../src/check/http.js';
import type { HttpCheckSpec, HttpUrl } from '../../../src/check/types.js';
import { close, conn, deadPort, httpsServer, listen, makeCerts, pageHandler, silentServer, type TestCerts } from './servers.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const pages = {
  '/ok': { body: 'all good\n' },
  '/health': { body: 'status: OK' },
  '/moved': { status: 302, body: 'elsewhere', headers: { Location: '/ok' } },
  '/broken': { status: 500, body: 'oops' },
};

const signal = (): AbortSignal => new AbortController().signal;
function spec(port: number, urls: HttpUrl[], extra: Partial<HttpCheckSpec> = {}): HttpCheckSpec {
  return { kind: 'HTTP_GET', conn: conn(port), urls, protocol: '1.0', ...extra };
}

let server: http.Server;
let port: number;
const seen: http.IncomingMessage[] = [];
before(async () => {
  server = http.createServer(pageHandler(pages, seen));
  port = await listen(server);
});
after(async () => close(server));

test('HTTP_GET passes on a healthy page with the right digest, status and regex, over several URLs', async () => {
  const r = await httpCheck(spec(port, [
    { path: '/ok', digest: md5('all good\n') },
    { path: '/health', regex: { source: 'status:\\s*OK', flags: '', noMatch: false } },
    { path: '/moved', statusCodes: [[300, 399]] },
  ]))(signal());
  assert.deepEqual(r, { ok: true });
});

test('HTTP_GET sends keepalived\'s headers with the virtualhost as Host', async () => {
  seen.length = 0;
  await httpCheck(spec(port, [{ path: '/ok' }], { virtualhost: 'www.example.org', protocol: '1.1' }))(signal());
  assert.equal(seen[0]?.headers.host, 'www.example.org');
  assert.equal(seen[0]?.headers['user-agent'], 'KeepAliveClient');
  assert.equal(seen[0]?.headers.connection, 'close');
  assert.equal(seen[0]?.httpVersion, '1.1');
});

test('HTTP_GET fails on each kind of fault', async () => {
  const cases: Array<[string, HttpCheckSpec, RegExp]> = [
    ['wrong digest', spec(port, [{ path: '/ok', digest: md5('something else') }]), /MD5 digest error/],
    ['wrong status', spec(port, [{ path: '/broken' }]), /status code error.*500/],
    ['redirect not accepted by default', spec(port, [{ path: '/moved' }]), /status code error.*302/],
    ['404 on the second URL', spec(port, [{ path: '/ok' }, { path: '/missing' }]), /status code error to \[\/missing\]: 404/],
    ['regex_no_match matched', spec(port, [{ path: '/broken', statusCodes: [[500, 500]], regex: { source: 'oops', flags: '', noMatch: true } }]), /Regex matched/],
    ['refused', spec(await deadPort(), [{ path: '/ok' }]), /connection refused/],
  ];
  for (const [name, s, why] of cases) {
    const r = await httpCheck(s)(signal());
    assert.equal(r.ok, false, name);
    assert.match(r.ok ? '' : r.reason, why, name);
  }
});

test('HTTP_GET fails with a read timeout on a server that accepts and never answers', async () => {
  const s = silentServer();
  const p = await listen(s);
  try {
    const r = await httpCheck(spec(p, [{ path: '/' }]))(signal());
    assert.deepEqual(r, { ok: false, reason: 'read timeout on [/]' });
  } finally {
    await close(s);
  }
});

test('HTTP_GET stops at once when its run is aborted (hard deadline)', async () => {
  const s = silentServer();
  const p = await listen(s);
  try {
    const c = new AbortController();
    const pending = httpCheck({ ...spec(p, [{ path: '/' }]), conn: conn(p, 60_000) })(c.signal);
    setTimeout(() => c.abort(), 50);
    const r = await pending;
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /timeout/);
  } finally {
    await close(s);
  }
});

test('HTTP_GET digest is bounded by Content-Length, like genhash', async () => {
  const raw = http.createServer();
  raw.on('connection', (c) => { c.on('data', () => c.end('HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabcTRAILING')); });
  const p = await listen(raw);
  try {
    assert.deepEqual(await httpCheck(spec(p, [{ path: '/', digest: md5('abc') }]))(signal()), { ok: true });
  } finally {
    await close(raw);
  }
});

let certs: TestCerts | undefined;
test('SSL_GET: passes over TLS, sends SNI when asked, presents the SSL{} client certificate', async (t) => {
  try {
    certs = makeCerts();
  } catch {
    t.skip('needs openssl');
    return;
  }
  const names: Array<string | false> = [];
  const peers: string[] = [];
  const s = httpsServer(certs, (req, res) => {
    const sock = req.socket as tls.TLSSocket;
    names.push((sock as unknown as { servername: string | false }).servername);
    const peer = sock.getPeerCertificate();
    peers.push(peer && 'subject' in peer && peer.subject ? String(peer.subject.CN) : '');
    pageHandler(pages)(req, res);
  }, { requestCert: true, rejectUnauthorized: false });
  const p = await listen(s);
  try {
    const base: HttpCheckSpec = { kind: 'SSL_GET', conn: conn(p, 2000), urls: [{ path: '/ok', digest: md5('all good\n') }], protocol: '1.0' };
    assert.deepEqual(await httpCheck(base)(signal()), { ok: true });
    assert.deepEqual(await httpCheck({ ...base, tls: { serverName: 'rs.test', certFile: certs.clientCert, keyFile: certs.clientKey } })(signal()), { ok: true });
    assert.deepEqual(names, [false, 'rs.test']);
    assert.deepEqual(peers, ['', 'checker']);
    // Opt-in verification: the CA file makes it pass, a wrong name fails.
    assert.deepEqual(await httpCheck({ ...base, tls: { verify: true, caFile: certs.cert, serverName: 'rs.test' } })(signal()), { ok: true });
    const bad = await httpCheck({ ...base, tls: { verify: true, caFile: certs.cert, serverName: 'other.test' } })(signal());
    assert.equal(bad.ok, false);
    // Plain HTTP against the TLS port is a failure, not a hang.
    const plain = await httpCheck({ ...base, kind: 'HTTP_GET' })(signal());
    assert.equal(plain.ok, false);
  } finally {
    await close(s);
  }
});
