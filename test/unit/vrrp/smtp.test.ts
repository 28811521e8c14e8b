// The SMTP alert client against a sink on loopback: envelope, headers in keepalived's
// order, keepalived's subject/body; an unreachable server is a rejection naming the error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { stateMail } from '../../../src/vrrp/notify/smtp.js';
import { formatMessage, sendMail } from '../../../src/notify/smtp.js';
import { createSmtpSink, type ReceivedMail } from '../../lib/smtp-sink.js';

test('stateMail: keepalived subject and body', () => {
  assert.deepEqual(stateMail('lb1', 'INSTANCE', 'VI_1', 'MASTER'), { subject: '[lb1] VRRP Instance VI_1 - Entering MASTER state', body: '=> VRRP Instance is now owning VRRP VIPs <=' });
  assert.equal(stateMail('lb1', 'GROUP', 'G', 'BACKUP').subject, '[lb1] VRRP Group G - Entering BACKUP state');
});

test('formatMessage: keepalived header order (Date first), dot-stuffing, CRLF', () => {
  const t = formatMessage({ server: { host: 'x', port: 25, connectTimeoutMs: 1000 }, heloName: 'h', from: 'a@b', to: ['c@d', 'e@f'] }, { subject: 'S', body: '.hidden\nok', date: new Date(0) });
  assert.equal(t, 'Date: Thu, 01 Jan 1970 00:00:00 +0000\r\nFrom: a@b\r\nSubject: S\r\nX-Mailer: Keepalived\r\nTo: c@d, e@f\r\n\r\n..hidden\r\nok\r\n.\r\n');
});

test('sendMail delivers to a sink on loopback', async () => {
  const got: ReceivedMail[] = [];
  const server = createSmtpSink((m) => got.push(m));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    await sendMail({ server: { host: '127.0.0.1', port, connectTimeoutMs: 2000 }, heloName: 'lb1.example', from: 'ka@example', to: ['ops@example', 'oncall@example'] }, stateMail('lb1', 'INSTANCE', 'VI_1', 'MASTER'));
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

test('sendMail rejects for an unreachable server, naming the error', async () => {
  // A port nobody listens on: take one, close it.
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  await assert.rejects(sendMail({ server: { host: '127.0.0.1', port, connectTimeoutMs: 1000 }, heloName: 'h', from: 'a@b', to: ['c@d'] }, { subject: 's', body: 'b' }), /ECONNREFUSED|refused/i);
});
