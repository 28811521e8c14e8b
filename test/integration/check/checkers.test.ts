import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netTcpProbe, nativeTcpProbe, tcpCheck } from '../../../src/check/tcp.js';
import { smtpCheck } from '../../../src/check/smtp.js';
import { dnsCheck } from '../../../src/check/dns.js';
import { decodeMessage, encodeName } from '../../../src/check/dns-codec.js';
import { udpCheck, parseReplyPattern } from '../../../src/check/udp.js';
import { miscCheck } from '../../../src/check/misc.js';
import { fileCheck } from '../../../src/check/file.js';
import { close, conn, deadPort, listen, silentServer, smtpServer, udpServer } from './servers.js';
import { waitFor } from '../../lib/netns.js';
import { onCrlfLines } from '../../lib/crlf-lines.js';

const signal = (): AbortSignal => new AbortController().signal;
const reason = (r: { ok: boolean; reason?: string }): string => (r.ok ? 'ok' : r.reason ?? '');

test('TCP_CHECK: up on a listening port, down on refused; bindto is the source address', async () => {
  const s = net.createServer((c) => c.destroy());
  const p = await listen(s);
  try {
    assert.deepEqual(await tcpCheck({ conn: conn(p) })(signal()), { ok: true });
  } finally {
    await close(s);
  }
  assert.equal(reason(await tcpCheck({ conn: conn(await deadPort()) })(signal())), 'connection refused');
  // bindto: the connection comes from the address asked for.
  const from: string[] = [];
  const s2 = net.createServer((c) => { from.push(c.remoteAddress ?? ''); c.destroy(); });
  const p2 = await listen(s2);
  try {
    assert.deepEqual(await tcpCheck({ conn: { ...conn(p2), bindAddress: '127.0.0.9' } })(signal()), { ok: true });
    await waitFor('connection seen', () => from.length > 0, 5000);
    assert.deepEqual(from, ['127.0.0.9']);
  } finally {
    await close(s2);
  }
});

test('TCP_CHECK: the fast TCP-handle path and the net.connect path agree', async () => {
  const from: string[] = [];
  const s = net.createServer((c) => { from.push(c.remoteAddress ?? ''); c.destroy(); });
  const p = await listen(s);
  const dead = await deadPort();
  try {
    for (const c of [conn(p), conn(dead), { ...conn(p), bindAddress: '127.0.0.7' }, { ...conn(p), bindAddress: '127.0.0.8', bindPort: 0 }]) {
      const raw = nativeTcpProbe(c, signal());
      assert.ok(raw, 'the TCP handle binding is reachable on this Node');
      assert.deepEqual(await raw, await netTcpProbe(c, signal()), JSON.stringify(c));
    }
    await waitFor('connections seen', () => from.length >= 6, 5000);
    assert.deepEqual(from.filter((a) => a !== '127.0.0.1'), ['127.0.0.7', '127.0.0.7', '127.0.0.8', '127.0.0.8']);
    const aborted = new AbortController();
    aborted.abort();
    assert.deepEqual(await nativeTcpProbe(conn(p), aborted.signal), { ok: false, reason: 'timeout' });
  } finally {
    await close(s);
  }
});

test('SMTP_CHECK: banner 220, HELO with helo_name answered 250, QUIT; every host must pass', async () => {
  const cmds: string[] = [];
  const good = smtpServer('220-mx.test ESMTP\r\n220 ready\r\n', '250 hello\r\n', cmds);
  const badBanner = smtpServer('554 go away\r\n', '250 hello\r\n', []);
  const badHelo = smtpServer('220 ready\r\n', '501 bad helo\r\n', []);
  const hang = silentServer();
  const [pg, pb, ph, pz] = [await listen(good), await listen(badBanner), await listen(badHelo), await listen(hang)];
  try {
    assert.deepEqual(await smtpCheck({ hosts: [conn(pg)], heloName: 'checker.test' })(signal()), { ok: true });
    await waitFor('QUIT received', () => cmds.includes('QUIT'), 5000);
    assert.deepEqual(cmds, ['HELO checker.test', 'QUIT']);
    assert.match(reason(await smtpCheck({ hosts: [conn(pg), conn(pb)], heloName: 'x' })(signal())), /banner 554/);
    assert.match(reason(await smtpCheck({ hosts: [conn(ph)], heloName: 'x' })(signal())), /HELO answered 501/);
    assert.match(reason(await smtpCheck({ hosts: [conn(pz)], heloName: 'x' })(signal())), /read timeout/);
    assert.match(reason(await smtpCheck({ hosts: [conn(await deadPort())], heloName: 'x' })(signal())), /refused/);
  } finally {
    for (const s of [good, badBanner, badHelo, hang]) await close(s);
  }
});

