import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addToAddress, compareAddresses, formatPrefix, isIpv6LinkLocal, isMulticast, networkOf, parseIpAddress, parseIpPrefix, parsePort,
} from '../../../src/config/address.js';

const addr = (t: string): string => { const r = parseIpAddress(t); assert.ok(r.ok, t); return r.value.address; };

test('IPv4 addresses are kept as dotted quads; bad ones are refused with the text', () => {
  assert.equal(addr('192.168.0.1'), '192.168.0.1');
  for (const bad of ['192.168.0.', '256.1.1.1', '1.2.3', 'eth0', '', '01.2.3.4']) {
    const r = parseIpAddress(bad);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.match(r.error, new RegExp(`'${bad.replace(/\./g, '\\.')}'`));
  }
});

test('IPv6 addresses are canonicalised per RFC 5952', () => {
  assert.equal(addr('FE80:0000:0000:0000:0000:0000:0000:0001'), 'fe80::1');
  assert.equal(addr('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(addr('2001:db8::0:1'), '2001:db8::1');
  assert.equal(addr('2001:0db8:0001:0000:0000:0000:0000:0000'), '2001:db8:1::');
  assert.equal(addr('::'), '::');
  assert.equal(addr('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
  // IPv4-mapped addresses keep their dotted tail, as glibc's inet_ntop (keepalived, ip) prints them.
  assert.equal(addr('::ffff:192.0.2.1'), '::ffff:192.0.2.1');
  assert.equal(addr('::FFFF:C000:0201'), '::ffff:192.0.2.1');
  const z = parseIpAddress('fe80::1%eth0');
  assert.ok(z.ok);
  assert.deepEqual(z.value, { family: 6, address: 'fe80::1', zone: 'eth0' });
});

test('prefixes default to host length and check the length range', () => {
  const p = parseIpPrefix('10.0.0.1');
  assert.ok(p.ok);
  assert.equal(p.value.prefixLen, 32);
  const q = parseIpPrefix('2001:db8::1');
  assert.ok(q.ok);
  assert.equal(q.value.prefixLen, 128);
  const r = parseIpPrefix('10.1.2.3/24');
  assert.ok(r.ok);
  assert.equal(formatPrefix(r.value), '10.1.2.3/24');
  assert.equal(networkOf(r.value), '10.1.2.0');
  assert.equal(parseIpPrefix('10.0.0.1/33').ok, false);
  assert.equal(parseIpPrefix('2001:db8::/129').ok, false);
  assert.equal(parseIpPrefix('10.0.0.1', { requireLength: true }).ok, false);
});

test('address helpers: link-local, multicast, order, arithmetic, ports', () => {
  const a = (t: string) => { const r = parseIpAddress(t); assert.ok(r.ok); return r.value; };
  assert.ok(isIpv6LinkLocal(a('fe80::5')));
  assert.ok(!isIpv6LinkLocal(a('2001:db8::5')));
  assert.ok(isMulticast(a('224.0.0.18')) && isMulticast(a('ff02::12')) && !isMulticast(a('10.0.0.1')));
  assert.ok(compareAddresses(a('10.0.0.2'), a('10.0.0.10')) < 0);
  assert.ok(compareAddresses(a('10.0.0.2'), a('::1')) < 0);
  assert.equal(addToAddress(a('10.0.0.255'), 1).address, '10.0.1.0');
  assert.equal(addToAddress(a('2001:db8::ffff'), 1).address, '2001:db8::1:0');
  assert.deepEqual(parsePort('80'), { ok: true, value: 80 });
  assert.equal(parsePort('65536').ok, false);
});
