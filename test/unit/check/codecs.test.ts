import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHeader, decodeMessage, decodeName, encodeName, encodeQuery, DnsFormatError } from '../../../src/check/dns-codec.js';
import { encodeEcho, inetChecksum, isEchoReply } from '../../../src/check/icmp-codec.js';
import { parseReplyPattern, replyMatches } from '../../../src/check/udp.js';
import { judgeExit, splitCommand } from '../../../src/check/misc.js';
import { judgeFileValue, parseTrackFileValue } from '../../../src/check/file.js';
import { buildRequest, contentLength, judgeResponse, parseStatusLine, statusAccepted, type HttpFetchResult } from '../../../src/check/http.js';
import { hexDump, parseGenhashArgs } from '../../../src/cli/genhash.js';

test('DNS query bytes: id, RD, one question, name labels, type, class IN', () => {
  const q = encodeQuery(0x1234, 'example.com', 1);
  assert.equal(q.toString('hex'), '123401000001000000000000' + '076578616d706c6503636f6d00' + '00010001');
  assert.equal(encodeQuery(1, '.', 6).subarray(12).toString('hex'), '0000060001');
  assert.deepEqual(encodeName('a.b.'), Buffer.from([1, 0x61, 1, 0x62, 0]));
  assert.throws(() => encodeName('x'.repeat(64) + '.com'), DnsFormatError);
  assert.throws(() => encodeName('a..b'), DnsFormatError);
});

test('DNS header and compressed names decode', () => {
  const h = decodeHeader(Buffer.from('abcd81830001000000000000', 'hex'));
  assert.deepEqual([h?.id, h?.qr, h?.rd, h?.ra, h?.rcode], [0xabcd, true, true, true, 3]);
  assert.equal(decodeHeader(Buffer.alloc(11)), undefined);
  const msg = Buffer.concat([Buffer.alloc(12), encodeName('www.example.com'), Buffer.from([3, 0x66, 0x6f, 0x6f, 0xc0, 16])]);
  assert.equal(decodeName(msg, 12 + 17).name, 'foo.example.com.');
  const loop = Buffer.concat([Buffer.alloc(12), Buffer.from([0xc0, 12])]);
  assert.throws(() => decodeName(loop, 12), DnsFormatError);
  const full = Buffer.concat([Buffer.from('00018180000100010000 0000'.replace(/ /g, ''), 'hex'), encodeName('a.'), Buffer.from('00010001', 'hex'), Buffer.from('c00c000100010000003c00040a000001', 'hex')]);
  const m = decodeMessage(full);
  assert.equal(m.answers[0]?.name, 'a.');
  assert.deepEqual([...(m.answers[0]?.data ?? [])], [10, 0, 0, 1]);
});

test('ICMP echo: checksum valid, replies matched on type, sequence and data', () => {
  const data = Buffer.from('0123456789abcdef');
  const req = encodeEcho(false, 7, data);
  assert.equal(req[0], 8);
  assert.equal(inetChecksum(req), 0);
  const reply = Buffer.from(req);
  reply[0] = 0;
  assert.ok(isEchoReply(false, reply, 7, data));
  assert.ok(!isEchoReply(false, reply, 8, data));
  assert.ok(!isEchoReply(false, req, 7, data));
  const r6 = encodeEcho(true, 7, data);
  assert.equal(r6[0], 128);
  r6[0] = 129;
  assert.ok(isEchoReply(true, r6, 7, data));
});

test('UDP require_reply: X wildcards and length limits, shorter of the two compared', () => {
  const p = parseReplyPattern('41X2 43');
  assert.deepEqual([...p.data], [0x41, 0x02, 0x43]);
  assert.deepEqual([...p.mask], [0x00, 0xf0, 0x00]);
  const spec = { requireReply: p, minReplyLength: 0, maxReplyLength: 255 };
  assert.ok(replyMatches(Buffer.from([0x41, 0x72, 0x43, 0x99]), spec));
  assert.ok(!replyMatches(Buffer.from([0x41, 0x73, 0x43]), spec));
  assert.ok(replyMatches(Buffer.from([0x41]), spec));
  assert.ok(!replyMatches(Buffer.from([0x41]), { ...spec, minReplyLength: 2 }));
  assert.ok(!replyMatches(Buffer.alloc(10, 0x41), { ...spec, maxReplyLength: 5 }));
  assert.throws(() => parseReplyPattern('4'));
  assert.throws(() => parseReplyPattern('zz'));
});

test('MISC: command split without a shell unless shell syntax is used', () => {
  assert.deepEqual(splitCommand('/bin/check "a b" c\\ d \'e"f\''), ['/bin/check', 'a b', 'c d', 'e"f']);
  assert.equal(splitCommand('/bin/check | grep x'), undefined);
  assert.equal(splitCommand('test -f $HOME/x'), undefined);
  assert.equal(splitCommand('unterminated "x'), undefined);
});

test('MISC: exit 0 up, 1 down, 2..255 up with weight status-2 only with misc_dynamic', () => {
  assert.deepEqual(judgeExit(0, null, false, false), { ok: true });
  assert.equal(judgeExit(1, null, true, false).ok, false);
  assert.deepEqual(judgeExit(2, null, true, false), { ok: true, weight: 0 });
  assert.deepEqual(judgeExit(255, null, true, false), { ok: true, weight: 253 });
  assert.equal(judgeExit(7, null, false, false).ok, false);
  assert.deepEqual(judgeExit(null, 'SIGTERM', true, true), { ok: false, reason: 'timed out' });
  assert.equal(judgeExit(null, 'SIGSEGV', false, false).ok, false);
});

