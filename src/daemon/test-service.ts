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
import { EXIT, registerService, ServiceError, type ChildContext, type ChildService, type DumpKind } from './service.js';

interface TestConfig {
  tag?: string;
  test?: { stateDir?: string; tickMs?: number; failStart?: 'config' | 'fatal'; reloadDelayMs?: number };
}

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

  dump(kind: DumpKind): Promise<string> {
    if (kind === 'json') return Promise.resolve(JSON.stringify([{ role: this.ctx.role, tag: this.state.tag }]));
    return Promise.resolve(`------< Test service ${kind} >------\n Role = ${this.ctx.role}\n Tag = ${this.state.tag ?? '-'}\n Ticks = ${this.state.ticks}\n`);
  }
}

registerService('vrrp', (ctx) => new TestService(ctx));
registerService('checker', (ctx) => new TestService(ctx));
