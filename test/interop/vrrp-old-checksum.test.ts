// VRRPv3 unicast beside a keepalived that checksums the pre-1.3.6 way: Debian's 2.2.7 with
// `old_unicast_checksum` puts the multicast group, not the peer, in the pseudo-header. With
// the default, keepalived-ts detects it from the first advert, says so as keepalived does,
// answers in kind and stays BACKUP under the higher-priority master; with
// `old_unicast_checksum never` it counts the adverts as checksum errors and takes over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labUnavailable, waitFor } from '../lib/netns.js';
import { inKtsLab } from '../lib/kts-lab.js';
import { KtsNode } from '../lib/kts-node.js';
import { collect, exited } from '../lib/child-output.js';

const skip = labUnavailable(['keepalived']);
const VIP = '10.95.0.100';

const conf = (self: string, peer: string, priority: number, extra: string) => `vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 95
    version 3
    priority ${priority}
    advert_int 0.2
    unicast_src_ip ${self}
    unicast_peer {
        ${peer}
    }
${extra}    virtual_ipaddress {
        ${VIP}/24
    }
}
`;

test('v3 unicast: keepalived 2.2.7 with old_unicast_checksum as master; ours detects it and stays BACKUP, or with `never` does not', { skip, timeout: 90_000 }, async () => {
  await inKtsLab('kts-oldck-', async ({ lab, dir, nodes }) => {
    const k = await lab.addHost('k', { addrs: ['10.95.0.1/24'] });
    const t = await lab.addHost('t', { addrs: ['10.95.0.2/24'] });
    const file = join(dir, 'k.conf');
    writeFileSync(file, conf('10.95.0.1', '10.95.0.2', 200, '    old_unicast_checksum\n'));
    const ka = collect(k.spawn('keepalived', ['-n', '-l', '-P', '-f', file, '-p', join(dir, 'k.pid'), '-r', join(dir, 'k-vrrp.pid')]));
    try {
      await waitFor('keepalived MASTER', () => ka.output.some((l) => l.includes('(VI_1) Entering MASTER STATE')), 20_000);

      const detecting = new KtsNode(t, conf('10.95.0.2', '10.95.0.1', 100, ''));
      nodes.push(detecting);
      detecting.start();
      await detecting.waitForLine(/\(VI_1\) Setting unicast VRRPv3 checksum to old version/, 20_000);
      await detecting.waitForLine(/\(VI_1\) Entering BACKUP STATE/, 20_000);
      await new Promise((r) => setTimeout(r, 2_000));
      assert.ok(!/Entering MASTER STATE/.test(detecting.output), 'ours never took over');
      assert.ok(!/Invalid VRRPv3 checksum/.test(detecting.output), 'no checksum error logged');
      assert.ok(!(await t.addresses('eth0')).includes(`${VIP}/24`));
      detecting.signal('SIGTERM');
      assert.equal(await detecting.exit, 0);

      const refusing = new KtsNode(t, conf('10.95.0.2', '10.95.0.1', 100, '    old_unicast_checksum never\n'));
      nodes.push(refusing);
      refusing.start();
      // keepalived's adverts fail our check: ours times the master out and takes over.
      await refusing.waitForLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
      assert.ok(!/checksum to old version/.test(refusing.output));
      refusing.signal('SIGTERM');
      assert.equal(await refusing.exit, 0);
    } finally {
      ka.kill('SIGTERM');
      await exited(ka);
    }
  });
});
