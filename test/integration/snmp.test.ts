// SNMP through a real net-snmp master agent: each router namespace runs its own snmpd (AgentX
// master on a private unix socket, SNMP on the namespace's loopback) and keepalived-ts as the
// AgentX subagent. r1 enables SNMP with global_defs keywords, r2 with -x / -A. snmpwalk
// -On reads what an NMS would: instance state and priority, the VIPs, the RFC 2787 / 6527
// rows (indexed by the real ifIndex), the virtual and real servers; a real server that dies
// and a failover are seen in the walks and as notifications forwarded by snmpd (trap2sink).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { Lab, labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import { KtsNode } from '../lib/kts-node.js';
import { Snmpd, at, walk } from '../lib/snmpd.js';
import { tcpCheckedVirtualServer } from '../lib/conf-text.js';

const K = '1.3.6.1.4.1.9586.100.5';
const VRRP2 = '1.3.6.1.2.1.68';
const VRRP3 = '1.3.6.1.2.1.207';
const VIP = '10.68.0.100';
const RS = '10.68.0.3';
const TRAP_PORT = 16162;

function conf(name: string, priority: number, snmp: string, vs: boolean): string {
  return `global_defs {
    router_id ${name}
    lvs_backend nftables
${snmp}
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 68
    priority ${priority}
    advert_int 1
    virtual_ipaddress {
        ${VIP}/24
    }
}
${vs ? tcpCheckedVirtualServer(VIP, RS, 'wrr') : ''}`;
}

