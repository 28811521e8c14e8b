import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { HttpResponseParser, type BodyWanted } from '../../../src/check/http-response.js';
import { CheckFailure } from '../../../src/check/check-failure.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const ALL: BodyWanted = { digest: true, body: true };

/**
 * Feeds `reply` in the given chunk sizes through one reused buffer (as the epoll reader
 * lends its scratch buffer): the parser must copy what it keeps. Returns the result, as
 * `end()` gives it when the bytes run out before Content-Length says the body is complete.
 */
function parse(reply: string, sizes: number[], wanted = ALL) {
  const p = new HttpResponseParser(wanted);
  const bytes = Buffer.from(reply, 'latin1');
  const lent = Buffer.alloc(bytes.length);
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, bytes.length - at);
    bytes.copy(lent, 0, at, at + n);
    const done = p.push(lent.subarray(0, n));
    lent.fill(0x58); // what a later read would leave there
    at += n;
    if (done) return { complete: true, r: p.result() };
  }
  return { complete: false, r: p.end() };
}

const REPLY = 'HTTP/1.1 200 OK\r\nServer: t\r\ncontent-LENGTH:  5 \r\n\r\nhelloTRAILING';

test('a response split anywhere gives the same status, header, body and digest, bounded by Content-Length', () => {
  for (const sizes of [[4096], [1], [7, 3], [REPLY.indexOf('\r\n\r\n') + 2, 1]]) {
    const { complete, r } = parse(REPLY, sizes);
    assert.equal(complete, true, `sizes ${sizes}`);
    assert.equal(r.status, 200);
    assert.equal(r.statusLine, 'HTTP/1.1 200 OK');
    assert.equal(r.header.toString('latin1'), 'HTTP/1.1 200 OK\r\nServer: t\r\ncontent-LENGTH:  5 ');
    assert.equal(r.body.toString('latin1'), 'hello');
    assert.equal(r.bodyLength, 5);
    assert.equal(r.digest, md5('hello'));
  }
});

test('without Content-Length the body runs to the end of the connection; LF-only headers end at the blank line', () => {
  const { complete, r } = parse('HTTP/1.0 404 Not Found\nX: y\n\nno such page\n', [5]);
  assert.equal(complete, false);
  assert.equal(r.status, 404);
  assert.equal(r.statusLine, 'HTTP/1.0 404 Not Found');
  assert.equal(r.body.toString(), 'no such page\n');
  assert.equal(r.digest, md5('no such page\n'));
});

test('Content-Length 0 completes with the header; a body (or header) not wanted is neither kept nor hashed', () => {
  assert.equal(parse('HTTP/1.0 204 No Content\r\nContent-Length: 0\r\n\r\n', [64]).complete, true);
  const { r } = parse(REPLY, [3], { digest: false, body: false, header: false });
  assert.equal(r.status, 200);
  assert.equal(r.statusLine, 'HTTP/1.1 200 OK');
  assert.equal(r.header.length, 0);
  assert.equal(r.bodyLength, 5);
  assert.equal(r.body.length, 0);
  assert.equal(r.digest, '');
});

test('no bytes, a header cut short, a status line that is not HTTP, and a header that never ends fail with keepalived\'s words', () => {
  const failure = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof CheckFailure);
      return e.message;
    }
    assert.fail('no failure');
  };
  assert.equal(failure(() => new HttpResponseParser(ALL).end()), 'no data received from remote webserver');
  assert.equal(failure(() => parse('HTTP/1.0 200 OK\r\nServer:', [8])), 'incomplete HTTP header');
  assert.equal(failure(() => parse('SSH-2.0-OpenSSH\r\n\r\n', [100])), 'bad HTTP status line');
  assert.equal(failure(() => parse(`HTTP/1.0 200 OK\r\n${'X: y\r\n'.repeat(20000)}`, [4096])), 'HTTP header too long');
});
