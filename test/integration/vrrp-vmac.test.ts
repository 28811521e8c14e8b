// use_vmac end to end: two keepalived-ts daemons in namespaces, each with a VMAC. What a user
// sees: `ip -d link` shows a private-mode macvlan with MAC 00:00:5e:00:01:VRID, the VIP is on
// it, the adverts and gratuitous ARPs on the wire come from that MAC (tcpdump + tshark), a
// client's ARP entry for the VIP is that MAC and stays right across a failover, the parent
// interface going down is a fault, and the VMAC and the parent's settings go on stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import { KtsNode } from '../lib/kts-node.js';
import { inKtsLab } from '../lib/kts-lab.js';
import { startCapture, tsharkFields } from '../lib/capture.js';

const VRID = 68;
const VMAC = '00:00:5e:00:01:44';
const VIP = '10.68.0.100';
const skip = labUnavailable(['tcpdump', 'tshark', 'busybox']);

function conf(name: string, priority: number): string {
  return `global_defs {
    router_id ${name}
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    use_vmac
    virtual_router_id ${VRID}
    version 3
    priority ${priority}
    advert_int 0.2
    virtual_ipaddress {
        ${VIP}/24
    }
}
`;
}

async function linkDetails(ns: Netns, ifname: string): Promise<string | undefined> {
  const r = await ns.exec('ip', ['-d', 'link', 'show', 'dev', ifname]);
  return r.code === 0 ? r.stdout : undefined;
}

async function vipOn(ns: Netns, ifname: string): Promise<boolean> {
  const r = await ns.exec('ip', ['-o', 'addr', 'show', 'dev', ifname]);
  return r.code === 0 && r.stdout.includes(`${VIP}/24`);
}

async function sysctl(ns: Netns, path: string): Promise<string> {
  return (await ns.run('cat', [`/proc/sys/${path}`])).trim();
}

/**
 * Who answers the client's ARP requests for the VIP (busybox arping, broadcast each time):
 * the MACs of every reply. Only the VMAC may answer, never a parent interface.
 */
async function vipMacSeenBy(client: Netns): Promise<string[]> {
  const r = await client.exec('busybox', ['arping', '-b', '-c', '3', '-w', '3', '-I', 'eth0', VIP]);
  return [...new Set([...r.stdout.matchAll(/reply from \S+ \[([0-9a-f:]+)\]/gi)].map((m) => m[1]!.toLowerCase()))];
}

