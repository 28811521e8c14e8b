// A check whose answer came in time must pass even when the process was kept off the CPU for
// longer than its timeout (a loaded host, a long GC pause): libuv runs due timers before it
// reads I/O, so a plain timer would fail it. These tests block the event loop past the
// timeout right after the check starts; the loopback server answers meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs';
import net from 'node:net';
import { nativeTcpProbe, netTcpProbe } from '../../../src/check/tcp.js';
import { Scheduler, realClock, type CheckOutcome } from '../../../src/check/scheduler.js';
import { close, conn, listen } from './servers.js';

/**
 * Keeps the loop busy, as a starved or GC-paused process would be. Called from an I/O
 * callback (see onIoPhase), so the next loop turn runs due timers before it polls for I/O:
 * the order that makes a plain timer report a timeout although the answer is waiting.
 */
function blockLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) { /* busy */ }
}

/** Continues in libuv's poll phase (an fs callback), like a socket event handler would. */
const onIoPhase = (): Promise<void> => new Promise((resolve) => stat('/', () => resolve()));

test('TCP_CHECK: a connect completed while the loop was blocked past connect_timeout passes', async () => {
  const s = net.createServer((c) => c.destroy());
  const p = await listen(s);
  try {
    await onIoPhase();
    const raw = nativeTcpProbe(conn(p, 30), new AbortController().signal);
    assert.ok(raw);
    blockLoop(200);
    assert.deepEqual(await raw, { ok: true });
    // A server that never answers still times out.
    const held = net.createServer();
    const hp = await listen(held);
    await close(held);
    await onIoPhase();
    const refused = nativeTcpProbe(conn(hp, 30), new AbortController().signal);
    blockLoop(200);
    assert.deepEqual(await refused, { ok: false, reason: 'connection refused' });
  } finally {
    await close(s);
  }
});

test('scheduler: a run that finished while the loop was blocked past its deadline is not a timeout', async () => {
  const s = net.createServer((c) => c.destroy());
  const p = await listen(s);
  try {
    const outcomes: CheckOutcome<string>[] = [];
    const sched = new Scheduler<string>(realClock, (o) => outcomes.push(o));
    sched.add({
      key: 'rs', deadlineMs: 20, run: (signal) => nativeTcpProbe(conn(p, 5000), signal) ?? netTcpProbe(conn(p, 5000), signal),
      timing: { delayLoopMs: 60_000, retry: 0, delayBeforeRetryMs: 1000, warmupMs: 0, alpha: false, logAllFailures: false },
    });
    sched.start();
    await onIoPhase();
    sched.runNow('rs');
    blockLoop(200);
    while (outcomes.length === 0) await new Promise((r) => setImmediate(r));
    sched.stop();
    assert.deepEqual(outcomes.map((o) => o.result), [{ ok: true }]);
  } finally {
    await close(s);
  }
});
