// Gratuitous ARP and unsolicited NA on the wire: captured by tcpdump in the peer
// namespace and dissected by tshark, which must see them as valid and gratuitous.
// Also: sending them runs no other program (no ip, arping or shell).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labUnavailable, waitFor, type Netns } from '../../lib/netns.js';
import { runAgent } from '../../lib/net-agent-client.js';
import type { AgentCommand } from '../../lib/net-agent.js';
import { nativeUnavailable } from '../../../src/net/sys.js';
import { startCapture, tsharkFields } from '../../lib/capture.js';

const skip = labUnavailable(['tcpdump', 'tshark']) ?? nativeUnavailable();

let lab: Lab;
let a: Netns;
let b: Netns;
let aMac: string;
let dir: string;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'kts-garp-'));
  lab = await Lab.create();
  a = await lab.addHost('a', { addrs: ['10.202.0.1/24', 'fd00:202::1/64'] });
  b = await lab.addHost('b', { addrs: ['10.202.0.2/24', 'fd00:202::2/64'] });
  aMac = await a.mac('eth0');
});

after(async () => {
  await lab?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** tcpdump on b's eth0, writing every packet as it comes. */
const capture = (name: string, filter: string) => startCapture(b, 'eth0', join(dir, `${name}.pcap`), filter);

test('gratuitous ARP from the interface MAC and from a VMAC: tshark sees gratuitous requests', { skip }, async () => {
  const cap = await capture('garp', 'arp');
  try {
    const r1 = await runAgent(a, { op: 'garp', ifname: 'eth0', ip: '10.202.0.50' });
    assert.equal(r1.code, 0, JSON.stringify(r1));
    const r2 = await runAgent(a, { op: 'garp', ifname: 'eth0', ip: '10.202.0.51', mac: '00:00:5e:00:01:0a' });
    assert.equal(r2.code, 0, JSON.stringify(r2));
    const fields = ['arp.isgratuitous', 'arp.opcode', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4', 'arp.src.hw_mac', 'arp.dst.hw_mac', 'eth.src', 'eth.dst'];
    const rows = await waitFor('both GARPs in the capture', async () => {
      const r = await tsharkFields(cap.file, 'arp', fields);
      return r.length >= 2 ? r : undefined;
    });
    assert.deepEqual(rows, [
      ['1', '1', '10.202.0.50', '10.202.0.50', aMac, 'ff:ff:ff:ff:ff:ff', aMac, 'ff:ff:ff:ff:ff:ff'],
      ['1', '1', '10.202.0.51', '10.202.0.51', '00:00:5e:00:01:0a', 'ff:ff:ff:ff:ff:ff', '00:00:5e:00:01:0a', 'ff:ff:ff:ff:ff:ff'],
    ]);
  } finally {
    await cap.stop();
  }
});

test('unsolicited NA: valid checksum, Override set, hop limit 255, target link-layer option', { skip }, async () => {
  const cap = await capture('na', 'icmp6');
  try {
    const r1 = await runAgent(a, { op: 'na', ifname: 'eth0', target: 'fd00:202::50' });
    assert.equal(r1.code, 0, JSON.stringify(r1));
    const r2 = await runAgent(a, { op: 'na', ifname: 'eth0', target: 'fe80::50', router: true });
    assert.equal(r2.code, 0, JSON.stringify(r2));
    const fields = ['icmpv6.nd.na.target_address', 'icmpv6.checksum.status', 'icmpv6.nd.na.flag.o', 'icmpv6.nd.na.flag.r', 'icmpv6.nd.na.flag.s', 'ipv6.hlim', 'ipv6.src', 'ipv6.dst', 'icmpv6.opt.linkaddr', 'eth.dst'];
    const rows = await waitFor('both NAs in the capture', async () => {
      const r = await tsharkFields(cap.file, 'icmpv6.type == 136 && (icmpv6.nd.na.target_address == fd00:202::50 || icmpv6.nd.na.target_address == fe80::50)', fields);
      return r.length >= 2 ? r : undefined;
    });
    assert.deepEqual(rows, [
      // checksum status 1 = Good (tshark verified it); 0 would be Bad.
      ['fd00:202::50', '1', '1', '0', '0', '255', 'fd00:202::50', 'ff02::1', aMac, '33:33:00:00:00:01'],
      ['fe80::50', '1', '1', '1', '0', '255', 'fe80::50', 'ff02::1', aMac, '33:33:00:00:00:01'],
    ]);
  } finally {
    await cap.stop();
  }
});

test('sending adverts, GARP and NA executes no other program', { skip: skip ?? labUnavailable(['strace']) }, async () => {
  const trace = join(dir, 'strace.txt');
  const cmds: AgentCommand[] = [
    { op: 'garp', ifname: 'eth0', ip: '10.202.0.60' },
    { op: 'na', ifname: 'eth0', target: 'fd00:202::60' },
    { op: 'vrrp-send', socket: { ifname: 'eth0', family: 'inet' }, sends: [{ payloadHex: '21', src: '10.202.0.1', dst: '224.0.0.18' }] },
  ];
  for (const cmd of cmds) {
    const r = await runAgent(a, cmd, ['strace', '-f', '-qq', '-e', 'trace=execve', '-o', trace]);
    assert.equal(r.code, 0, JSON.stringify(r));
    const execs = readFileSync(trace, 'utf8').split('\n').filter((l) => l.includes('execve('));
    // Only strace starting node itself.
    assert.equal(execs.length, 1, execs.join('\n'));
    assert.ok(execs[0]!.includes(`execve("${process.execPath}"`), execs[0]);
  }
});

