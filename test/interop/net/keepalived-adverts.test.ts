// Our receive path against the reference: Debian keepalived 2.2.7 runs as MASTER in one
// namespace, our VRRP transport listens in the peer namespace. What arrives must be
// keepalived's adverts with TTL 255 and addresses as sent, and the IPv4 header our
// builder makes from the same fields must be byte-for-byte keepalived's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labUnavailable, waitFor, type Netns } from '../../lib/netns.js';
import { runAgent, startAgent } from '../../lib/net-agent-client.js';
import { nativeUnavailable } from '../../../src/net/sys.js';
import { encodeIpv4Header } from '../../../src/net/ipv4-header.js';
import { internetChecksum } from '../../../src/net/checksum.js';
import { ipv6ToBytes } from '../../../src/net/inet-address.js';

const skip = labUnavailable(['keepalived']) ?? nativeUnavailable();

let lab: Lab;
let a: Netns;
let b: Netns;
let dir: string;
let aLinkLocal: string;
let bIfindex: number;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'kts-ka-'));
  lab = await Lab.create();
  a = await lab.addHost('a', { addrs: ['10.203.0.1/24', 'fd00:203::1/64'] });
  b = await lab.addHost('b', { addrs: ['10.203.0.2/24', 'fd00:203::2/64'] });
  bIfindex = (JSON.parse(await b.ip('-j', 'link', 'show', 'dev', 'eth0')) as Array<{ ifindex: number }>)[0]!.ifindex;
  aLinkLocal = await waitFor('a usable link-local address', async () => {
    const info = JSON.parse(await a.ip('-j', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'link')) as Array<{ addr_info: Array<{ local?: string; tentative?: boolean }> }>;
    return info[0]?.addr_info.find((x) => x.local && !x.tentative)?.local;
  });
});

