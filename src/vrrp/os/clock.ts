// The clock port on Node's timers: a monotonic microsecond clock (performance.now) and
// one-shot timers at absolute times.
import { performance } from 'node:perf_hooks';
import type { ClockPort, TimerHandle } from '../ports.js';

interface NodeTimer extends TimerHandle {
  timeout: NodeJS.Timeout;
}

export class SystemClock implements ClockPort {
  private nextId = 1;

  now(): number {
    return Math.round(performance.now() * 1000);
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
