// fwmark, bind_if, bindto and bind_port on the sockets of every connecting checker (TCP_CHECK
// on both its paths, HTTP_GET, SSL_GET, SMTP_CHECK, UDP_CHECK, DNS_CHECK), between namespaces.
//
// The checker host's main route to the service address leads to a gateway nobody answers for,
// so a check passes only if its socket is routed otherwise before its first packet leaves:
//  - fwmark 42 selects, by an `ip rule`, a table whose route goes through the live server;
//  - bind_if eth1 makes the kernel route by eth1 whatever the main table says.
// An nftables output chain on the checker host counts the packets that carried mark 42, left
// by eth1, or came from bindto:bind_port: each case asserts on the counters it moved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, hasCommand, labUnavailable, waitFor } from '../../lib/netns.js';
import { nativeUnavailable } from '../../../src/net/sys.js';
import { makeCerts } from './servers.js';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', '..', '..', 'src');
const SERVICE = '10.78.9.9';

/** Runs in the server's namespace: HTTP 80, HTTPS 443, SMTP 25, UDP echo 7, DNS 53 on SERVICE. */
const serverScript = (certDir: string): string => `
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { smtpServer } from '${here}/servers.js';
const page = (req, res) => { res.writeHead(200, { 'Content-Length': 2 }); res.end('ok'); };
const tlsOpts = { key: readFileSync('${certDir}/key.pem'), cert: readFileSync('${certDir}/cert.pem') };
const listening = [
  new Promise((r) => http.createServer(page).listen(80, '${SERVICE}', r)),
  new Promise((r) => https.createServer(tlsOpts, page).listen(443, '${SERVICE}', r)),
  new Promise((r) => smtpServer('220 ready\\r\\n', '250 hello\\r\\n', []).listen(25, '${SERVICE}', r)),
];
const udp = (port, answer) => new Promise((r) => {
  const s = dgram.createSocket('udp4');
  s.on('message', (m, from) => s.send(answer(m), from.port, from.address));
  s.bind(port, '${SERVICE}', r);
});
listening.push(udp(7, (m) => m));
// A DNS answer: the query back with QR set, RCODE 0.
listening.push(udp(53, (m) => { const a = Buffer.from(m); a[2] |= 0x80; return a; }));
await Promise.all(listening);
process.stdout.write('ready\\n');
`;

/** Runs in the checker's namespace: each case once, with the nft counters it moved. */
const runnerScript = (): string => `
import { execFileSync } from 'node:child_process';
import { dnsCheck } from '${dist}/check/dns.js';
import { httpCheck } from '${dist}/check/http.js';
import { smtpCheck } from '${dist}/check/smtp.js';
import { netTcpProbe, nativeTcpProbe } from '${dist}/check/tcp.js';
import { udpCheck } from '${dist}/check/udp.js';
const counters = () => {
  const j = JSON.parse(execFileSync('nft', ['-j', 'list', 'counters', 'table', 'inet', 'kts'], { encoding: 'utf8' }));
  const out = {};
  for (const e of j.nftables) if (e.counter) out[e.counter.name] = e.counter.packets;
  return out;
};
const checks = {
  tcp_raw: (conn, s) => nativeTcpProbe({ ...conn, port: 80 }, s),
  tcp_net: (conn, s) => netTcpProbe({ ...conn, port: 80 }, s),
  http: (conn, s) => httpCheck({ kind: 'HTTP_GET', conn: { ...conn, port: 80 }, urls: [{ path: '/' }], protocol: '1.0' })(s),
  ssl: (conn, s) => httpCheck({ kind: 'SSL_GET', conn: { ...conn, port: 443 }, urls: [{ path: '/' }], protocol: '1.0', tls: {} })(s),
  smtp: (conn, s) => smtpCheck({ hosts: [{ ...conn, port: 25 }], heloName: 'chk' })(s),
  udp: (conn, s) => udpCheck({ conn: { ...conn, port: 7 }, payload: Buffer.from('ping'), requireReply: { data: Buffer.from('ping'), mask: Buffer.alloc(4) }, minReplyLength: 0, maxReplyLength: 100 })(s),
  dns: (conn, s) => dnsCheck({ conn: { ...conn, port: 53 }, type: 'SOA', name: '.' })(s),
};
const cases = JSON.parse(process.argv[2]);
const results = [];
for (const c of cases) {
  const before = counters();
  const r = await checks[c.check]({ host: '${SERVICE}', connectTimeoutMs: 700, ...c.opts }, new AbortController().signal);
  // The last packets (FIN, QUIT) may still be leaving: let them be counted.
  await new Promise((res) => setTimeout(res, 100));
  const after = counters();
  const moved = Object.keys(after).filter((k) => after[k] > (before[k] ?? 0)).sort();
  results.push({ ...c, ok: r.ok, reason: r.reason, moved });
}
process.stdout.write(JSON.stringify(results));
`;

