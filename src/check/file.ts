// FILE_CHECK: a real server's state and weight from a track_file. The file holds an
// integer. With weight 0 the checker is down while the value is non-zero (zero with
// `reverse`); otherwise the checker is up and adds value * weight (negated with `reverse`)
// to the real server's weight, unless that is at or below -2^31, which counts as down.
// A missing or unreadable file reads as the track_file's init value, else fails.
import { readFile } from 'node:fs/promises';
import { IPVS_WEIGHT_FAULT } from './rs-state.js';
import type { CheckResult, CheckRun, FileCheckSpec } from './types.js';

/** keepalived reads the leading integer of the file (strtol); garbage reads as 0. */
export function parseTrackFileValue(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

export function judgeFileValue(value: number, weight: number, reverse: boolean): CheckResult {
  if (weight === 0) {
    const down = reverse ? value === 0 : value !== 0;
    return down ? { ok: false, reason: `file value ${value}`, weight: 0 } : { ok: true, weight: 0 };
  }
  const delta = value * weight * (reverse ? -1 : 1);
  if (delta <= IPVS_WEIGHT_FAULT) return { ok: false, reason: `file value ${value} is a fault`, weight: 0 };
  return { ok: true, weight: Math.min(delta, 2147483647) };
}

/** Reads started in this turn of the event loop, by file. */
const readsThisTurn = new Map<string, Promise<string>>();

/**
 * One read of a file for every check that asks for it in the same turn of the event loop:
 * a change to a track file wakes every FILE_CHECK on it at once (keepalived reads it once
 * per inotify event too), and a thousand reads of one file would queue on libuv's thread
 * pool long enough to miss the checks' deadline on a slow machine. Only reads started in
 * the same turn are shared, so a check never gets a value read before it was woken.
 */
function readShared(file: string): Promise<string> {
  let p = readsThisTurn.get(file);
  if (!p) {
    p = readFile(file, 'latin1');
    readsThisTurn.set(file, p);
    setImmediate(() => readsThisTurn.delete(file));
  }
  return p;
}

export function fileCheck(spec: Pick<FileCheckSpec, 'file' | 'weight' | 'reverse' | 'initValue'>): CheckRun {
  return async () => {
    let value: number;
    try {
      value = parseTrackFileValue(await readShared(spec.file));
    } catch (e) {
      if (spec.initValue === undefined) return { ok: false, reason: `cannot read ${spec.file}: ${(e as NodeJS.ErrnoException).code ?? e}` };
      value = spec.initValue;
    }
    return judgeFileValue(value, spec.weight, spec.reverse);
  };
}