test('use_vmac: macvlan with the VRRP MAC, VIP on it, adverts and GARPs from it, failover keeps the MAC, reload drops and re-makes it, re-made when deleted, removed on stop', { skip, timeout: 120_000 }, async () => {
  await inKtsLab('kts-vmac-', async ({ lab, dir, nodes }) => {
    const r1 = await lab.addHost('r1', { addrs: ['10.68.0.1/24'] });
    const r2 = await lab.addHost('r2', { addrs: ['10.68.0.2/24'] });
    const client = await lab.addHost('c', { addrs: ['10.68.0.3/24'] });
    const pcap = join(dir, 'wire.pcap');
    const dump = await startCapture(client, 'eth0', pcap, 'vrrp or arp');
    const r1ArpIgnore = await sysctl(r1, 'net/ipv4/conf/eth0/arp_ignore');

    const a = new KtsNode(r1, conf('r1', 150));
    const b = new KtsNode(r2, conf('r2', 100));
    nodes.push(a, b);
    a.start();
    await a.waitForLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
    b.start();
    await b.waitForLine(/\(VI_1\) Entering BACKUP STATE/, 20_000);

    // The VMAC as `ip -d link` shows it, on both nodes; the VIP on the master's.
    for (const ns of [r1, r2]) {
      const d = await waitFor(`vrrp.${VRID} on ${ns.name}`, () => linkDetails(ns, `vrrp.${VRID}`));
      assert.match(d, new RegExp(`vrrp\\.${VRID}@eth0:.*\\bUP\\b`), d);
      assert.match(d, new RegExp(`link/ether ${VMAC} `), d);
      assert.match(d, /macvlan mode private/, d);
    }
    await waitFor('the VIP on r1\'s VMAC', () => vipOn(r1, `vrrp.${VRID}`));
    assert.equal(await vipOn(r1, 'eth0'), false, 'the VIP is on the VMAC, not the parent');
    assert.equal(await vipOn(r2, `vrrp.${VRID}`), false, 'the backup holds no VIP');
    // keepalived's settings: the VMAC must not answer ARP for the parent's addresses, and
    // the parent not for the VIP.
    assert.deepEqual(
      [await sysctl(r1, `net/ipv4/conf/vrrp.${VRID}/arp_ignore`), await sysctl(r1, `net/ipv4/conf/vrrp.${VRID}/rp_filter`), await sysctl(r1, 'net/ipv4/conf/eth0/arp_ignore'), await sysctl(r1, 'net/ipv4/conf/eth0/arp_filter')],
      ['1', '0', '1', '1'],
    );
    assert.deepEqual(await vipMacSeenBy(client), [VMAC], 'only the virtual MAC answers ARP for the VIP');

    // The parent going down is a fault: r2 takes over, the client's entry stays right.
    const from = a.output.length;
    await lab.setPort(r1, false);
    await a.waitForLine(/\(VI_1\) Entering FAULT STATE/, 10_000, from);
    await b.waitForLine(/\(VI_1\) Entering MASTER STATE/, 10_000);
    await waitFor('the VIP on r2\'s VMAC', () => vipOn(r2, `vrrp.${VRID}`));
    assert.deepEqual(await vipMacSeenBy(client), [VMAC], 'after the failover the same MAC answers for the VIP');
    await lab.setPort(r1, true);
    await a.waitForLine(/\(VI_1\) Entering MASTER STATE/, 15_000, from);
    await waitFor('the VIP back on r1', () => vipOn(r1, `vrrp.${VRID}`));

    await dump.stop();
    // On the wire: adverts from both nodes' real addresses, all from the virtual MAC.
    const adverts = await tsharkFields(pcap, 'vrrp', ['eth.src', 'ip.src', 'vrrp.prio']);
    const sources = new Set(adverts.map(([mac, ip]) => `${mac} ${ip}`));
    assert.deepEqual([...sources].sort(), [`${VMAC} 10.68.0.1`, `${VMAC} 10.68.0.2`], `advert sources: ${[...sources].join(', ')}`);
    // Gratuitous ARPs for the VIP from the virtual MAC (Ethernet and ARP sender).
    const garps = await tsharkFields(pcap, `arp.isgratuitous == 1 && arp.src.proto_ipv4 == ${VIP}`, ['eth.src', 'arp.src.hw_mac']);
    assert.ok(garps.length > 0, 'gratuitous ARPs for the VIP');
    for (const [eth, sha] of garps) assert.deepEqual([eth, sha], [VMAC, VMAC]);

    // A reload without use_vmac: the VMAC goes, the VIP moves to eth0, the parent's settings
    // come back; a reload with it again makes it anew.
    let mark = a.output.length;
    a.writeConfig(conf('r1', 150).replace('    use_vmac\n', ''));
    a.signal('SIGHUP');
    await a.waitForLine(/Reload finished/, 15_000, mark);
    await waitFor('the VMAC gone after the reload', async () => (await linkDetails(r1, `vrrp.${VRID}`)) === undefined);
    await waitFor('the VIP on r1\'s eth0', () => vipOn(r1, 'eth0'));
    assert.equal(await sysctl(r1, 'net/ipv4/conf/eth0/arp_ignore'), r1ArpIgnore);
    mark = a.output.length;
    a.writeConfig(conf('r1', 150));
    a.signal('SIGHUP');
    await a.waitForLine(/Reload finished/, 15_000, mark);
    await waitFor('the VIP back on r1\'s VMAC', () => vipOn(r1, `vrrp.${VRID}`));
    assert.equal(await vipOn(r1, 'eth0'), false);

    // Someone deletes the VMAC: it is made again (with its settings and new sockets) and r1,
    // after a FAULT meanwhile, is master on it again.
    mark = a.output.length;
    await r1.ip('link', 'del', `vrrp.${VRID}`);
    await a.waitForLine(/\(VI_1\) VMAC interface vrrp\.68 was deleted; re-creating it/, 10_000, mark);
    await a.waitForLine(/\(VI_1\) Entering MASTER STATE/, 15_000, mark);
    await waitFor('the VIP on the re-created VMAC', () => vipOn(r1, `vrrp.${VRID}`));
    assert.match((await linkDetails(r1, `vrrp.${VRID}`)) ?? '', new RegExp(`link/ether ${VMAC} [\\s\\S]*macvlan mode private`));
    assert.equal(await sysctl(r1, `net/ipv4/conf/vrrp.${VRID}/arp_ignore`), '1');
    // Its adverts reach r2 again (new sockets): r2 stays (or goes back to) BACKUP without the VIP.
    await waitFor('r2 to hold no VIP', async () => !(await vipOn(r2, `vrrp.${VRID}`)));
    const bMark = b.output.length;
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(!b.output.slice(bMark).includes('Entering MASTER STATE'), `r2 must hear r1's adverts:\n${b.output.slice(bMark)}`);

    // Stop: the VMAC goes and the parent's settings come back.
    a.signal('SIGTERM');
    assert.equal(await a.exit, 0);
    assert.equal(await linkDetails(r1, `vrrp.${VRID}`), undefined, 'the VMAC is deleted on stop');
    assert.equal(await sysctl(r1, 'net/ipv4/conf/eth0/arp_ignore'), r1ArpIgnore);
    await waitFor('the VIP on r2 after r1 stopped', () => vipOn(r2, `vrrp.${VRID}`), 10_000);
    b.signal('SIGTERM');
    assert.equal(await b.exit, 0);
    assert.equal(await linkDetails(r2, `vrrp.${VRID}`), undefined);
  });
});
