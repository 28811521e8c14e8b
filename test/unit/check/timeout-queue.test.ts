import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { IoTimeout } from '../../../src/check/io-timeout.js';
import { addBeforeTimeoutVerdicts } from '../../../src/check/timeout-queue.js';

/** A check's timeout (queued by duration, see timeout-queue.ts). */
const timeout = (ms: number, fn: () => void) => new IoTimeout(ms, fn);

test('queued timeouts fire in order, never before they are due; a cancelled one never fires', async () => {
  const fired: Array<[string, number]> = [];
  const t0 = performance.now();
  const mark = (name: string) => () => fired.push([name, performance.now() - t0]);
  timeout(30, mark('a'));
  const b = timeout(30, mark('b'));
  timeout(10, mark('short'));
  await sleep(5);
  timeout(30, mark('c'));
  b.cancel();
  await sleep(60);
  assert.deepEqual(fired.map(([n]) => n), ['short', 'a', 'c']);
  const at = Object.fromEntries(fired);
  assert.ok(at.short! >= 9.5 && at.a! >= 29.5 && at.c! >= 34.5, JSON.stringify(at));
  b.cancel(); // cancelling again, or after the others fired, is harmless
});

test('a timeout cancelled from the callback of one due with it does not fire', async () => {
  const fired: string[] = [];
  const later: { t?: { cancel(): void } } = {};
  timeout(20, () => { fired.push('first'); later.t?.cancel(); });
  later.t = timeout(20, () => fired.push('second'));
  timeout(20, () => fired.push('third'));
  await sleep(40);
  assert.deepEqual(fired, ['first', 'third']);
});

test('a timeout set from a firing one does not hold up the next one due', async () => {
  const t0 = performance.now();
  let nextAt = 0;
  timeout(20, () => timeout(20, () => undefined));
  await sleep(4);
  timeout(20, () => (nextAt = performance.now() - t0));
  await sleep(60);
  // Due at ~24 ms; a queue that re-armed for the newly set one (due at ~40) fired it then.
  assert.ok(nextAt >= 23.5 && nextAt < 34, `fired at ${nextAt.toFixed(1)} ms`);
});

test('an IoTimeout counts only after the I/O already waiting: a loop blocked past it still sees the answer first', async () => {
  const order: string[] = [];
  const t = new IoTimeout(5, () => order.push('timeout'));
  // The answer arrives (as I/O: an immediate stands for it here) while the loop is blocked.
  const blockUntil = performance.now() + 30;
  while (performance.now() < blockUntil) { /* the process is kept off the loop */ }
  setImmediate(() => { order.push('answer'); t.cancel(); });
  await sleep(20);
  assert.deepEqual(order, ['answer']);
});

test('a thousand timeouts of one duration, most cancelled, leave none behind', async () => {
  let fired = 0;
  const ts = Array.from({ length: 1000 }, () => new IoTimeout(15, () => fired++));
  for (let i = 0; i < ts.length; i++) if (i % 10) ts[i]!.cancel();
  await sleep(40);
  assert.equal(fired, 100);
});

test('I/O read just before due timeouts give their verdicts settles its runs first, through their promises', async () => {
  // A stand-in for the checkers' epoll set while its events are collected at slot starts:
  // once, when the timeout is due, it "reads" a reply that settles a run through a chain
  // of promises (as an exchange, its judgement and the scheduler do). The timeout, set for
  // that run's deadline, must find it settled.
  let pending: (() => void) | undefined;
  addBeforeTimeoutVerdicts(() => {
    const read = pending;
    pending = undefined;
    read?.();
    return read !== undefined;
  });
  let settled = false;
  const order: string[] = [];
  const reply = new Promise<void>((resolve) => (pending = resolve));
  void reply.then(() => Promise.resolve()).then(async () => { await null; settled = true; order.push('run settled'); });
  const deadline = new IoTimeout(5, () => order.push(settled ? 'deadline: already settled' : 'deadline: TIMEOUT'));
  await new Promise((r) => setTimeout(r, 50));
  deadline.cancel();
  assert.deepEqual(order, ['run settled', 'deadline: already settled']);
});

test('when every timeout of a duration is cancelled, its timer goes too: nothing wakes the process for them', () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const a = timeout(54_321, () => assert.fail('cancelled'));
  const b = timeout(54_321, () => assert.fail('cancelled'));
  assert.equal(timers(), before + 1, 'one timer for the queue');
  a.cancel();
  assert.equal(timers(), before + 1, 'still armed for b');
  b.cancel();
  assert.equal(timers(), before, 'none left armed');
  const c = timeout(54_321, () => assert.fail('cancelled'));
  assert.equal(timers(), before + 1, 'a new timeout of that duration arms again');
  c.cancel();
  assert.equal(timers(), before);
});
