// VMACs and the switch's MAC table, beside keepalived 2.2.7: a VMAC carries the virtual
// router's MAC on every node, so no IGMP report, MLD report or router solicitation may leave
// it, or a switch would learn that MAC on a backup's port. Each daemon in turn runs an IPv4
// and an IPv6 use_vmac instance while a second namespace on the bridge captures IGMP and
// ICMPv6; no such packet may come from 00:00:5e:00:01:xx or 00:00:5e:00:02:xx, while the
// adverts do (so the capture saw the VMACs at work). Then the tables are gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import { inKtsLab } from '../lib/kts-lab.js';
import { KtsNode } from '../lib/kts-node.js';
import { collect, exited } from '../lib/child-output.js';
import { startCapture, tsharkFields } from '../lib/capture.js';

const skip = labUnavailable(['keepalived', 'nft', 'tcpdump', 'tshark']);

const conf = `vrrp_instance V4 {
    state BACKUP
    interface eth0
    use_vmac
    virtual_router_id 93
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.93.0.100/24
    }
}
vrrp_instance V6 {
    state BACKUP
    interface eth0
    use_vmac
    virtual_router_id 94
    priority 100
    advert_int 1
    virtual_ipaddress {
        fd00:93::100/64
    }
}
`;

interface Seen { reportsFromVmacs: string[]; advertsFromVmacs: number; vmacsInTable: boolean; tablesAfterStop: string }

async function capture(r1: Netns, client: Netns, dir: string, tag: string, run: () => Promise<() => Promise<void>>): Promise<Seen> {
  const pcap = join(dir, `${tag}.pcap`);
  const dump = await startCapture(client, 'eth0', pcap, 'igmp or icmp6 or vrrp');
  const stop = await run();
  // Both VMACs up, their groups joined, both instances MASTER after 3 adverts' silence.
  await waitFor('both VMACs', async () => (await r1.exec('ip', ['link', 'show', 'vrrp.93'])).code === 0 && (await r1.exec('ip', ['link', 'show', 'vrrp.94'])).code === 0, 20_000);
  await new Promise((r) => setTimeout(r, 6_000));
  const table = (await r1.exec('nft', ['list', 'ruleset'])).stdout;
  await stop();
  await dump.stop();
  const fields = async (filter: string) => (await tsharkFields(pcap, filter, ['eth.src', '_ws.col.Info'])).map((row) => row.join('\t'));
  const vmacSrc = 'eth.src[0:5] == 00:00:5e:00:01 || eth.src[0:5] == 00:00:5e:00:02';
  return {
    reportsFromVmacs: await fields(`(${vmacSrc}) && (igmp || icmpv6.type == 143 || icmpv6.type == 131 || icmpv6.type == 133)`),
    advertsFromVmacs: (await fields(`(${vmacSrc}) && vrrp`)).length,
    vmacsInTable: table.includes('vrrp.93') && table.includes('vrrp.94'),
    tablesAfterStop: (await r1.exec('nft', ['list', 'tables'])).stdout.trim(),
  };
}

test('use_vmac: no IGMP/MLD report or router solicitation leaves a VMAC, in keepalived 2.2.7 and in keepalived-ts', { skip, timeout: 120_000 }, async () => {
  await inKtsLab('kts-vmac-rep-', async ({ lab, dir, nodes }) => {
    const r1 = await lab.addHost('r1', { addrs: ['10.93.0.1/24', 'fd00:93::1/64'] });
    const client = await lab.addHost('c', { addrs: ['10.93.0.3/24'] });
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, conf);

    const theirs = await capture(r1, client, dir, 'keepalived', async () => {
      const ka = collect(r1.spawn('keepalived', ['-n', '-l', '-P', '-f', file, '-p', join(dir, 'k.pid'), '-r', join(dir, 'k-vrrp.pid')]));
      return async () => {
        ka.kill('SIGTERM');
        await exited(ka);
      };
    });
    await waitFor('keepalived\'s VMACs gone', async () => (await r1.exec('ip', ['link', 'show', 'vrrp.93'])).code !== 0, 10_000);

    const kts = new KtsNode(r1, conf);
    nodes.push(kts);
    const ours = await capture(r1, client, dir, 'ours', async () => {
      kts.start();
      return async () => {
        kts.signal('SIGTERM');
        assert.equal(await kts.exit, 0);
      };
    });

    for (const [who, seen] of [['keepalived 2.2.7', theirs], ['keepalived-ts', ours]] as const) {
      assert.deepEqual(seen.reportsFromVmacs, [], `${who}: reports or solicitations from a VMAC`);
      assert.ok(seen.advertsFromVmacs > 0, `${who}: the capture saw the VMACs' adverts`);
      assert.equal(seen.tablesAfterStop, '', `${who}: tables left after stop`);
    }
    assert.ok(ours.vmacsInTable, 'the VMACs are named in our table');
  });
});
