// Fault injection against real `keepalived-ts` daemons: three routers (r1 150, r2 100, r3 50)
// on one bridge (./segment.ts) run VRRP with advert_int 1, so the master-down interval of the
// first backup is 3 × 1 s + (256 − 100)/256 s ≈ 3.6 s. Every test breaks one thing (a process
// killed or stalled, a link down, lost packets, a rogue or flooding sender), watches the VIP
// on all three routers the whole time, and then checks what a user would notice: one router
// holds the VIP once the fault clears, the segment was never without the VIP much longer than
// the master-down interval, the daemons are still running, and the bad packets were counted
// in keepalived.stats. The process, link, loss and foreign-VRID faults run in both flavours
// (IPv4 VRRPv2 with PASS authentication; IPv6 VRRPv3 to ff02::12 from link-local sources);
// the password faults and the flood are IPv4 VRRPv2 (v3 has no authentication).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import { KtsNode } from '../lib/kts-node.js';
import { startCapture, tsharkFields, type Capture } from '../lib/capture.js';
import { alive } from '../lib/daemon.js';
import { encodeIpv4Advert } from '../../src/vrrp/codec.js';
import { ethernetFrame, writePcap } from '../lib/pcap.js';
import {
  FLAVOURS, IPV4_V2, PASSWORD, VRID, VipWatch, assertNoLongOutage, assertRunning, assertSettled, counter, ctlStats, rogueHost,
  MASTER_DOWN_MS, runSender, rxPackets, sleep, stats, vrrpConf, waitForRespawn, withSegment,
} from './segment.js';

const skip = labUnavailable(['nft']);
const skipKeepalived = labUnavailable(['nft', 'keepalived']);
const skipReplay = labUnavailable(['nft', 'tcpreplay']);
/** CPU time (user + system, s) a process has used so far, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  // Fields 14 and 15 (utime, stime) in clock ticks, counted after the command name's ')'.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').at(-1)?.trim().split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
/** The fast flood: issue #10's rate, for 4 s. */
const FLOOD_PPS = 100_000;
const FLOOD_PACKETS = 4 * FLOOD_PPS;
const opts = { skip, timeout: 90_000 };
const VIP = IPV4_V2.vip;
const conf = (name: string, priority: number): string => vrrpConf(IPV4_V2, name, priority);

