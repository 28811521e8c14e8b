// Small factories for the most common keyword shapes, so tables read as tables.
import type { KeywordDef, Kw } from './engine.js';
import type { GarpExtraIf, ScriptCommand, TrackRef } from '../model.js';

type Extra<T> = Partial<Omit<KeywordDef<T>, 'name' | 'handle' | 'doc' | 'syntax'>>;

/** A flag with an optional `<BOOL>` (`vrrp_strict`, `vrrp_strict off`). */
export function flag<T>(name: string, doc: string, set: (t: T, v: boolean) => void, extra: Extra<T> = {}): KeywordDef<T> {
  return {
    name, syntax: '[<BOOL>]', doc, default: 'off', ...extra,
    handle: (kw, t) => { const v = kw.flag(); if (v !== undefined) set(t, v); },
  };
}

/** A flag that takes no argument at all. */
export function bareFlag<T>(name: string, doc: string, set: (t: T) => void, extra: Extra<T> = {}): KeywordDef<T> {
  return { name, syntax: '', doc, default: 'off', ...extra, handle: (kw, t) => { kw.bare(); set(t); } };
}

/** A required `<BOOL>`. */
export function boolKw<T>(name: string, doc: string, set: (t: T, v: boolean) => void, extra: Extra<T> = {}): KeywordDef<T> {
  return {
    name, syntax: '<BOOL>', doc, ...extra,
    handle: (kw, t) => { if (!kw.count(1)) return; const v = kw.bool(); if (v !== undefined) set(t, v); },
  };
}

export function intKw<T>(name: string, min: number, max: number, doc: string, set: (t: T, v: number) => void, extra: Extra<T> = {}): KeywordDef<T> {
  return {
    name, syntax: `${min}..${max}`, doc, ...extra,
    handle: (kw, t) => { if (!kw.count(1)) return; const v = kw.int(0, min, max); if (v !== undefined) set(t, v); },
  };
}

/** Seconds with µs resolution, stored as µs. `minS`/`maxS` in seconds. */
export function timerKw<T>(name: string, minS: number, maxS: number, doc: string, set: (t: T, us: number) => void, extra: Extra<T> = {}): KeywordDef<T> {
  const minUs = Math.round(minS * 1e6);
  const maxUs = Math.round(maxS * 1e6);
  return {
    name, syntax: 'SECONDS', doc, ...extra,
    handle: (kw, t) => {
      if (!kw.count(1)) return;
      const v = kw.timerUs(0, minUs, maxUs);
      if (v !== undefined) set(t, v);
    },
  };
}

export function strKw<T>(name: string, syntax: string, doc: string, set: (t: T, v: string) => void, extra: Extra<T> = {}): KeywordDef<T> {
  return {
    name, syntax, doc, ...extra,
    handle: (kw, t) => { if (!kw.count(1)) return; const v = kw.word(); if (v !== undefined) set(t, v); },
  };
}

export function enumKw<T, W extends string>(name: string, words: readonly W[], doc: string, set: (t: T, v: W) => void, extra: Extra<T> & { ci?: boolean } = {}): KeywordDef<T> {
  const { ci, ...rest } = extra;
  return {
    name, syntax: words.join('|'), doc, ...rest,
    handle: (kw, t) => { if (!kw.count(1)) return; const v = kw.oneOf(0, words, ci); if (v !== undefined) set(t, v); },
  };
}

export function scriptKw<T>(name: string, doc: string, set: (t: T, v: ScriptCommand) => void, extra: Extra<T> = {}): KeywordDef<T> {
  return {
    name, syntax: 'SCRIPT [USER [[:]GROUP]]', doc, ...extra,
    handle: (kw, t) => { const v = kw.script(); if (v !== undefined) set(t, v); },
  };
}

/**
 * A `track_*` value block: `NAME [weight W [reverse|noreverse]]` per line.
 * `range` bounds the weight, `noreverse` says whether that word is accepted.
 */
