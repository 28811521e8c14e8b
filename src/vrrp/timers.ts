// VRRP timer arithmetic, in microseconds (keepalived's TIMER_HZ), with keepalived's integer
// rounding so our backups take over at the same instant its backups would
// (inventory §4.1.4; measured: v3 prio 100 adv 0.5 s -> 1.804687 s).

export const US_PER_SECOND = 1_000_000;
export const US_PER_CENTISECOND = 10_000;

/**
 * Skew_Time. v2: (256 − prio)/256 s. v3: (256 − prio) × Master_Adver_Interval / 256, with
 * the interval taken in whole centiseconds as keepalived does.
 */
export function skewTimeUs(version: 2 | 3, masterAdverIntUs: number, priority: number): number {
  const p = 256 - priority;
  if (version === 3) return Math.floor((p * Math.floor(masterAdverIntUs / US_PER_CENTISECOND) * 625) / 16);
  return Math.floor((p * US_PER_SECOND) / 256);
}

/** Master_Down_Interval = down_timer_adverts × Master_Adver_Interval + Skew_Time. */
export function masterDownIntervalUs(version: 2 | 3, downTimerAdverts: number, masterAdverIntUs: number, priority: number): number {
  return downTimerAdverts * masterAdverIntUs + skewTimeUs(version, masterAdverIntUs, priority);
}

/**
 * The advert interval a configured `advert_int` (seconds, possibly fractional) becomes:
 * v2 whole seconds 1..255, v3 centiseconds 1..4095 (keepalived rounds and clamps).
 */
export function normaliseAdvertIntUs(version: 2 | 3, seconds: number): number {
  if (version === 2) {
    const s = Math.min(255, Math.max(1, Math.round(seconds)));
    return s * US_PER_SECOND;
  }
  const cs = Math.min(4095, Math.max(1, Math.round(seconds * 100)));
  return cs * US_PER_CENTISECOND;
}

/** The advert interval field as sent: v2 seconds, v3 centiseconds. */
export function advertIntervalField(version: 2 | 3, advertIntUs: number): number {
  return version === 2 ? Math.floor(advertIntUs / US_PER_SECOND) : Math.floor(advertIntUs / US_PER_CENTISECOND);
}