/** A DNS responder: answers A queries for ok.test. with 10.0.0.1, NXDOMAIN for others. */
function dnsAnswer(q: Buffer, mode: 'normal' | 'wrong-id' | 'servfail'): Buffer {
  const m = decodeMessage(q);
  const name = m.questions[0]?.name ?? '.';
  const known = name === 'ok.test.';
  const rcode = mode === 'servfail' ? 2 : known ? 0 : 3;
  const h = Buffer.alloc(12);
  h.writeUInt16BE(mode === 'wrong-id' ? (m.header.id ^ 1) : m.header.id, 0);
  h.writeUInt16BE(0x8180 | rcode, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(known && rcode === 0 ? 1 : 0, 6);
  const question = q.subarray(12);
  const answer = known && rcode === 0 ? Buffer.concat([encodeName(name), Buffer.from('000100010000003c00040a000001', 'hex')]) : Buffer.alloc(0);
  return Buffer.concat([h, question, answer]);
}

test('DNS_CHECK: NOERROR answer passes; NXDOMAIN, SERVFAIL, wrong id (ignored), silence and ICMP unreachable fail', async () => {
  let mode: 'normal' | 'wrong-id' | 'servfail' | 'silent' = 'normal';
  const seen: Buffer[] = [];
  const srv = await udpServer((q) => { seen.push(q); return mode === 'silent' ? undefined : dnsAnswer(q, mode); });
  try {
    const c = conn(srv.port, 300);
    assert.deepEqual(await dnsCheck({ conn: c, type: 'A', name: 'ok.test' })(signal()), { ok: true });
    const q = decodeMessage(seen[0] as Buffer);
    assert.deepEqual([q.header.rd, q.questions[0]?.name, q.questions[0]?.type, q.questions[0]?.cls], [true, 'ok.test.', 1, 1]);
    assert.match(reason(await dnsCheck({ conn: c, type: 'A', name: 'nope.test' })(signal())), /rcode = 3 NXDOMAIN/);
    mode = 'servfail';
    assert.match(reason(await dnsCheck({ conn: c, type: 'A', name: 'ok.test' })(signal())), /rcode = 2 SERVFAIL/);
    mode = 'wrong-id';
    assert.equal(reason(await dnsCheck({ conn: c, type: 'A', name: 'ok.test' })(signal())), 'read timeout');
    mode = 'silent';
    assert.equal(reason(await dnsCheck({ conn: c, type: 'SOA', name: '.' })(signal())), 'read timeout');
  } finally {
    await srv.close();
  }
  assert.equal(reason(await dnsCheck({ conn: conn(srv.port, 2000), type: 'A', name: 'ok.test' })(signal())), 'connection refused');
});

test('UDP_CHECK: reply matching require_reply passes; mismatch, no reply, and ICMP port unreachable fail', async () => {
  let answer: Buffer | undefined = Buffer.from('PONG 1');
  const srv = await udpServer(() => answer);
  try {
    const base = { conn: conn(srv.port, 300), payload: Buffer.from('PING'), minReplyLength: 0, maxReplyLength: 255 };
    const want = parseReplyPattern('504f4e4720XX'); // "PONG ?"
    assert.deepEqual(await udpCheck({ ...base, requireReply: want })(signal()), { ok: true });
    assert.deepEqual(srv.received.map(String), ['PING']);
    answer = Buffer.from('PANG 1');
    assert.equal(reason(await udpCheck({ ...base, requireReply: want })(signal())), 'reply data mismatch');
    answer = Buffer.from('PONG 123456');
    assert.equal(reason(await udpCheck({ ...base, requireReply: want, maxReplyLength: 8 })(signal())), 'reply data mismatch');
    answer = undefined;
    assert.equal(reason(await udpCheck({ ...base, requireReply: want })(signal())), 'no reply');
    // Without require_reply, silence is success: only an ICMP error says the port is closed.
    assert.deepEqual(await udpCheck(base)(signal()), { ok: true });
  } finally {
    await srv.close();
  }
  const dead = { conn: conn(srv.port, 2000), payload: Buffer.from('PING'), minReplyLength: 0, maxReplyLength: 255 };
  assert.equal(reason(await udpCheck(dead)(signal())), 'connection refused');
});

test('MISC_CHECK: exit codes, misc_dynamic weights, timeout kills the process group, arguments without a shell', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-misc-'));
  const script = join(dir, 'check.sh');
  writeFileSync(script, '#!/bin/sh\necho "$@" > "$0.args"\nexit "$1"\n');
  chmodSync(script, 0o755);
  const run = (cmd: string, dynamic = false, timeoutMs = 3000) => miscCheck({ command: cmd, timeoutMs, dynamic })(signal());
  assert.deepEqual(await run(`${script} 0 'two words'`), { ok: true });
  assert.equal(readFileSync(`${script}.args`, 'latin1'), '0 two words\n');
  assert.equal(reason(await run(`${script} 1`)), 'failed (exited with status 1)');
  assert.equal(reason(await run(`${script} 5`)), 'failed (exited with status 5)');
  assert.deepEqual(await run(`${script} 5`, true), { ok: true, weight: 3 });
  assert.equal((await run(`${script} 1`, true)).ok, false);
  assert.match(reason(await run('/nonexistent/check')), /cannot run|ENOENT/);
  // A shell construct goes through /bin/sh.
  assert.deepEqual(await run(`test -x ${script} && exit 0`), { ok: true });
  // Timeout: the script and its child (same process group) are killed.
  const marker = join(dir, 'survived');
  const slow = join(dir, 'slow.sh');
  writeFileSync(slow, `#!/bin/sh\n(sleep 1; touch ${marker}) &\nsleep 10\n`);
  chmodSync(slow, 0o755);
  assert.equal(reason(await run(slow, false, 200)), 'timed out');
  await new Promise((r) => setTimeout(r, 1300));
  assert.equal(existsSync(marker), false, 'the background child was killed with its group');
});

