// The checker process's service: runs every real server's checkers on the scheduler, folds
// their results into real-server and quorum state, and tells the LVS side (the sink) which
// real servers belong in each pool with which weight. Notify scripts are started without a
// shell (unless they need one) and not waited for; mail alerts go to an optional mailer.
import { spawn } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { buildCheck, describeCheck, type BuiltCheck } from './build.js';
import { splitCommand } from './misc.js';
import type { PingSocketOpener } from './ping.js';
import { VirtualServerState, type CheckEvent, type QuorumChange, type RsStateChange } from './rs-state.js';
import { Scheduler, realClock, type CheckOutcome, type Clock } from './scheduler.js';
import type { VirtualServerSpec } from './types.js';

export interface CheckerSink {
  /** A real server entered or left its pool, or (while in it) changed weight. */
  rsChanged(change: RsStateChange): void;
  /** A virtual server gained or lost quorum (with a sorry server: swap it in or out). */
  quorumChanged(change: QuorumChange): void;
}

export interface CheckerServiceOptions {
  sink: CheckerSink;
  clock?: Clock;
  random?: () => number;
  pingOpener?: PingSocketOpener;
  /** Runs a notify/quorum script; default: spawn it detached, without a shell when possible. */
  runScript?: (command: string, event: Extract<CheckEvent, { type: 'script' }>) => void;
  /** smtp_alert: hands the alert to a mailer (none by default). */
  alert?: (a: Extract<CheckEvent, { type: 'alert' }>) => void;
  log?: (message: string) => void;
  /** checker_log_all_failures */
  logAllFailures?: boolean;
}

export interface CheckKey { vs: number; rs: number; checker: number }

export function spawnScript(command: string): void {
  const words = splitCommand(command);
  const [file, ...args] = words && words.length ? words : ['/bin/sh', '-c', command];
  try {
    const child = spawn(file as string, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch { /* reported by the caller's log if it cares */ }
}

export class CheckerService {
  private readonly states: VirtualServerState[];
  private readonly scheduler: Scheduler<CheckKey>;
  private readonly built = new Map<CheckKey, BuiltCheck>();
  private readonly watchers: FSWatcher[] = [];
  private readonly log: (m: string) => void;

  constructor(private readonly specs: VirtualServerSpec[], private readonly opts: CheckerServiceOptions) {
    this.log = opts.log ?? (() => undefined);
    this.states = specs.map((vs) => new VirtualServerState(vs));
    this.scheduler = new Scheduler<CheckKey>(opts.clock ?? realClock, (o) => this.onOutcome(o), opts.random);
    specs.forEach((vs, v) => vs.realServers.forEach((rs, r) => rs.checkers.forEach((c, i) => {
      const key: CheckKey = { vs: v, rs: r, checker: i };
      const b = buildCheck(c, opts.pingOpener);
      this.built.set(key, b);
      this.scheduler.add({
        key, timing: c.timing, deadlineMs: b.deadlineMs, run: b.run,
        ...(b.delayWhileDownMs !== undefined ? { delayWhileDownMs: b.delayWhileDownMs } : {}),
      });
      if (c.kind === 'FILE_CHECK') this.watchFile(c.file, key);
    })));
  }

  /** Real-server state as the LVS side should program it right now. */
  snapshot(): RsStateChange[] {
    return this.states.flatMap((s, v) => s.spec.realServers.map((rs, r) => ({ vs: s.spec.id, rs: rs.id, up: this.states[v]?.rsAlive(r) ?? false, weight: s.rsWeight(r) })));
  }

  quorum(): QuorumChange[] {
    return this.states.map((s) => ({ vs: s.spec.id, up: s.hasQuorum, aliveWeight: s.aliveWeight(), sorryServerActive: !s.hasQuorum && s.spec.sorryServer !== undefined }));
  }

  /** Programs the initial state (alpha servers out, others in) and starts checking. */
  start(): void {
    for (const s of this.states) this.dispatch(s.initialEvents(), true);
    this.scheduler.start();
  }

  stop(): void {
    this.scheduler.stop();
    for (const w of this.watchers.splice(0)) w.close();
  }

  get inFlight(): number {
    return this.scheduler.running;
  }

  private watchFile(file: string, key: CheckKey): void {
    try {
      const name = basename(file);
      const w = watch(dirname(file), (_ev, changed) => { if (!changed || changed === name) this.scheduler.runNow(key); });
      w.on('error', () => undefined);
      w.unref();
      this.watchers.push(w);
    } catch { /* the periodic check still reads it */ }
  }

  private onOutcome(o: CheckOutcome<CheckKey>): void {
    const vs = this.specs[o.key.vs];
    const rs = vs?.realServers[o.key.rs];
    const spec = rs?.checkers[o.key.checker];
    const state = this.states[o.key.vs];
    if (!vs || !rs || !spec || !state) return;
    const what = describeCheck(spec);
    if (!o.result.ok && (spec.timing.logAllFailures || this.opts.logAllFailures)) this.log(`${what} of ${rs.id} failed: ${o.result.reason}`);
    if (o.effect.transition === 'down') this.log(`${what} of ${rs.id} failed${spec.timing.retry ? ` after ${spec.timing.retry} retries` : ''}: ${o.result.ok ? '' : o.result.reason}`);
    if (o.effect.transition === 'up') this.log(`${what} of ${rs.id} succeeded`);
    const b = this.built.get(o.key);
    const weight = o.result.weight;
    if (o.effect.transition === undefined && weight === undefined) return;
    this.dispatch(state.checkerChanged(o.key.rs, o.key.checker, o.up, weight, b?.weightMode ?? 'absolute'), false);
  }

  private dispatch(events: CheckEvent[], initial: boolean): void {
    for (const e of events) {
      switch (e.type) {
        case 'rs':
          if (!initial) this.log(`${e.change.up ? (e.cause === 'weight' ? 'Changing weight of' : 'Adding') : 'Removing'} service [${e.change.rs}] ${e.change.up ? 'to' : 'from'} VS [${e.change.vs}]${e.change.up ? ` (weight ${e.change.weight})` : ''}`);
          this.opts.sink.rsChanged(e.change);
          break;
        case 'quorum':
          if (!initial) this.log(`${e.change.up ? 'Gained' : 'Lost'} quorum for VS [${e.change.vs}] (alive weight ${e.change.aliveWeight})`);
          this.opts.sink.quorumChanged(e.change);
          break;
        case 'script':
          (this.opts.runScript ?? spawnScript)(e.command, e);
          break;
        case 'alert':
          this.opts.alert?.(e);
          break;
      }
    }
  }
}
