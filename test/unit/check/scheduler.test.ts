import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OUTCOME_SLICE_MS, Scheduler, type CheckOutcome } from '../../../src/check/scheduler.js';
import type { CheckResult, CheckTiming, RunSignal } from '../../../src/check/types.js';
import { VirtualClock } from './virtual-clock.js';

const timing = (o: Partial<CheckTiming> = {}): CheckTiming => ({
  delayLoopMs: 5000, retry: 2, delayBeforeRetryMs: 1000, warmupMs: 0, alpha: false, logAllFailures: false, ...o,
});

test('first run at 1 s + random*warmup, then every delay_loop', async () => {
  const clock = new VirtualClock();
  const starts: number[] = [];
  const s = new Scheduler<string>(clock, () => undefined, () => 0.5);
  s.add({ key: 'a', timing: timing({ warmupMs: 4000 }), deadlineMs: 100, run: async () => { starts.push(clock.now()); return { ok: true }; } });
  s.start();
  await clock.advance(20_000);
  assert.deepEqual(starts, [3000, 8000, 13000, 18000]);
  s.stop();
});

test('10,000 checkers with warmup = delay_loop are spread over the whole delay_loop', async () => {
  const clock = new VirtualClock();
  const s = new Scheduler<number>(clock, () => undefined);
  const firstRun: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    let ran = false;
    s.add({ key: i, timing: timing({ delayLoopMs: 1000, warmupMs: 1000 }), deadlineMs: 100, run: async () => { if (!ran) firstRun.push(clock.now()); ran = true; return { ok: true }; } });
  }
  s.start();
  await clock.advance(2000);
  s.stop();
  assert.equal(firstRun.length, 10_000);
  const buckets = new Array<number>(10).fill(0);
  for (const t of firstRun) buckets[Math.min(9, Math.floor((t - 1000) / 100))]!++;
  for (const b of buckets) assert.ok(b > 700 && b < 1300, `uneven spread: ${buckets.join(',')}`);
});

test('retries are delay_before_retry apart and the server goes down after retry+1 failures', async () => {
  const clock = new VirtualClock();
  const outcomes: Array<CheckOutcome<string>> = [];
  const results: boolean[] = [true, false, false, false, false, true];
  const starts: number[] = [];
  const s = new Scheduler<string>(clock, (o) => outcomes.push(o), () => 0);
  s.add({ key: 'a', timing: timing(), deadlineMs: 100, run: async () => { starts.push(clock.now()); const ok = results.shift() ?? true; return ok ? { ok } : { ok, reason: 'refused' }; } });
  s.start();
  await clock.advance(25_000);
  s.stop();
  // 1000 pass; 6000 fail (retry 1); 7000 fail (retry 2); 8000 fail -> down; 13000 fail (down); 18000 pass -> up
  assert.deepEqual(starts.slice(0, 6), [1000, 6000, 7000, 8000, 13000, 18000]);
  assert.deepEqual(outcomes.filter((o) => o.effect.transition).map((o) => [o.effect.transition, o.endedAt]), [['down', 8000], ['up', 18000]]);
});

test('a run that never settles is failed at its hard deadline and does not block others', async () => {
  const clock = new VirtualClock();
  const outcomes: Array<CheckOutcome<string>> = [];
  const s = new Scheduler<string>(clock, (o) => outcomes.push(o), () => 0);
  let aborted = false;
  s.add({ key: 'stuck', timing: timing({ retry: 0 }), deadlineMs: 700, run: (signal) => new Promise<CheckResult>(() => { signal.addEventListener('abort', () => { aborted = true; }); }) });
  s.add({ key: 'fine', timing: timing(), deadlineMs: 700, run: async () => ({ ok: true }) });
  s.start();
  await clock.advance(2000);
  s.stop();
  const stuck = outcomes.find((o) => o.key === 'stuck');
  assert.ok(stuck);
  assert.deepEqual(stuck.result, { ok: false, reason: 'timeout' });
  assert.equal(stuck.endedAt, 1700);
  assert.equal(stuck.effect.transition, 'down');
  assert.ok(aborted, 'the run was told to abort');
  assert.ok(outcomes.some((o) => o.key === 'fine' && o.result.ok && o.endedAt === 1000));
});

test('a thrown error counts as a failure with its message', async () => {
  const clock = new VirtualClock();
  const outcomes: Array<CheckOutcome<string>> = [];
  const s = new Scheduler<string>(clock, (o) => outcomes.push(o), () => 0);
  s.add({ key: 'x', timing: timing(), deadlineMs: 100, run: () => { throw new Error('boom'); } });
  s.start();
  await clock.advance(1000);
  s.stop();
  assert.deepEqual(outcomes[0]?.result, { ok: false, reason: 'boom' });
});

test('a disabled checker (ha_suspend) does not run until enabled', async () => {
  const clock = new VirtualClock();
  let runs = 0;
  const s = new Scheduler<string>(clock, () => undefined, () => 0);
  s.add({ key: 'x', timing: timing(), deadlineMs: 100, run: async () => { runs++; return { ok: true }; } });
  s.setEnabled('x', false);
  s.start();
  await clock.advance(12_000);
  assert.equal(runs, 0);
  s.setEnabled('x', true);
  await clock.advance(5_000);
  assert.equal(runs, 1);
  s.stop();
});

