// The advert builder reuses one encoding per (priority, destination) and stamps the IP id in;
// what goes on the wire must be byte for byte what a fresh encode gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdvertBuilder } from '../../../src/vrrp/advert-builder.js';
import { decodeAdvert, encodeIpv4Advert, encodeIpv6Advert, type AdvertFields } from '../../../src/vrrp/codec.js';
import { normaliseSpec, type VrrpInstanceSpec } from '../../../src/vrrp/spec.js';
import { advertIntervalField } from '../../../src/vrrp/timers.js';
import type { FsmConfig } from '../../../src/vrrp/fsm.js';

function config(over: Partial<VrrpInstanceSpec>): FsmConfig {
  const r = normaliseSpec({ name: 'VI_1', vrid: 51, interface: 'eth0', priority: 100, advertIntSec: 1, sourceAddress: '10.0.0.1', vips: [{ address: '10.0.0.100', prefixLength: 24 }, { address: '10.0.0.101', prefixLength: 24 }], ...over });
  assert.ok(r.ok, JSON.stringify(r));
  return r.config;
}

function fresh(c: FsmConfig, dst: string, priority: number, ipId: number, ahSeq: number, ttl: number): Buffer {
  const f: AdvertFields = { version: c.version, family: c.family, vrid: c.vrid, priority, advertInterval: advertIntervalField(c.version, c.advertIntUs), addresses: c.vips, auth: c.auth };
  return c.family === 'inet'
    ? encodeIpv4Advert(f, { src: c.sourceAddress ?? '0.0.0.0', dst, id: ipId, ttl, v3ChecksumAsV2: c.v3ChecksumAsV2, ahSeq, unicast: c.unicast })
    : encodeIpv6Advert(f, { src: c.sourceAddress ?? '::', dst });
}

const cases: [string, Partial<VrrpInstanceSpec>, string][] = [
  ['v2 multicast', { version: 2 }, '224.0.0.18'],
  ['v2 PASS', { version: 2, auth: { type: 'pass', password: 'secret' } }, '224.0.0.18'],
  ['v2 AH', { version: 2, priority: 255, auth: { type: 'ah', password: 'secret' } }, '224.0.0.18'],
  ['v3 IPv4 (pseudo-header checksum)', { version: 3, advertIntSec: 0.01 }, '224.0.0.18'],
  ['v3 IPv4 unicast', { version: 3, unicastPeers: [{ address: '10.0.0.2' }, { address: '10.0.0.3' }] } as Partial<VrrpInstanceSpec>, '10.0.0.3'],
  ['v3 IPv6', { version: 3, family: 'inet6', sourceAddress: 'fe80::1', vips: [{ address: '2001:db8::100', prefixLength: 64 }] } as Partial<VrrpInstanceSpec>, 'ff02::12'],
];

for (const [name, over, dst] of cases) {
  test(`AdvertBuilder: ${name} adverts are byte-identical to a fresh encode, id after id and across priority changes`, () => {
    const c = config(over);
    const b = new AdvertBuilder(c);
    const sent: Buffer[] = [];
    for (const [priority, ipId, ahSeq] of [[100, 1, 1], [100, 2, 2], [100, 65535, 3], [0, 1, 4], [100, 7, 5], [254, 300, 6]] as const) {
      const got = b.build({ dst, priority, ipId, ahSeq, ttl: 255 });
      assert.deepEqual(got, fresh(c, dst, priority, ipId, ahSeq, 255));
      const d = decodeAdvert(c.family, got);
      assert.ok(d.ok);
      sent.push(got);
    }
    // Each advert is its own buffer: stamping the next id does not change one already sent.
    assert.deepEqual(sent[0], fresh(c, dst, 100, 1, 1, 255));
  });
}