/** BER body of an OID, as it appears inside a notification PDU. */
function berOid(oid: string): string {
  const n = oid.split('.').map(Number);
  const out: number[] = [(n[0] ?? 0) * 40 + (n[1] ?? 0)];
  for (const x of n.slice(2)) {
    const bytes = [x & 0x7f];
    for (let v = x >>> 7; v > 0; v >>>= 7) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return Buffer.from(out).toString('hex');
}

/** A UDP listener in the namespace printing each datagram in hex, one per line. */
function trapSink(ns: Netns): { lines: () => string[] } {
  let out = '';
  const p: ChildProcess = ns.spawn(process.execPath, ['-e', `const s=require('dgram').createSocket('udp4');s.on('message',(m)=>console.log(m.toString('hex')));s.bind(${TRAP_PORT},'127.0.0.1')`], { stdio: ['ignore', 'pipe', 'ignore'] });
  p.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  return { lines: () => out.split('\n').filter(Boolean) };
}

async function ifindex(ns: Netns, ifname: string): Promise<number> {
  return (JSON.parse(await ns.ip('-j', 'link', 'show', 'dev', ifname)) as Array<{ ifindex: number }>)[0]?.ifindex ?? 0;
}

const SERVER = "require('net').createServer((c)=>c.end()).listen(8080,'0.0.0.0',()=>console.log('listening'))";

test('SNMP: KEEPALIVED-MIB, VRRP-MIB and VRRPv3-MIB through snmpd, checker rows, notifications', { skip: labUnavailable(['snmpd', 'snmpwalk', 'nft']), timeout: 120_000 }, async () => {
  const lab = await Lab.create();
  const snmpds: Snmpd[] = [];
  const nodes: KtsNode[] = [];
  try {
    const r1 = await lab.addHost('r1', { addrs: ['10.68.0.1/24'] });
    const r2 = await lab.addHost('r2', { addrs: ['10.68.0.2/24'] });
    const rs = await lab.addHost('rs', { addrs: [`${RS}/24`] });
    const server = rs.spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'ignore'] });
    const s1 = new Snmpd(r1, TRAP_PORT);
    const s2 = new Snmpd(r2, TRAP_PORT);
    snmpds.push(s1, s2);
    const traps1 = trapSink(r1);
    const traps2 = trapSink(r2);
    await s1.start();
    await s2.start();

    const a = new KtsNode(r1, conf('r1', 150, `    snmp_socket unix:${s1.socket}\n    enable_snmp_vrrp\n    enable_snmp_checker\n    enable_snmp_rfc\n    enable_traps`, true));
    const b = new KtsNode(r2, conf('r2', 100, '    enable_traps', false), ['-x', '-A', `unix:${s2.socket}`]);
    nodes.push(a, b);
    a.start();
    await a.waitForLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
    b.start();
    await b.waitForLine(/\(VI_1\) Entering BACKUP STATE/, 20_000);
    await a.waitForLine(/SNMP: AgentX subagent connected to unix:/);
    await b.waitForLine(/SNMP: AgentX subagent connected to unix:/);

    // r1, the master: KEEPALIVED-MIB.
    const ix1 = await ifindex(r1, 'eth0');
    const k1 = await waitFor('r1 MASTER in vrrpInstanceState', async () => {
      const w = await walk(r1, K);
      return w.get(`${K}.2.3.1.4.1`)?.value === '2' ? w : undefined;
    }, 15_000);
    assert.equal(at(k1, `${K}.1.2.0`), '"r1"', 'routerId');
    assert.equal(at(k1, `${K}.2.3.1.2.1`), '"VI_1"');
    assert.equal(at(k1, `${K}.2.3.1.3.1`), '68', 'virtual router id');
    assert.equal(at(k1, `${K}.2.3.1.7.1`), '150', 'base priority');
    assert.equal(at(k1, `${K}.2.3.1.8.1`), '150', 'effective priority');
    assert.equal(at(k1, `${K}.2.3.1.9.1`), '1', 'VIPs all set');
    assert.equal(at(k1, `${K}.2.3.1.10.1`), '"eth0"');
    assert.equal(at(k1, `${K}.2.6.1.3.1.1`), '0A 44 00 64', 'the VIP');
    assert.equal(at(k1, `${K}.2.6.1.5.1.1`), '24');
    assert.equal(at(k1, `${K}.2.6.1.7.1.1`), String(ix1), 'the VIP interface index');
    assert.equal(at(k1, `${K}.2.6.1.10.1.1`), '1', 'the VIP is set');
    assert.ok((await r1.addresses('eth0')).includes(`${VIP}/24`), 'and it is on the interface');
    // VRRP-MIB (RFC 2787), indexed by the interface's real ifIndex and the VRID.
    const v2 = await walk(r1, VRRP2);
    assert.equal(at(v2, `${VRRP2}.1.3.1.3.${ix1}.68`), '3', 'vrrpOperState master');
    assert.equal(at(v2, `${VRRP2}.1.3.1.5.${ix1}.68`), '150');
    assert.equal(at(v2, `${VRRP2}.1.3.1.8.${ix1}.68`), '10.68.0.1', 'primary address');
    assert.equal(at(v2, `${VRRP2}.1.3.1.2.${ix1}.68`), (await r1.mac('eth0')).split(':').join(' ').toUpperCase());
    assert.equal(at(v2, `${VRRP2}.1.4.1.2.${ix1}.68.10.68.0.100`), '1', 'the associated address row');
    assert.equal(at(v2, `${VRRP2}.2.4.1.1.${ix1}.68`), '1', 'became master once');
    // VRRPv3-MIB (RFC 6527): the same instance, address type ipv4.
    const v3 = await walk(r1, VRRP3);
    assert.equal(at(v3, `${VRRP3}.1.1.1.1.6.${ix1}.68.1`), '3');
    assert.equal(at(v3, `${VRRP3}.1.1.1.1.3.${ix1}.68.1`), '0A 44 00 01', 'master address: ours');
    assert.equal(at(v3, `${VRRP3}.1.1.1.1.9.${ix1}.68.1`), '100', 'advert interval in centiseconds');
    // KEEPALIVED-MIB check branch, from the checker child.
    const up = await waitFor('the real server alive with weight 3', async () => {
      const w = await walk(r1, `${K}.3`);
      return w.get(`${K}.3.4.1.6.1.1`)?.value === '1' ? w : undefined;
    }, 15_000);
    assert.equal(at(up, `${K}.3.3.1.2.1`), '2', 'virtual server type ip');
    assert.equal(at(up, `${K}.3.3.1.6.1`), '0A 44 00 64');
    assert.equal(at(up, `${K}.3.3.1.7.1`), '80');
    assert.equal(at(up, `${K}.3.3.1.9.1`), '2', 'wrr');
    assert.equal(at(up, `${K}.3.3.1.20.1`), '1', 'real servers total');
    assert.equal(at(up, `${K}.3.3.1.21.1`), '1', 'real servers up');
    assert.equal(at(up, `${K}.3.3.1.23.1`), '1', 'quorum met');
    assert.equal(at(up, `${K}.3.4.1.4.1.1`), '0A 44 00 03');
    assert.equal(at(up, `${K}.3.4.1.5.1.1`), '8080');
    assert.equal(at(up, `${K}.3.4.1.7.1.1`), '3', 'weight');

    // r2, the backup, enabled by -x -A: it names the master.
    const ix2 = await ifindex(r2, 'eth0');
    const k2 = await walk(r2, K);
    assert.equal(at(k2, `${K}.2.3.1.4.1`), '1', 'BACKUP');
    assert.equal(at(k2, `${K}.2.3.1.7.1`), '100');
    assert.equal(at(k2, `${K}.2.6.1.10.1.1`), '2', 'the VIP is not set on the backup');
    const b2 = await waitFor('r2 to name the master', async () => {
      const w = await walk(r2, VRRP2);
      return w.get(`${VRRP2}.1.3.1.7.${ix2}.68`)?.value === '10.68.0.1' ? w : undefined;
    }, 10_000);
    assert.equal(at(b2, `${VRRP2}.1.3.1.3.${ix2}.68`), '2', 'vrrpOperState backup');

    // snmpd restarts: the subagent notices and registers again by itself.
    await s2.stop();
    await b.waitForLine(/SNMP: AgentX master at unix:\S+ closed the session; reconnecting/, 10_000);
    await s2.start();
    await waitFor('r2 answering again after the snmpd restart', async () => ((await walk(r2, K).catch(() => new Map())).get(`${K}.2.3.1.4.1`)?.value === '1' ? true : undefined), 30_000);

    // The real server dies: the walk and a realServerStateChange notification say so.
    server.kill('SIGKILL');
    // (A walk is many requests: the virtual server row may be read before the change.)
    await waitFor('the real server dead, no real server up, quorum lost', async () => {
      const w = await walk(r1, `${K}.3`);
      return w.get(`${K}.3.4.1.6.1.1`)?.value === '2' && w.get(`${K}.3.3.1.21.1`)?.value === '0' && w.get(`${K}.3.3.1.23.1`)?.value === '2' ? w : undefined;
    }, 20_000);
    const rsTrap = berOid(`${K}.3.5.0.1`);
    await waitFor('realServerStateChange at r1\'s trap sink', () => traps1.lines().some((l) => l.includes(rsTrap)), 10_000);
    assert.ok(traps1.lines().some((l) => l.includes(berOid(`${K}.3.5.0.2`))), 'virtualServerQuorumStateChange too');

    // Failover: r1 stops, r2 takes over; its walks and notifications follow.
    a.signal('SIGTERM');
    await a.exit;
    await b.waitForLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
    await waitFor('r2 MASTER in vrrpInstanceState', async () => ((await walk(r2, K)).get(`${K}.2.3.1.4.1`)?.value === '2' ? true : undefined), 10_000);
    const m3 = await walk(r2, VRRP3);
    assert.equal(at(m3, `${VRRP3}.1.1.1.1.6.${ix2}.68.1`), '3');
    assert.equal(at(m3, `${VRRP3}.1.2.5.1.1.${ix2}.68.1`), '1', 'one master transition');
    await waitFor('vrrpInstanceStateChange at r2\'s trap sink', () => traps2.lines().some((l) => l.includes(berOid(`${K}.2.10.0.2`))), 10_000);
    await waitFor('vrrpTrapNewMaster (RFC 2787)', () => traps2.lines().some((l) => l.includes(berOid(`${VRRP2}.0.1`))), 10_000);
    await waitFor('vrrpv3NewMaster (RFC 6527)', () => traps2.lines().some((l) => l.includes(berOid(`${VRRP3}.0.1`))), 10_000);
  } finally {
    for (const n of nodes) await n.cleanup();
    for (const s of snmpds) s.cleanup();
    await lab.cleanup();
  }
});
