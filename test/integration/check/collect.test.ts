// The checkers' epoll set while checks are in flight: its events are collected at slot
// starts (or once, when no slot is near), not as they come (epoll-socket.ts). What a user
// relies on must not change: a healthy server passes, and a reply that came before
// connect_timeout is never a timeout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { httpCheck } from '../../../src/check/http.js';
import { epollSocketsAvailable } from '../../../src/check/epoll-socket.js';
import { SLOT_MS, SLOT_SPACING_MS, slotTimer, type SlotTimer } from '../../../src/check/slot-timer.js';
import type { CheckResult, HttpCheckSpec, RunSignal } from '../../../src/check/types.js';
import { close, conn, listen } from './servers.js';

const skip = epollSocketsAvailable() ? false : 'needs the native addon (the epoll set)';

let server: http.Server;
let port: number;
before(async () => {
  // /slow answers after 30 ms: after its check's start, before its 60 ms connect_timeout,
  // and before the next slot (100 ms on).
  server = http.createServer((req, res) => {
    if (req.url === '/slow') setTimeout(() => res.end('late but in time'), 30);
    else res.end('ok');
  });
  port = await listen(server);
});
after(async () => close(server));

/** A run's signal that never aborts, and shows when its outcome was there to be read. */
function runSignal(): RunSignal {
  return { aborted: false, addEventListener: () => undefined, removeEventListener: () => undefined };
}

/** How long before now the check says its outcome was there (0: read as it came). */
function lateMs(signal: RunSignal): number {
  assert.ok(signal.readyAt !== undefined, 'the check set readyAt');
  return performance.now() - signal.readyAt;
}

/**
 * Runs the check from inside a slot while a slot is due every SLOT_MS for the next two
 * seconds (timers that do nothing), so that the set is collected rather than watched.
 */
async function inBusySlots(s: HttpCheckSpec, signal: RunSignal): Promise<CheckResult> {
  const filler: SlotTimer[] = [];
  for (let i = 0; i < 20; i++) filler.push(slotTimer(1000 + i * SLOT_MS, () => undefined));
  try {
    return await new Promise<CheckResult>((resolve, reject) => {
      slotTimer(1000 + 5 * SLOT_MS + 10, () => httpCheck(s)(signal).then(resolve, reject));
    });
  } finally {
    for (const f of filler) f.cancel();
  }
}

test('between close slots a reply is read at the next slot start: the check passes, read late', { skip }, async () => {
  const signal = runSignal();
  const r = await inBusySlots({ kind: 'HTTP_GET', conn: conn(port, 3000), urls: [{ path: '/' }], protocol: '1.0' }, signal);
  assert.deepEqual(r, { ok: true });
  // Collected, not woken for: its next run is counted from this much earlier.
  const late = lateMs(signal);
  assert.ok(late > 0 && late <= 2 * SLOT_MS, `lateMs ${late}`);
});

test('a reply that came before connect_timeout is read when the timeout falls due, and passes', { skip }, async () => {
  const signal = runSignal();
  const r = await inBusySlots({ kind: 'HTTP_GET', conn: conn(port, 60), urls: [{ path: '/slow' }], protocol: '1.0' }, signal);
  assert.deepEqual(r, { ok: true });
});

test('with no slot due soon, a reply is collected once, SLOT_SPACING_MS after its slot: the check passes, read late', { skip }, async () => {
  const signal = runSignal();
  const r = await new Promise<CheckResult>((resolve, reject) => {
    slotTimer(1000, () => httpCheck({ kind: 'HTTP_GET', conn: conn(port, 3000), urls: [{ path: '/' }], protocol: '1.0' })(signal).then(resolve, reject));
  });
  assert.deepEqual(r, { ok: true });
  // Woken for, it would be read at once (readyAt now); collected, it is read SLOT_SPACING_MS after its slot.
  const late = lateMs(signal);
  assert.ok(late > SLOT_MS && late >= SLOT_SPACING_MS / 2, `lateMs ${late}`);
});

test('a retry (an urgent run) is read as its reply comes, even with no slot due soon', { skip }, async () => {
  const signal: RunSignal = { ...runSignal(), urgent: true };
  const r = await new Promise<CheckResult>((resolve, reject) => {
    slotTimer(1000, () => httpCheck({ kind: 'HTTP_GET', conn: conn(port, 3000), urls: [{ path: '/' }], protocol: '1.0' })(signal).then(resolve, reject));
  });
  assert.deepEqual(r, { ok: true });
  // Collected, it would be read SLOT_SPACING_MS after its slot (the test before this one).
  const late = lateMs(signal);
  assert.ok(late < SLOT_MS / 2, `lateMs ${late}`);
});
