// The SMTP alert client against a sink on loopback: envelope, headers, keepalived's
// subject/body; an unreachable server is an error message, not a throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { formatMail, sendMail, stateMail } from '../../../src/vrrp/notify/smtp.js';
import { createSmtpSink, type ReceivedMail } from '../../lib/smtp-sink.js';

test('stateMail: keepalived subject and body', () => {
  assert.deepEqual(stateMail('lb1', 'INSTANCE', 'VI_1', 'MASTER'), { subject: '[lb1] VRRP Instance VI_1 - Entering MASTER state', body: '=> VRRP Instance is now owning VRRP VIPs <=' });
  assert.equal(stateMail('lb1', 'GROUP', 'G', 'BACKUP').subject, '[lb1] VRRP Group G - Entering BACKUP state');
});

test('formatMail dot-stuffs and uses CRLF', () => {
  const t = formatMail({ host: 'x', port: 25, heloName: 'h', from: 'a@b', to: ['c@d', 'e@f'], connectTimeoutMs: 1000 }, { subject: 'S', body: '.hidden\nok' }, new Date(0));
  assert.match(t, /^From: a@b\r\nSubject: S\r\nX-Mailer: Keepalived\r\nTo: c@d, e@f\r\nDate: .*\r\n\r\n\.\.hidden\r\nok\r\n$/);
});

test('sendMail delivers to a sink on loopback', async () => {
  const got: ReceivedMail[] = [];
  const server = createSmtpSink((m) => got.push(m));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    const err = await sendMail({ host: '127.0.0.1', port, heloName: 'lb1.example', from: 'ka@example', to: ['ops@example', 'oncall@example'], connectTimeoutMs: 2000 }, stateMail('lb1', 'INSTANCE', 'VI_1', 'MASTER'));
    assert.equal(err, undefined);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.helo, 'lb1.example');
    assert.equal(got[0]!.from, 'ka@example');
    assert.deepEqual(got[0]!.to, ['ops@example', 'oncall@example']);
    assert.match(got[0]!.data, /Subject: \[lb1\] VRRP Instance VI_1 - Entering MASTER state/);
    assert.match(got[0]!.data, /=> VRRP Instance is now owning VRRP VIPs <=/);
  } finally {
    server.close();
  }
});

test('sendMail reports an unreachable server instead of throwing', async () => {
  // A port nobody listens on: take one, close it.
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  const err = await sendMail({ host: '127.0.0.1', port, heloName: 'h', from: 'a@b', to: ['c@d'], connectTimeoutMs: 1000 }, { subject: 's', body: 'b' });
  assert.match(err ?? '', /ECONNREFUSED/);
});
