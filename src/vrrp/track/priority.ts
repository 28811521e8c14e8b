// Pure tracking arithmetic (inventory §4.1.6): how the state of the things an instance
// tracks (interfaces, scripts, files, processes) turns into its total priority and its
// faults. The runners (link monitor, script scheduler, ...) only report states; this module
// decides what they mean, so the rules can be tested event by event.

/** What a tracker currently says. */
export type TrackerReading =
  /** Interfaces, scripts, processes: up/OK or down/failed. */
  | { kind: 'status'; ok: boolean }
  /** track_file: the integer read from the file. */
  | { kind: 'value'; value: number };

/** One tracker as one instance sees it (the instance's weight may override the tracker's). */
export interface TrackedItem {
  /** Unique per instance, e.g. "interface eth1", "script chk_web". */
  key: string;
  weight: number;
  reverse: boolean;
  reading: TrackerReading;
}

export interface TrackingResult {
  /** Base priority plus every contribution (before the 1..254 clamp the state machine applies). */
  total: number;
  /** Keys of the trackers that put the instance in FAULT. */
  faults: string[];
}

/** The contribution of one tracker: a number, or 'fault'. */
export function contribution(item: TrackedItem): number | 'fault' {
  const { weight, reverse, reading } = item;
  if (reading.kind === 'value') {
    // track_file: value x weight; weight 0 means a non-zero value is a failure.
    if (weight === 0) return reading.value !== 0 ? 'fault' : 0;
    const v = reading.value * weight * (reverse ? -1 : 1);
    if (v <= -254) return 'fault';
    return Math.max(-254, Math.min(253, v));
  }
  const failed = !reading.ok;
  if (weight === 0) {
    // weight 0: failure means FAULT; `reverse` inverts (FAULT while OK).
    return failed !== reverse ? 'fault' : 0;
  }
  if (weight > 0) {
    if (failed) return 0;
    return reverse ? -weight : weight;
  }
  if (!failed) return 0;
  return reverse ? -weight : weight;
}

/** Total priority and faults from the base priority and the tracked items. */
export function computeTracking(basePriority: number, items: readonly TrackedItem[]): TrackingResult {
  let total = basePriority;
  const faults: string[] = [];
  for (const item of items) {
    const c = contribution(item);
    if (c === 'fault') faults.push(item.key);
    else total += c;
  }
  return { total, faults };
}

/**
 * vrrp_script rise/fall counter (keepalived's result counter r in [0, rise+fall-1]; the
 * script is OK iff r >= rise). Returns the new counter and whether the OK state flipped.
 */
export interface ScriptCounter {
  result: number;
  ok: boolean;
}

export function initialScriptCounter(rise: number, initFail: boolean): ScriptCounter {
  // The first result decides (until then the script counts as OK) unless init_fail: then
  // it starts failed and `rise` successes are needed.
  return initFail ? { result: 0, ok: false } : { result: rise - 1, ok: true };
}

export function scriptResult(c: ScriptCounter, success: boolean, rise: number, fall: number): { counter: ScriptCounter; changed: boolean } {
  const max = rise + fall - 1;
  if (success) {
    if (c.result < rise - 1) return { counter: { result: c.result + 1, ok: c.ok }, changed: false };
    return { counter: { result: max, ok: true }, changed: !c.ok };
  }
  if (c.result > rise) return { counter: { result: c.result - 1, ok: c.ok }, changed: false };
  return { counter: { result: 0, ok: false }, changed: c.ok };
}
