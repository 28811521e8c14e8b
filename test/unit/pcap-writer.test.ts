// The pcap writer of test/lib/pcap.ts (the fault suite's flood is replayed from such a file):
// what it writes reads back frame for frame, and tshark sees the frame as the VRRP advert it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ethernetFrame, ethernetPayload, readPcap, writePcap } from '../lib/pcap.js';
import { encodeIpv4Advert } from '../../src/vrrp/codec.js';
import { hasCommand } from '../lib/netns.js';

const advert = encodeIpv4Advert(
  { version: 2, family: 'inet', vrid: 71, priority: 254, advertInterval: 1, addresses: ['10.71.0.100'], auth: { type: 'pass', password: 'wrong' } },
  { src: '10.71.0.9', dst: '224.0.0.18', id: 1 },
);
const frame = ethernetFrame('02:00:00:00:00:02', '02:00:00:00:00:09', 0x0800, advert);

function withPcap(fn: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'kts-pcap-'));
  try {
    const path = join(dir, 'one.pcap');
    writePcap(path, [frame, frame]);
    fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('writePcap: the frames read back as written, Ethernet link type', () => withPcap((path) => {
  const { linkType, packets } = readPcap(path);
  assert.equal(linkType, 1);
  assert.equal(packets.length, 2);
  const eth = ethernetPayload(packets[0]!.data);
  assert.equal(eth.dst.toString('hex'), '020000000002');
  assert.equal(eth.src.toString('hex'), '020000000009');
  assert.equal(eth.etherType, 0x0800);
  assert.deepEqual(eth.payload, advert);
}));

test('writePcap: tshark reads the frame as a VRRPv2 advert with its fields', { skip: hasCommand('tshark') ? undefined : 'needs tshark' }, () => withPcap((path) => {
  const r = spawnSync('tshark', ['-r', path, '-T', 'fields', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'vrrp.virt_rtr_id', '-e', 'vrrp.prio', '-e', 'vrrp.ip_addr'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [first] = r.stdout.trim().split('\n');
  assert.deepEqual(first?.split('\t'), ['10.71.0.9', '224.0.0.18', '71', '254', '10.71.0.100']);
}));