after(async () => {
  await lab?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs keepalived in `ns`; returns a getter for everything it has logged so far. */
function startKeepalived(ns: Netns, name: string, conf: string): () => string {
  const f = (n: string) => join(dir, `${name}-${n}`);
  writeFileSync(f('keepalived.conf'), conf);
  const child = ns.spawn('keepalived', ['-n', '-l', '-D', '-P', '-f', f('keepalived.conf'), '-p', f('ka.pid'), '-r', f('vrrp.pid'), '-c', f('check.pid')]);
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  return () => log;
}

test('keepalived 2.2.7 adverts (v2 IPv4 and v3 IPv6) arrive through our transport as sent', { skip }, async () => {
  const v4 = startAgent(b, { op: 'vrrp-recv', socket: { ifname: 'eth0', family: 'inet' }, count: 2 });
  const v6 = startAgent(b, { op: 'vrrp-recv', socket: { ifname: 'eth0', family: 'inet6' }, count: 2 });
  await v4.line('IPv4 receiver ready', (l) => l.ready === true);
  await v6.line('IPv6 receiver ready', (l) => l.ready === true);
  startKeepalived(
    a,
    'master',
    `global_defs { router_id KTS_NET }
vrrp_instance V4 {
  state MASTER
  interface eth0
  virtual_router_id 41
  priority 255
  advert_int 1
  authentication { auth_type PASS
    auth_pass kts12345 }
  virtual_ipaddress { 10.203.0.100/24 }
}
vrrp_instance V6 {
  state MASTER
  interface eth0
  virtual_router_id 42
  priority 255
  advert_int 1
  virtual_ipaddress { fe80::42/64
    fd00:203::42/64 }
}
`,
  );
  await v4.line('two IPv4 adverts', (l) => l.done === true);
  await v6.line('two IPv6 adverts', (l) => l.done === true);

  const p4 = v4.lines.filter((l) => l.packet).map((l) => l.packet);
  for (const [i, p] of p4.entries()) {
    assert.deepEqual([p.src, p.dst, p.ttl, p.protocol, p.ifindex], ['10.203.0.1', '224.0.0.18', 255, 112, bIfindex]);
    // VRRPv2, VRID 41, priority 255, one address, PASS auth.
    assert.equal(p.payload.slice(0, 12), '21' + '29' + 'ff' + '01' + '01' + '01');
    assert.equal(Buffer.from(p.payload, 'hex').subarray(-8).toString(), 'kts12345');
    const payloadLength = p.payload.length / 2;
    // keepalived's ids count from 1 per instance; our header builder agrees byte for byte.
    assert.equal(p.ipHeader, encodeIpv4Header({ src: p.src, dst: p.dst, id: i + 1, payloadLength }).toString('hex'));
  }

  const p6 = v6.lines.filter((l) => l.packet).map((l) => l.packet);
  for (const p of p6) {
    assert.deepEqual([p.src, p.dst, p.ttl, p.protocol, p.ifindex], [aLinkLocal, 'ff02::12', 255, 112, bIfindex]);
    // VRRPv3, VRID 42, priority 255, two addresses, then fe80::42 and fd00:203::42.
    assert.equal(p.payload.slice(0, 8), '31' + '2a' + 'ff' + '02');
    assert.equal(p.payload.slice(16), 'fe800000000000000000000000000042' + 'fd000203000000000000000000000042');
  }
});

/** A VRRPv2 advert (no auth) with its checksum, as RFC 3768 §5.3 lays it out. */
function vrrpV2(vrid: number, priority: number, vip: string): Buffer {
  const b = Buffer.alloc(8 + 4 + 8);
  b.set([0x21, vrid, priority, 1, 0, 1], 0);
  Buffer.from(vip.split('.').map(Number)).copy(b, 8);
  b.writeUInt16BE(internetChecksum(b), 6);
  return b;
}

/** A VRRPv3 IPv6 advert (RFC 5798 §5.2); the checksum is left to the kernel. */
function vrrpV3ipv6(vrid: number, priority: number, vips: string[]): Buffer {
  const head = Buffer.from([0x31, vrid, priority, vips.length, 0x00, 0x64, 0, 0]);
  return Buffer.concat([head, ...vips.map((v) => ipv6ToBytes(v))]);
}

test('keepalived 2.2.7 accepts our adverts: a MASTER yields to our higher priority', { skip }, async () => {
  const log = startKeepalived(
    b,
    'backup',
    `global_defs { router_id KTS_NET_B }
vrrp_instance Y4 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress { 10.203.0.151/24 }
}
vrrp_instance Y6 {
  state MASTER
  interface eth0
  virtual_router_id 52
  priority 100
  advert_int 1
  virtual_ipaddress { fe80::52/64 }
}
`,
  );
  await waitFor('keepalived MASTER on both instances', () => /\(Y4\) Entering MASTER STATE/.test(log()) && /\(Y6\) Entering MASTER STATE/.test(log()), 20_000);
  const tx4 = await runAgent(a, { op: 'vrrp-send', socket: { ifname: 'eth0', family: 'inet' }, sends: [{ payloadHex: vrrpV2(51, 200, '10.203.0.151').toString('hex'), src: '10.203.0.1', dst: '224.0.0.18' }] });
  assert.equal(tx4.code, 0, JSON.stringify(tx4));
  const tx6 = await runAgent(a, { op: 'vrrp-send', socket: { ifname: 'eth0', family: 'inet6' }, sends: [{ payloadHex: vrrpV3ipv6(52, 200, ['fe80::52']).toString('hex'), src: aLinkLocal, dst: 'ff02::12' }] });
  assert.equal(tx6.code, 0, JSON.stringify(tx6));
  await waitFor('keepalived to yield on both instances', () => /\(Y4\) Entering BACKUP STATE/.test(log()) && /\(Y6\) Entering BACKUP STATE/.test(log()), 10_000).catch((e: Error) => {
    throw new Error(`${e.message}\nkeepalived said:\n${log()}`);
  });
  assert.match(log(), /\(Y4\) Master received advert from 10\.203\.0\.1 with higher priority 200, ours 100/);
  assert.doesNotMatch(log(), /invalid|bogus|checksum/i);
});
