// keepalived-ts's SNMP agent beside Debian's keepalived 2.2.7 (built with SNMP): the same
// configuration runs in the same namespace (same interface, ifIndex and MAC), first
// keepalived, then keepalived-ts, each as the AgentX subagent of one private snmpd; the walks
// of the tables both serve must agree row by row. Left out: the uptime TimeStamps/TimeTicks
// (they depend on when each ran).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import { KtsNode } from '../lib/kts-node.js';
import { Snmpd, at, walk, type WalkValue } from '../lib/snmpd.js';

const K = '1.3.6.1.4.1.9586.100.5';
const VRRP2 = '1.3.6.1.2.1.68';
const VRRP3 = '1.3.6.1.2.1.207';

function conf(socket: string): string {
  return `global_defs {
    router_id snmp-cmp
    snmp_socket unix:${socket}
    enable_snmp_vrrp
    enable_snmp_rfc
}
static_ipaddress {
    10.69.0.250/32 dev eth0
}
vrrp_sync_group G1 {
    group {
        VI_1
        VI_3
    }
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 69
    priority 150
    advert_int 1
    garp_master_delay 3
    virtual_ipaddress {
        10.69.0.100/24
        10.69.0.101
        10.69.0.102/24 label eth0:v
    }
    virtual_ipaddress_excluded {
        10.69.0.200/32
    }
}
vrrp_instance VI_3 {
    state BACKUP
    interface eth0
    virtual_router_id 70
    version 3
    priority 100
    advert_int 1
    nopreempt
    virtual_ipaddress {
        10.69.0.150/24
    }
}
`;
}

/** The rows of the subtrees both agents serve, minus the time-dependent columns. */
async function comparable(ns: Netns): Promise<Map<string, WalkValue>> {
  const out = new Map<string, WalkValue>();
  for (const sub of [`${K}.2.1`, `${K}.2.2`, `${K}.2.3`, `${K}.2.6`, VRRP2, VRRP3]) {
    for (const [oid, v] of await walk(ns, sub)) {
      if (oid.startsWith(`${VRRP2}.1.3.1.13.`) || oid.startsWith(`${VRRP3}.1.1.1.1.12.`)) continue;
      out.set(oid, v);
    }
  }
  return out;
}

/**
 * Where we answer differently on purpose. keepalived's vrrpAddressTable iterator sets
 * "advertised" for the first instance only, so VI_3's VIP reads notAdvertised(2) there.
 */
const KNOWN: Record<string, { keepalived: string; ours: string }> = {
  [`${K}.2.6.1.11.2.1`]: { keepalived: 'INTEGER: 2', ours: 'INTEGER: 1' },
};

function describe(w: Map<string, WalkValue>, oid: string): string {
  const v = w.get(oid);
  return v ? `${v.type}: ${v.value}` : '(absent)';
}

const bothMaster = async (ns: Netns) => {
  const w = await walk(ns, `${K}.2.3.1.4`);
  return w.get(`${K}.2.3.1.4.1`)?.value === '2' && w.get(`${K}.2.3.1.4.2`)?.value === '2' ? true : undefined;
};

test('SNMP walks agree with keepalived 2.2.7: sync groups, instances, addresses, VRRP-MIB, VRRPv3-MIB', { skip: labUnavailable(['keepalived', 'snmpd', 'snmpwalk']), timeout: 120_000 }, async () => {
  const lab = await Lab.create();
  const snmpd = new Snmpd(await lab.addHost('k', { addrs: ['10.69.0.1/24'] }));
  const ns = snmpd.ns;
  const dir = mkdtempSync(join(tmpdir(), 'kts-snmp-ka-'));
  let ours: KtsNode | undefined;
  try {
    await snmpd.start();
    const text = conf(snmpd.socket);
    // keepalived first.
    writeFileSync(join(dir, 'keepalived.conf'), text);
    let kaOut = '';
    const ka = ns.spawn('/usr/sbin/keepalived', ['-n', '-l', '-P', '-f', join(dir, 'keepalived.conf'), '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
    ka.stdout?.setEncoding('utf8').on('data', (d: string) => (kaOut += d));
    ka.stderr?.setEncoding('utf8').on('data', (d: string) => (kaOut += d));
    const kaExit = new Promise((r) => ka.on('exit', r));
    await waitFor('keepalived: both instances MASTER in the walk', () => bothMaster(ns), 30_000).catch((e: Error) => { throw new Error(`${e.message}\n${kaOut}\n${snmpd.output}`); });
    const theirs = await comparable(ns);
    ka.kill('SIGTERM');
    await kaExit;

    ours = new KtsNode(ns, text);
    ours.start();
    await ours.waitForLine(/SNMP: AgentX subagent connected/, 20_000);
    await waitFor('keepalived-ts: both instances MASTER in the walk', () => bothMaster(ns), 30_000);
    const mine = await comparable(ns);

    assert.ok(theirs.size > 100, `keepalived served ${theirs.size} values`);
    const diffs: string[] = [];
    for (const oid of new Set([...theirs.keys(), ...mine.keys()])) {
      const a = describe(theirs, oid);
      const b = describe(mine, oid);
      const known = KNOWN[oid];
      if (known ? known.keepalived !== a || known.ours !== b : a !== b) diffs.push(`${oid}: keepalived ${a} / keepalived-ts ${b}`);
    }
    assert.equal(at(mine, `${K}.2.6.1.3.0.1`), '0A 45 00 FA', 'the static address (instance index 0)');
    assert.deepEqual(diffs, [], `${diffs.length} of ${theirs.size} values differ`);
  } finally {
    await ours?.cleanup();
    snmpd.cleanup();
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
