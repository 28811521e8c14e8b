// A service for tests of the process machinery, registered for both roles by importing this
// module (the test entry passes it as a service module). It does no networking; it ticks a
// timer and writes what it saw to <stateDir>/<role>.json, and obeys control files dropped
// next to it:
//   <role>.stall  containing N: block the event loop for N ms (once)
//   <role>.hang   block the event loop for good (the heartbeat must catch it)
//   <role>.crash  throw from a timer (an uncaught error: the child exits 70)
// Configuration (the JSON the test's config source produced):
//   { "tag": "...", "test": { "stateDir": "/tmp/...", "tickMs": 50, "failStart": "config" | "fatal",
//     "reloadDelayMs": N (a reload takes that long, without blocking the loop) } }
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './dumpfile.js';
import { STATUS_VERSION, zeroCounters, type StatusSnapshot, type VrrpState } from './status.js';
import { EXIT, registerService, ServiceError, type ChildContext, type ChildService, type DumpKind } from './service.js';

interface TestConfig {
  tag?: string;
  test?: { stateDir?: string; tickMs?: number; failStart?: 'config' | 'fatal'; reloadDelayMs?: number };
}

// status(): one VRRP instance VI_1 (vrid 51, 10.0.0.100/24 on eth0) whose state and
// priority, and one virtual server 10.0.0.100:80 with real servers 10.0.0.2 and 10.0.0.3
// whose up/down, a test sets through <role>.status-state files:
//   vrrp.status-state     JSON {"state":"MASTER","effectivePriority":90}
//   checker.status-state  JSON {"down":["10.0.0.3"]}
interface StatusControl { state?: VrrpState; effectivePriority?: number; down?: string[] }

export interface TestServiceState {
  pid: number;
  role: string;
  tag: string | undefined;
  reloads: string[];
  ticks: number;
  /** Wall-clock times (ms) of the latest ticks. */
  tickTimes: number[];
  stalls: { from: number; to: number }[];
}

const KEEP_TICKS = 400;

function busyWait(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Blocking on purpose: this is the stalled event loop under test.
  }
}

function takeControl(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  try { unlinkSync(path); } catch { /* a test removed it */ }
  return text;
}

class TestService implements ChildService {
  private timer: NodeJS.Timeout | undefined;
  private config: TestConfig = {};
  private readonly state: TestServiceState;

  constructor(private readonly ctx: ChildContext) {
    this.state = { pid: process.pid, role: ctx.role, tag: undefined, reloads: [], ticks: 0, tickTimes: [], stalls: [] };
  }

  private get dir(): string | undefined {
    return this.config.test?.stateDir;
  }

  private save(): void {
    if (this.dir) writeFileAtomic(join(this.dir, `${this.ctx.role}.json`), JSON.stringify(this.state));
  }

  private tick(): void {
    this.state.ticks += 1;
    this.state.tickTimes.push(Date.now());
    if (this.state.tickTimes.length > KEEP_TICKS) this.state.tickTimes.shift();
    const dir = this.dir;
    if (dir) {
      const base = join(dir, this.ctx.role);
      const stall = takeControl(`${base}.stall`);
      if (stall !== undefined) {
        const from = Date.now();
        busyWait(Number(stall) || 2000);
        this.state.stalls.push({ from, to: Date.now() });
      }
      if (takeControl(`${base}.hang`) !== undefined) {
        this.ctx.log.info('test service: hanging on purpose');
        busyWait(Number.MAX_SAFE_INTEGER);
      }
      if (takeControl(`${base}.crash`) !== undefined) {
        throw new Error('test service: crashing on purpose');
      }
    }
    this.save();
  }

  private arm(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => this.tick(), this.config.test?.tickMs ?? 50);
  }

  start(config: unknown): Promise<void> {
    this.config = (config ?? {}) as TestConfig;
    const fail = this.config.test?.failStart;
    if (fail) return Promise.reject(new ServiceError(`test service: refusing to start (${fail})`, fail === 'config' ? EXIT.CONFIG : EXIT.FATAL));
    this.state.tag = this.config.tag;
    this.ctx.log.info(`test service started (tag ${this.config.tag ?? '-'})`);
    this.save();
    this.arm();
    return Promise.resolve();
  }

  async reload(config: unknown): Promise<void> {
    const delay = this.config.test?.reloadDelayMs;
    if (delay) await new Promise((r) => setTimeout(r, delay));
    this.config = (config ?? {}) as TestConfig;
    this.state.tag = this.config.tag;
    this.state.reloads.push(this.config.tag ?? '-');
    this.ctx.log.info(`test service reloaded (tag ${this.config.tag ?? '-'})`);
    this.save();
    this.arm();
  }

  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.dir) writeFileAtomic(join(this.dir, `${this.ctx.role}.stopped`), `${process.pid}\n`);
    this.ctx.log.info('test service stopped');
    return Promise.resolve();
  }

  status(): Promise<StatusSnapshot> {
    let ctl: StatusControl = {};
    if (this.dir) {
      try { ctl = JSON.parse(readFileSync(join(this.dir, `${this.ctx.role}.status-state`), 'utf8')) as StatusControl; } catch { /* defaults */ }
    }
    if (this.ctx.role === 'vrrp') {
      const state = ctl.state ?? 'BACKUP';
      return Promise.resolve({
        version: STATUS_VERSION,
        vrrp: [{
          name: 'VI_1', interface: 'eth0', vrid: 51, family: 'inet', version: 2, state,
          priority: 100, effectivePriority: ctl.effectivePriority ?? 100,
          masterAddress: state === 'MASTER' ? '10.0.0.1' : '10.0.0.2',
          vips: ['10.0.0.100/24'], vipsInstalled: state === 'MASTER',
          lastTransition: { at: Date.now(), from: 'INIT', to: state, reason: 'test service' },
          counters: { ...zeroCounters(), advertSent: this.state.ticks },
          scripts: [{ name: 'chk_test', result: 'good', weight: -10 }],
        }],
      });
    }
    const down = new Set(ctl.down ?? []);
    return Promise.resolve({
      version: STATUS_VERSION,
      virtualServers: [{
        name: '10.0.0.100:80/tcp', protocol: 'TCP', scheduler: 'rr', quorumUp: down.size < 2,
        realServers: ['10.0.0.2', '10.0.0.3'].map((address) => ({
          address, port: 80, weight: 1, up: !down.has(address),
          lastCheck: { ok: !down.has(address), at: Date.now(), latencyMs: 1.5, ...(down.has(address) ? { detail: 'connection refused' } : {}) },
        })),
      }],
    });
  }

  dump(kind: DumpKind): Promise<string> {
    if (kind === 'json') return Promise.resolve(JSON.stringify([{ role: this.ctx.role, tag: this.state.tag }]));
    if (kind === 'stats') this.statsDumps++;
    return Promise.resolve(`------< Test service ${kind} >------\n Role = ${this.ctx.role}\n Tag = ${this.state.tag ?? '-'}\n Ticks = ${this.state.ticks}\n Stats dumps = ${this.statsDumps}\n`);
  }

  /** A counter the daemon tests can watch being zeroed (SIGRTMAX-1). */
  private statsDumps = 0;

  clearStats(): void {
    this.statsDumps = 0;
  }
}

registerService('vrrp', (ctx) => new TestService(ctx));
registerService('checker', (ctx) => new TestService(ctx));
registerService('bfd', (ctx) => new TestService(ctx));