for (const f of FLAVOURS) {
  test(`${f.name}: killing the master's VRRP process: the VIP stays reachable and ends on one router`, opts, () => withSegment(f, async (s) => {
    const before = s.node.r1.pid('vrrp');
    const mark = s.node.r1.output.length;
    s.node.r1.signal('SIGKILL', 'vrrp');
    await waitForRespawn(s.node.r1, 'vrrp', before);
    // The fault has played out only once the new VRRP process has started (as BACKUP, taking
    // the VIP away) and preempted back; before that the VIP may still sit on r1 from the
    // killed process, which would look "settled" too early.
    await s.node.r1.waitForLine(/\(VI_1\) Entering BACKUP STATE/, 20_000, mark);
    await s.node.r1.waitForLine(/\(VI_1\) Entering MASTER STATE/, 20_000, mark);
    await assertSettled(s, 'VRRP process killed');
    assertNoLongOutage(s, 'VRRP process killed');
    assertRunning(s);
  }));

  test(`${f.name}: killing a backup's VRRP process: the master keeps the VIP throughout`, opts, () => withSegment(f, async (s) => {
    const before = s.node.r2.pid('vrrp');
    s.node.r2.signal('SIGKILL', 'vrrp');
    await waitForRespawn(s.node.r2, 'vrrp', before);
    await s.node.r2.waitForLine(/\(VI_1\) Entering BACKUP STATE/, 20_000, s.node.r2.output.lastIndexOf('VRRP'));
    await assertSettled(s, 'backup VRRP process killed');
    assert.ok(s.watch.heldAloneBy('r1'), `r1 must hold the VIP alone throughout:\n${s.watch.summary()}`);
    assertRunning(s);
  }));

  // The parent is stalled only in IPv4: it does no VRRP work, so the flavour does not matter.
  for (const role of f === IPV4_V2 ? (['vrrp', 'parent'] as const) : (['vrrp'] as const)) {
    test(`${f.name}: stalling the master's ${role} process for 3 s (SIGSTOP, SIGCONT): one master afterwards, no outage`, opts, () => withSegment(f, async (s) => {
      const pid = s.node.r1.pid(role);
      assert.ok(pid !== undefined);
      process.kill(pid, 'SIGSTOP');
      await sleep(3_000);
      process.kill(pid, 'SIGCONT');
      await assertSettled(s, `${role} stalled`);
      assertNoLongOutage(s, `${role} stalled`);
      assertRunning(s);
    }));
  }

  // A paused VM, a frozen cgroup, a host that stops scheduling the guest for a while: every
  // process stops at once and resumes at once. The heartbeat must not then blame the VRRP
  // process for the parent's own lost time (it did: the parent woke first, saw 7 s without an
  // answer and killed a healthy child, whose successor started as BACKUP and dropped the VIP).
  if (f === IPV4_V2) {
    test(`${f.name}: the whole master freezes for 7 s (parent and VRRP process stopped together): the same VRRP process keeps the VIP afterwards`, opts, () => withSegment(f, async (s) => {
      const parent = s.node.r1.pid('parent');
      const vrrp = s.node.r1.pid('vrrp');
      assert.ok(parent !== undefined && vrrp !== undefined);
      const mark = s.node.r1.output.length;
      process.kill(vrrp, 'SIGSTOP');
      process.kill(parent, 'SIGSTOP');
      await sleep(7_000);
      // The parent first: its overdue heartbeat check runs before the child can answer.
      process.kill(parent, 'SIGCONT');
      await sleep(20);
      process.kill(vrrp, 'SIGCONT');
      await assertSettled(s, 'whole master frozen');
      const after = s.node.r1.output.slice(mark);
      assert.doesNotMatch(after, /did not answer the heartbeat/, `the parent must not kill a child for time it was frozen itself:\n${after}`);
      assert.equal(s.node.r1.pid('vrrp'), vrrp, `r1's VRRP process must be the same one:\n${after}`);
      assert.ok(s.watch.samples.every((x) => x.holders.includes('r1')), `r1 must hold the VIP throughout:\n${s.watch.summary()}`);
      assertRunning(s);
    }));
  }

  test(`${f.name}: the master's link goes down and comes back: a backup takes over, then the VIP ends on one router`, opts, () => withSegment(f, async (s) => {
    await s.ns.r1.ip('link', 'set', 'eth0', 'down');
    await s.node.r1.waitForLine(/\(VI_1\) Entering FAULT STATE/, 10_000);
    await waitFor('r2 to take over', () => s.watch.samples.at(-1)?.holders.join() === 'r2', 10_000);
    await s.ns.r1.ip('link', 'set', 'eth0', 'up');
    await assertSettled(s, 'link down/up');
    assertNoLongOutage(s, 'link down/up');
    assert.deepEqual(s.watch.samples.at(-1)?.holders, ['r1'], `r1 (highest priority) must take the VIP back:\n${s.watch.summary()}`);
    assertRunning(s);
  }));

  test(`${f.name}: 30% of VRRP packets lost at every backup for 10 s: the VIP is never missing, one master afterwards`, opts, () => withSegment(f, async (s) => {
    for (const r of [s.ns.r2, s.ns.r3]) {
      await r.exec('nft', ['-f', '-'], { input: 'table inet ktsloss {\n chain input {\n  type filter hook input priority 0; policy accept;\n  meta l4proto vrrp numgen random mod 10 < 3 counter drop\n }\n}\n' });
    }
    await sleep(10_000);
    // About ten adverts reach each backup in 10 s, so a backup sees no loss at all about once
    // in 35 runs (0.7^10): the loss goes on, up to 30 s, until both backups have lost some.
    const drops = async (r: Netns): Promise<number> => Number(/counter packets (\d+)/.exec(await r.run('nft', ['list', 'table', 'inet', 'ktsloss']))?.[1] ?? 0);
    const lossy = await waitFor('both backups to have lost adverts', async () => (await drops(s.ns.r2)) > 0 && (await drops(s.ns.r3)) > 0, 20_000, 500).then(() => true, () => false);
    for (const r of [s.ns.r2, s.ns.r3]) await r.exec('nft', ['delete', 'table', 'inet', 'ktsloss']);
    assert.ok(lossy, 'the loss rule must have dropped adverts at both backups');
    await assertSettled(s, '30% loss');
    assertNoLongOutage(s, '30% loss');
    assertRunning(s);
  }));

  test(`${f.name}: a rogue sender with a foreign VRID and priority 254: nobody changes state or crashes`, opts, () => withSegment(f, async (s) => {
    const rogue = await rogueHost(s);
    const received = counter(await stats(s.node.r2), 'Advertisements', 'Received');
    const rxBefore = await rxPackets(s.ns.r2);
    const out = await runSender(rogue, f, { src: f.family === 'inet' ? f.addr(9) : undefined, dst: f.group, vrid: VRID + 1, priority: 254, password: PASSWORD, rate: 10, durationMs: 5_000 });
    const sent = Number(/SENT (\d+)/.exec(out)?.[1] ?? 0);
    assert.ok(sent > 0, out);
    // They did reach r2 (its interface counted them, with r1's adverts and neighbour traffic).
    assert.ok((await rxPackets(s.ns.r2)) - rxBefore >= sent, 'the foreign adverts did not reach r2');
    await assertSettled(s, 'foreign VRID');
    assert.ok(s.watch.heldAloneBy('r1'), `r1 must hold the VIP alone throughout:\n${s.watch.summary()}`);
    // Only r1's own adverts (about one a second) reached VI_1: the foreign ones are not ours.
    const after = counter(await stats(s.node.r2), 'Advertisements', 'Received');
    assert.ok(after - received < 20, `r2 counted ${after - received} adverts for VI_1 in ~9 s: foreign VRID adverts were taken as ours`);
    assertRunning(s);
  }));
}

