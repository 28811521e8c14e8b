// keepalived-ts beside Debian's keepalived 2.2.7 on one bridge: each must see the other as a
// VRRP router of the same group, for every protocol flavour users run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { collect, exited } from '../lib/child-output.js';
import { Lab, labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import type { VrrpInstanceSpec } from '../../src/vrrp/spec.js';

const fixture = join(import.meta.dirname, '..', 'integration', 'fixtures', 'vrrp-node.js');
const skip = labUnavailable(['keepalived', 'tshark']);

interface Flavour {
  name: string;
  v6?: boolean;
  unicast?: boolean;
  version: 2 | 3;
  advertInt: number;
  auth?: { type: 'pass' | 'ah'; password: string };
}

const flavours: Flavour[] = [
  { name: 'v2 PASS', version: 2, advertInt: 1, auth: { type: 'pass', password: 'secret12' } },
  { name: 'v2 AH', version: 2, advertInt: 1, auth: { type: 'ah', password: 'secret12' } },
  { name: 'v3 IPv4', version: 3, advertInt: 1 },
  { name: 'v3 IPv6', version: 3, advertInt: 1, v6: true },
  { name: 'v3 unicast', version: 3, advertInt: 1, unicast: true },
  { name: 'v3 advert_int 0.1', version: 3, advertInt: 0.1 },
];

const addr = (f: Flavour, host: number) => (f.v6 ? `fd00:66::${host}` : `10.66.0.${host}`);
const vip = (f: Flavour) => (f.v6 ? 'fd00:66::100' : '10.66.0.100');
const plen = (f: Flavour) => (f.v6 ? 64 : 24);

function keepalivedConf(f: Flavour, priority: number, self: number, peer: number): string {
  const auth = f.auth ? `    authentication {\n        auth_type ${f.auth.type.toUpperCase()}\n        auth_pass ${f.auth.password}\n    }\n` : '';
  const uni = f.unicast ? `    unicast_src_ip ${addr(f, self)}\n    unicast_peer {\n        ${addr(f, peer)}\n    }\n` : '';
  return `global_defs {
    router_id kal
    vrrp_version ${f.version}
    script_user root
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 66
    priority ${priority}
    advert_int ${f.advertInt}
${auth}${uni}    virtual_ipaddress {
        ${vip(f)}/${plen(f)} dev eth0
    }
}
`;
}

function oursSpec(f: Flavour, priority: number, self: number, peer: number): VrrpInstanceSpec {
  const s: VrrpInstanceSpec = {
    name: 'VI_1', vrid: 66, version: f.version, family: f.v6 ? 'inet6' : 'inet', interface: 'eth0', priority,
    advertIntSec: f.advertInt, vips: [{ address: vip(f), prefixLength: plen(f) }],
  };
  if (f.auth) s.auth = f.auth;
  if (f.unicast) {
    s.sourceAddress = addr(f, self);
    s.unicastPeers = [{ address: addr(f, peer) }];
  }
  return s;
}

const hasVip = async (ns: Netns, f: Flavour) => (await ns.addresses('eth0')).includes(`${vip(f)}/${plen(f)}`);

for (const f of flavours) {
  test(`interop with keepalived 2.2.7, ${f.name}: election both ways, graceful handover, crash takeover`, { skip, timeout: 90_000 }, async () => {
    const lab = await Lab.create();
    const dir = mkdtempSync(join(tmpdir(), 'kts-interop-'));
    const masterDown = 3 * f.advertInt + 1; // seconds, with generous skew
    try {
      const ours = await lab.addHost('ours', { addrs: [`${addr(f, 1)}/${plen(f)}`] });
      const kal = await lab.addHost('kal', { addrs: [`${addr(f, 2)}/${plen(f)}`] });
      if (f.v6) for (const n of [ours, kal]) await waitFor('link-local address', async () => (await n.addresses('eth0')).some((a) => a.startsWith('fe80:')), 10_000);
      const sw = await lab.bridge();
      const pcap = join(dir, 'wire.pcap');
      const cap = sw.spawn('tcpdump', ['-U', '-n', '-i', 'br0', '-w', pcap, f.auth?.type === 'ah' ? 'ip proto 51' : f.v6 ? 'ip6 proto 112' : 'ip proto 112']);
      await new Promise((r) => setTimeout(r, 300));

      // keepalived with the lower priority first, then ours with the higher: ours wins, keepalived yields.
      const startKal = (prio: number) => {
        const conf = join(dir, `kal-${prio}.conf`);
        writeFileSync(conf, keepalivedConf(f, prio, 2, 1));
        return collect(kal.spawn('keepalived', ['-n', '-l', '-D', '-P', '-f', conf, '-p', join(dir, 'k.pid'), '-r', join(dir, 'k-vrrp.pid')]));
      };
      let k = startKal(100);
      await waitFor('keepalived to become master alone', () => hasVip(kal, f), 15_000);
      let o = collect(ours.spawn(process.execPath, [fixture, JSON.stringify([oursSpec(f, 150, 1, 2)])]));
      await waitFor('ours to win with the higher priority', async () => (await hasVip(ours, f)) && !(await hasVip(kal, f)), masterDown * 1000 + 5000);
      assert.ok(k.output.some((l) => /Entering BACKUP STATE/.test(l)), `keepalived did not yield:\n${k.output.join('\n')}`);

      // Graceful stop of ours: keepalived takes over within skew time (priority 0 advert).
      o.kill('SIGTERM');
      await exited(o);
      await waitFor('keepalived to take over after our priority-0 advert', () => hasVip(kal, f), 3000);
      assert.equal(await hasVip(ours, f), false, 'ours left its VIP behind');

      // Ours comes back and preempts.
      o = collect(ours.spawn(process.execPath, [fixture, JSON.stringify([oursSpec(f, 150, 1, 2)])]));
      await waitFor('ours to preempt', async () => (await hasVip(ours, f)) && !(await hasVip(kal, f)), masterDown * 1000 + 5000).catch((e: Error) => {
        throw new Error(`${e.message}\nours:\n${o.output.join('\n')}\nkeepalived:\n${k.output.slice(-30).join('\n')}`);
      });

      // Ours crashes: keepalived takes over after its master-down interval.
      o.kill('SIGKILL');
      await exited(o);
      await waitFor('keepalived to take over after our crash', () => hasVip(kal, f), masterDown * 1000 + 3000);

      // Ours under a higher keepalived stays backup; then keepalived crashes and ours takes over.
      // SIGKILL left ours' VIP behind (as with keepalived): a crashed host's addresses go with it.
      await ours.ip('addr', 'del', `${vip(f)}/${plen(f)}`, 'dev', 'eth0').catch(() => '');
      k.kill('SIGTERM');
      await exited(k);
      k = startKal(200);
      o = collect(ours.spawn(process.execPath, [fixture, JSON.stringify([oursSpec(f, 150, 1, 2)])]));
      await waitFor('keepalived (200) to be master', () => hasVip(kal, f), 15_000);
      await new Promise((r) => setTimeout(r, masterDown * 1000));
      assert.equal(await hasVip(ours, f), false, `ours took the VIP from a higher keepalived:\n${o.output.join('\n')}`);
      // keepalived's processes (parent + vrrp child) all die at once, as a crashed host.
      const pids = (await sw.exec('sh', ['-c', `cat ${join(dir, 'k.pid')} ${join(dir, 'k-vrrp.pid')}`])).stdout.split(/\s+/).filter(Boolean);
      for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      await waitFor('ours to take over after keepalived crashed', () => hasVip(ours, f), masterDown * 1000 + 3000).catch((e: Error) => {
        throw new Error(`${e.message}\nours:\n${o.output.join('\n')}\nkeepalived:\n${k.output.slice(-30).join('\n')}`);
      });

      o.kill('SIGTERM');
      await exited(o);
      cap.kill('SIGINT');
      await exited(cap);
      // tshark must dissect every advert ours sent as valid, with a good checksum.
      const fields = f.v6 ? 'ipv6.src' : 'ip.src';
      const t = await sw.exec('tshark', ['-r', pcap, '-Y', 'vrrp', '-T', 'fields', '-e', fields, '-e', 'vrrp.checksum.status', '-e', '_ws.expert.severity']);
      const oursLines = t.stdout.split('\n').filter((l) => l.startsWith(f.v6 ? '' : addr(f, 1)) && l.trim());
      const fromOurs = f.v6 ? oursLines.filter((l) => !l.startsWith(addr(f, 2))) : oursLines;
      assert.ok(fromOurs.length > 0, `no adverts of ours captured:\n${t.stdout}${t.stderr}`);
      for (const l of fromOurs) {
        const [, status, severity] = l.split('\t');
        if (f.auth?.type !== 'ah') assert.equal(status, '1', `bad checksum verdict in: ${l}`);
        assert.ok(!severity || !/error/i.test(severity), `tshark flags an error: ${l}`);
      }
    } finally {
      await lab.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
