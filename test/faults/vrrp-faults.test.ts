// Fault injection against real `keepalived-ts` daemons: three routers (r1 150, r2 100,
// r3 50) on one bridge run VRRPv2 with PASS authentication and advert_int 1, so the
// master-down interval of the first backup is 3 × 1 s + (256 − 100)/256 s ≈ 3.6 s. Every test
// breaks one thing (a process killed or stalled, a link down, lost packets, a rogue or flooding
// sender), watches the VIP on all three routers the whole time, and then checks what a user
// would notice: one router holds the VIP once the fault clears, the segment was never without
// the VIP much longer than the master-down interval, the daemons are still running, and the
// bad packets were counted in keepalived.stats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import { KtsNode } from '../lib/kts-node.js';
import { alive } from '../lib/daemon.js';

const VIP = '10.71.0.100';
const PASSWORD = 'secret1';
const VRID = 71;
/** Master-down interval of r2 (priority 100, advert_int 1 s): 3 s + skew 156/256 s. */
const MASTER_DOWN_MS = 3_610;
/** Sampling period plus the time a takeover needs once decided (addresses, one `ip` call). */
const MARGIN_MS = 1_000;
const SENDER = join(import.meta.dirname, 'fixtures', 'advert-sender.js');
const skip = labUnavailable(['nft']);
const skipKeepalived = labUnavailable(['nft', 'keepalived']);

function conf(name: string, priority: number): string {
  return `global_defs {
    router_id ${name}
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id ${VRID}
    version 2
    priority ${priority}
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass ${PASSWORD}
    }
    virtual_ipaddress {
        ${VIP}/24
    }
}
`;
}

interface Sample { at: number; holders: string[] }