test('FILE_CHECK: reads the track file each run; weight 0 with a non-zero value is down; weights multiply', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-file-'));
  const f = join(dir, 'state');
  writeFileSync(f, '0\n');
  assert.deepEqual(await fileCheck({ file: f, weight: 0, reverse: false })(signal()), { ok: true, weight: 0 });
  writeFileSync(f, '1\n');
  assert.equal((await fileCheck({ file: f, weight: 0, reverse: false })(signal())).ok, false);
  writeFileSync(f, '4\n');
  assert.deepEqual(await fileCheck({ file: f, weight: -2, reverse: false })(signal()), { ok: true, weight: -8 });
  assert.match(reason(await fileCheck({ file: join(dir, 'missing'), weight: 1, reverse: false })(signal())), /ENOENT/);
  assert.deepEqual(await fileCheck({ file: join(dir, 'missing'), weight: 1, reverse: false, initValue: 3 })(signal()), { ok: true, weight: 3 });
});

test('smtp_alert mailer: the whole SMTP dialog, headers with router_id, dot-stuffing; a refusal names its step', async () => {
  const { sendMail } = await import('../../../src/notify/smtp.js');
  const got: string[] = [];
  const mk = (rcptReply: string) => net.createServer((c) => {
    c.on('error', () => undefined);
    c.write('220 mx ready\r\n');
    let inData = false;
    onCrlfLines(c, (line) => {
      got.push(line);
      if (inData) { if (line === '.') { inData = false; c.write('250 queued\r\n'); } return; }
      if (/^RCPT/.test(line)) c.write(rcptReply);
      else if (/^DATA/.test(line)) { inData = true; c.write('354 go\r\n'); } else if (/^QUIT/.test(line)) c.end('221 bye\r\n');
      else c.write('250 ok\r\n');
    });
  });
  const good = mk('250 ok\r\n');
  const bad = mk('550 no such user\r\n');
  const [pg, pb] = [await listen(good), await listen(bad)];
  try {
    const settings = { server: conn(pg, 2000), heloName: 'lb1', from: 'lb@example.org', to: ['ops@example.org', 'oncall@example.org'], routerId: 'LB1' };
    await sendMail(settings, { subject: 'Realserver [10.0.0.2]:tcp:80 - DOWN', body: '=> CHECK failed on service <=\n.hidden', date: new Date(0) });
    await waitFor('QUIT received', () => got.includes('QUIT'), 5000);
    assert.deepEqual(got, [
      'HELO lb1', 'MAIL FROM:<lb@example.org>', 'RCPT TO:<ops@example.org>', 'RCPT TO:<oncall@example.org>', 'DATA',
      'Date: Thu, 01 Jan 1970 00:00:00 +0000', 'From: lb@example.org', 'Subject: [LB1] Realserver [10.0.0.2]:tcp:80 - DOWN',
      'X-Mailer: Keepalived', 'To: ops@example.org, oncall@example.org', '', '=> CHECK failed on service <=', '..hidden', '.', 'QUIT',
    ]);
    await assert.rejects(sendMail({ ...settings, server: conn(pb, 2000) }, { subject: 's', body: 'b' }), /RCPT TO answered 550/);
  } finally {
    await close(good);
    await close(bad);
  }
});
