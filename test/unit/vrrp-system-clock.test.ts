import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeTimerClock, TimerfdClock } from '../../src/vrrp/os/clock.js';
import { nativeUnavailable } from '../../src/net/sys.js';
import type { ClockPort } from '../../src/vrrp/ports.js';

// NodeTimerClock (setTimeout) keeps deadline order only to the millisecond.
const clocks: [string, () => ClockPort & { close?(): void }, string | undefined, boolean][] = [
  ['TimerfdClock', () => new TimerfdClock(), nativeUnavailable(), true],
  ['NodeTimerClock', () => new NodeTimerClock(), undefined, false],
];

for (const [name, make, skip, ordered] of clocks) {
  test(`${name} timers never fire before their time${ordered ? ' and fire in deadline order' : ''}`, { skip }, async () => {
    const clock = make();
    const early: number[] = [];
    const order: number[] = [];
    const base = clock.now();
    // Fractional-millisecond deadlines, armed out of order.
    const ats = Array.from({ length: 50 }, (_, i) => base + 300 + ((i * 7919) % 50) * 137);
    await Promise.all(
      ats.map((at) => new Promise<void>((done) => {
        clock.setTimer(at, () => {
          const now = clock.now();
          if (now < at) early.push(at - now);
          order.push(at);
          done();
        });
      })),
    );
    clock.close?.();
    assert.deepEqual(early, []);
    if (ordered) assert.deepEqual(order, [...ats].sort((a, b) => a - b));
    else assert.equal(order.length, ats.length);
  });

  test(`${name} timers can be cleared, also the earliest and from inside another timer`, { skip }, async () => {
    const clock = make();
    const fired: string[] = [];
    const now = clock.now();
    // Tens of milliseconds apart: NodeTimerClock re-arms a timer that fired a fraction early,
    // and on a busy machine a later timer only a few milliseconds on could overtake it.
    const a = clock.setTimer(now + 20_000, () => fired.push('a'));
    const c = clock.setTimer(now + 80_000, () => fired.push('c'));
    clock.setTimer(now + 40_000, () => {
      fired.push('b');
      clock.clearTimer(c);
    });
    clock.clearTimer(a);
    // Waited for on the clock itself (a setTimeout could run first on a busy machine).
    await new Promise<void>((done) => clock.setTimer(now + 100_000, done));
    clock.close?.();
    assert.deepEqual(fired, ['b']);
  });
}

test('TimerfdClock fires a past deadline at once and its now() is monotonic microseconds', { skip: nativeUnavailable() }, async () => {
  const clock = new TimerfdClock();
  const t0 = clock.now();
  await new Promise<void>((done) => clock.setTimer(t0 - 5_000_000, done));
  const t1 = clock.now();
  assert.ok(Number.isInteger(t1) && t1 >= t0);
  clock.close();
});

test('a TimerfdClock with nothing pending does not keep the process alive', { skip: nativeUnavailable() }, async () => {
  const { spawnSync } = await import('node:child_process');
  const src = new URL('../../src/vrrp/os/clock.js', import.meta.url).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e',
    `import { TimerfdClock } from '${src}'; const c = new TimerfdClock(); const h = c.setTimer(c.now() + 60e6, () => {}); c.setTimer(c.now() + 1000, () => { c.clearTimer(h); console.log('fired'); });`], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.stdout.trim(), 'fired');
  assert.equal(r.status, 0);
});
