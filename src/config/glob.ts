// The subset of glob(3) keepalived uses for `include` and `-f`: csh-style `{a,b}` braces
// (GLOB_BRACE), `*`, `?` and `[...]` per path component, hidden entries only matched by an
// explicit leading dot, results of each brace alternative sorted. Synchronous on purpose:
// the reader is synchronous.
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/** Upper bound on the alternatives a single pattern may expand to (a hostile `{a,b}{c,d}...`). */
const MAX_BRACE_ALTERNATIVES = 4096;

/** Expands csh braces: `a{b,c}d` => [abd, acd]; `{}` and unmatched braces stay literal. */
export function expandBraces(pattern: string): string[] {
  const open = findBraceOpen(pattern);
  if (open < 0) return [pattern];
  const close = findBraceClose(pattern, open);
  if (close < 0) return [pattern];
  const inner = pattern.slice(open + 1, close);
  const parts = splitTopLevelCommas(inner);
  const prefix = pattern.slice(0, open);
  const suffix = pattern.slice(close + 1);
  const out: string[] = [];
  for (const part of parts) {
    for (const expanded of expandBraces(prefix + part + suffix)) {
      out.push(expanded);
      if (out.length >= MAX_BRACE_ALTERNATIVES) return out;
    }
  }
  return out;
}

function findBraceOpen(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') { i++; continue; }
    // glob(3) leaves a literal "{}" alone.
    if (s[i] === '{' && s[i + 1] !== '}') return i;
  }
  return -1;
}

function findBraceClose(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '\\') { i++; continue; }
    if (s[i] === '{') depth++;
    else if (s[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function splitTopLevelCommas(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') { i++; continue; }
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

export function hasWildcard(s: string): boolean {
  return /[*?[]/.test(s);
}

/** Translates one path component's wildcard pattern to an anchored RegExp. */
function componentRegExp(component: string): RegExp {
  let re = '^';
  for (let i = 0; i < component.length; i++) {
    const ch = component[i] as string;
    if (ch === '\\' && i + 1 < component.length) {
      re += escapeRe(component[++i] as string);
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = component.indexOf(']', i + 2);
      if (close < 0) { re += '\\['; continue; }
      let body = component.slice(i + 1, close);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = close;
    } else re += escapeRe(ch);
  }
  return new RegExp(re + '$');
}

function escapeRe(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function unescapeGlob(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/** Matches one brace-free pattern against the filesystem; relative to `cwd`. Sorted. */
function globOne(pattern: string, cwd: string): string[] {
  const absolute = isAbsolute(pattern);
  const components = pattern.split('/').filter((c, idx) => c !== '' || idx === 0);
  let bases: string[] = [absolute ? '/' : ''];
  const startIdx = absolute ? 1 : 0;
  for (let idx = startIdx; idx < components.length; idx++) {
    const comp = components[idx] as string;
    if (comp === '') continue;
    const last = idx === components.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      const dirOnDisk = base === '' ? cwd : isAbsolute(base) ? base : join(cwd, base);
      if (!hasWildcard(comp)) {
        const candidate = base === '' ? unescapeGlob(comp) : join(base, unescapeGlob(comp));
        const onDisk = isAbsolute(candidate) ? candidate : join(cwd, candidate);
        if (exists(onDisk, !last)) next.push(candidate);
        continue;
      }
      let entries: string[];
      try {
        entries = readdirSync(dirOnDisk);
      } catch {
        continue;
      }
      const re = componentRegExp(comp);
      for (const entry of entries.sort()) {
        if (entry.startsWith('.') && !comp.startsWith('.')) continue;
        if (!re.test(entry)) continue;
        const candidate = base === '' ? entry : join(base, entry);
        if (!last && !exists(isAbsolute(candidate) ? candidate : join(cwd, candidate), true)) continue;
        next.push(candidate);
      }
    }
    bases = next;
    if (bases.length === 0) break;
  }
  return bases.filter((b) => b !== '' && b !== '/' || pattern === '/');
}

function exists(path: string, mustBeDir: boolean): boolean {
  try {
    const st = statSync(path);
    return mustBeDir ? st.isDirectory() : true;
  } catch {
    return false;
  }
}

/**
 * Expands a keepalived include/-f pattern. Relative results stay relative to `cwd`
 * (the caller joins them). Brace alternatives keep their order; each one's matches sorted.
 */
export function globPaths(pattern: string, cwd: string): string[] {
  const out: string[] = [];
  for (const alt of expandBraces(pattern)) {
    for (const p of globOne(alt, cwd)) if (!out.includes(p)) out.push(p);
  }
  return out;
}