test('killing the master\'s parent process: its VRRP process stops and releases the VIP, a backup takes over', opts, () => withSegment(IPV4_V2, async (s) => {
  const child = s.node.r1.pid('vrrp');
  s.node.r1.signal('SIGKILL', 'parent');
  await waitFor('r1\'s VRRP process to stop with its parent', () => child !== undefined && !alive(child), 15_000);
  await assertSettled(s, 'parent killed', 'r2');
  assertNoLongOutage(s, 'parent killed');
  assert.deepEqual(s.watch.samples.at(-1)?.holders, ['r2'], `r2 must hold the VIP:\n${s.watch.summary()}`);
  assertRunning(s, ['r2', 'r3']);
}));

test('a rogue sender with a wrong password and priority 254: the master keeps the VIP, the errors are counted', opts, () => withSegment(IPV4_V2, async (s) => {
  const rogue = await rogueHost(s);
  const out = await runSender(rogue, IPV4_V2, { src: '10.71.0.9', dst: '224.0.0.18', vrid: VRID, priority: 254, password: 'wrong', rate: 10, durationMs: 5_000 });
  assert.match(out, /SENT [1-9]/);
  await assertSettled(s, 'wrong password');
  assert.ok(s.watch.heldAloneBy('r1'), `r1 must hold the VIP alone throughout:\n${s.watch.summary()}`);
  for (const r of ['r1', 'r2', 'r3'] as const) {
    const failures = counter(await stats(s.node[r]), 'Authentication Errors', 'Failure');
    assert.ok(failures >= 10, `${r}: keepalived.stats must count the wrong passwords (Failure: ${failures})`);
    // Said once in the log, as keepalived does, not once per packet.
    const said = s.node[r].lines().filter((l) => l.includes('(VI_1) received an invalid passwd from 10.71.0.9!'));
    assert.equal(said.length, 1, `${r}: the wrong password must be logged once:\n${s.node[r].output.slice(-2000)}`);
  }
  assertRunning(s);
}));

