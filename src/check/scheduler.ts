// Runs checkers on their own timelines: first run at 1 s + random[0, warmup] (so 10,000
// checkers started together spread over a whole delay_loop, as keepalived does), then
// every delay_loop, or delay_before_retry while retrying. Every run has a hard deadline:
// when it passes the run counts as a timeout failure whatever the checker is doing, so one
// stuck checker never holds up its own schedule, let alone another's. Clock and randomness
// are injected; a test drives the scheduler with a virtual clock.
import { CheckerState, type CheckerSnapshot, type ResultEffect } from './checker-state.js';
import { IoTimeout } from './io-timeout.js';
import { MIN_SLOTTED_MS, slackFor, slotTimer } from './slot-timer.js';
import type { CheckResult, CheckRun, CheckTiming, RunSignal } from './types.js';

/** keepalived's BOOTSTRAP_DELAY: nothing is checked in the first second. */
export const BOOTSTRAP_DELAY_MS = 1000;

export interface TimerHandle { cancel(): void }

export interface Clock {
  now(): number;
  /**
   * Runs `fn` once, `ms` after now, or `ms` after `sinceMsAgo` ms ago: a next run counted from
   * an end that was only noticed later (the delay, not the moment, decides how a real clock
   * times it: a second or more goes in a slot).
   */
  setTimer(ms: number, fn: () => void, sinceMsAgo?: number): TimerHandle;
  /**
   * A run's hard deadline: like setTimer, but a real clock fires it only after the I/O
   * already waiting has been handled (see io-timeout.ts), so a run that finished while the
   * process was starved of CPU is not cut short. Default: setTimer.
   */
  setDeadline?(ms: number, fn: () => void): TimerHandle;
  /**
   * Runs `fn` after the I/O waiting now (setImmediate). With it, the scheduler hands a burst
   * of outcomes over in slices of OUTCOME_SLICE_MS (see Scheduler.deliver); without it (a
   * virtual clock), every outcome is handed over at once.
   */
  defer?(fn: () => void): void;
}

/**
 * Longest stretch of outcome handling in one turn of the event loop. One change of a track
 * file that 1,000 FILE_CHECKs watch finishes 1,000 runs at once; handled in one go, that
 * held the checker process's loop for 4 s under CPU emulation, and the parent's heartbeat
 * killed it. In slices, the loop answers the heartbeat (and runs deadlines) in between.
 */
export const OUTCOME_SLICE_MS = 20;

export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn, sinceMsAgo = 0) {
    const left = ms - Math.min(ms, Math.max(0, sinceMsAgo));
    // Next runs of a second or more start with the others of their slot (slot-timer.ts).
    if (ms >= MIN_SLOTTED_MS) return slotTimer(left, fn, slackFor(ms));
    const t = setTimeout(fn, Math.max(0, left));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
  setDeadline(ms, fn) {
    return new IoTimeout(Math.max(0, ms), fn);
  },
  defer(fn) {
    setImmediate(fn);
  },
};

export interface ScheduledCheck<K> {
  key: K;
  timing: CheckTiming;
  /** Hard deadline of one run, from its start. */
  deadlineMs: number;
  run: CheckRun;
  /** Period while down (HTTP: max(delay_loop, delay_before_retry)); default delay_loop. */
  delayWhileDownMs?: number;
  migrated?: CheckerSnapshot;
}

export interface CheckOutcome<K> {
  key: K;
  result: CheckResult;
  effect: ResultEffect;
  /** The checker's state after this result. */
  up: boolean;
  startedAt: number;
  endedAt: number;
}

interface Entry<K> {
  check: ScheduledCheck<K>;
  state: CheckerState;
  timer?: TimerHandle;
  running: boolean;
  /** Bumped on stop so a run that settles afterwards is ignored. */
  generation: number;
  enabled: boolean;
}

/**
 * The hard deadline as a run sees it: an AbortSignal's abort event without the EventTarget
 * machinery (one or two listeners at most, made 10,000 times a second).
 */
class RunDeadline implements RunSignal {
  aborted = false;
  readyAt: number | undefined = undefined;
  private listeners: Array<() => void> | undefined;

  constructor(readonly urgent: boolean) {}

  addEventListener(_type: 'abort', listener: () => void): void {
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const l = this.listeners;
    if (!l) return;
    const i = l.indexOf(listener);
    if (i >= 0) l.splice(i, 1);
  }

  /** Fires each listener once (they are all `once` listeners in the checkers). */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const l = this.listeners;
    this.listeners = undefined;
    for (const fn of l ?? []) {
      try { fn(); } catch { /* a checker's cleanup never stops the others */ }
    }
  }
}

