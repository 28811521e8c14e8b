// When to restart a child that died: keepalived's respawn rate limit
// (lib/scheduler.c calc_restart_delay). A child that had run for a minute or more is
// restarted at once; otherwise the delay starts at 0, then 1 s and doubles up to 60 s,
// and every restart inside that minute pays the current delay.

/** Per-child memory of the policy: the delay the next quick death will pay. */
export interface RestartBackoff {
  readonly nextDelayS: number;
}

export const INITIAL_BACKOFF: RestartBackoff = { nextDelayS: 0 };

/** A child that ran at least this long is restarted immediately and the backoff resets. */
export const STABLE_RUN_MS = 60_000;
export const MAX_RESTART_DELAY_S = 60;

export interface RestartDecision {
  /** Seconds to wait before starting the child again. */
  delayS: number;
  /** True when the delay was rate-limited (keepalived logs "Restart of ... delayed"). */
  rateLimited: boolean;
  backoff: RestartBackoff;
}

/** Pure: what to do about a child that started at `startedAtMs` and died at `nowMs`. */
export function decideRestart(backoff: RestartBackoff, startedAtMs: number, nowMs: number): RestartDecision {
  if (nowMs - startedAtMs >= STABLE_RUN_MS) {
    return { delayS: 0, rateLimited: false, backoff: INITIAL_BACKOFF };
  }
  const delayS = backoff.nextDelayS;
  let next: number;
  if (delayS === 0) next = 1;
  else if (delayS > MAX_RESTART_DELAY_S / 2) next = MAX_RESTART_DELAY_S;
  else next = delayS * 2;
  return { delayS, rateLimited: true, backoff: { nextDelayS: next } };
}