test('a flood of adverts on the segment: the backups stay backup, the master keeps the VIP, the flood is counted', opts, () => withSegment(IPV4_V2, async (s) => {
  const rogue = await rogueHost(s);
  // What r2 logged before the flood (its start-up election included) is not the flood's doing.
  const r2Before = s.node.r2.output.length;
  // Multicast, as adverts go: the backup's socket takes only the group (a unicast advert to
  // an instance in multicast mode is not read at all), so the master gets the flood as well.
  const out = await runSender(rogue, IPV4_V2, { src: '10.71.0.9', dst: '224.0.0.18', vrid: VRID, priority: 254, password: 'wrong', rate: 0, durationMs: 4_000 });
  const m = /SENT (\d+) (\d+)/.exec(out);
  assert.ok(m, out);
  console.log(`# flood: ${m[1]} adverts in 4 s, ${m[2]} per second reached (${out.trim()})`);
  await assertSettled(s, 'flood');
  assert.ok(s.watch.heldAloneBy('r1'), `r1 must hold the VIP alone throughout the flood:\n${s.watch.summary()}`);
  assert.ok(!s.node.r2.output.slice(r2Before).includes('Entering MASTER STATE'), `the flooded backup must not become master:\n${s.node.r2.output.slice(r2Before).slice(-2000)}`);
  const st = await stats(s.node.r2);
  const counted = counter(st, 'Authentication Errors', 'Failure') + counter(st, 'Packet Errors', 'Address List');
  assert.ok(counted > 1000, `r2 must count the flood in keepalived.stats:\n${st}`);
  console.log(`# flood: r2 counted ${counted} bad adverts`);
  for (const r of ['r1', 'r2', 'r3'] as const) {
    const lines = s.node[r].lines().length;
    assert.ok(lines < 60, `${r}: the flood must not flood the log (${lines} lines):\n${s.node[r].output.slice(-2000)}`);
  }
  assertRunning(s);
}));

