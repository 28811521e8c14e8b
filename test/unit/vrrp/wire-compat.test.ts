// End to end against keepalived 2.2.7's own captures: a router configured like each
// ../shared/fixtures/vrrp-pcap/NAME.conf, started alone on a segment and stopped after
// as many adverts, puts the same bytes on the wire (IPv4 header and id sequence, AH
// sequence and ICV, checksums, the priority-0 advert at shutdown) and announces each VIP
// as many times as keepalived did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readPcap, ethernetPayload, ipv6Packet } from '../../lib/pcap.js';
import { sharedDir } from '../../lib/shared.js';
import { FakeSegment, VirtualClock } from '../../../src/vrrp/fakes.js';
import { VrrpRouter } from '../../../src/vrrp/router.js';
import type { VrrpInstanceSpec } from '../../../src/vrrp/spec.js';

const shared = sharedDir();
const SRC4 = '10.77.0.11';
const SRC6 = 'fe80::a47f:32ff:fe7b:88fa';

// The .conf files beside the captures, as specs.
const CASES: { file: string; spec: VrrpInstanceSpec; src: string; announced: number }[] = [
  { file: 'v2-pass.pcap', src: SRC4, announced: 5, spec: { name: 'VI_1', vrid: 51, interface: 'eth0', initialState: 'MASTER', priority: 150, advertIntSec: 1, auth: { type: 'pass', password: 'secret12' }, vips: [{ address: '10.77.0.200', prefixLength: 24 }] } },
  { file: 'v2-noauth-3vip.pcap', src: SRC4, announced: 15, spec: { name: 'VI_2', vrid: 52, interface: 'eth0', initialState: 'MASTER', priority: 100, advertIntSec: 1, vips: [{ address: '10.77.0.201' }, { address: '10.77.0.202' }, { address: '10.77.0.203', device: 'eth0', label: 'eth0:vip3' }] } },
  { file: 'v2-ah.pcap', src: SRC4, announced: 5, spec: { name: 'VI_3', vrid: 53, interface: 'eth0', initialState: 'MASTER', priority: 120, advertIntSec: 1, auth: { type: 'ah', password: 'ahpass99' }, vips: [{ address: '10.77.0.204' }] } },
  { file: 'v3-ipv4-fast.pcap', src: SRC4, announced: 10, spec: { name: 'VI_4', vrid: 54, version: 3, interface: 'eth0', initialState: 'MASTER', priority: 200, advertIntSec: 0.1, vips: [{ address: '10.77.0.205' }, { address: '10.77.0.206' }] } },
  { file: 'v3-ipv6.pcap', src: SRC6, announced: 10, spec: { name: 'VI_6', vrid: 56, interface: 'eth0', initialState: 'MASTER', priority: 180, advertIntSec: 1, vips: [{ address: 'fd00:77::200' }, { address: 'fd00:77::201' }] } },
  { file: 'v3-unicast.pcap', src: SRC4, announced: 5, spec: { name: 'VI_7', vrid: 57, version: 3, interface: 'eth0', initialState: 'MASTER', priority: 110, advertIntSec: 1, unicastPeers: [{ address: '10.77.0.100' }], vips: [{ address: '10.77.0.207' }] } },
];

function capturedAdverts(file: string): { vrrp: Buffer[]; announcements: number } {
  const vrrp: Buffer[] = [];
  let announcements = 0;
  for (const p of readPcap(file).packets) {
    const eth = ethernetPayload(p.data);
    if (eth.etherType === 0x0806) {
      // Gratuitous ARP: sender IP == target IP.
      if (eth.payload.subarray(14, 18).equals(eth.payload.subarray(24, 28))) announcements++;
    } else if (eth.etherType === 0x0800 && (eth.payload[9] === 112 || eth.payload[9] === 51)) {
      vrrp.push(Buffer.from(eth.payload.subarray(0, eth.payload.readUInt16BE(2))));
    } else if (eth.etherType === 0x86dd) {
      const v6 = ipv6Packet(eth.payload);
      if (v6.nextHeader === 112) vrrp.push(Buffer.from(v6.payload));
      else if (v6.nextHeader === 58 && v6.payload[0] === 136) announcements++;
    }
  }
  return { vrrp, announcements };
}

for (const c of CASES) {
  test(`${c.file}: our router sends keepalived's bytes`, { skip: shared ? false : '../shared not found' }, async () => {
    const want = capturedAdverts(join(shared!, 'fixtures', 'vrrp-pcap', c.file));
    assert.ok(want.vrrp.length >= 3);
    const seg = new FakeSegment(new VirtualClock());
    const host = seg.host('n1', [c.src]);
    seg.host('peer', ['10.77.0.100']);
    const { router, errors } = VrrpRouter.create([{ ...c.spec, sourceAddress: c.src }], host.ports());
    assert.deepEqual(errors, []);
    await router.start();
    const sent = (): number => seg.captured.filter((p) => p.host === 'n1').length;
    // Run until as many adverts as keepalived sent before its priority-0 one.
    while (sent() < want.vrrp.length - 1) {
      seg.clock.advance(1000);
      await router.idle();
    }
    seg.clock.advance(1000);
    await router.stop();
    const got = seg.captured.filter((p) => p.host === 'n1').map((p) => p.data.toString('hex'));
    assert.deepEqual(got, want.vrrp.map((b) => b.toString('hex')));
    const repeats = host.announce.sent.reduce((n, s) => n + s.repeat, 0);
    assert.equal(repeats, want.announcements, 'GARP/NA count');
  });
}
