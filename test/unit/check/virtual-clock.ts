// A clock tests drive by hand: timers fire in time order when the test advances it,
// with pending promise callbacks flushed between firings.
import type { Clock, TimerHandle } from '../../../src/check/scheduler.js';

export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: Array<{ at: number; seq: number; fn: () => void }> = [];

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void, sinceMsAgo = 0): TimerHandle {
    const entry = { at: this.t + Math.max(0, ms - Math.min(ms, Math.max(0, sinceMsAgo))), seq: this.seq++, fn };
    this.timers.push(entry);
    return { cancel: () => { this.timers = this.timers.filter((e) => e !== entry); } };
  }

  async flush(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
  }

  /** Advances to now+ms, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await this.flush();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      await this.flush();
    }
    this.t = end;
  }
}