test('a flood of 100,000 adverts per second at a backup (tcpreplay): no second master afterwards, no outage, no crash, the flood counted', { skip: skipReplay, timeout: 120_000 }, () => withSegment(IPV4_V2, async (s) => {
  const rogue = await rogueHost(s);
  const [rogueMac, r2Mac] = [await rogue.mac('eth0'), await s.ns.r2.mac('eth0')];
  // One advert with a wrong password and priority 254 to the VRRP group, in a frame for r2's
  // MAC: the bridge delivers it to the backup alone, and r2's kernel takes it as a group
  // datagram it joined. Node cannot send 100,000 a second (see the flood above);
  // tcpreplay replays this one frame at that rate.
  const advert = encodeIpv4Advert({ version: 2, family: 'inet', vrid: VRID, priority: 254, advertInterval: 1, addresses: [VIP], auth: { type: 'pass', password: 'wrong' } }, { src: s.flavour.addr(9), dst: s.flavour.group, id: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'kts-flood-'));
  try {
    const pcap = join(dir, 'advert.pcap');
    writePcap(pcap, [ethernetFrame(r2Mac, rogueMac, 0x0800, advert)]);
    // This host's kernel passes bridged frames through netfilter (br_netfilter): costly at this
    // rate and of no use to this bridge, so it is turned off in the bridge's namespace.
    await (await s.lab.bridge()).run('sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=0', 'net.bridge.bridge-nf-call-ip6tables=0']).catch(() => '');
    // r2 speaks once first, so the bridge knows its port and sends the flood there alone.
    await s.ns.r2.exec('ping', ['-c', '1', '-W', '1', s.flavour.addr(1)]);
    // What arrived is read on r2's side of the wire: its interface's receive counter.
    const rxBefore = await rxPackets(s.ns.r2);
    const failuresBefore = ctlStats(s.node.r2)[0]?.counters.authFailure ?? NaN;
    const r2Before = s.node.r2.output.length;
    const r2Vrrp = s.node.r2.pid('vrrp') ?? 0;
    const cpuBefore = cpuSeconds(r2Vrrp);
    const r = await rogue.exec('tcpreplay', ['-i', 'eth0', `--loop=${FLOOD_PACKETS}`, `--pps=${FLOOD_PPS}`, '--preload-pcap', '-q', pcap], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, `tcpreplay: ${r.stdout}${r.stderr}`);
    const seconds = Number(/sent in ([\d.]+) seconds/.exec(r.stdout)?.[1]);
    const arrived = (await rxPackets(s.ns.r2)) - rxBefore;
    console.log(`# 100k flood: tcpreplay sent ${FLOOD_PACKETS} adverts in ${seconds} s; ${arrived} arrived at r2's eth0 = ${Math.round(arrived / seconds)} per second on the wire`);
    const during = s.node.r2.output.slice(r2Before);
    // Not asserted (issue #10 asks for one master once the flood stops): whether the backup,
    // whose socket queue the flood fills so that r1's adverts find no room, took over meanwhile.
    const tookOver = during.includes('Entering MASTER STATE');
    console.log(`# 100k flood: the flooded backup ${tookOver ? `entered MASTER during the flood (${s.watch.doubleMasters(0).length} samples with two holders)` : 'stayed BACKUP'}`);

    // The fault clears one master-down interval after the last flooded advert: until then the
    // backup's timer may still run out on adverts the flood kept from it (keepalived's would
    // too), and it steps back at the master's next advert.
    await sleep(MASTER_DOWN_MS);
    await assertSettled(s, '100k flood');
    assertNoLongOutage(s, '100k flood');
    assertRunning(s);
    // The flood reached the backup (a lost frame would be the bridge's, not ours).
    assert.ok(arrived >= FLOOD_PACKETS * 0.9, `only ${arrived} of ${FLOOD_PACKETS} adverts reached r2`);
    const counted = (ctlStats(s.node.r2)[0]?.counters.authFailure ?? NaN) - failuresBefore;
    const cpu = cpuSeconds(r2Vrrp) - cpuBefore;
    console.log(`# 100k flood: r2 counted ${counted} authentication failures (${Math.round((100 * counted) / arrived)}% of what arrived; its socket buffer dropped the rest); its VRRP process used ${cpu.toFixed(2)} s of CPU, ${Math.round((cpu * 1e6) / counted)} µs per advert read`);
    assert.ok(counted > 10_000, `keepalivectl stats of r2 must count the flood (${counted} authentication failures)`);
    for (const r of ['r1', 'r2', 'r3'] as const) {
      const lines = s.node[r].lines().length;
      assert.ok(lines < 60, `${r}: the flood must not flood the log (${lines} lines):\n${s.node[r].output.slice(-2000)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}));

test('the same flood at a keepalived 2.2.7 backup beside a keepalived-ts master: our master keeps the VIP, one holder afterwards (keepalived\'s behaviour reported)', { skip: skipKeepalived, timeout: 90_000 }, async () => {
  const lab = await Lab.create();
  const dir = mkdtempSync(join(tmpdir(), 'kts-faults-ka-'));
  let ours: KtsNode | undefined;
  let kaPid: number | undefined;
  let watch: VipWatch | undefined;
  let cap: Capture | undefined;
  try {
    const r1 = await lab.addHost('r1', { addrs: ['10.71.0.1/24'] });
    const r2 = await lab.addHost('r2', { addrs: ['10.71.0.2/24'] });
    const rogue = await lab.addHost('rogue', { addrs: ['10.71.0.9/24'] });
    ours = new KtsNode(r1, conf('r1', 150));
    ours.start();
    writeFileSync(join(dir, 'keepalived.conf'), conf('r2', 100));
    // keepalived logs every bad advert: into a file, so that a slow reader (this test on a
    // loaded machine) never blocks its writes and so its timing.
    const kaLog = join(dir, 'keepalived.log');
    const logFd = openSync(kaLog, 'w');
    const ka = r2.spawn('keepalived', ['-n', '-l', '-D', '-P', '-f', join(dir, 'keepalived.conf'), '-p', join(dir, 'k.pid'), '-r', join(dir, 'k-vrrp.pid')], { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    kaPid = ka.pid;
    const kaOut = (): string => readFileSync(kaLog, 'utf8');
    await ours.waitForLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
    await waitFor('keepalived to be backup', () => kaOut().includes('(VI_1) Entering BACKUP STATE'), 20_000);
    // Settle first: a takeover after this point is the flood's doing, not start-up.
    await sleep(5_000);
    const settled = kaOut().length;
    watch = new VipWatch([{ label: 'r1', ns: r1 }, { label: 'r2', ns: r2 }], `${VIP}/24`);
    const before = kaOut().split('\n').length;
    // The routers' own adverts, to tell "our master went quiet" from "keepalived did not read".
    cap = await startCapture(await lab.bridge(), 'br0', join(dir, 'adverts.pcap'), 'proto 112 and not src host 10.71.0.9');
    watch.mark('flood starts');
    const out = await runSender(rogue, IPV4_V2, { src: '10.71.0.9', dst: '224.0.0.18', vrid: VRID, priority: 254, password: 'wrong', rate: 0, durationMs: 4_000 });
    const floodEnd = Date.now();
    watch.mark('flood ended');
    console.log(`# keepalived flood: ${out.trim()}; keepalived logged ${kaOut().split('\n').length - before} lines during it`);
    // As with the 100k flood: keepalived's timer, starved by the flood, may still run out just
    // after it (its log shows MASTER then BACKUP at our next advert), so the segment is judged
    // from one master-down interval after the last flooded advert.
    await sleep(MASTER_DOWN_MS);
    const s = { watch };
    const explain = async (): Promise<string> => {
      await cap?.stop();
      const adverts = cap ? await tsharkFields(cap.file, 'vrrp', ['frame.time_relative', 'ip.src', 'vrrp.prio']) : [];
      return `adverts on the bridge (s from the capture's start; the flood ended ${Date.now() - floodEnd} ms ago):\n${adverts.map((a) => a.join(' ')).join('\n')}\nkeepalived-ts:\n${ours?.output.slice(-3000)}\nkeepalived:\n${kaOut().split('\n').filter((x) => /STATE|priority/.test(x)).join('\n')}`;
    };
    await assertSettled(s, 'flood at keepalived').catch(async (e: Error) => { throw new Error(`${e.message}\n${await explain()}`); });
    if (!watch.samples.every((x) => x.holders.includes('r1'))) assert.fail(`our master must keep the VIP throughout the flood:\n${watch.summary()}\n${await explain()}`);
    await cap.stop();
    // Observed with 2.2.7 under this flood: it logs every bad packet and may declare the master
    // dead (its reads starve its timers) and take the VIP until our next advert: reported, the
    // comparison is in docs/faults.md.
    const kaMaster = kaOut().slice(settled).includes('Entering MASTER STATE');
    console.log(`# keepalived backup under the flood: ${kaMaster ? 'became MASTER (second VIP holder)' : 'stayed BACKUP'}; ${watch.doubleMasters(0).length} samples with two holders`);
    for (const l of kaOut().split('\n').filter((x) => /STATE|priority/.test(x))) console.log(`# keepalived: ${l}`);
    assert.ok(ka.exitCode === null && alive(ka.pid ?? 0), `keepalived must still run:\n${kaOut().slice(-2000)}`);
  } finally {
    await watch?.stop();
    await cap?.stop();
    for (const f of ['k-vrrp.pid', 'k.pid']) {
      const path = join(dir, f);
      const pid = existsSync(path) ? Number(readFileSync(path, 'utf8').trim()) : undefined;
      if (pid && alive(pid)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    if (kaPid && alive(kaPid)) try { process.kill(kaPid, 'SIGKILL'); } catch { /* gone */ }
    await ours?.cleanup();
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