/** Polls the VIP on every router until stopped; the timeline answers the user's questions. */
class VipWatch {
  readonly samples: Sample[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(private readonly routers: Array<{ label: string; ns: Netns }>) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const at = Date.now();
      const held = await Promise.all(this.routers.map(async (r) => ((await r.ns.addresses('eth0')).includes(`${VIP}/24`) ? r.label : undefined)));
      this.samples.push({ at, holders: held.filter((h): h is string => h !== undefined) });
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  /** Longest stretch (ms) in which no router held the VIP. */
  longestGapMs(): number {
    let longest = 0;
    let since: number | undefined;
    for (const s of this.samples) {
      if (s.holders.length === 0) since ??= s.at;
      else if (since !== undefined) {
        longest = Math.max(longest, s.at - since);
        since = undefined;
      }
    }
    const last = this.samples.at(-1);
    if (since !== undefined && last) longest = Math.max(longest, last.at - since);
    return longest;
  }

  /** Samples taken from `from` on in which more than one router held the VIP. */
  doubleMasters(from: number): Sample[] {
    return this.samples.filter((s) => s.at >= from && s.holders.length > 1);
  }

  summary(): string {
    // Only the changes, to keep a failure message readable.
    const out: string[] = [];
    let prev = '';
    const t0 = this.samples[0]?.at ?? 0;
    for (const s of this.samples) {
      const h = s.holders.join(',') || '(nobody)';
      if (h !== prev) out.push(`+${s.at - t0}ms ${h}`);
      prev = h;
    }
    return out.join('\n');
  }
}

interface Segment {
  lab: Lab;
  ns: Record<'r1' | 'r2' | 'r3', Netns>;
  node: Record<'r1' | 'r2' | 'r3', KtsNode>;
  watch: VipWatch;
}

/** Three daemons elected (r1 master), with the watch running. */
async function segment(lab: Lab, nodes: KtsNode[]): Promise<Segment> {
  const ns = {
    r1: await lab.addHost('r1', { addrs: ['10.71.0.1/24'] }),
    r2: await lab.addHost('r2', { addrs: ['10.71.0.2/24'] }),
    r3: await lab.addHost('r3', { addrs: ['10.71.0.3/24'] }),
  };
  const node = { r1: new KtsNode(ns.r1, conf('r1', 150)), r2: new KtsNode(ns.r2, conf('r2', 100)), r3: new KtsNode(ns.r3, conf('r3', 50)) };
  nodes.push(node.r1, node.r2, node.r3);
  for (const n of Object.values(node)) n.start();
  await node.r1.waitForLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
  await node.r2.waitForLine(/\(VI_1\) Entering BACKUP STATE/, 20_000);
  await node.r3.waitForLine(/\(VI_1\) Entering BACKUP STATE/, 20_000);
  await waitFor('r1 to hold the VIP', async () => (await ns.r1.addresses('eth0')).includes(`${VIP}/24`), 10_000);
  const watch = new VipWatch([{ label: 'r1', ns: ns.r1 }, { label: 'r2', ns: ns.r2 }, { label: 'r3', ns: ns.r3 }]);
  return { lab, ns, node, watch };
}

/** keepalived.stats of a daemon (SIGUSR2 to the parent; the VRRP child writes it in TMPDIR). */
async function stats(n: KtsNode): Promise<string> {
  const path = join(n.dir, 'keepalived.stats');
  rmSync(path, { force: true });
  n.signal('SIGUSR2');
  await waitFor(`${n.ns.name}: keepalived.stats`, () => existsSync(path) && readFileSync(path, 'utf8').includes('Priority Zero'), 10_000);
  return readFileSync(path, 'utf8');
}

function counter(statsText: string, section: string, field: string): number {
  const part = statsText.split(section)[1] ?? '';
  const m = new RegExp(`${field}: (\\d+)`).exec(part);
  return m ? Number(m[1]) : NaN;
}

/**
 * After the fault cleared: the segment settles on the router that should hold the VIP (the
 * highest priority still running; a preempting master and the backup it replaces may both
 * hold it for one advert round trip, as in keepalived), then many samples over a few seconds
 * must each show exactly one holder.
 */
async function assertSettled(s: { watch: VipWatch }, what: string, expected: 'r1' | 'r2' = 'r1'): Promise<void> {
  await waitFor(`${what}: the VIP to settle on ${expected}`, () => {
    const last = s.watch.samples.slice(-10);
    return last.length === 10 && last.every((x) => x.holders.join() === expected);
  }, 20_000, 100).catch((e: Error) => { throw new Error(`${e.message}\n${s.watch.summary()}`); });
  const from = Date.now();
  await new Promise((r) => setTimeout(r, 4_000));
  await s.watch.stop();
  const doubles = s.watch.doubleMasters(from);
  const checked = s.watch.samples.filter((x) => x.at >= from).length;
  assert.ok(checked >= 20, `only ${checked} samples after the fault cleared`);
  assert.deepEqual(doubles, [], `${what}: two routers held the VIP after the fault cleared:\n${s.watch.summary()}`);
  const holders = s.watch.samples.filter((x) => x.at >= from).map((x) => x.holders[0]);
  assert.ok(holders.every((h) => h !== undefined), `${what}: the VIP went missing after the fault cleared:\n${s.watch.summary()}`);
}

function assertNoLongOutage(s: { watch: VipWatch }, what: string): void {
  const gap = s.watch.longestGapMs();
  assert.ok(gap <= MASTER_DOWN_MS + MARGIN_MS, `${what}: the VIP was missing from the whole segment for ${gap} ms (master-down interval ${MASTER_DOWN_MS} ms):\n${s.watch.summary()}`);
}

function assertRunning(s: Segment, which: Array<'r1' | 'r2' | 'r3'> = ['r1', 'r2', 'r3']): void {
  for (const r of which) {
    for (const role of ['parent', 'vrrp'] as const) {
      const pid = s.node[r].pid(role);
      assert.ok(pid !== undefined && alive(pid), `${r}: the ${role} process is not running\n${s.node[r].output.slice(-2000)}`);
    }
  }
}

async function withSegment(fn: (s: Segment) => Promise<void>): Promise<void> {
  const lab = await Lab.create();
  const nodes: KtsNode[] = [];
  let seg: Segment | undefined;
  try {
    seg = await segment(lab, nodes);
    await fn(seg);
  } finally {
    await seg?.watch.stop();
    for (const n of nodes) await n.cleanup();
    await lab.cleanup();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function runSender(ns: Netns, spec: Record<string, unknown>): Promise<string> {
  const p = ns.spawn(process.execPath, [SENDER, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  p.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve, reject) => p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`sender exited ${code}: ${out}`)))));
}

