// BFD beside keepalived 2.2.7 (Debian's is built with --enable-bfd): a keepalived-ts
// bfd_instance and a keepalived one peer over UDP 3784 on one bridge. Both come Up and
// negotiate the configured rates; our packets are what tshark calls good BFD control
// packets (TTL 255, source port 49152-65535, the negotiated intervals); a VRRP instance
// that tracks the session (track_bfd, weight 0) is FAULT while it is down and MASTER once it
// is up; when either end stops or falls silent the other's detection time runs out (our
// stop is silent, as keepalived's; keepalived's BFD process stopped: the VIP goes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import { KtsNode } from '../lib/kts-node.js';
import { inKtsLab } from '../lib/kts-lab.js';
import { collect, exited, type CollectedProcess } from '../lib/child-output.js';
import { startCapture, tsharkFields } from '../lib/capture.js';
import { alive } from '../lib/daemon.js';

const skip = labUnavailable(['keepalived', 'tshark', 'tcpdump']);

const VIP = '10.98.0.100';

const ours = `bfd_instance B1 {
    neighbor_ip 10.98.0.2
    source_ip 10.98.0.1
    min_rx 50
    min_tx 50
    multiplier 3
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 98
    priority 150
    advert_int 1
    virtual_ipaddress {
        ${VIP}/24
    }
    track_bfd {
        B1
    }
}
`;

const theirs = `bfd_instance B2 {
    neighbor_ip 10.98.0.1
    source_ip 10.98.0.2
    min_rx 50
    min_tx 50
    multiplier 3
}
`;

const PID_FILES = { parent: 'k.pid', vrrp: 'k-vrrp.pid', checker: 'k-check.pid', bfd: 'k-bfd.pid' } as const;

/** keepalived 2.2.7 in `ns` on `text` (its pid files in `dir`); stop() ends it and whatever of it is left. */
function keepalived(ns: Netns, dir: string, text: string): { proc: CollectedProcess; pid(which: keyof typeof PID_FILES): number | undefined; stop(): Promise<void> } {
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, text);
  const path = (which: keyof typeof PID_FILES) => join(dir, PID_FILES[which]);
  const proc = collect(ns.spawn('keepalived', ['-n', '-l', '-D', '-f', conf, '-p', path('parent'), '-r', path('vrrp'), '-c', path('checker'), '-b', path('bfd')]));
  const pid = (which: keyof typeof PID_FILES) => (existsSync(path(which)) ? Number(readFileSync(path(which), 'utf8').trim()) : undefined);
  return {
    proc, pid,
    stop: async () => {
      proc.kill('SIGTERM');
      await exited(proc);
      for (const which of ['bfd', 'checker', 'vrrp', 'parent'] as const) {
        const p = pid(which);
        if (p && alive(p)) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
      }
    },
  };
}

