// The fault tests' common ground: a VRRP segment of three real `keepalived-ts` daemons (r1
// 150, r2 100, r3 50) on one bridge, in either protocol flavour (IPv4 VRRPv2 with PASS
// authentication, or IPv6 VRRPv3 to ff02::12 from link-local sources), a watch of the VIP
// on every router, a capture of the master's adverts, and the assertions issue #10 asks of
// every fault: one holder once it clears, no outage beyond the master-down interval, nothing
// crashed, the bad packets counted.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { Lab, waitFor, type Netns } from '../lib/netns.js';
import { KtsNode } from '../lib/kts-node.js';
import { ROOT, alive } from '../lib/daemon.js';
import type { VrrpCounters } from '../../src/daemon/status.js';
import { ethernetPayload, readPcap } from '../lib/pcap.js';

export const PASSWORD = 'secret1';
export const VRID = 71;
/** Master-down interval of r2 (priority 100, advert_int 1 s): 3 s + skew 156/256 s (v2 and v3 alike). */
export const MASTER_DOWN_MS = 3_610;
/** Sampling period plus the time a takeover needs once decided (addresses, one `ip` call). */
export const MARGIN_MS = 1_000;
export const SENDER = join(import.meta.dirname, 'fixtures', 'advert-sender.js');

export type Router = 'r1' | 'r2' | 'r3';
export const ROUTERS: readonly Router[] = ['r1', 'r2', 'r3'];
const HOST_NUMBER: Record<Router, number> = { r1: 1, r2: 2, r3: 3 };
const PRIORITY: Record<Router, number> = { r1: 150, r2: 100, r3: 50 };

/** One protocol flavour of the segment: its addresses, its config, how its adverts look. */
export interface Flavour {
  name: string;
  family: 'inet' | 'inet6';
  version: 2 | 3;
  vip: string;
  plen: number;
  group: string;
  /** A host's address on the segment, without prefix. */
  addr(host: number): string;
  /** tcpdump's filter for the adverts of the segment. */
  captureFilter: string;
  /** keepalived.conf's authentication block (none for v3, which has no authentication). */
  auth: string;
}

export const IPV4_V2: Flavour = {
  name: 'IPv4 VRRPv2',
  family: 'inet',
  version: 2,
  vip: '10.71.0.100',
  plen: 24,
  group: '224.0.0.18',
  addr: (h) => `10.71.0.${h}`,
  captureFilter: 'ip proto 112',
  auth: `    authentication {\n        auth_type PASS\n        auth_pass ${PASSWORD}\n    }\n`,
};

export const IPV6_V3: Flavour = {
  name: 'IPv6 VRRPv3',
  family: 'inet6',
  version: 3,
  vip: 'fd00:71::100',
  plen: 64,
  group: 'ff02::12',
  addr: (h) => `fd00:71::${h}`,
  captureFilter: 'ip6 proto 112',
  auth: '',
};

export const FLAVOURS: readonly Flavour[] = [IPV4_V2, IPV6_V3];

export function vrrpConf(f: Flavour, name: string, priority: number, o: { globals?: string; extra?: string } = {}): string {
  return `global_defs {
    router_id ${name}
${o.globals ?? ''}}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id ${VRID}
    version ${f.version}
    priority ${priority}
    advert_int 1
${f.auth}    virtual_ipaddress {
        ${f.vip}/${f.plen}
    }
}
${o.extra ?? ''}`;
}

export interface Sample { at: number; holders: string[] }

/**
 * Milliseconds on a clock that never steps (a wall clock set back or forward by NTP would put
 * samples out of order and judge the wrong stretch of the timeline).
 */
