// Property tests: encode then decode is the identity, and the receive check accepts what
// we send; a fuzz of 100,000 mutated packets never throws and is always classified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../lib/prng.js';
import { decodeAdvert, encodeIpv4Advert, encodeIpv6Advert, type AdvertFields } from '../../../src/vrrp/codec.js';
import { formatIPv4, formatIPv6 } from '../../../src/vrrp/addr.js';
import { checkAdvert, type ReceiveContext } from '../../../src/vrrp/receive-check.js';
import type { VrrpAuth } from '../../../src/vrrp/auth.js';

interface Case { fields: AdvertFields; src: string; dst: string; id: number; unicast: boolean; v3AsV2: boolean }

function randomCase(r: Prng): Case {
  const family = r.next() < 0.7 ? 'inet' as const : 'inet6' as const;
  const version = family === 'inet6' ? 3 as const : r.pick([2, 3] as const);
  const n = r.int(0, family === 'inet' ? 20 : 8);
  const addr = (): string => (family === 'inet' ? formatIPv4(r.bytes(4)) : formatIPv6(r.bytes(16)));
  const addresses = Array.from({ length: n }, addr);
  const auth: VrrpAuth = version === 2 && family === 'inet'
    ? r.pick<VrrpAuth>([{ type: 'none' }, { type: 'pass', password: 'pw' + r.int(0, 99999) }, { type: 'ah', password: 'k' + r.int(0, 999) }])
    : { type: 'none' };
  const unicast = r.next() < 0.3;
  const src = family === 'inet' ? `10.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}` : `fe80::${r.int(1, 0xffff).toString(16)}`;
  const dst = unicast ? (family === 'inet' ? `10.9.${r.int(0, 255)}.${r.int(1, 254)}` : `fd00::${r.int(1, 0xffff).toString(16)}`) : (family === 'inet' ? '224.0.0.18' : 'ff02::12');
  return {
    fields: { version, family, vrid: r.int(1, 255), priority: r.int(0, 255), advertInterval: version === 2 ? r.int(1, 255) : r.int(1, 4095), addresses, auth },
    src, dst, id: r.int(1, 65535), unicast, v3AsV2: version === 3 && r.next() < 0.3,
  };
}

function encode(c: Case): Buffer {
  return c.fields.family === 'inet'
    ? encodeIpv4Advert(c.fields, { src: c.src, dst: c.dst, id: c.id, unicast: c.unicast, v3ChecksumAsV2: c.v3AsV2, ahSeq: 7 })
    : encodeIpv6Advert(c.fields, { src: c.src, dst: c.dst });
}

function contextFor(c: Case): ReceiveContext {
  return {
    name: 'P', version: c.fields.version, family: c.fields.family, auth: c.fields.auth ?? { type: 'none' },
    advertIntervalUs: c.fields.version === 2 ? c.fields.advertInterval * 1e6 : c.fields.advertInterval * 1e4,
    unicast: c.unicast, v3ChecksumAsV2: c.v3AsV2, effectivePriority: 100, ownerIgnoreAdverts: false,
    vips: c.fields.addresses, checkVipAddresses: true, checkUnicastSource: false, peers: [], ahLastSeq: 0,
  };
}

test('encode then decode is the identity, and our own adverts pass the receive check', () => {
  const r = new Prng(0x5eed);
  for (let i = 0; i < 3000; i++) {
    const c = randomCase(r);
    const bytes = encode(c);
    const d = decodeAdvert(c.fields.family, bytes);
    assert.ok(d.ok, `case ${i}`);
    const v = d.advert.vrrp;
    assert.deepEqual(
      { version: v.version, vrid: v.vrid, priority: v.priority, advertInterval: v.advertInterval, addresses: v.addresses, naddr: v.naddr },
      { version: c.fields.version, vrid: c.fields.vrid, priority: c.fields.priority, advertInterval: c.fields.advertInterval, addresses: c.fields.addresses, naddr: c.fields.addresses.length },
      `case ${i}`);
    if (d.advert.ip) {
      assert.equal(d.advert.ip.src, c.src);
      assert.equal(d.advert.ip.dst, c.dst);
      assert.equal(d.advert.ip.id, c.id);
    }
    const res = checkAdvert(d.advert, { src: c.src, dst: c.dst, ttl: 255 }, contextFor(c));
    assert.equal(res.verdict, 'ok', `case ${i}: ${JSON.stringify(res)}`);
  }
});

test('100,000 mutated packets: nothing throws, every rejection is a specific error', () => {
  const r = new Prng(0xf0cc);
  const seen = new Map<string, number>();
  for (let i = 0; i < 100_000; i++) {
    const c = randomCase(r);
    const bytes = Buffer.from(encode(c));
    const mutation = r.int(0, 3);
    let m: Buffer = bytes;
    if (mutation === 0) {
      for (let k = r.int(1, 4); k > 0; k--) { const at = r.int(0, m.length - 1); m[at] = m[at]! ^ (1 << r.int(0, 7)); }
    } else if (mutation === 1) {
      m = m.subarray(0, r.int(0, m.length));
    } else if (mutation === 2) {
      m = Buffer.concat([m, r.bytes(r.int(1, 40))]);
    } else {
      m[r.int(0, m.length - 1)] = r.int(0, 255);
      m[r.int(0, m.length - 1)] = r.int(0, 255);
    }
    let label: string;
    try {
      const d = decodeAdvert(c.fields.family, m);
      if (!d.ok) {
        label = `decode:${d.error}`;
      } else {
        const res = checkAdvert(d.advert, { src: c.src, dst: d.advert.ip?.dst ?? c.dst, ttl: d.advert.ip?.ttl ?? 255 }, contextFor(c));
        label = res.verdict === 'ok' ? 'ok' : res.verdict === 'ko' ? `ko:${res.error}` : `drop:${res.reason}`;
        if (res.verdict === 'ko') assert.ok(res.note.message.startsWith('(P)') || res.note.message.startsWith('IPSEC'), res.note.message);
      }
    } catch (e) {
      assert.fail(`mutated packet ${i} threw: ${String(e)} (${m.toString('hex')})`);
    }
    seen.set(label, (seen.get(label) ?? 0) + 1);
  }
  // The fuzz reaches the main rejection paths (so it is not trivially passing).
  for (const k of ['decode:too-short', 'ko:packet-length', 'ko:checksum', 'ko:version', 'ko:invalid-type', 'ko:auth-failure', 'ok']) {
    assert.ok((seen.get(k) ?? 0) > 0, `fuzz reached ${k}: ${JSON.stringify([...seen])}`);
  }
});
