// keepalived's ~SEQ(var, start, step, end) and ~LST(var, v1, v2, ...) line repetition
// (lib/parser.c add_seq / add_lst). Parsing yields a lazy Expansion so a huge range costs
// nothing until read, and the preprocessor's line bound stops runaway input.

export interface ExpansionStep {
  /** The line to process for this step (it may itself start with ~SEQ / ~LST). */
  text: string;
  /** Definitions to set before processing it. */
  bindings: [string, string][];
}

export interface Expansion {
  next(): ExpansionStep | undefined;
}

export type ParseExpansionResult = { ok: true; expansion: Expansion } | { ok: false; error: string };

const BLANKS = ' \t';

function skipBlanks(s: string, i: number): number {
  while (i < s.length && BLANKS.includes(s[i] as string)) i++;
  return i;
}

/** strtol(s, &end, 0): optional blanks and sign, 0x hex, leading-0 octal, else decimal. */
export function strtol(s: string, start: number): { value: number; end: number } {
  let i = skipBlanks(s, start);
  let sign = 1;
  if (s[i] === '+' || s[i] === '-') {
    if (s[i] === '-') sign = -1;
    i++;
  }
  let base = 10;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    base = 16;
    i += 2;
  } else if (s[i] === '0') {
    base = 8;
  }
  const digits = base === 16 ? /[0-9a-fA-F]/ : base === 8 ? /[0-7]/ : /[0-9]/;
  const begin = i;
  let value = 0;
  while (i < s.length && digits.test(s[i] as string)) {
    value = value * base + parseInt(s[i] as string, base);
    i++;
  }
  // No digits: strtol consumes nothing.
  if (i === begin) return { value: 0, end: start };
  return { value: sign * value, end: i };
}

class SeqExpansion implements Expansion {
  private current: number;
  private done = false;
  constructor(private readonly v: string, start: number, private readonly step: number,
    private readonly last: number, private readonly hex: boolean, private readonly text: string) {
    this.current = start;
  }
  next(): ExpansionStep | undefined {
    if (this.done) return undefined;
    const value = this.hex ? this.current.toString(16) : String(this.current);
    this.current += this.step;
    if ((this.step > 0 && this.current > this.last) || (this.step < 0 && this.current < this.last)) this.done = true;
    return { text: this.text, bindings: [[this.v, value]] };
  }
}

/**
 * Parses `~SEQ(var, ...) rest` or `~SEQx(...)`. The numbers may be $definitions:
 * `substitute` resolves them before they are read.
 */
export function parseSeq(line: string, substitute: (s: string) => string): ParseExpansionResult {
  const invalid = (why = 'Invalid ~SEQ definition'): ParseExpansionResult => ({ ok: false, error: `${why} '${line}'` });
  let p = 4;
  const hex = line[p] === 'x';
  if (hex) p++;
  p = skipBlanks(line, p);
  if (line[p] !== '(') return invalid('Invalid ~SEQ specification');
  p = skipBlanks(line, p + 1);
  const varStart = p;
  while (p < line.length && !' \t,)'.includes(line[p] as string)) p++;
  const name = line.slice(varStart, p);
  p = skipBlanks(line, p);
  if (p >= line.length || line[p] === ')' || name === '' || name.startsWith('{')) return invalid();
  p = skipBlanks(line, p + 1);
  const close = line.indexOf(')', p);
  if (close < 0) return invalid('~SEQ missing terminating \')\'');
  if (close + 1 - p > 3 * 20 + 3) return invalid('~SEQ parameter strings too long');
  const params = substitute(line.slice(p, close + 1));
  let start: number;
  let step: number;
  let end: number;
  const one = strtol(params, 0);
  let q = skipBlanks(params, one.end);
  if (params[q] === ')') {
    end = one.value;
    step = end < 1 ? -1 : 1;
    start = end < 0 ? -1 : 1;
  } else {
    if (params[q] !== ',') return invalid();
    const two = strtol(params, q + 1);
    q = skipBlanks(params, two.end);
    if (params[q] === ')') {
      start = one.value;
      end = two.value;
      step = start <= end ? 1 : -1;
    } else {
      if (params[q] !== ',') return invalid();
      const three = strtol(params, q + 1);
      q = skipBlanks(params, three.end);
      if (params[q] !== ')') return invalid();
      start = one.value;
      step = two.value;
      end = three.value;
      if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) return invalid('Invalid ~SEQ values');
    }
  }
  if (hex && (start < 0 || end < 0)) return invalid('~SEQx is only valid for positive numbers');
  const text = line.slice(skipBlanks(line, close + 1));
  return { ok: true, expansion: new SeqExpansion(name, start, step, end, hex, text) };
}

class LstExpansion implements Expansion {
  private index = 0;
  constructor(private readonly names: string[], private readonly sets: string[][], private readonly text: string) {}
  next(): ExpansionStep | undefined {
    const set = this.sets[this.index++];
    if (!set) return undefined;
    return { text: this.text, bindings: this.names.map((n, i) => [n, set[i] ?? '']) };
  }
}

/** Parses `~LST(var, v1, v2, ...) rest` or `~LST({a,b}, {1,2}, {3,4}) rest`. */
export function parseLst(line: string): ParseExpansionResult {
  const invalid = (why = 'Invalid ~LST specification'): ParseExpansionResult => ({ ok: false, error: `${why} '${line}'` });
  let p = skipBlanks(line, 4);
  if (line[p] !== '(') return invalid();
  p = skipBlanks(line, p + 1);
  let endChar = ',';
  if (line[p] === '{') {
    endChar = '}';
    p = skipBlanks(line, p + 1);
  }
  const names: string[] = [];
  for (;;) {
    const s = p;
    while (p < line.length && !' \t,}'.includes(line[p] as string)) p++;
    names.push(line.slice(s, p));
    p = skipBlanks(line, p);
    if (line[p] === endChar) break;
    if (line[p] !== ',') return invalid();
    p = skipBlanks(line, p + 1);
  }
  if (line[p] === '}') p = skipBlanks(line, p + 1);
  if (line[p] !== ',') return invalid();
  p = skipBlanks(line, p + 1);
  const sets: string[][] = [];
  for (;;) {
    let valueEnd = ',';
    if (line[p] === '{') {
      valueEnd = '}';
      p = skipBlanks(line, p + 1);
    }
    const values: string[] = [];
    for (;;) {
      const s = p;
      while (p < line.length && !' \t,})'.includes(line[p] as string)) p++;
      values.push(line.slice(s, p));
      p = skipBlanks(line, p);
      if (line[p] === valueEnd || (line[p] === ')' && valueEnd === ',')) break;
      if (line[p] !== ',') return invalid();
      p = skipBlanks(line, p + 1);
      if (values.length > names.length - 1) return invalid('~LST specification has too many values');
    }
    while (values.length < names.length) values.push('');
    sets.push(values);
    if (line[p] === '}' && valueEnd === '}') p = skipBlanks(line, p + 1);
    if (line[p] === ')') break;
    if (line[p] !== ',') return invalid();
    p = skipBlanks(line, p + 1);
  }
  if (names.length === 0 || sets.length === 0) return invalid();
  const text = line.slice(skipBlanks(line, p + 1));
  return { ok: true, expansion: new LstExpansion(names, sets, text) };
}