export function monotonicMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Polls the VIP on every router until stopped; the timeline answers the user's questions. */
export class VipWatch {
  readonly samples: Sample[] = [];
  /** Moments the test names (the fault's start and end, where judging began), for summary(). */
  private readonly marks: Array<{ at: number; what: string }> = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(private readonly routers: Array<{ label: string; ns: Netns }>, private readonly vip: string) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const at = monotonicMs();
      const held = await Promise.all(this.routers.map(async (r) => ((await r.ns.addresses('eth0')).includes(this.vip) ? r.label : undefined)));
      this.samples.push({ at, holders: held.filter((h): h is string => h !== undefined) });
      await sleep(50);
    }
  }

  /** Names this moment in the timeline summary() prints. */
  mark(what: string, at = monotonicMs()): void {
    this.marks.push({ at, what });
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

  /** True when every sample so far shows `label` alone. */
  heldAloneBy(label: string): boolean {
    return this.samples.every((x) => x.holders.join() === label);
  }

  summary(): string {
    // Only the changes, to keep a failure message readable.
    const out: Array<{ at: number; line: string }> = [];
    let prev = '';
    const t0 = this.samples[0]?.at ?? 0;
    for (const s of this.samples) {
      const h = s.holders.join(',') || '(nobody)';
      if (h !== prev) out.push({ at: s.at, line: `+${s.at - t0}ms ${h}` });
      prev = h;
    }
    for (const m of this.marks) out.push({ at: m.at, line: `+${m.at - t0}ms -- ${m.what}` });
    return out.sort((a, b) => a.at - b.at).map((x) => x.line).join('\n');
  }
}

export interface Segment {
  lab: Lab;
  flavour: Flavour;
  ns: Record<Router, Netns>;
  node: Record<Router, KtsNode>;
  watch: VipWatch;
}

export interface SegmentOptions {
  /** Lines for a router's global_defs. */
  globals?: (r: Router) => string;
  /** Config after the vrrp_instance (a virtual_server, say). */
  extra?: (r: Router) => string;
  /** More addresses for a router's eth0 (with prefix). */
  addrs?: (r: Router) => string[];
  /** Runs once the routers' namespaces exist, before their daemons start. */
  prepare?: (lab: Lab, ns: Record<Router, Netns>) => Promise<void>;
}

/** Three daemons elected (r1 master), with the watch running. */
async function segment(lab: Lab, nodes: KtsNode[], f: Flavour, o: SegmentOptions): Promise<Segment> {
  const host = async (r: Router) => lab.addHost(r, { addrs: [`${f.addr(HOST_NUMBER[r])}/${f.plen}`, ...(o.addrs?.(r) ?? [])] });
  const ns = { r1: await host('r1'), r2: await host('r2'), r3: await host('r3') };
  // IPv6 adverts leave from the link-local address: it must have passed DAD first.
  if (f.family === 'inet6') {
    for (const r of ROUTERS) await waitFor(`${r}: a usable link-local address`, async () => !(await ns[r].ip('-6', 'addr', 'show', 'dev', 'eth0')).includes('tentative') && (await ns[r].addresses('eth0')).some((a) => a.startsWith('fe80:')), 10_000);
  }
  await o.prepare?.(lab, ns);
  const make = (r: Router) => new KtsNode(ns[r], vrrpConf(f, r, PRIORITY[r], { globals: o.globals?.(r) ?? '', extra: o.extra?.(r) ?? '' }));
  const node = { r1: make('r1'), r2: make('r2'), r3: make('r3') };
  nodes.push(node.r1, node.r2, node.r3);
  for (const n of Object.values(node)) n.start();
  await node.r1.waitForLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
  await node.r2.waitForLine(/\(VI_1\) Entering BACKUP STATE/, 20_000);
  await node.r3.waitForLine(/\(VI_1\) Entering BACKUP STATE/, 20_000);
  await waitFor('r1 to hold the VIP', async () => (await ns.r1.addresses('eth0')).includes(`${f.vip}/${f.plen}`), 10_000);
  const watch = new VipWatch(ROUTERS.map((r) => ({ label: r, ns: ns[r] })), `${f.vip}/${f.plen}`);
  return { lab, flavour: f, ns, node, watch };
}

