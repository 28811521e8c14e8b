// no_accept beside keepalived 2.2.7: the same configuration (an IPv4 and an IPv6 instance with
// no_accept, alone on the segment, so each becomes MASTER) run by each daemon in turn. What a
// user sees, for both: the VIPs are on the interface, yet a client's pings to them go
// unanswered while the router's own address answers; the IPv6 VIP is still resolvable
// (neighbour discovery passes); `nft list table ip keepalived` holds the same set and rules;
// and the tables are gone once the daemon stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import { inKtsLab } from '../lib/kts-lab.js';
import { KtsNode } from '../lib/kts-node.js';
import { collect, exited } from '../lib/child-output.js';

const skip = labUnavailable(['keepalived', 'nft', 'ping']);
const VIP4 = '10.82.0.100';
const VIP6 = 'fd00:82::100';

const conf = `global_defs {
    router_id r1
}
vrrp_instance V4 {
    state BACKUP
    interface eth0
    virtual_router_id 82
    version 3
    priority 150
    advert_int 0.1
    no_accept
    virtual_ipaddress {
        ${VIP4}/24
    }
}
vrrp_instance V6 {
    state BACKUP
    interface eth0
    virtual_router_id 83
    priority 150
    advert_int 0.1
    no_accept
    virtual_ipaddress {
        ${VIP6}/64
    }
}
`;

async function pings(from: Netns, address: string): Promise<boolean> {
  const r = await from.exec('ping', ['-c', '1', '-W', '1', address]);
  return r.code === 0;
}

async function vipsUp(ns: Netns): Promise<boolean> {
  const r = await ns.exec('ip', ['-o', 'addr', 'show', 'dev', 'eth0']);
  return r.stdout.includes(`${VIP4}/24`) && r.stdout.includes(`${VIP6}/64`);
}

/** The IPv4 table's set type, elements, hooks and rules, in a stable order. */
async function ipv4Table(ns: Netns): Promise<string[] | undefined> {
  const r = await ns.exec('nft', ['list', 'table', 'ip', 'keepalived']);
  if (r.code !== 0) return undefined;
  return r.stdout.split('\n').map((l) => l.trim()).filter((l) => /^(type |elements|ip [sd]addr)/.test(l)).sort();
}

async function tablesLeft(ns: Netns): Promise<string> {
  return (await ns.exec('nft', ['list', 'tables'])).stdout.trim();
}

interface Seen { vip4Answers: boolean; ownAnswers: boolean; vip6Answers: boolean; vip6Resolved: boolean; table: string[] | undefined; leftAfterStop: string }

async function observe(r1: Netns, client: Netns, stop: () => Promise<void>): Promise<Seen> {
  await waitFor('both VIPs on r1', () => vipsUp(r1), 20_000);
  // The set is filled in the same turn as the VIPs go on; give the transaction a moment.
  await waitFor('the no_accept table', async () => ((await ipv4Table(r1)) ?? []).some((l) => l.includes(VIP4)), 5_000);
  const seen: Seen = {
    vip4Answers: await pings(client, VIP4),
    ownAnswers: await pings(client, '10.82.0.1'),
    vip6Answers: await pings(client, VIP6),
    vip6Resolved: /lladdr/.test((await client.exec('ip', ['-6', 'neigh', 'show', VIP6])).stdout),
    table: await ipv4Table(r1),
    leftAfterStop: '',
  };
  await stop();
  seen.leftAfterStop = await tablesLeft(r1);
  return seen;
}

test('no_accept: VIPs held but not answering, ND passing, the same nftables table as keepalived 2.2.7, removed on stop', { skip, timeout: 90_000 }, async () => {
  await inKtsLab('kts-noaccept-', async ({ lab, dir, nodes }) => {
    const r1 = await lab.addHost('r1', { addrs: ['10.82.0.1/24', 'fd00:82::1/64'] });
    const client = await lab.addHost('c', { addrs: ['10.82.0.3/24', 'fd00:82::3/64'] });

    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, conf);
    const ka = collect(r1.spawn('keepalived', ['-n', '-l', '-P', '-f', file, '-p', join(dir, 'k.pid'), '-r', join(dir, 'k-vrrp.pid')]));
    let theirs: Seen;
    try {
      theirs = await observe(r1, client, async () => {
        ka.kill('SIGTERM');
        await exited(ka);
      });
    } catch (e) {
      console.log(ka.output.join('\n'));
      throw e;
    }
    await client.exec('ip', ['-6', 'neigh', 'flush', 'all']);

    const kts = new KtsNode(r1, conf);
    nodes.push(kts);
    kts.start();
    const ours = await observe(r1, client, async () => {
      kts.signal('SIGTERM');
      assert.equal(await kts.exit, 0);
    });

    const expected = { vip4Answers: false, ownAnswers: true, vip6Answers: false, vip6Resolved: true, leftAfterStop: '' };
    const pick = ({ table: _t, ...rest }: Seen) => rest;
    assert.deepEqual(pick(theirs), expected, 'keepalived 2.2.7');
    assert.deepEqual(pick(ours), expected, 'keepalived-ts');
    assert.ok(theirs.table && theirs.table.length > 0, 'keepalived made its table');
    assert.deepEqual(ours.table, theirs.table, 'the same IPv4 table');
  });
});
