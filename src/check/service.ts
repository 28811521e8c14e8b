// The checker process's service: runs every real server's checkers on the scheduler, folds
// their results into real-server and quorum state, and tells the LVS side (the sink) which
// real servers belong in each pool with which weight. Notify scripts are started without a
// shell (unless they need one) and not waited for; mail alerts go to an optional mailer.
import { spawn } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { buildCheck, describeCheck, type BuiltCheck, type PingSocketFactory } from './build.js';
import { nativePingOpener } from './ping-socket.js';
import { splitCommand } from './misc.js';
import { VirtualServerState, type CheckEvent, type QuorumChange, type RsStateChange } from './rs-state.js';
import { Scheduler, realClock, type CheckOutcome, type Clock } from './scheduler.js';
import type { CheckerSnapshot } from './checker-state.js';
import type { CheckerSpec, VirtualServerSpec } from './types.js';

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
  /** ICMP sockets for PING_CHECK; default the native addon's. */
  pingSockets?: PingSocketFactory;
  /** Runs a notify/quorum script; default: spawn it detached, without a shell when possible. */
  runScript?: (command: string, event: Extract<CheckEvent, { type: 'script' }>) => void;
  /**
   * notify_fifo / lvs_notify_fifo: receives keepalived's lines, `RS [10.0.0.2]:tcp:80
   * [10.0.0.100]:tcp:80 DOWN` and `VS [10.0.0.100]:tcp:80 UP`, newline included.
   */
  fifoLine?: (line: string) => void;
  /** smtp_alert: hands the alert to a mailer (none by default). */
  alert?: (a: Extract<CheckEvent, { type: 'alert' }>) => void;
  log?: (message: string) => void;
  /** BFD_CHECK: a session's last reported state (undefined before the first report). */
  bfdUp?: (name: string) => boolean | undefined;
  /** checker_log_all_failures */
  logAllFailures?: boolean;
  /**
   * Reload: checker states of the previous service (its `migrationState()`). A checker whose
   * virtual server, real server and whole configuration are unchanged keeps its state
   * (up/down, has run, retry count), as keepalived's migrate_checkers does; others start afresh.
   */
  migrate?: Map<string, CheckerSnapshot>;
}

export interface CheckKey { vs: number; rs: number; checker: number }

/** keepalived's FMT_RS/FMT_VS: "[10.0.0.1]:tcp:80", "FWM 5", "[group]". */
export function formatEndpoint(id: string, protocol = 'tcp'): string {
  // Already in that form (the LVS side's virtual server names).
  if (/^\[[^\]]*\]:[a-z]+:\d+$/.test(id) || /^(FWM|GROUP) /.test(id)) return id;
  if (id.startsWith('fwmark:')) return `FWM ${id.slice(7)}`;
  if (id.startsWith('group:')) return `[${id.slice(6)}]`;
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(id);
  return m ? `[${m[1]}]:${protocol}:${m[2]}` : `[${id}]`;
}

/** keepalived's checker FIFO line for a real server changing state (check/ipwrapper.c). */
export function rsFifoLine(c: { vs: string; rs: string; up: boolean }, protocol?: string): string {
  return `RS ${formatEndpoint(c.rs, protocol)} ${formatEndpoint(c.vs, protocol)} ${c.up ? 'UP' : 'DOWN'}\n`;
}