/** Runs `fn` on a fresh segment and tears everything down afterwards, even on failure. */
export async function withSegment(f: Flavour, fn: (s: Segment) => Promise<void>, o: SegmentOptions = {}): Promise<void> {
  const lab = await Lab.create();
  const nodes: KtsNode[] = [];
  let seg: Segment | undefined;
  try {
    seg = await segment(lab, nodes, f, o);
    await fn(seg);
  } finally {
    await seg?.watch.stop();
    for (const n of nodes) await n.cleanup();
    await lab.cleanup();
  }
}

/** keepalived.stats of a daemon (SIGUSR2 to the parent; the VRRP child writes it in TMPDIR). */
export async function stats(n: KtsNode): Promise<string> {
  const path = join(n.dir, 'keepalived.stats');
  rmSync(path, { force: true });
  n.signal('SIGUSR2');
  await waitFor(`${n.ns.name}: keepalived.stats`, () => existsSync(path) && readFileSync(path, 'utf8').includes('Priority Zero'), 10_000);
  return readFileSync(path, 'utf8');
}

export function counter(statsText: string, section: string, field: string): number {
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
export async function assertSettled(s: { watch: VipWatch }, what: string, expected: Router = 'r1'): Promise<void> {
  await waitFor(`${what}: the VIP to settle on ${expected}`, () => {
    const last = s.watch.samples.slice(-10);
    return last.length === 10 && last.every((x) => x.holders.join() === expected);
  }, 20_000, 100).catch((e: Error) => { throw new Error(`${e.message}\n${s.watch.summary()}`); });
  const from = monotonicMs();
  s.watch.mark('settled: judged from here');
  // At least 4 s and 20 samples: on a loaded machine one sample (an `ip` per router) can take
  // far longer than its 50 ms period, so the window grows rather than the judgement thinning.
  await sleep(4_000);
  await waitFor(`${what}: 20 samples after the fault cleared`, () => s.watch.samples.filter((x) => x.at >= from).length >= 20, 30_000, 100).catch(() => undefined);
  await s.watch.stop();
  const doubles = s.watch.doubleMasters(from);
  const checked = s.watch.samples.filter((x) => x.at >= from).length;
  assert.ok(checked >= 20, `only ${checked} samples after the fault cleared`);
  assert.deepEqual(doubles, [], `${what}: two routers held the VIP after the fault cleared:\n${s.watch.summary()}`);
  const holders = s.watch.samples.filter((x) => x.at >= from).map((x) => x.holders[0]);
  assert.ok(holders.every((h) => h !== undefined), `${what}: the VIP went missing after the fault cleared:\n${s.watch.summary()}`);
}

export function assertNoLongOutage(s: { watch: VipWatch }, what: string): void {
  const gap = s.watch.longestGapMs();
  assert.ok(gap <= MASTER_DOWN_MS + MARGIN_MS, `${what}: the VIP was missing from the whole segment for ${gap} ms (master-down interval ${MASTER_DOWN_MS} ms):\n${s.watch.summary()}`);
}

export function assertRunning(s: Segment, which: readonly Router[] = ROUTERS, roles: ReadonlyArray<'parent' | 'vrrp' | 'checker'> = ['parent', 'vrrp']): void {
  for (const r of which) {
    for (const role of roles) {
      const pid = s.node[r].pid(role);
      assert.ok(pid !== undefined && alive(pid), `${r}: the ${role} process is not running\n${s.node[r].output.slice(-2000)}`);
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for a process of `which` whose pid differs from `before` (the parent respawned it). */
export async function waitForRespawn(n: KtsNode, which: 'vrrp' | 'checker', before: number | undefined): Promise<number> {
  return waitFor(`${n.ns.name}: the parent to respawn its ${which} process`, () => {
    const p = n.pid(which);
    return p !== undefined && p !== before && alive(p) ? p : undefined;
  }, 20_000);
}

export interface SenderSpec {
  /** Source address (IPv4 only: IPv6 leaves it to the kernel, which picks the link-local one). */
  src?: string;
  dst: string;
  vrid: number;
  priority: number;
  password?: string;
  /** Packets per second; 0 floods. */
  rate: number;
  durationMs: number;
}

/** A rogue VRRP sender (fixtures/advert-sender.ts) in the flavour of the segment; resolves with its report. */
export function runSender(ns: Netns, f: Flavour, spec: SenderSpec): Promise<string> {
  const full = { ifname: 'eth0', family: f.family, version: f.version, advertInterval: f.version === 2 ? 1 : 100, addresses: [f.vip], ...spec };
  const p = ns.spawn(process.execPath, [SENDER, JSON.stringify(full)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  p.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve, reject) => p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`sender exited ${code}: ${out}`)))));
}

