// use_vmac beside Debian's keepalived 2.2.7, with use_vmac on both: each holds the VIP on its
// own vrrp.VRID macvlan when master, the adverts of both carry the same virtual MAC, the
// election goes both ways, a graceful stop and a crash hand the VIP over, and a restart after
// a crash re-uses the macvlan the crash left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { collect, exited, type CollectedProcess as Proc } from '../lib/child-output.js';
import { Lab, labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import { KtsNode } from '../lib/kts-node.js';
import { alive } from '../lib/daemon.js';
import { startCapture, tsharkFields } from '../lib/capture.js';

const skip = labUnavailable(['keepalived', 'tshark', 'tcpdump']);
const VRID = 66;
const VMAC_IF = `vrrp.${VRID}`;

interface Family {
  name: string;
  v6: boolean;
  /** vmac_xmit_base: adverts from the parent interfaces, VIPs still on the VMACs. */
  xmitBase?: boolean;
}

const families: Family[] = [
  { name: 'IPv4', v6: false },
  { name: 'IPv6', v6: true },
  { name: 'IPv4 vmac_xmit_base', v6: false, xmitBase: true },
];

const addr = (f: Family, host: number) => (f.v6 ? `fd00:67::${host}` : `10.67.0.${host}`);
const vip = (f: Family) => (f.v6 ? 'fd00:67::100' : '10.67.0.100');
const plen = (f: Family) => (f.v6 ? 64 : 24);
const vmacMac = (f: Family) => `00:00:5e:00:0${f.v6 ? 2 : 1}:42`;

function conf(f: Family, routerId: string, priority: number): string {
  return `global_defs {
    router_id ${routerId}
    script_user root
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    use_vmac
${f.xmitBase ? '    vmac_xmit_base\n' : ''}    virtual_router_id ${VRID}
    version 3
    priority ${priority}
    advert_int 0.5
    virtual_ipaddress {
        ${vip(f)}/${plen(f)}
    }
}
`;
}

async function vipOnVmac(ns: Netns, f: Family): Promise<boolean> {
  const r = await ns.exec('ip', ['-o', 'addr', 'show', 'dev', VMAC_IF]);
  return r.code === 0 && r.stdout.includes(`${vip(f)}/${plen(f)}`);
}


for (const f of families) {
  test(`interop with keepalived 2.2.7, use_vmac ${f.name}: election both ways, handover, crash takeover, restart re-uses the VMAC`, { skip, timeout: 120_000 }, async () => {
    const lab = await Lab.create();
    const dir = mkdtempSync(join(tmpdir(), 'kts-vmac-interop-'));
    const masterDown = 3 * 0.5 + 1; // seconds, with generous skew
    let node: KtsNode | undefined;
    let k: Proc | undefined;
    try {
      const ours = await lab.addHost('ours', { addrs: [`${addr(f, 1)}/${plen(f)}`] });
      const kal = await lab.addHost('kal', { addrs: [`${addr(f, 2)}/${plen(f)}`] });
      if (f.v6) for (const n of [ours, kal]) await waitFor('link-local address', async () => (await n.addresses('eth0')).some((a) => a.startsWith('fe80:')), 10_000);
      const sw = await lab.bridge();
      const pcap = join(dir, 'wire.pcap');
      const cap = await startCapture(sw, 'br0', pcap, f.v6 ? 'ip6 proto 112' : 'ip proto 112');

      const startKal = (prio: number) => {
        const path = join(dir, `kal-${prio}.conf`);
        writeFileSync(path, conf(f, 'kal', prio));
        return collect(kal.spawn('keepalived', ['-n', '-l', '-D', '-P', '-f', path, '-p', join(dir, 'k.pid'), '-r', join(dir, 'k-vrrp.pid')]));
      };
      const kalLog = () => k?.output.slice(-40).join('\n') ?? '';
      const diag = (e: Error) => new Error(`${e.message}\n--- ours ---\n${node?.output ?? ''}\n--- keepalived ---\n${kalLog()}`);

      // keepalived (100) alone becomes master on its VMAC.
      k = startKal(100);
      await waitFor('keepalived to become master alone', () => vipOnVmac(kal, f), 20_000).catch((e: Error) => { throw diag(e); });
      // Ours (150) wins; keepalived yields and removes the VIP from its VMAC.
      node = new KtsNode(ours, conf(f, 'ours', 150));
      node.start();
      await waitFor('ours to win with the higher priority', async () => (await vipOnVmac(ours, f)) && !(await vipOnVmac(kal, f)), masterDown * 1000 + 8000).catch((e: Error) => { throw diag(e); });
      const d = (await ours.run('ip', ['-d', 'link', 'show', 'dev', VMAC_IF]));
      assert.match(d, new RegExp(`link/ether ${vmacMac(f)} [\\s\\S]*macvlan mode private`), d);

      // Graceful stop of ours: keepalived takes over at once (priority-0 advert); our VMAC goes.
      node.signal('SIGTERM');
      assert.equal(await node.exit, 0);
      await waitFor('keepalived to take over after our priority-0 advert', () => vipOnVmac(kal, f), 3000).catch((e: Error) => { throw diag(e); });
      assert.equal((await ours.exec('ip', ['link', 'show', 'dev', VMAC_IF])).code !== 0, true, 'our VMAC is deleted on stop');

      // Ours comes back and preempts; then crashes (parent and VRRP child killed at once).
      node.start();
      await waitFor('ours to preempt', async () => (await vipOnVmac(ours, f)) && !(await vipOnVmac(kal, f)), masterDown * 1000 + 8000).catch((e: Error) => { throw diag(e); });
      const oursPids = [node.pid('vrrp'), node.pid('parent')].filter((p): p is number => p !== undefined);
      for (const p of oursPids) process.kill(p, 'SIGKILL');
      await waitFor('our processes to be gone', () => oursPids.every((p) => !alive(p)));
      await waitFor('keepalived to take over after our crash', () => vipOnVmac(kal, f), masterDown * 1000 + 3000).catch((e: Error) => { throw diag(e); });

      // keepalived restarts with 200; ours restarts (re-using the VMAC the crash left, a
      // crashed host's VIP cleared as its reboot would) and stays backup.
      await ours.ip('addr', 'del', `${vip(f)}/${plen(f)}`, 'dev', VMAC_IF).catch(() => '');
      k.kill('SIGTERM');
      await exited(k);
      k = startKal(200);
      await waitFor('keepalived (200) to be master', () => vipOnVmac(kal, f), 20_000).catch((e: Error) => { throw diag(e); });
      node.start();
      await node.waitForLine(/\(VI_1\) re-using VMAC interface vrrp\.66/, 15_000);
      await node.waitForLine(/\(VI_1\) Entering BACKUP STATE/, 15_000);
      await new Promise((r) => setTimeout(r, masterDown * 1000));
      assert.equal(await vipOnVmac(ours, f), false, `ours took the VIP from a higher keepalived:\n${node.output}`);

      // keepalived crashes (its processes all killed at once): ours takes over.
      const pids = (await sw.exec('sh', ['-c', `cat ${join(dir, 'k.pid')} ${join(dir, 'k-vrrp.pid')}`])).stdout.split(/\s+/).filter(Boolean);
      for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      await exited(k);
      await waitFor('ours to take over after keepalived crashed', () => vipOnVmac(ours, f), masterDown * 1000 + 3000).catch((e: Error) => { throw diag(e); });
      node.signal('SIGTERM');
      assert.equal(await node.exit, 0);

      await cap.stop();
      // Every advert on the wire, from either implementation, came from the virtual MAC.
      const senders = new Set((await tsharkFields(pcap, 'vrrp', ['eth.src', f.v6 ? 'ipv6.src' : 'ip.src'])).map((row) => row.join('\t')));
      const srcs = [...senders].map((l) => l.split('\t'));
      assert.ok(srcs.length >= 2, `adverts from both: ${[...senders].join(', ')}`);
      // From the virtual MAC; with vmac_xmit_base from each parent's own MAC.
      const macs = f.xmitBase ? [await ours.mac('eth0'), await kal.mac('eth0')].sort() : [vmacMac(f), vmacMac(f)];
      assert.deepEqual(srcs.map(([m]) => m).sort(), macs, `advert sources: ${[...senders].join(', ')}`);
      if (!f.v6) assert.deepEqual(srcs.map(([, ip]) => ip).sort(), [addr(f, 1), addr(f, 2)]);
      else for (const [, ip] of srcs) assert.match(ip ?? '', /^fe80:/);
    } finally {
      k?.kill('SIGKILL');
      await node?.cleanup();
      await lab.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