export class Scheduler<K> {
  private readonly entries = new Map<K, Entry<K>>();
  private started = false;
  private inFlight = 0;
  private completedRuns = 0;
  /** Outcomes waiting for the next slice (see deliver); `queueHead` is the next one's index. */
  private queue: Array<CheckOutcome<K>> = [];
  private queueHead = 0;
  /** When this turn's outcome handling began; undefined until an outcome comes in a turn. */
  private sliceStart: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onOutcome: (o: CheckOutcome<K>) => void,
    private readonly random: () => number = Math.random,
  ) {}

  get running(): number {
    return this.inFlight;
  }

  /** Runs finished since creation (for statistics). */
  get completed(): number {
    return this.completedRuns;
  }

  add(check: ScheduledCheck<K>): void {
    if (this.entries.has(check.key)) throw new Error('checker added twice');
    const entry: Entry<K> = { check, state: new CheckerState(check.timing, check.migrated), running: false, generation: 0, enabled: true };
    this.entries.set(check.key, entry);
    if (this.started) this.scheduleFirst(entry);
  }

  state(key: K): CheckerSnapshot | undefined {
    return this.entries.get(key)?.state.snapshot();
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const e of this.entries.values()) this.scheduleFirst(e);
  }

  stop(): void {
    this.started = false;
    // Outcomes not handed over yet belong to runs that stop() cancels.
    this.queue = [];
    this.queueHead = 0;
    for (const e of this.entries.values()) {
      e.timer?.cancel();
      e.timer = undefined;
      e.generation++;
      e.running = false;
    }
    this.inFlight = 0;
  }

  /** Runs a checker now (FILE_CHECK on a file change); no-op while it runs. */
  runNow(key: K): void {
    const e = this.entries.get(key);
    if (!e || !this.started || e.running) return;
    e.timer?.cancel();
    this.runEntry(e);
  }

  /** ha_suspend: a disabled checker keeps its schedule but does not run. */
  setEnabled(key: K, enabled: boolean): void {
    const e = this.entries.get(key);
    if (e) e.enabled = enabled;
  }

  private scheduleFirst(e: Entry<K>): void {
    const warmup = Math.max(0, e.check.timing.warmupMs);
    const delay = e.check.migrated?.hasRun ? e.check.timing.delayLoopMs : BOOTSTRAP_DELAY_MS + Math.floor(this.random() * warmup);
    this.schedule(e, delay);
  }

  private schedule(e: Entry<K>, delayMs: number, sinceMsAgo = 0): void {
    e.timer = this.clock.setTimer(delayMs, () => {
      e.timer = undefined;
      if (!e.enabled) {
        this.schedule(e, e.check.timing.delayLoopMs);
        return;
      }
      this.runEntry(e);
    }, sinceMsAgo);
  }

  /**
   * Hands an outcome over now, unless this turn of the event loop has already spent
   * OUTCOME_SLICE_MS on outcomes: then it waits, in order, for the next turn.
   */
  private deliver(o: CheckOutcome<K>): void {
    const defer = this.clock.defer;
    if (!defer) {
      this.onOutcome(o);
      return;
    }
    if (this.queueHead < this.queue.length) {
      this.queue.push(o);
      return;
    }
    const now = performance.now();
    if (this.sliceStart === undefined) {
      this.sliceStart = now;
      defer.call(this.clock, () => { this.sliceStart = undefined; });
    }
    if (now - this.sliceStart < OUTCOME_SLICE_MS) {
      this.onOutcome(o);
      return;
    }
    this.queue.push(o);
    defer.call(this.clock, () => this.drain());
  }

  private drain(): void {
    const start = performance.now();
    try {
      while (this.queueHead < this.queue.length) {
        const o = this.queue[this.queueHead]!;
        this.queue[this.queueHead++] = undefined as unknown as CheckOutcome<K>;
        this.onOutcome(o);
        if (performance.now() - start >= OUTCOME_SLICE_MS) break;
      }
    } finally {
      // Also after a throw: the rest must not wait for good.
      if (this.queueHead < this.queue.length) this.clock.defer?.(() => this.drain());
      else {
        this.queue = [];
        this.queueHead = 0;
      }
    }
  }

  private runEntry(e: Entry<K>): void {
    const generation = e.generation;
    const startedAt = this.clock.now();
    const deadlineSignal = new RunDeadline(e.state.atRisk);
    let settled = false;
    e.running = true;
    this.inFlight++;
    const finish = (result: CheckResult): void => {
      if (settled) return;
      settled = true;
      deadline.cancel();
      if (generation !== e.generation) return;
      e.running = false;
      this.inFlight--;
      this.completedRuns++;
      const effect = e.state.onResult(result.ok, e.check.delayWhileDownMs);
      const endedAt = this.clock.now();
      // The next run counts from when the outcome was there, when the check says
      // (RunSignal.readyAt; a time before the run's start is another clock's, as a check on
      // real sockets under a test's virtual clock: ignored).
      const readyAt = deadlineSignal.readyAt;
      this.schedule(e, effect.nextDelayMs, readyAt !== undefined && readyAt >= startedAt ? endedAt - readyAt : 0);
      this.deliver({ key: e.check.key, result, effect, up: e.state.up, startedAt, endedAt });
    };
    // Only a run cut short is aborted: aborting every finished run would cost an exception
    // object per check for nothing.
    const deadline = (this.clock.setDeadline ?? this.clock.setTimer).call(this.clock, e.check.deadlineMs, () => {
      finish({ ok: false, reason: 'timeout' });
      deadlineSignal.abort();
    });
    let promise: Promise<CheckResult>;
    try {
      promise = e.check.run(deadlineSignal);
    } catch (err) {
      promise = Promise.reject(err);
    }
    promise.then(finish, (err: unknown) => finish({ ok: false, reason: err instanceof Error ? err.message : String(err) }));
  }
}