/** A rogue host on the segment, ready to send in the segment's flavour. */
export async function rogueHost(s: Segment): Promise<Netns> {
  const rogue = await s.lab.addHost('rogue', { addrs: [`${s.flavour.addr(9)}/${s.flavour.plen}`] });
  if (s.flavour.family === 'inet6') await waitFor('the rogue\'s link-local address', async () => !(await rogue.ip('-6', 'addr', 'show', 'dev', 'eth0')).includes('tentative'), 10_000);
  return rogue;
}

/**
 * tcpdump on the bridge, writing the segment's adverts to a pcap; `stop()` returns when each
 * advert was seen (seconds, as the capture stamped it) by the source MAC that sent it.
 */
export class AdvertCapture {
  private readonly dir = mkdtempSync(join(tmpdir(), 'kts-faults-cap-'));
  private readonly proc: ChildProcess;
  private err = '';

  private constructor(sw: Netns, filter: string) {
    this.proc = sw.spawn('tcpdump', ['-U', '-n', '-i', 'br0', '-w', join(this.dir, 'wire.pcap'), filter], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr?.setEncoding('utf8').on('data', (d: string) => (this.err += d));
  }

  /** Starts the capture and waits until tcpdump listens. */
  static async start(s: Segment): Promise<AdvertCapture> {
    const c = new AdvertCapture(await s.lab.bridge(), s.flavour.captureFilter);
    await waitFor('tcpdump to listen', () => c.err.includes('listening on'), 10_000);
    return c;
  }

  /** Stops the capture: the stamps (s) of the adverts, by sending MAC. */
  async stop(): Promise<Map<string, number[]>> {
    const gone = new Promise<void>((r) => (this.proc.exitCode !== null ? r() : this.proc.once('exit', () => r())));
    this.proc.kill('SIGINT');
    await gone;
    const bySender = new Map<string, number[]>();
    try {
      for (const p of readPcap(join(this.dir, 'wire.pcap')).packets) {
        const mac = [...ethernetPayload(p.data).src].map((b) => b.toString(16).padStart(2, '0')).join(':');
        const list = bySender.get(mac) ?? [];
        list.push(p.tsSec + p.tsUsec / 1e6);
        bySender.set(mac, list);
      }
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
    return bySender;
  }
}

/** The longest time (ms) between two consecutive stamps, and from `fromS`/to `toS` to the nearest one. */
export function longestSilenceMs(stamps: number[], fromS: number, toS: number): number {
  const all = [fromS, ...stamps.filter((t) => t >= fromS && t <= toS), toS];
  let longest = 0;
  for (let i = 1; i < all.length; i++) longest = Math.max(longest, (all[i]! - all[i - 1]!) * 1000);
  return Math.round(longest);
}

/** `keepalivectl --json stats` of a daemon: its instances' counters, as a user reads them. */
export function ctlStats(n: KtsNode): Array<{ name: string; counters: VrrpCounters }> {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'keepalivectl'), '--pid', n.pidFile('parent'), '--json', 'stats'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, `keepalivectl stats: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { instances: Array<{ name: string; counters: VrrpCounters }> }).instances;
}

/** Frames received so far by a host's eth0 (the kernel's interface counter). */
export async function rxPackets(ns: Netns): Promise<number> {
  const [link] = JSON.parse(await ns.ip('-j', '-s', 'link', 'show', 'dev', 'eth0')) as Array<{ stats64: { rx: { packets: number } } }>;
  assert.ok(link, 'no eth0');
  return link.stats64.rx.packets;
}
