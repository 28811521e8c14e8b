// End to end against keepalived 2.2.7's own captures: a router configured like each
// ../shared/fixtures/vrrp-pcap/NAME.conf, started alone on a segment and stopped after
// as many adverts, puts the same bytes on the wire (IPv4 header and id sequence, AH
// sequence and ICV, checksums, the priority-0 advert at shutdown) and announces each VIP
// as many times as keepalived did.
import { test } from 'node:test';
import { join } from 'node:path';
import { assertSameWire } from '../../lib/vrrp-wire.js';
import { sharedDir } from '../../lib/shared.js';
import type { VrrpInstanceSpec } from '../../../src/vrrp/spec.js';

const shared = sharedDir();
const SRC4 = '10.77.0.11';
const SRC6 = 'fe80::a47f:32ff:fe7b:88fa';

// The .conf files beside the captures, as specs.
export const CASES: { file: string; spec: VrrpInstanceSpec; src: string; announced: number }[] = [
  { file: 'v2-pass.pcap', src: SRC4, announced: 5, spec: { name: 'VI_1', vrid: 51, interface: 'eth0', initialState: 'MASTER', priority: 150, advertIntSec: 1, auth: { type: 'pass', password: 'secret12' }, vips: [{ address: '10.77.0.200', prefixLength: 24 }] } },
  { file: 'v2-noauth-3vip.pcap', src: SRC4, announced: 15, spec: { name: 'VI_2', vrid: 52, interface: 'eth0', initialState: 'MASTER', priority: 100, advertIntSec: 1, vips: [{ address: '10.77.0.201' }, { address: '10.77.0.202' }, { address: '10.77.0.203', device: 'eth0', label: 'eth0:vip3' }] } },
  { file: 'v2-ah.pcap', src: SRC4, announced: 5, spec: { name: 'VI_3', vrid: 53, interface: 'eth0', initialState: 'MASTER', priority: 120, advertIntSec: 1, auth: { type: 'ah', password: 'ahpass99' }, vips: [{ address: '10.77.0.204' }] } },
  { file: 'v3-ipv4-fast.pcap', src: SRC4, announced: 10, spec: { name: 'VI_4', vrid: 54, version: 3, interface: 'eth0', initialState: 'MASTER', priority: 200, advertIntSec: 0.1, vips: [{ address: '10.77.0.205' }, { address: '10.77.0.206' }] } },
  { file: 'v3-ipv6.pcap', src: SRC6, announced: 10, spec: { name: 'VI_6', vrid: 56, interface: 'eth0', initialState: 'MASTER', priority: 180, advertIntSec: 1, vips: [{ address: 'fd00:77::200' }, { address: 'fd00:77::201' }] } },
  { file: 'v3-unicast.pcap', src: SRC4, announced: 5, spec: { name: 'VI_7', vrid: 57, version: 3, interface: 'eth0', initialState: 'MASTER', priority: 110, advertIntSec: 1, unicastPeers: [{ address: '10.77.0.100' }], vips: [{ address: '10.77.0.207' }] } },
];

for (const c of CASES) {
  test(`${c.file}: our router sends keepalived's bytes`, { skip: shared ? false : '../shared not found' }, async () => {
    await assertSameWire(join(shared!, 'fixtures', 'vrrp-pcap', c.file), { ...c.spec, sourceAddress: c.src }, c.src);
  });
}