test('FILE_CHECK: weight 0 means non-zero is down (reverse: zero is down); otherwise value*weight', () => {
  assert.equal(parseTrackFileValue(' 42 junk'), 42);
  assert.equal(parseTrackFileValue('-3\n'), -3);
  assert.equal(parseTrackFileValue('junk'), 0);
  assert.equal(judgeFileValue(0, 0, false).ok, true);
  assert.equal(judgeFileValue(1, 0, false).ok, false);
  assert.equal(judgeFileValue(0, 0, true).ok, false);
  assert.deepEqual(judgeFileValue(3, 2, false), { ok: true, weight: 6 });
  assert.deepEqual(judgeFileValue(3, 2, true), { ok: true, weight: -6 });
  assert.equal(judgeFileValue(-2147483648, 1, false).ok, false);
});

test('HTTP request exactly as keepalived writes it', () => {
  assert.equal(buildRequest({ host: '10.0.0.1', port: 8080 }, { path: '/h', protocol: '1.0' }),
    'GET /h HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 10.0.0.1:8080\r\n\r\n');
  assert.equal(buildRequest({ host: 'fd00::1', port: 80 }, { path: '/', protocol: '1.1', virtualhost: 'www.x' }),
    'GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.x\r\n\r\n');
  assert.equal(buildRequest({ host: 'fd00::1', port: 80 }, { path: '/', protocol: '1.0C' }),
    'GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: [fd00::1]:80\r\n\r\n');
});

test('HTTP status, content-length, and judging a response', () => {
  assert.equal(parseStatusLine('HTTP/1.1 404 Not Found'), 404);
  assert.throws(() => parseStatusLine('SSH-2.0-OpenSSH'));
  assert.equal(contentLength('HTTP/1.0 200 OK\r\ncontent-LENGTH:  12\r\n'), 12);
  assert.ok(statusAccepted(204, undefined));
  assert.ok(!statusAccepted(301, undefined));
  assert.ok(statusAccepted(301, [[200, 200], [300, 399]]));
  const r: HttpFetchResult = { status: 200, statusLine: '', header: Buffer.alloc(0), body: Buffer.from('hello OK'), bodyLength: 8, digest: 'abc' };
  assert.equal(judgeResponse({ path: '/' }, r), undefined);
  assert.match(judgeResponse({ path: '/', digest: 'ABD' }, r) ?? '', /MD5 digest error/);
  assert.equal(judgeResponse({ path: '/', digest: 'ABC' }, r), undefined);
  assert.equal(judgeResponse({ path: '/', regex: { source: 'o\\s+OK', flags: '', noMatch: false } }, r), undefined);
  assert.match(judgeResponse({ path: '/', regex: { source: 'o\\s+OK', flags: '', noMatch: true } }, r) ?? '', /Regex matched/);
  assert.match(judgeResponse({ path: '/', regex: { source: 'error', flags: 'i', noMatch: false } }, r) ?? '', /did not match/);
  assert.match(judgeResponse({ path: '/', statusCodes: [[500, 599]] }, r) ?? '', /status code error/);
  // One checker's regex judged run after run (compiled once): the same verdict every time,
  // on each reply's own body, even with regex_options that would give a compiled regex state.
  const url = { path: '/', regex: { source: 'OK$', flags: 'gim', noMatch: false } };
  const other: HttpFetchResult = { ...r, body: Buffer.from('broken') };
  for (let i = 0; i < 3; i++) {
    assert.equal(judgeResponse(url, r), undefined);
    assert.match(judgeResponse(url, other) ?? '', /did not match/);
  }
});

test('genhash hex dump layout matches keepalived genhash', () => {
  assert.equal(hexDump(Buffer.from('abc')), '0000  61 62 63                -                           abc             \n');
  assert.equal(hexDump(Buffer.from('0123456789abcdef\x01')),
    '0000  30 31 32 33 34 35 36 37 - 38 39 61 62 63 64 65 66   0123456789abcdef\n' +
    '0016  01                      -                           .               \n');
});

test('genhash arguments: required options, IP-only server, protocol names', () => {
  assert.deepEqual(parseGenhashArgs(['-h']), { help: true });
  assert.deepEqual(parseGenhashArgs(['-s', '1.2.3.4', '-u', '/']), { error: '' });
  assert.deepEqual(parseGenhashArgs(['-s', 'foo.example', '-p', '80', '-u', '/']), { error: 'server should be an IP, not foo.example' });
  const ok = parseGenhashArgs(['--server', '::1', '-p', '443', '-u', '/x', '-S', '-I', '-V', 'h.example', '-P', '1.0c', '-t', '2']);
  assert.ok('options' in ok);
  assert.deepEqual([ok.options.ssl, ok.options.sni, ok.options.virtualhost, ok.options.protocol, ok.options.timeoutMs], [true, true, 'h.example', '1.0C', 2000]);
  assert.ok('error' in parseGenhashArgs(['-s', '1.2.3.4', '-p', '80', '-u', '/', '-P', '2']));
  assert.ok('error' in parseGenhashArgs(['-s', '1.2.3.4', '-p', '0', '-u', '/']));
});