const opts = { skip, timeout: 90_000 };

test('killing the master\'s VRRP process: the VIP stays reachable and ends on one router', opts, () => withSegment(async (s) => {
  const before = s.node.r1.pid('vrrp');
  const mark = s.node.r1.output.length;
  s.node.r1.signal('SIGKILL', 'vrrp');
  await waitFor('r1 to respawn its VRRP process', () => { const p = s.node.r1.pid('vrrp'); return p !== undefined && p !== before && alive(p); }, 20_000);
  // The fault has played out only once the new VRRP process has started (as BACKUP, taking
  // the VIP away) and preempted back; before that the VIP may still sit on r1 from the
  // killed process, which would look "settled" too early.
  await s.node.r1.waitForLine(/\(VI_1\) Entering BACKUP STATE/, 20_000, mark);
  await s.node.r1.waitForLine(/\(VI_1\) Entering MASTER STATE/, 20_000, mark);
  await assertSettled(s, 'VRRP process killed');
  assertNoLongOutage(s, 'VRRP process killed');
  assertRunning(s);
}));

test('killing the master\'s parent process: its VRRP process stops and releases the VIP, a backup takes over', opts, () => withSegment(async (s) => {
  const child = s.node.r1.pid('vrrp');
  s.node.r1.signal('SIGKILL', 'parent');
  await waitFor('r1\'s VRRP process to stop with its parent', () => child !== undefined && !alive(child), 15_000);
  await assertSettled(s, 'parent killed', 'r2');
  assertNoLongOutage(s, 'parent killed');
  assert.deepEqual(s.watch.samples.at(-1)?.holders, ['r2'], `r2 must hold the VIP:\n${s.watch.summary()}`);
  assertRunning(s, ['r2', 'r3']);
}));

test('killing a backup\'s VRRP process: the master keeps the VIP throughout', opts, () => withSegment(async (s) => {
  const before = s.node.r2.pid('vrrp');
  s.node.r2.signal('SIGKILL', 'vrrp');
  await waitFor('r2 to respawn its VRRP process', () => { const p = s.node.r2.pid('vrrp'); return p !== undefined && p !== before && alive(p); }, 20_000);
  await s.node.r2.waitForLine(/\(VI_1\) Entering BACKUP STATE/, 20_000, s.node.r2.output.lastIndexOf('VRRP'));
  await assertSettled(s, 'backup VRRP process killed');
  assert.ok(s.watch.samples.every((x) => x.holders.join() === 'r1'), `r1 must hold the VIP alone throughout:\n${s.watch.summary()}`);
  assertRunning(s);
}));