/** A VirtualClock with a defer the test drives: `runLaterTurns` runs what was deferred, each call one later turn of the loop, and counts them. */
function deferringClock(): { clock: VirtualClock & { defer(fn: () => void): void }; runLaterTurns: () => number } {
  const clock = new VirtualClock() as VirtualClock & { defer(fn: () => void): void };
  const deferred: Array<() => void> = [];
  clock.defer = (fn) => { deferred.push(fn); };
  const runLaterTurns = (): number => {
    let turns = 0;
    for (; deferred.length; turns++) deferred.shift()!();
    return turns;
  };
  return { clock, runLaterTurns };
}

/** Handling an outcome that takes `ms` of real time. */
const busy = (ms: number): void => { const end = performance.now() + ms; while (performance.now() < end) { /* handling one outcome */ } };

test('a burst of outcomes is handed over in slices of OUTCOME_SLICE_MS, in order, with the event loop free in between', async () => {
  const { clock, runLaterTurns } = deferringClock();
  const handled: number[] = [];
  const s = new Scheduler<number>(clock, (o) => { busy(OUTCOME_SLICE_MS / 4); handled.push(o.key); }, () => 0);
  // 40 checks that all finish in the same turn (one file change wakes them all).
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  for (let i = 0; i < 40; i++) s.add({ key: i, timing: timing(), deadlineMs: 10_000, run: async () => { await gate; return { ok: true }; } });
  s.start();
  await clock.advance(1000);
  release();
  await clock.flush();
  // About four outcomes fit in the first slice; the rest wait for later turns.
  assert.ok(handled.length >= 1 && handled.length <= 8, `first slice handled ${handled.length}`);
  const turns = runLaterTurns();
  assert.deepEqual(handled, Array.from({ length: 40 }, (_, i) => i));
  assert.ok(turns >= 5, `only ${turns} later turns`);
  s.stop();
});

test('stop drops outcomes not handed over yet', async () => {
  const { clock, runLaterTurns } = deferringClock();
  const handled: number[] = [];
  const s = new Scheduler<number>(clock, (o) => { busy(OUTCOME_SLICE_MS); handled.push(o.key); }, () => 0);
  for (let i = 0; i < 5; i++) s.add({ key: i, timing: timing(), deadlineMs: 10_000, run: async () => ({ ok: true }) });
  s.start();
  await clock.advance(1000);
  const before = handled.length;
  assert.ok(before < 5);
  s.stop();
  runLaterTurns();
  assert.equal(handled.length, before);
});

/** Start times of a check whose runs each take 100 ms and then do `then` (on a virtual clock), over `ms`. */
async function runStarts(ms: number, then: (signal: RunSignal, clock: VirtualClock) => Promise<void> | void): Promise<number[]> {
  const clock = new VirtualClock();
  const starts: number[] = [];
  const s = new Scheduler<string>(clock, () => undefined, () => 0);
  s.add({
    key: 'a', timing: timing(), deadlineMs: 1000,
    run: async (signal) => {
      starts.push(clock.now());
      await new Promise<void>((r) => clock.setTimer(100, r));
      await then(signal, clock);
      return { ok: true };
    },
  });
  s.start();
  await clock.advance(ms);
  s.stop();
  return starts;
}

test('a run whose outcome was there before the scheduler saw it has its next run counted from when it was there', async () => {
  // Each run's reply came 20 ms after its start and is read at 100 ms (collected at a slot
  // start); the run's promise settles only at 300 ms (the rest of the slot ran first).
  const starts = await runStarts(16_000, async (signal, clock) => {
    signal.readyAt = clock.now() - 80;
    await new Promise<void>((r) => clock.setTimer(200, r));
  });
  // delay_loop after the reply came (start + 20 ms): 5,020 ms apart, not 5,100 or 5,300.
  assert.deepEqual(starts, [1000, 6020, 11040]);
});

test('a readyAt from before the run started (another clock\'s) is ignored', async () => {
  const starts = await runStarts(12_000, (signal) => {
    signal.readyAt = -1e9;
  });
  assert.deepEqual(starts, [1000, 6100, 11200]);
});

test('a retry and the first run are urgent: the runs of a passing check, a first failure since, and a down checker are not', async () => {
  const clock = new VirtualClock();
  const runs: Array<{ at: number; urgent: boolean }> = [];
  // Passes twice, then fails from then on: retry 2 means three failures take it down.
  let n = 0;
  const s = new Scheduler<string>(clock, () => undefined, () => 0);
  s.add({
    key: 'a', timing: timing({ retry: 2 }), deadlineMs: 1000,
    run: async (signal): Promise<CheckResult> => {
      runs.push({ at: clock.now(), urgent: signal.urgent === true });
      return n++ < 2 ? { ok: true } : { ok: false, reason: 'refused' };
    },
  });
  s.start();
  await clock.advance(30_000);
  s.stop();
  assert.deepEqual(runs.slice(0, 7), [
    { at: 1000, urgent: true }, // passes (a failure here would be decisive)
    { at: 6000, urgent: false }, // passes
    { at: 11000, urgent: false }, // fails: first failure, retry after delay_before_retry
    { at: 12000, urgent: true }, // fails: a retry
    { at: 13000, urgent: true }, // fails: the last retry, down
    { at: 18000, urgent: false }, // down: every delay_loop
    { at: 23000, urgent: false },
  ]);
});