test('BFD with keepalived 2.2.7: both sessions Up at the configured rates, good packets, track_bfd follows, Down on either side\'s stop or silence', { skip, timeout: 120_000 }, async () => {
  await inKtsLab('kts-bfd-', async ({ lab, dir, nodes }) => {
    const r1 = await lab.addHost('r1', { addrs: ['10.98.0.1/24'] });
    const r2 = await lab.addHost('r2', { addrs: ['10.98.0.2/24'] });
    const k = keepalived(r2, dir, theirs);
    const ka = k.proc;
    try {
      const kaSaid = (re: RegExp, from = 0) => ka.output.slice(from).some((l) => re.test(l));
      const cap = await startCapture(await lab.bridge(), 'br0', join(dir, 'bfd.pcap'), 'udp port 3784');
      const n = new KtsNode(r1, ours);
      nodes.push(n);
      n.start();
      // Tracked and down at start: FAULT until the session is up (keepalived's bfd_up starts false).
      await n.waitForLine(/\(VI_1\) Entering FAULT STATE/, 20_000);
      await n.waitForLine(/\(B1\) Entering Up state/, 20_000);
      await waitFor('keepalived\'s session Up', () => kaSaid(/\(B2\) Entering Up state/), 20_000);
      await n.waitForLine(/VRRP_Instance\(VI_1\) Tracked BFD instance B1 is UP/, 10_000);
      await n.waitForLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
      await waitFor('the VIP on r1', async () => (await r1.addresses('eth0')).includes(`${VIP}/24`), 10_000);
      // Both ends at 50 ms once Up (the poll sequence from idle_tx done).
      await waitFor('keepalived to negotiate 50 ms', () => kaSaid(/Detection time is 150000 us/), 10_000);
      await n.waitForLine(/Detection time is 150000 us/, 10_000);
      await new Promise((r) => setTimeout(r, 1000));
      await cap.stop();
      const rows = await tsharkFields(cap.file, 'bfd && ip.src == 10.98.0.1', ['ip.ttl', 'udp.srcport', 'udp.dstport', 'bfd.version', 'bfd.sta', 'bfd.desired_min_tx_interval', 'bfd.required_min_rx_interval', 'bfd.detect_time_multiplier', '_ws.expert']);
      assert.ok(rows.length > 10, `our BFD packets on the wire: ${rows.length}`);
      for (const [ttl, sport, dport, version, , , , mult, expert] of rows) {
        assert.equal(ttl, '255');
        assert.ok(Number(sport) >= 49152 && Number(sport) <= 65535, `source port ${sport}`);
        assert.equal(dport, '3784');
        assert.equal(version, '1');
        assert.equal(mult, '3');
        assert.equal(expert ?? '', '', 'tshark finds nothing wrong');
      }
      // One source port for the session's life (RFC 5881 §4).
      assert.equal(new Set(rows.map((r) => r[1])).size, 1);
      const up = rows.filter((r) => r[4] === '0x03' || r[4] === '3');
      assert.ok(up.length > 5, `packets in state Up: ${up.length} of ${rows.length}:\n${rows.slice(-5).map((r) => r.join(' ')).join('\n')}`);
      assert.ok(up.slice(-3).every((r) => r[5] === '50000' && r[6] === '50000'), `Up packets carry 50 ms: ${up.slice(-3).map((r) => r.join(' ')).join('\n')}`);

      // Our stop, as keepalived's: silence, so that the peer's detection time runs out and its
      // trackers hear of it (keepalived does not report a Down the peer's AdminDown caused).
      const kaMark = ka.output.length;
      n.signal('SIGTERM');
      await n.exit;
      await waitFor('keepalived to time our session out', () => kaSaid(/\(B2\) Entering Down state \(Local diagnostic - Control Detection Time Expired/i, kaMark), 10_000)
        .catch((e: Error) => { throw new Error(`${e.message}\n${ka.output.slice(kaMark).join('\n')}`); });

      // Started again: Up again; then keepalived's BFD process falls silent (SIGSTOP).
      n.start();
      await n.waitForLine(/\(B1\) Entering Up state/, 20_000, 0);
      await n.waitForLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
      const bfdPid = k.pid('bfd');
      assert.ok(bfdPid !== undefined && alive(bfdPid), 'keepalived\'s BFD process');
      const before = n.output.length;
      process.kill(bfdPid, 'SIGSTOP');
      try {
        await n.waitForLine(/\(B1\) Entering Down state \(Local diagnostic - Control Detection Time Expired/, 5_000, before);
        await n.waitForLine(/VRRP_Instance\(VI_1\) Tracked BFD instance B1 is DOWN/, 5_000, before);
        await n.waitForLine(/\(VI_1\) Entering FAULT STATE/, 5_000, before);
        await waitFor('the VIP gone from r1', async () => !(await r1.addresses('eth0')).includes(`${VIP}/24`), 5_000);
      } finally {
        process.kill(bfdPid, 'SIGCONT');
      }
      // And back once keepalived's process runs again.
      await n.waitForLine(/\(B1\) Entering Up state/, 20_000, before);
      await n.waitForLine(/\(VI_1\) Entering MASTER STATE/, 20_000, before);
    } finally {
      await k.stop();
    }
  });
});

test('BFD over IPv6 with keepalived 2.2.7: both sessions Up, our packets at keepalived\'s default hop limit (64)', { skip, timeout: 90_000 }, async () => {
  await inKtsLab('kts-bfd6-', async ({ lab, dir, nodes }) => {
    const r1 = await lab.addHost('r1', { addrs: ['fd00:98::1/64'] });
    const r2 = await lab.addHost('r2', { addrs: ['fd00:98::2/64'] });
    // A source address is usable once duplicate address detection is done with it.
    for (const r of [r1, r2]) await waitFor('addresses past DAD', async () => !(await r.ip('-6', 'addr', 'show', 'dev', 'eth0')).includes('tentative'), 10_000);
    const session = (name: string, nbr: string, src: string) => `bfd_instance ${name} {\n    neighbor_ip ${nbr}\n    source_ip ${src}\n    min_rx 50\n    min_tx 50\n    multiplier 3\n}\n`;
    const k = keepalived(r2, dir, session('K6', 'fd00:98::1', 'fd00:98::2'));
    try {
      const cap = await startCapture(await lab.bridge(), 'br0', join(dir, 'bfd6.pcap'), 'udp port 3784');
      const n = new KtsNode(r1, session('O6', 'fd00:98::2', 'fd00:98::1'));
      nodes.push(n);
      n.start();
      await n.waitForLine(/\(O6\) Entering Up state/, 20_000);
      await waitFor('keepalived\'s session Up', () => k.proc.output.some((l) => /\(K6\) Entering Up state/.test(l)), 20_000);
      await new Promise((r) => setTimeout(r, 1000));
      await cap.stop();
      const rows = await tsharkFields(cap.file, 'bfd && ipv6.src == fd00:98::1', ['ipv6.hlim', 'udp.srcport', 'bfd.sta']);
      assert.ok(rows.length > 2, `our IPv6 BFD packets: ${rows.length}`);
      for (const [hlim, sport] of rows) {
        assert.equal(hlim, '64');
        assert.ok(Number(sport) >= 49152, `source port ${sport}`);
      }
    } finally {
      await k.stop();
    }
  });
});
