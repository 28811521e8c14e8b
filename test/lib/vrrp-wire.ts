// Replays a reference capture against our router: see test/unit/vrrp/wire-compat.test.ts.
import assert from 'node:assert/strict';
import { readPcap, ethernetPayload, ipv6Packet } from './pcap.js';
import { FakeSegment, VirtualClock } from '../../src/vrrp/fakes.js';
import { VrrpRouter } from '../../src/vrrp/router.js';
import type { VrrpInstanceSpec } from '../../src/vrrp/spec.js';

export function capturedAdverts(file: string): { vrrp: Buffer[]; announcements: number } {
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


/** Runs `spec` alone on a segment until it has sent as many adverts as the capture, stops it, and compares. */
export async function assertSameWire(pcapFile: string, spec: VrrpInstanceSpec, src: string): Promise<void> {
  const want = capturedAdverts(pcapFile);
  assert.ok(want.vrrp.length >= 3);
  const seg = new FakeSegment(new VirtualClock());
  const host = seg.host('n1', [src]);
  seg.host('peer', ['10.77.0.100']);
  const { router, errors } = VrrpRouter.create([{ sourceAddress: src, ...spec }], host.ports());
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
}
