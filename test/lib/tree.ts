// Test-only: turn simple keepalived-style text into ConfigNode trees without the real reader.
// Handles `#`/`!` comments, double quotes, braces anywhere on a line (split like keepalived),
// and keeps line numbers. No includes, macros or conditionals.
import type { ConfigNode } from '../../src/config/ast.js';

interface Line { words: string[]; rest: string; line: number }

function splitLine(text: string): { words: string[]; raw: string } {
  let raw = '';
  let inQuote = false;
  for (const c of text) {
    if (c === '"') inQuote = !inQuote;
    if (!inQuote && (c === '#' || c === '!')) break;
    raw += c;
  }
  const words: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw)) !== null) words.push(m[1] ?? m[2] ?? '');
  return { words, raw: raw.trim() };
}

/**
 * `configId` drives keepalived's `@ID line` / `@^ID line` conditionals (the only preprocessing
 * done here).
 */
export function parseTree(text: string, file = 'test.conf', configId = 'testhost'): ConfigNode[] {
  // Split braces into their own logical lines, keeping the line number.
  const lines: (Line | '{' | '}')[] = [];
  const lineNos: number[] = [];
  text.split('\n').forEach((original, idx) => {
    let src = original;
    const cond = /^\s*@(\^?)(\S+)\s*(.*)$/.exec(src);
    if (cond) {
      const match = cond[2] === configId;
      if ((cond[1] === '^') === match) return;
      src = cond[3] ?? '';
    }
    const { raw } = splitLine(src);
    let cur = '';
    let inQuote = false;
    const flush = (): void => {
      const t = cur.trim();
      if (t) {
        const { words } = splitLine(t);
        const kwEnd = t.startsWith('"') ? t.indexOf('"', 1) + 1 : (t.search(/\s/) < 0 ? t.length : t.search(/\s/));
        lines.push({ words, rest: t.slice(kwEnd).trim(), line: idx + 1 });
        lineNos.push(idx + 1);
      }
      cur = '';
    };
    for (const c of raw) {
      if (c === '"') inQuote = !inQuote;
      if (!inQuote && (c === '{' || c === '}')) { flush(); lines.push(c); lineNos.push(idx + 1); continue; }
      cur += c;
    }
    flush();
  });
  let i = 0;
  const parse = (): ConfigNode[] => {
    const out: ConfigNode[] = [];
    while (i < lines.length) {
      const l = lines[i];
      if (l === '}') { i++; return out; }
      if (l === '{' || l === undefined) { i++; continue; }
      i++;
      const node: ConfigNode = { keyword: l.words[0] ?? '', args: l.words.slice(1), rest: l.rest, loc: { file, line: l.line } };
      if (lines[i] === '{') { i++; node.children = parse(); }
      out.push(node);
    }
    return out;
  };
  return parse();
}
