import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_SLACK_MS, SLOT_MS, SlotTimer, addSlotHooks, slackFor, slotDueWithin, slotTimer } from '../../../src/check/slot-timer.js';
import { realClock } from '../../../src/check/scheduler.js';

test('runs due within one slot start in one go at its start, never more than a slot early; a cancelled one never runs', async () => {
  const t0 = performance.now();
  // Two slots ahead of t0 + 1 s, so every delay below is over a second.
  const k = Math.ceil((t0 + 1000) / SLOT_MS) + 1;
  const dueAt = (offset: number) => k * SLOT_MS + offset - t0;
  let turn = 0;
  const nextTurn = () => queueMicrotask(() => turn++);
  const fired: Array<{ name: string; turn: number; early: number }> = [];
  const at = (name: string, ms: number) =>
    slotTimer(ms, () => {
      if (!fired.length || fired[fired.length - 1]!.turn !== turn) nextTurn();
      fired.push({ name, turn, early: t0 + ms - performance.now() });
    });
  at('a', dueAt(10));
  const b = at('b', dueAt(50));
  at('c', dueAt(90));
  at('next slot', dueAt(SLOT_MS + 20));
  b.cancel();
  await sleep(dueAt(2 * SLOT_MS));
  assert.deepEqual(fired.map((f) => f.name), ['a', 'c', 'next slot']);
  assert.equal(fired[0]!.turn, fired[1]!.turn, 'a and c start in one go');
  assert.notEqual(fired[1]!.turn, fired[2]!.turn, 'the next slot starts on its own');
  for (const f of fired) assert.ok(f.early <= SLOT_MS, `${f.name} ran ${f.early.toFixed(1)} ms early`);
});

test('a run joins the latest slot already set within its slack (a tenth of its delay, 100-500 ms), else starts its own', async () => {
  assert.deepEqual([1000, 2000, 5000, 60_000].map(slackFor), [SLOT_MS, 200, MAX_SLACK_MS, MAX_SLACK_MS]);
  const t0 = performance.now();
  const k = Math.ceil((t0 + 1000) / SLOT_MS) + 1;
  const dueAt = (offset: number) => k * SLOT_MS + offset - t0;
  // A slot runs its timers in one go: a microtask queued by its first one runs after its last.
  let turn = 0;
  const fired: Array<{ name: string; turn: number; early: number }> = [];
  const at = (name: string, offset: number, slackMs: number) =>
    slotTimer(dueAt(offset), () => {
      if (!fired.length || fired[fired.length - 1]!.turn !== turn) queueMicrotask(() => turn++);
      fired.push({ name, turn, early: k * SLOT_MS + offset - performance.now() });
    }, slackMs);
  at('a', 10, MAX_SLACK_MS); // a new slot at k
  at('b', 450, MAX_SLACK_MS); // k is within 500 ms before it: joins it
  at('c', 650, MAX_SLACK_MS); // nothing within 500 ms before it: its own slot, at k + 6
  at('retry', 450, slackFor(1000)); // a delay of 1 s may only start 100 ms early: k + 4
  await sleep(dueAt(800));
  assert.deepEqual(fired.map((f) => f.name), ['a', 'b', 'retry', 'c']);
  const slotOf = (name: string) => fired.find((f) => f.name === name)!.turn;
  assert.equal(slotOf('a'), slotOf('b'), 'b starts with a');
  assert.ok(slotOf('retry') > slotOf('b') && slotOf('c') > slotOf('retry'), 'the retry and c start on their own');
  for (const f of fired) assert.ok(f.early <= (f.name === 'b' ? MAX_SLACK_MS : SLOT_MS), `${f.name} ran ${f.early.toFixed(1)} ms early`);
});

test('the checkers\' clock slots delays of a second or more, and runs shorter ones when due', async () => {
  const ran: string[] = [];
  const short = realClock.setTimer(5, () => ran.push('5 ms'));
  const slotted = realClock.setTimer(1000, () => ran.push('1 s'));
  assert.ok(slotted instanceof SlotTimer);
  assert.ok(!(short instanceof SlotTimer));
  slotted.cancel();
  await sleep(50);
  assert.deepEqual(ran, ['5 ms']);
});

test('slot hooks run before and after each slot\'s runs; a slot emptied by cancel is reported and no longer due', async () => {
  const events: string[] = [];
  let recording = true;
  addSlotHooks({
    beforeSlot: () => { if (recording) events.push('before'); },
    afterSlot: () => { if (recording) events.push('after'); },
    slotDropped: () => { if (recording) events.push('dropped'); },
  });
  // A slot over a second ahead, so that no other test's slot is counted in.
  const t0 = performance.now();
  const k = Math.ceil((t0 + 1000) / SLOT_MS) + 1;
  const delay = k * SLOT_MS + 10 - t0;
  const gone = slotTimer(delay + SLOT_MS, () => events.push('never'));
  assert.ok(slotDueWithin(delay + 2 * SLOT_MS), 'a slot with a timer in it is due');
  gone.cancel();
  assert.deepEqual(events, ['dropped']);
  slotTimer(delay, () => events.push('run 1'));
  slotTimer(delay, () => events.push('run 2'));
  assert.ok(slotDueWithin(delay + 1) && !slotDueWithin(delay - SLOT_MS - 1));
  await sleep(delay + 2 * SLOT_MS);
  recording = false;
  assert.deepEqual(events, ['dropped', 'before', 'run 1', 'run 2', 'after']);
});