interface CaseResult { check: string; opts: Record<string, unknown>; ok: boolean; reason?: string; moved: string[] }

test('fwmark, bind_if, bindto and bind_port reach the sockets of TCP, HTTP, SSL, SMTP, UDP and DNS checks', async (t) => {
  const why = labUnavailable(['nft']) ?? nativeUnavailable() ?? (hasCommand('openssl') ? undefined : 'needs openssl');
  if (why) { t.skip(why); return; }
  const certDir = makeCerts().dir;
  const dir = mkdtempSync(join(tmpdir(), 'kts-sockopt-'));
  writeFileSync(join(dir, 'server.mjs'), serverScript(certDir));
  writeFileSync(join(dir, 'runner.mjs'), runnerScript());
  const lab = await Lab.create();
  try {
    const c = await lab.addHost('chk', { addrs: ['10.78.0.1/24'] });
    await lab.plug(c, { ifname: 'eth1', addrs: ['10.78.1.1/24'] });
    const s = await lab.addHost('srv', { addrs: ['10.78.0.2/24', '10.78.1.2/24'] });
    await s.ip('addr', 'add', `${SERVICE}/32`, 'dev', 'lo');
    // Main table: the service is behind 10.78.0.3, which does not exist. The eth1 route is a
    // worse metric, so only a socket bound to eth1 takes it. Mark 42 uses table 42.
    await c.ip('route', 'add', SERVICE, 'via', '10.78.0.3', 'dev', 'eth0');
    await c.ip('route', 'add', SERVICE, 'via', '10.78.1.2', 'dev', 'eth1', 'metric', '500');
    await c.ip('rule', 'add', 'fwmark', '42', 'lookup', '42');
    await c.ip('route', 'add', SERVICE, 'via', '10.78.0.2', 'dev', 'eth0', 'table', '42');
    await c.run('nft', [[
      'add table inet kts',
      'add counter inet kts marked', 'add counter inet kts via_eth1', 'add counter inet kts bound',
      'add chain inet kts out { type filter hook output priority 0 ; }',
      `add rule inet kts out ip daddr ${SERVICE} meta mark 42 counter name marked`,
      `add rule inet kts out ip daddr ${SERVICE} oifname "eth1" counter name via_eth1`,
      `add rule inet kts out ip daddr ${SERVICE} ip saddr 10.78.1.1 th sport 20000-20010 counter name bound`,
    ].join(' ; ')]);

    const server = s.spawn(process.execPath, [join(dir, 'server.mjs')]);
    let out = '';
    let err = '';
    server.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
    server.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    await waitFor(`server ready (${err})`, () => out.includes('ready'), 20_000);

    const checks = ['tcp_raw', 'tcp_net', 'http', 'ssl', 'smtp', 'udp', 'dns'];
    const cases = checks.flatMap((check, i) => [
      { check, opts: {} },
      { check, opts: { fwmark: 42 } },
      { check, opts: { bindInterface: 'eth1' } },
      // bindto + bind_port with the mark: the source is the one asked for, and still marked.
      { check, opts: { fwmark: 42, bindAddress: '10.78.1.1', bindPort: 20000 + i } },
      { check, opts: { bindInterface: 'nosuch0' } },
    ]);
    const r = await c.exec(process.execPath, [join(dir, 'runner.mjs'), JSON.stringify(cases)], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const results = JSON.parse(r.stdout) as CaseResult[];
    const got = (check: string, n: number): CaseResult => results[checks.indexOf(check) * 5 + n] as CaseResult;
    for (const check of checks) {
      const plain = got(check, 0);
      assert.equal(plain.ok, false, `${check} without options follows the main table to a dead gateway`);
      assert.deepEqual(plain.moved, [], `${check} without options: nothing marked, nothing by eth1`);
      assert.deepEqual([got(check, 1).ok, got(check, 1).reason, got(check, 1).moved], [true, undefined, ['marked']], `${check} fwmark 42`);
      assert.deepEqual([got(check, 2).ok, got(check, 2).reason, got(check, 2).moved], [true, undefined, ['via_eth1']], `${check} bind_if eth1`);
      assert.deepEqual([got(check, 3).ok, got(check, 3).reason, got(check, 3).moved], [true, undefined, ['bound', 'marked']], `${check} fwmark + bindto + bind_port`);
      assert.equal(got(check, 4).ok, false, `${check} bind_if to a missing interface`);
      assert.match(got(check, 4).reason ?? '', /bind_if nosuch0: ENODEV/, `${check} bind_if to a missing interface`);
    }
  } finally {
    await lab.cleanup();
  }
});
