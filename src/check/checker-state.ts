// One checker's up/down state and retry counting, keepalived's rules exactly
// (check_api.c / the checkers' epilogues), with no I/O and no clock: the caller feeds
// results and is told when to run next.
//
//  * Start (not a reload): an alpha checker is down; a non-alpha one is up. Either way the
//    retry counter starts full, so the very first failure is decisive (a non-alpha server
//    goes down at once instead of after retry+1 failures).
//  * While up: a failure with retries left schedules a retry after delay_before_retry;
//    the (retry+1)th consecutive failure takes it down.
//  * While down: checks continue every delay_loop; a single success brings it up.
import type { CheckTiming } from './types.js';

export type Transition = 'up' | 'down' | undefined;

export interface ResultEffect {
  /** Set when the checker's state changed. */
  transition: Transition;
  /** When to run next, from the end of this run. */
  nextDelayMs: number;
  /** This failure was absorbed by a retry (counts for log_all_failures). */
  retrying: boolean;
}

export interface CheckerSnapshot {
  up: boolean;
  hasRun: boolean;
  retryIt: number;
}

export class CheckerState {
  up: boolean;
  hasRun = false;
  retryIt: number;

  constructor(
    private readonly timing: CheckTiming,
    /** On reload, keepalived migrates state from an identical old checker. */
    migrated?: CheckerSnapshot,
  ) {
    if (migrated) {
      this.up = migrated.up;
      this.hasRun = migrated.hasRun;
      this.retryIt = migrated.retryIt;
    } else {
      this.up = !timing.alpha;
      this.retryIt = timing.retry;
    }
  }

  /**
   * Up, with a failure already counted against it (a retry), or before its first run (the
   * counter starts full, so that failure is decisive): its next run may take it down.
   * Retry 0 never counts one up, so its runs never are.
   */
  get atRisk(): boolean {
    return this.up && this.retryIt > 0;
  }

  snapshot(): CheckerSnapshot {
    return { up: this.up, hasRun: this.hasRun, retryIt: this.retryIt };
  }

  /** Feeds the result of one run. */
  onResult(ok: boolean, delayWhileDownMs = this.timing.delayLoopMs): ResultEffect {
    const firstRun = !this.hasRun;
    this.hasRun = true;
    if (ok) {
      this.retryIt = 0;
      const transition: Transition = this.up ? undefined : 'up';
      this.up = true;
      return { transition, nextDelayMs: this.timing.delayLoopMs, retrying: false };
    }
    if ((this.up || firstRun) && this.retryIt >= this.timing.retry) {
      this.retryIt = 0;
      const transition: Transition = this.up ? 'down' : undefined;
      this.up = false;
      return { transition, nextDelayMs: delayWhileDownMs, retrying: false };
    }
    if (this.up) {
      this.retryIt++;
      return { transition: undefined, nextDelayMs: this.timing.delayBeforeRetryMs, retrying: true };
    }
    return { transition: undefined, nextDelayMs: delayWhileDownMs, retrying: false };
  }
}