for (const role of ['vrrp', 'parent'] as const) {
  test(`stalling the master's ${role} process for 3 s (SIGSTOP, SIGCONT): one master afterwards, no outage`, opts, () => withSegment(async (s) => {
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

test('the master\'s link goes down and comes back: a backup takes over, then the VIP ends on one router', opts, () => withSegment(async (s) => {
  await s.ns.r1.ip('link', 'set', 'eth0', 'down');
  await s.node.r1.waitForLine(/\(VI_1\) Entering FAULT STATE/, 10_000);
  await waitFor('r2 to take over', () => s.watch.samples.at(-1)?.holders.join() === 'r2', 10_000);
  await s.ns.r1.ip('link', 'set', 'eth0', 'up');
  await assertSettled(s, 'link down/up');
  assertNoLongOutage(s, 'link down/up');
  assert.deepEqual(s.watch.samples.at(-1)?.holders, ['r1'], `r1 (highest priority) must take the VIP back:\n${s.watch.summary()}`);
  assertRunning(s);
}));

test('30% of VRRP packets lost at every backup for 10 s: the VIP is never missing, one master afterwards', opts, () => withSegment(async (s) => {
  for (const r of [s.ns.r2, s.ns.r3]) {
    await r.exec('nft', ['-f', '-'], { input: 'table inet ktsloss {\n chain input {\n  type filter hook input priority 0; policy accept;\n  ip protocol vrrp numgen random mod 10 < 3 counter drop\n }\n}\n' });
  }
  await sleep(10_000);
  const dropped = await s.ns.r2.run('nft', ['list', 'table', 'inet', 'ktsloss']);
  for (const r of [s.ns.r2, s.ns.r3]) await r.exec('nft', ['delete', 'table', 'inet', 'ktsloss']);
  assert.match(dropped, /counter packets [1-9]/, 'the loss rule must have dropped adverts');
  await assertSettled(s, '30% loss');
  assertNoLongOutage(s, '30% loss');
  assertRunning(s);
}));

test('a rogue sender with a wrong password and priority 254: the master keeps the VIP, the errors are counted', opts, () => withSegment(async (s) => {
  const rogue = await s.lab.addHost('rogue', { addrs: ['10.71.0.9/24'] });
  const out = await runSender(rogue, { ifname: 'eth0', src: '10.71.0.9', dst: '224.0.0.18', vrid: VRID, priority: 254, advertInterval: 1, addresses: [VIP], password: 'wrong', rate: 10, durationMs: 5_000 });
  assert.match(out, /SENT [1-9]/);
  await assertSettled(s, 'wrong password');
  assert.ok(s.watch.samples.every((x) => x.holders.join() === 'r1'), `r1 must hold the VIP alone throughout:\n${s.watch.summary()}`);
  for (const r of ['r1', 'r2', 'r3'] as const) {
    const failures = counter(await stats(s.node[r]), 'Authentication Errors', 'Failure');
    assert.ok(failures >= 10, `${r}: keepalived.stats must count the wrong passwords (Failure: ${failures})`);
    // Said once in the log, as keepalived does, not once per packet.
    const said = s.node[r].lines().filter((l) => l.includes('(VI_1) received an invalid passwd from 10.71.0.9!'));
    assert.equal(said.length, 1, `${r}: the wrong password must be logged once:\n${s.node[r].output.slice(-2000)}`);
  }
  assertRunning(s);
}));

test('a rogue sender with a foreign VRID and priority 254: nobody changes state or crashes', opts, () => withSegment(async (s) => {
  const rogue = await s.lab.addHost('rogue', { addrs: ['10.71.0.9/24'] });
  const received = counter(await stats(s.node.r2), 'Advertisements', 'Received');
  await runSender(rogue, { ifname: 'eth0', src: '10.71.0.9', dst: '224.0.0.18', vrid: VRID + 1, priority: 254, advertInterval: 1, addresses: [VIP], password: PASSWORD, rate: 10, durationMs: 5_000 });
  await assertSettled(s, 'foreign VRID');
  assert.ok(s.watch.samples.every((x) => x.holders.join() === 'r1'), `r1 must hold the VIP alone throughout:\n${s.watch.summary()}`);
  // Only r1's own adverts (about one a second) reached VI_1: the foreign ones are not ours.
  const after = counter(await stats(s.node.r2), 'Advertisements', 'Received');
  assert.ok(after - received < 20, `r2 counted ${after - received} adverts for VI_1 in ~9 s: foreign VRID adverts were taken as ours`);
  assertRunning(s);
}));

test('a flood of adverts on the segment: the backups stay backup, the master keeps the VIP, the flood is counted', opts, () => withSegment(async (s) => {
  const rogue = await s.lab.addHost('rogue', { addrs: ['10.71.0.9/24'] });
  // What r2 logged before the flood (its start-up election included) is not the flood's doing.
  const r2Before = s.node.r2.output.length;
  // Multicast, as adverts go: the backup's socket takes only the group (a unicast advert to
  // an instance in multicast mode is not read at all), so the master gets the flood as well.
  const out = await runSender(rogue, { ifname: 'eth0', src: '10.71.0.9', dst: '224.0.0.18', vrid: VRID, priority: 254, advertInterval: 1, addresses: [VIP], password: 'wrong', rate: 0, durationMs: 4_000 });
  const m = /SENT (\d+) (\d+)/.exec(out);
  assert.ok(m, out);
  console.log(`# flood: ${m[1]} adverts in 4 s, ${m[2]} per second reached (${out.trim()})`);
  await assertSettled(s, 'flood');
  assert.ok(s.watch.samples.every((x) => x.holders.join() === 'r1'), `r1 must hold the VIP alone throughout the flood:\n${s.watch.summary()}`);
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

test('the same flood at a keepalived 2.2.7 backup beside a keepalived-ts master: our master keeps the VIP, one holder afterwards (keepalived\'s behaviour reported)', { skip: skipKeepalived, timeout: 90_000 }, async () => {
  const lab = await Lab.create();
  const dir = mkdtempSync(join(tmpdir(), 'kts-faults-ka-'));
  let ours: KtsNode | undefined;
  let kaPid: number | undefined;
  let watch: VipWatch | undefined;
  try {
    const r1 = await lab.addHost('r1', { addrs: ['10.71.0.1/24'] });
    const r2 = await lab.addHost('r2', { addrs: ['10.71.0.2/24'] });
    const rogue = await lab.addHost('rogue', { addrs: ['10.71.0.9/24'] });
    ours = new KtsNode(r1, conf('r1', 150));
    ours.start();
    writeFileSync(join(dir, 'keepalived.conf'), conf('r2', 100));
    const ka = r2.spawn('keepalived', ['-n', '-l', '-D', '-P', '-f', join(dir, 'keepalived.conf'), '-p', join(dir, 'k.pid'), '-r', join(dir, 'k-vrrp.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
    kaPid = ka.pid;
    let kaOut = '';
    ka.stdout?.setEncoding('utf8').on('data', (d: string) => (kaOut += d));
    ka.stderr?.setEncoding('utf8').on('data', (d: string) => (kaOut += d));
    await ours.waitForLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
    await waitFor('keepalived to be backup', () => kaOut.includes('(VI_1) Entering BACKUP STATE'), 20_000);
    // Settle first: a takeover after this point is the flood's doing, not start-up.
    await sleep(5_000);
    const settled = kaOut.length;
    watch = new VipWatch([{ label: 'r1', ns: r1 }, { label: 'r2', ns: r2 }]);
    const before = kaOut.split('\n').length;
    const out = await runSender(rogue, { ifname: 'eth0', src: '10.71.0.9', dst: '224.0.0.18', vrid: VRID, priority: 254, advertInterval: 1, addresses: [VIP], password: 'wrong', rate: 0, durationMs: 4_000 });
    console.log(`# keepalived flood: ${out.trim()}; keepalived logged ${kaOut.split('\n').length - before} lines during it`);
    const s = { watch };
    await assertSettled(s, 'flood at keepalived');
    assert.ok(watch.samples.every((x) => x.holders.includes('r1')), `our master must keep the VIP throughout the flood:\n${watch.summary()}`);
    // Observed with 2.2.7 under this flood: it logs every bad packet and may declare the master
    // dead (its reads starve its timers) and take the VIP until our next advert: reported, the
    // comparison is in docs/faults.md.
    const kaMaster = kaOut.slice(settled).includes('Entering MASTER STATE');
    console.log(`# keepalived backup under the flood: ${kaMaster ? 'became MASTER (second VIP holder)' : 'stayed BACKUP'}; ${watch.doubleMasters(0).length} samples with two holders`);
    for (const l of kaOut.split('\n').filter((x) => /STATE|priority/.test(x))) console.log(`# keepalived: ${l}`);
    assert.ok(ka.exitCode === null && alive(ka.pid ?? 0), `keepalived must still run:\n${kaOut.slice(-2000)}`);
  } finally {
    await watch?.stop();
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
