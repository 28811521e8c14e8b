import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SystemClock } from '../../src/vrrp/os/clock.js';

test('SystemClock timers never fire before their time (the FSM ignores early wake-ups)', async () => {
  const clock = new SystemClock();
  const early: number[] = [];
  await Promise.all(
    Array.from({ length: 50 }, (_, i) => new Promise<void>((done) => {
      const at = clock.now() + 300 + i * 137; // fractional-millisecond deadlines
      clock.setTimer(at, () => {
        if (clock.now() < at) early.push(at - clock.now());
        done();
      });
    })),
  );
  assert.deepEqual(early, []);
});

test('SystemClock timers can be cleared', async () => {
  const clock = new SystemClock();
  let fired = false;
  const h = clock.setTimer(clock.now() + 2000, () => (fired = true));
  clock.clearTimer(h);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(fired, false);
});