/** keepalived's checker FIFO line for a virtual server gaining or losing quorum. */
export function vsFifoLine(vs: string, up: boolean, protocol?: string): string {
  return `VS ${formatEndpoint(vs, protocol)} ${up ? 'UP' : 'DOWN'}\n`;
}

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
  /** Virtual servers by id (the first of that id, as a search would find it): asked on every event. */
  private readonly stateById = new Map<string, VirtualServerState>();
  private readonly scheduler: Scheduler<CheckKey>;
  private readonly built = new Map<CheckKey, BuiltCheck>();
  /**
   * FILE_CHECK's files: one watcher per directory, whatever the number of checkers that
   * watch files in it (1,000 real servers tracking one file made 1,000 inotify watches on
   * its directory, each woken by every change there). Directory -> its watcher and the
   * checkers to run per file name.
   */
  private readonly watched = new Map<string, { watcher?: FSWatcher; byName: Map<string, CheckKey[]> }>();
  private readonly keys: CheckKey[] = [];
  private readonly log: (m: string) => void;

  constructor(private readonly specs: VirtualServerSpec[], private readonly opts: CheckerServiceOptions) {
    this.log = opts.log ?? (() => undefined);
    const migrated = (v: number, r: number, i: number): CheckerSnapshot | undefined => opts.migrate?.get(this.identity(v, r, i));
    this.states = specs.map((vs, v) => new VirtualServerState(vs, (r, i) => migrated(v, r, i)?.up));
    for (const st of this.states) if (!this.stateById.has(st.spec.id)) this.stateById.set(st.spec.id, st);
    this.scheduler = new Scheduler<CheckKey>(opts.clock ?? realClock, (o) => this.onOutcome(o), opts.random);
    specs.forEach((vs, v) => vs.realServers.forEach((rs, r) => rs.checkers.forEach((c, i) => {
      const key: CheckKey = { vs: v, rs: r, checker: i };
      this.keys.push(key);
      const b = buildCheck(c, opts.pingSockets ?? nativePingOpener, opts.bfdUp);
      this.built.set(key, b);
      const m = migrated(v, r, i);
      this.scheduler.add({
        key, timing: c.timing, deadlineMs: b.deadlineMs, run: b.run,
        ...(b.delayWhileDownMs !== undefined ? { delayWhileDownMs: b.delayWhileDownMs } : {}),
        ...(m ? { migrated: m } : {}),
      });
      if (c.kind === 'FILE_CHECK') this.noteWatchedFile(c.file, key);
    })));
  }

  /** A checker's identity across a reload: where it is and everything it was configured with. */
  private identity(v: number, r: number, i: number): string {
    const vs = this.specs[v];
    const rs = vs?.realServers[r];
    const c = rs?.checkers[i] as CheckerSpec;
    const sameBefore = rs?.checkers.slice(0, i).filter((x) => JSON.stringify(x) === JSON.stringify(c)).length ?? 0;
    return JSON.stringify([vs?.id, rs?.id, sameBefore, c]);
  }

  /** Every checker's state, for the service that replaces this one on reload (`migrate`). */
  migrationState(): Map<string, CheckerSnapshot> {
    const m = new Map<string, CheckerSnapshot>();
    for (const k of this.keys) {
      const snap = this.scheduler.state(k);
      if (snap) m.set(this.identity(k.vs, k.rs, k.checker), snap);
    }
    return m;
  }

  /** ha_suspend: stop (or resume) running a virtual server's checkers. */
  setVirtualServerEnabled(vsId: string, enabled: boolean): void {
    const v = this.specs.findIndex((s) => s.id === vsId);
    for (const k of this.keys) if (k.vs === v) this.scheduler.setEnabled(k, enabled);
  }

  /** A BFD session was reported up or down: its BFD_CHECKs judge again now. */
  bfdChanged(name: string): void {
    for (const k of this.keys) {
      const c = this.specs[k.vs]?.realServers[k.rs]?.checkers[k.checker];
      if (c?.kind === 'BFD_CHECK' && c.name === name) this.scheduler.runNow(k);
    }
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
    this.startVerdicts();
    this.startChecking();
  }

  /**
   * The initial verdicts alone (alpha servers out, others in; quorum), through the sink:
   * what the data plane is first programmed with, before any check runs.
   */
  startVerdicts(): void {
    for (const s of this.states) this.dispatch(s.initialEvents(), true);
  }

  /**
   * Starts running the checks, and watching FILE_CHECK's files. At start-up this comes once
   * the data plane holds the initial table, as keepalived programs its services before it
   * registers its checkers: on a large table, checks starting meanwhile only compete with
   * programming it.
   */
  startChecking(): void {
    for (const [dir, w] of this.watched) if (!w.watcher) w.watcher = this.watchDirectory(dir, w.byName);
    this.scheduler.start();
  }

  stop(): void {
    this.scheduler.stop();
    for (const w of this.watched.values()) {
      w.watcher?.close();
      w.watcher = undefined;
    }
  }

  get inFlight(): number {
    return this.scheduler.running;
  }

  get completedRuns(): number {
    return this.scheduler.completed;
  }

  private noteWatchedFile(file: string, key: CheckKey): void {
    const dir = dirname(file);
    let w = this.watched.get(dir);
    if (!w) this.watched.set(dir, (w = { byName: new Map() }));
    const name = basename(file);
    const keys = w.byName.get(name);
    if (keys) keys.push(key);
    else w.byName.set(name, [key]);
  }

  /** One watcher for a directory: a change to a file runs that file's checkers now. */
  private watchDirectory(dir: string, byName: Map<string, CheckKey[]>): FSWatcher | undefined {
    try {
      const w = watch(dir, (_ev, changed) => {
        // No name given (some file systems): any of them may have changed.
        const keys = changed ? byName.get(changed) : [...byName.values()].flat();
        for (const k of keys ?? []) this.scheduler.runNow(k);
      });
      w.on('error', () => undefined);
      w.unref();
      return w;
    } catch {
      return undefined; // the periodic check still reads the files
    }
  }

  /** The latest check of each real server (for status): VS id -> RS id -> result. */
  readonly lastChecks = new Map<string, Map<string, { ok: boolean; at: number; latencyMs: number; detail?: string }>>();

  private onOutcome(o: CheckOutcome<CheckKey>): void {
    const vs = this.specs[o.key.vs];
    const rs = vs?.realServers[o.key.rs];
    const spec = rs?.checkers[o.key.checker];
    const state = this.states[o.key.vs];
    if (!vs || !rs || !spec || !state) return;
    let last = this.lastChecks.get(vs.id);
    if (!last) this.lastChecks.set(vs.id, (last = new Map()));
    const latencyMs = Math.max(0, o.endedAt - o.startedAt);
    const prev = last.get(rs.id);
    // Updated in place when the outcome has the same shape: this runs 10,000 times a second.
    if (prev && o.result.ok && prev.detail === undefined) {
      prev.at = Date.now();
      prev.latencyMs = latencyMs;
    } else {
      last.set(rs.id, { ok: o.result.ok, at: Date.now(), latencyMs, ...(o.result.ok ? {} : { detail: o.result.reason }) });
    }
    if (!o.result.ok && (spec.timing.logAllFailures || this.opts.logAllFailures)) this.log(`${describeCheck(spec)} of ${rs.id} failed: ${o.result.reason}`);
    if (o.effect.transition === 'down') this.log(`${describeCheck(spec)} of ${rs.id} failed${spec.timing.retry ? ` after ${spec.timing.retry} retries` : ''}: ${o.result.ok ? '' : o.result.reason}`);
    if (o.effect.transition === 'up') this.log(`${describeCheck(spec)} of ${rs.id} succeeded`);
    const b = this.built.get(o.key);
    const weight = o.result.weight;
    if (o.effect.transition === undefined && weight === undefined) return;
    this.dispatch(state.checkerChanged(o.key.rs, o.key.checker, o.up, weight, b?.weightMode ?? 'absolute'), false);
  }

  private vsSpec(id: string): VirtualServerSpec | undefined {
    return this.stateById.get(id)?.spec;
  }

  /** keepalived's wording (ipwrapper.c): "Removing service [ip]:tcp:port from VS [vip]:tcp:port". */
  private rsLogLine(c: RsStateChange, cause: 'state' | 'weight'): string {
    const vs = this.vsSpec(c.vs);
    const inhibit = vs?.realServers.find((r) => r.id === c.rs)?.inhibitOnFailure ?? false;
    const rs = formatEndpoint(c.rs, vs?.protocol);
    const v = formatEndpoint(c.vs, vs?.protocol);
    if (cause === 'weight') return `Changing weight to ${c.weight} for rs ${rs} VS ${v}`;
    const verb = c.up ? (inhibit ? 'Enabl' : 'Add') : (inhibit ? 'Disabl' : 'Remov');
    return `${verb}ing service ${rs} ${inhibit ? 'of' : c.up ? 'to' : 'from'} VS ${v}`;
  }

  private quorumLogLine(q: QuorumChange): string {
    const state = this.stateById.get(q.vs);
    const quorum = state?.quorum ?? 0;
    const h = state?.hysteresis ?? 0;
    const v = formatEndpoint(q.vs, this.vsSpec(q.vs)?.protocol);
    return q.up
      ? `Gained quorum ${quorum}+${h}=${quorum + h} <= ${q.aliveWeight} for VS ${v}`
      : `Lost quorum ${quorum}-${h}=${quorum - h} > ${q.aliveWeight} for VS ${v}`;
  }

  private dispatch(events: CheckEvent[], initial: boolean): void {
    for (const e of events) {
      switch (e.type) {
        case 'rs':
          if (!initial) this.log(this.rsLogLine(e.change, e.cause));
          this.opts.sink.rsChanged(e.change);
          if (!initial && e.cause === 'state') this.opts.fifoLine?.(rsFifoLine(e.change, this.vsSpec(e.change.vs)?.protocol));
          break;
        case 'quorum':
          if (!initial) this.log(this.quorumLogLine(e.change));
          this.opts.sink.quorumChanged(e.change);
          if (!initial) this.opts.fifoLine?.(vsFifoLine(e.change.vs, e.change.up, this.vsSpec(e.change.vs)?.protocol));
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
