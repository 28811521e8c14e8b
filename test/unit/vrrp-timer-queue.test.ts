import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimerQueue, type QueuedTimer } from '../../src/vrrp/timer-queue.js';

function drain(q: TimerQueue, now: number): number[] {
  const out: number[] = [];
  for (let t = q.popDue(now); t; t = q.popDue(now)) out.push(t.id);
  return out;
}

test('TimerQueue pops due timers by deadline, then in the order they were added', () => {
  const q = new TimerQueue();
  q.add(1, 30, () => {});
  q.add(2, 10, () => {});
  q.add(3, 20, () => {});
  q.add(4, 10, () => {});
  assert.equal(q.peek(), 10);
  assert.deepEqual(drain(q, 15), [2, 4]);
  assert.equal(q.peek(), 20);
  assert.deepEqual(drain(q, 100), [3, 1]);
  assert.equal(q.peek(), undefined);
});

test('TimerQueue cancel removes any entry, and a second cancel or a fired timer is ignored', () => {
  // Against a sorted-array model, with random adds and cancels.
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const q = new TimerQueue();
  let model: { id: number; at: number }[] = [];
  const live: QueuedTimer[] = [];
  let id = 0;
  for (let step = 0; step < 5000; step++) {
    const op = rnd(10);
    if (op < 5) {
      const at = rnd(1000);
      live.push(q.add(++id, at, () => {}));
      model.push({ id, at });
    } else if (op < 8 && live.length) {
      const t = live.splice(rnd(live.length), 1)[0] as QueuedTimer;
      q.cancel(t);
      q.cancel(t);
      model = model.filter((m) => m.id !== t.id);
    } else {
      const now = rnd(1000);
      const due = model.filter((m) => m.at <= now).sort((a, b) => a.at - b.at || a.id - b.id).map((m) => m.id);
      assert.deepEqual(drain(q, now), due);
      model = model.filter((m) => m.at > now);
      for (const d of due) live.splice(live.findIndex((t) => t.id === d), 1);
    }
    assert.equal(q.size, model.length);
  }
  const gone = q.add(++id, -1, () => {});
  assert.equal(q.popDue(0), gone);
  q.cancel(gone);
  assert.equal(q.size, model.length);
});
