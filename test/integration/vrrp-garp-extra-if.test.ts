// garp_extra_if end to end: a keepalived-ts master whose VIPs are on two interfaces (eth0, where
// its adverts go, and eth1), both plugged into the lab's bridge. With `garp_extra_if all 1` a
// client on the bridge sees a gratuitous ARP for the eth1 VIP, from eth1's MAC, about every
// second while the node is master; the eth0 VIP only gets the usual bursts (the adverts keep
// switches' tables fresh there); and none once the daemon has stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { labUnavailable } from '../lib/netns.js';
import { inKtsLab } from '../lib/kts-lab.js';
import { KtsNode } from '../lib/kts-node.js';
import { startCapture, tsharkFields } from '../lib/capture.js';

const skip = labUnavailable(['tcpdump', 'tshark']);
const VIP0 = '10.71.0.100';
const VIP1 = '10.72.0.100';

const conf = `vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 71
    priority 200
    advert_int 1
    garp_master_delay 1
    garp_master_repeat 1
    garp_extra_if all 1
    virtual_ipaddress {
        ${VIP0}/24
        ${VIP1}/24 dev eth1
    }
}
`;

async function garpsFor(pcap: string, vip: string): Promise<Array<{ t: number; mac: string }>> {
  const rows = await tsharkFields(pcap, `arp.isgratuitous == 1 && arp.src.proto_ipv4 == ${vip}`, ['frame.time_relative', 'eth.src']);
  return rows.map(([t, mac]) => ({ t: Number(t), mac: mac ?? '' }));
}

test('garp_extra_if all 1: a GARP every second on the other interface while MASTER, none on the advert interface beyond the bursts, none after stop', { skip, timeout: 60_000 }, async () => {
  await inKtsLab('kts-extra-if-', async ({ lab, dir, nodes }) => {
    const r1 = await lab.addHost('r1', { addrs: ['10.71.0.1/24'] });
    await lab.plug(r1, { ifname: 'eth1', addrs: ['10.72.0.1/24'] });
    const eth1Mac = (await r1.run('cat', ['/sys/class/net/eth1/address'])).trim();
    const client = await lab.addHost('c', { addrs: ['10.71.0.3/24'] });
    const pcap = join(dir, 'wire.pcap');
    const dump = await startCapture(client, 'eth0', pcap, 'arp');

    const node = new KtsNode(r1, conf);
    nodes.push(node);
    node.start();
    await node.waitForLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
    // Master at once; bursts at 0 s and 1 s (garp_master_delay); extra-if GARPs from 2 s, every 1 s.
    await new Promise((r) => setTimeout(r, 6_500));
    node.signal('SIGTERM');
    assert.equal(await node.exit, 0);
    await new Promise((r) => setTimeout(r, 2_500));
    await dump.stop();

    const extra = await garpsFor(pcap, VIP1);
    const main = await garpsFor(pcap, VIP0);
    assert.ok(extra.every((g) => g.mac === eth1Mac), `eth1 VIP's GARPs come from eth1 (${eth1Mac}): ${JSON.stringify(extra)}`);
    // Two bursts of one, then about one a second for ~4.5 s: at least 5 in all (2 without the option).
    assert.ok(extra.length >= 5, `GARPs for the eth1 VIP: ${JSON.stringify(extra)}`);
    assert.equal(main.length, 2, `GARPs for the eth0 VIP: the two bursts only: ${JSON.stringify(main)}`);
    // Nothing once stopped: the last one is no later than the stop (plus what was in flight).
    const last = extra.at(-1)?.t ?? 0;
    const first = main[0]?.t ?? 0;
    assert.ok(last - first < 7.5, `no GARP after the daemon stopped: ${JSON.stringify(extra)}`);
  });
});
