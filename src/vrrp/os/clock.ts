// The clock port on the real system: CLOCK_MONOTONIC in µs and one-shot timers at absolute
// times. Timers that advertise every 10 ms need better than Node's whole-millisecond
// setTimeout, so the VRRP runtime uses a timerfd with absolute deadlines polled on the Node
// loop (TimerfdClock): one OS timer armed for the earliest of the queued deadlines. Where the
// native addon is missing (it is for raw sockets too, so only in tests) NodeTimerClock does the
// same job at millisecond precision. Both promise never to fire before `at`.
import { monotonicNowUs, nativeAvailable, openMonotonicTimer, type MonotonicTimer } from '../../net/sys.js';
import type { ClockPort, TimerHandle } from '../ports.js';
import { TimerQueue, type QueuedTimer } from '../timer-queue.js';

export class TimerfdClock implements ClockPort {
  private nextId = 1;
  private readonly queue = new TimerQueue();
  private timer: MonotonicTimer | undefined;
  /**
   * The deadline the timerfd is armed for; undefined when disarmed (its poll stopped), NaN
   * once it has fired (one-shot, but still polled until disarmed).
   */
  private armedAt: number | undefined;

  now(): number {
    return monotonicNowUs();
  }

  setTimer(at: number, callback: () => void): TimerHandle {
    const t = this.queue.add(this.nextId++, at, callback);
    this.rearm();
    return t;
  }

  clearTimer(handle: TimerHandle): void {
    this.queue.cancel(handle as QueuedTimer);
    this.rearm();
  }

  /** Stops the OS timer for good (pending timers never fire). */
  close(): void {
    this.timer?.close();
    this.timer = undefined;
    this.armedAt = undefined;
  }

  /** Runs every due timer, in deadline order; each may set or clear others. */
  private expired = (): void => {
    this.armedAt = NaN;
    try {
      for (let t = this.queue.popDue(this.now()); t; t = this.queue.popDue(this.now())) t.callback();
    } finally {
      this.rearm();
    }
  };

  private rearm(): void {
    const next = this.queue.peek();
    if (next === this.armedAt) return;
    this.timer ??= openMonotonicTimer(this.expired);
    if (next === undefined) this.timer.disarm();
    else this.timer.arm(next);
    this.armedAt = next;
  }
}

interface NodeTimer extends TimerHandle {
  timeout: NodeJS.Timeout;
}

/** Node's setTimeout: millisecond granularity, so adverts run up to ~1 ms late. */
export class NodeTimerClock implements ClockPort {
  private nextId = 1;

  now(): number {
    return monotonicNowUs();
  }

  setTimer(at: number, callback: () => void): TimerHandle {
    const t = { id: this.nextId++ } as NodeTimer;
    // Node's timers count whole milliseconds and may fire a fraction of one early; the
    // port promises never before `at`, so an early wake-up waits out the remainder.
    const arm = () => {
      const left = at - this.now();
      if (left <= 0) callback();
      else t.timeout = setTimeout(arm, Math.ceil(left / 1000));
    };
    t.timeout = setTimeout(arm, Math.max(0, Math.ceil((at - this.now()) / 1000)));
    return t;
  }

  clearTimer(handle: TimerHandle): void {
    clearTimeout((handle as NodeTimer).timeout);
  }
}

/** The precise clock when the native addon loads, else Node's timers. */
export function systemClock(): TimerfdClock | NodeTimerClock {
  return nativeAvailable() ? new TimerfdClock() : new NodeTimerClock();
}
