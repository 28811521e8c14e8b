import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckerState } from '../../../src/check/checker-state.js';
import type { CheckTiming } from '../../../src/check/types.js';

const timing = (o: Partial<CheckTiming> = {}): CheckTiming => ({
  delayLoopMs: 10_000, retry: 2, delayBeforeRetryMs: 1_000, warmupMs: 0, alpha: false, logAllFailures: false, ...o,
});

test('non-alpha checker starts up and the first failure at start takes it down at once', () => {
  const s = new CheckerState(timing({ retry: 3 }));
  assert.equal(s.up, true);
  const e = s.onResult(false);
  assert.equal(e.transition, 'down');
  assert.equal(s.up, false);
  assert.equal(e.nextDelayMs, 10_000);
});

test('alpha checker starts down; one success brings it up', () => {
  const s = new CheckerState(timing({ alpha: true }));
  assert.equal(s.up, false);
  assert.equal(s.onResult(false).transition, undefined);
  const e = s.onResult(true);
  assert.equal(e.transition, 'up');
  assert.equal(s.up, true);
});

test('once it has passed, an up checker goes down after retry+1 consecutive failures, delay_before_retry apart', () => {
  const s = new CheckerState(timing({ retry: 2 }));
  s.onResult(true);
  const a = s.onResult(false);
  assert.deepEqual([a.transition, a.nextDelayMs, a.retrying], [undefined, 1_000, true]);
  const b = s.onResult(false);
  assert.deepEqual([b.transition, b.nextDelayMs, b.retrying], [undefined, 1_000, true]);
  const c = s.onResult(false);
  assert.deepEqual([c.transition, c.nextDelayMs], ['down', 10_000]);
});

test('a success between failures resets the retry count', () => {
  const s = new CheckerState(timing({ retry: 1 }));
  s.onResult(true);
  assert.equal(s.onResult(false).transition, undefined);
  assert.equal(s.onResult(true).transition, undefined);
  assert.equal(s.onResult(false).transition, undefined);
  assert.equal(s.onResult(false).transition, 'down');
});

test('while down, failures keep the delay_loop period (or the given down period) and do not count', () => {
  const s = new CheckerState(timing({ retry: 0 }));
  s.onResult(true);
  assert.equal(s.onResult(false).transition, 'down');
  for (let i = 0; i < 3; i++) {
    const e = s.onResult(false, 20_000);
    assert.deepEqual([e.transition, e.nextDelayMs, e.retrying], [undefined, 20_000, false]);
  }
  assert.equal(s.onResult(true).transition, 'up');
});

test('retry 0: the first failure after passing takes it down', () => {
  const s = new CheckerState(timing({ retry: 0 }));
  s.onResult(true);
  assert.equal(s.onResult(false).transition, 'down');
});

test('a migrated state (reload) is kept as it was', () => {
  const s = new CheckerState(timing({ retry: 2, alpha: true }), { up: true, hasRun: true, retryIt: 1 });
  assert.equal(s.up, true);
  assert.equal(s.onResult(false).transition, undefined);
  assert.equal(s.onResult(false).transition, 'down');
});