export function trackBlock<T>(name: string, doc: string, range: [number, number], get: (t: T) => TrackRef[], extra: Extra<T> & { noreverse?: boolean; what?: string } = {}): KeywordDef<T> {
  const { noreverse = true, what = 'NAME', ...rest } = extra;
  return {
    name, syntax: `{ ${what} [weight ${range[0]}..${range[1]} [reverse${noreverse ? '|noreverse' : ''}]] ... }`, doc, block: 'required', repeatable: true, ...rest,
    handle: (kw, t) => {
      for (const item of kw.children) {
        const ref: TrackRef = { name: item.keyword, loc: item.loc, reverse: false };
        const a = item.args;
        if (a.length > 0) {
          if (a[0] !== 'weight') {
            kw.ctx.diags.error(item.loc, `${name} ${item.keyword}: unknown option '${a[0] ?? ''}' (expected 'weight')`);
            continue;
          }
          const w = a[1];
          if (w === undefined || !/^[+-]?\d+$/.test(w)) {
            kw.ctx.diags.error(item.loc, `${name} ${item.keyword}: weight needs a number`);
            continue;
          }
          let n = Number(w);
          // keepalived coerces ±254 to ±253 for interfaces and scripts (the owner priority gap).
          if (range[1] === 253 && Math.abs(n) === 254) {
            kw.ctx.diags.warn(item.loc, `${name} ${item.keyword}: weight ${n} changed to ${n > 0 ? 253 : -253}`, 'keepalived-error');
            n = n > 0 ? 253 : -253;
          }
          if (n < range[0] || n > range[1]) {
            kw.ctx.diags.error(item.loc, `${name} ${item.keyword}: weight ${w} outside range [${range[0]}, ${range[1]}]`);
            continue;
          }
          ref.weight = n;
          const r = a[2];
          if (r === 'reverse') ref.reverse = true;
          else if (r === 'noreverse' && noreverse) ref.reverse = false;
          else if (r !== undefined) {
            kw.ctx.diags.error(item.loc, `${name} ${item.keyword}: unknown option '${r}'`);
            continue;
          }
          if (a.length > 3) kw.ctx.diags.error(item.loc, `${name} ${item.keyword}: unexpected '${a[3] ?? ''}'`);
        }
        if (item.children !== undefined) kw.ctx.diags.error(item.loc, `${name}: unexpected '{'`);
        get(t).push(ref);
      }
    },
  };
}

/** A value block whose every line is one word (notification_email, group, interfaces). */
export function wordList<T>(name: string, syntax: string, doc: string, get: (t: T) => string[], extra: Extra<T> = {}): KeywordDef<T> {
  return {
    name, syntax, doc, block: 'required', repeatable: true, ...extra,
    handle: (kw, t) => {
      // keepalived takes every word of every line as an entry.
      for (const item of kw.children) get(t).push(item.keyword, ...item.args);
    },
  };
}

export function ignoreArgs(_kw: Kw): void { /* accepted and unused */ }

/**
 * `weight W [reverse]` of a track_file and of a FILE_CHECK: the multiplier of the file's value,
 * optionally reversed.
 */
export function fileWeightKw<T extends { weight?: number; weightReverse?: boolean }>(syntax: string, doc: string, extra: Extra<T> = {}): KeywordDef<T> {
  return {
    name: 'weight', syntax, doc, ...extra,
    handle: (kw, t) => {
      if (!kw.count(1, 2)) return;
      const v = kw.int(0, -2147483647, 2147483647);
      if (v === undefined) return;
      t.weight = v;
      if (kw.args[1] === 'reverse') t.weightReverse = true;
      else if (kw.args[1] !== undefined) kw.error(`weight: unexpected '${kw.args[1]}'`);
    },
  };
}

/**
 * `[all] SECONDS` of garp_extra_if and vrrp_garp_extra_if, read as keepalived reads it: `all`
 * on either side of the time; `minS` 0 (the instance's form) turns the global default off.
 */
export function garpExtraIfKw<T>(name: string, deprecated: string, minS: number, doc: string, set: (t: T, v: GarpExtraIf) => void): KeywordDef<T> {
  return {
    name, syntax: '[all] SECONDS', deprecated: [deprecated], doc,
    handle: (kw, t) => {
      if (!kw.count(1, 2)) return;
      const at = kw.args.length === 2 ? (kw.args[0] === 'all' ? 1 : kw.args[1] === 'all' ? 0 : -1) : 0;
      if (at < 0) { kw.error(`${kw.name}: unknown option '${kw.args[0] ?? ''}'`); return; }
      const v = kw.int(at, minS, 86400);
      if (v !== undefined) set(t, { all: kw.args.length === 2, intervalS: v });
    },
  };
}
