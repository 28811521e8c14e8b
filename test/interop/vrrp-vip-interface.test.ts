// An instance's VIPs on a second interface, beside keepalived 2.2.7: keepalived tracks every
// interface a VIP lives on (unless the address says no_track), so that interface going down
// puts the instance in FAULT and coming back lets it be MASTER again. Each daemon in turn,
// alone on the segment with the same configuration: eth1 down, then up; and with `no_track`
// on the eth1 VIP, eth1 down changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import { KtsNode } from '../lib/kts-node.js';
import { inKtsLab } from '../lib/kts-lab.js';
import { collect, exited } from '../lib/child-output.js';

const skip = labUnavailable(['keepalived']);

const conf = (noTrack: boolean) => `vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 96
    version 3
    priority 150
    advert_int 0.1
    virtual_ipaddress {
        10.96.0.100/24
        10.97.0.100/24 dev eth1${noTrack ? ' no_track' : ''}
    }
}
`;

interface Daemon { lines(): string[]; stop(): Promise<void> }

/** The states the daemon logs for VI_1 while eth1 goes down and comes back. */
async function flapEth1(r1: Netns, start: () => Daemon): Promise<string[]> {
  const d = start();
  const states = () => d.lines().flatMap((l) => /\(VI_1\) Entering (\w+) STATE/.exec(l)?.[1] ?? []);
  try {
    await waitFor('MASTER', () => states().at(-1) === 'MASTER', 20_000);
    await r1.ip('link', 'set', 'eth1', 'down');
    await new Promise((r) => setTimeout(r, 1_500));
    await r1.ip('link', 'set', 'eth1', 'up');
    await waitFor('MASTER again', () => states().at(-1) === 'MASTER', 20_000);
    return states();
  } finally {
    await d.stop();
    await r1.ip('link', 'set', 'eth1', 'up');
  }
}

test('a VIP on another interface: that interface down is FAULT, up is MASTER again; no_track ignores it; as keepalived 2.2.7', { skip, timeout: 120_000 }, async () => {
  await inKtsLab('kts-vipif-', async ({ lab, dir, nodes }) => {
    const r1 = await lab.addHost('r1', { addrs: ['10.96.0.1/24'] });
    await lab.plug(r1, { ifname: 'eth1', addrs: ['10.97.0.1/24'] });
    const keepalived = (noTrack: boolean) => (): Daemon => {
      const file = join(dir, `k-${noTrack}.conf`);
      writeFileSync(file, conf(noTrack));
      const p = collect(r1.spawn('keepalived', ['-n', '-l', '-P', '-f', file, '-p', join(dir, 'k.pid'), '-r', join(dir, 'k-vrrp.pid')]));
      return { lines: () => p.output, stop: async () => { p.kill('SIGTERM'); await exited(p); } };
    };
    const ours = (noTrack: boolean) => (): Daemon => {
      const n = new KtsNode(r1, conf(noTrack));
      nodes.push(n);
      n.start();
      return { lines: () => n.lines(), stop: async () => { n.signal('SIGTERM'); await n.exit; } };
    };
    for (const noTrack of [false, true]) {
      const theirs = await flapEth1(r1, keepalived(noTrack));
      const mine = await flapEth1(r1, ours(noTrack));
      const expected = noTrack ? ['BACKUP', 'MASTER'] : ['BACKUP', 'MASTER', 'FAULT', 'BACKUP', 'MASTER'];
      assert.deepEqual(theirs, expected, `keepalived 2.2.7${noTrack ? ', no_track' : ''}`);
      assert.deepEqual(mine, expected, `keepalived-ts${noTrack ? ', no_track' : ''}`);
    }
  });
});
