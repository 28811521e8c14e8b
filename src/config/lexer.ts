// Line-level lexing of keepalived.conf, following keepalived's lib/parser.c rules:
// comments, escapes, trailing-backslash continuation, brace splitting and word splitting.
// Pure functions over strings; the preprocessor decides which lines reach them.

/** Characters that separate words on an ordinary configuration line. */
const WORD_SEPARATORS = ' \t\f\n\r\v';

function isSeparator(ch: string | undefined): boolean {
  return ch !== undefined && WORD_SEPARATORS.includes(ch);
}

function isSeparatorCode(c: number): boolean {
  // space, \t, \n, \v, \f, \r
  return c === 32 || (c >= 9 && c <= 13);
}

function isBlankCode(c: number): boolean {
  return c === 32 || c === 9;
}

/** The line without leading and trailing spaces/tabs (one slice, no regex). */
function trimBlanks(line: string): string {
  let start = 0;
  let end = line.length;
  while (start < end && isBlankCode(line.charCodeAt(start))) start++;
  while (end > start && isBlankCode(line.charCodeAt(end - 1))) end--;
  return start === 0 && end === line.length ? line : line.slice(start, end);
}

export interface DecommentResult {
  /** The line without comment, leading/trailing blanks, `\#`/`\!` escapes resolved. */
  text: string;
  /** The line ended in an unescaped `\` (multi-line `$NAME=` definitions). */
  continued: boolean;
  /** An odd number of `"` outside escapes: keepalived reports "Unterminated quote". */
  unterminatedQuote: boolean;
}

/**
 * Removes a `#` or `!` comment that starts outside double quotes. A backslash outside
 * quotes makes a following `#`/`!` literal; any other backslash pair is kept as is
 * (script keywords interpret them later). A lone `\` at the end marks a continuation.
 */
const NEEDS_DECOMMENT = /["\\#!]/;

export function decomment(line: string): DecommentResult {
  // Most lines have nothing to remove but blanks.
  if (!NEEDS_DECOMMENT.test(line)) return { text: trimBlanks(line), continued: false, unterminatedQuote: false };
  let out = '';
  let inQuote = false;
  let continued = false;
  let i = 0;
  // Leading blanks (space and tab only, as keepalived) are dropped first.
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  for (; i < line.length; i++) {
    const ch = line[i] as string;
    if (ch === '"') {
      inQuote = !inQuote;
      out += ch;
    } else if (ch === '\\') {
      const next = line[i + 1];
      if (next === undefined) {
        continued = true;
        break;
      }
      if (!inQuote && (next === '#' || next === '!')) out += next;
      else out += ch + next;
      i++;
    } else if (!inQuote && (ch === '#' || ch === '!')) {
      break;
    } else {
      out += ch;
    }
  }
  out = out.replace(/[ \t]+$/, '');
  if (continued) out += '\\';
  return { text: out, continued, unterminatedQuote: inQuote };
}

/**
 * keepalived puts every `{` and `}` (outside double quotes) on a logical line of its own:
 * text before the first brace stays, the brace and what follows is read next. Returns
 * the first logical line and the residue still to read (undefined when none).
 */
export function splitAtBrace(line: string): { head: string; residue: string | undefined } {
  if (!line.includes('{') && !line.includes('}')) return { head: trimEnd(line), residue: undefined };
  let pos = -1;
  if (line.startsWith('{') || line.startsWith('}')) {
    pos = 0;
  } else {
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (ch === '"') {
        const close = line.indexOf('"', i + 1);
        if (close < 0) break;
        i = close;
      } else if (ch === '{' || ch === '}') {
        pos = i;
        break;
      }
    }
  }
  if (pos < 0) return { head: trimEnd(line), residue: undefined };
  if (pos === 0) {
    const rest = trimEnd(line.slice(1).replace(/^[ \t]+/, ''));
    return { head: line[0] as string, residue: rest === '' ? undefined : rest };
  }
  const rest = trimEnd(line.slice(pos));
  return { head: trimEnd(line.slice(0, pos)), residue: rest };
}

function trimEnd(s: string): string {
  let end = s.length;
  while (end > 0 && isBlankCode(s.charCodeAt(end - 1))) end--;
  return end === s.length ? s : s.slice(0, end);
}

export interface Tokenized {
  words: string[];
  /** A `"` opened a word and never closed (the word runs to the end of the line). */
  unmatchedQuote: boolean;
}

/**
 * Splits an ordinary line into words: blanks separate, a word starting with `"` runs to
 * the next `"` (quotes removed, no escapes), and a `"` also ends an unquoted word.
 * Single quotes are not special here (only script keywords honour them).
 */
const SEPARATOR_RUN = /[ \t\f\n\r\v]+/;

export function tokenizeLine(line: string): Tokenized {
  if (!line.includes('"')) {
    const words = line.split(SEPARATOR_RUN);
    if (words[0] === '') words.shift();
    if (words[words.length - 1] === '') words.pop();
    return { words, unmatchedQuote: false };
  }
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && isSeparator(line[i])) i++;
    if (i >= line.length) break;
    if (line[i] === '"') {
      const close = line.indexOf('"', i + 1);
      if (close < 0) {
        return { words, unmatchedQuote: true };
      }
      words.push(line.slice(i + 1, close));
      i = close + 1;
    } else {
      const start = i;
      while (i < line.length && !isSeparator(line[i]) && line[i] !== '"') i++;
      words.push(line.slice(start, i));
    }
  }
  return { words, unmatchedQuote: false };
}

/** The text after the first word of a line, leading blanks removed (ConfigNode.rest). */
export function restAfterFirstWord(line: string): string {
  const n = line.length;
  let i = 0;
  while (i < n && isSeparatorCode(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) === 34 /* " */) {
    const close = line.indexOf('"', i + 1);
    i = close < 0 ? n : close + 1;
  } else {
    while (i < n) {
      const c = line.charCodeAt(i);
      if (isSeparatorCode(c) || c === 34) break;
      i++;
    }
  }
  while (i < n && isSeparatorCode(line.charCodeAt(i))) i++;
  return i === 0 ? line : line.slice(i);
}

export type SplitCommandResult = { ok: true; words: string[] } | { ok: false; error: string };

/**
 * Splits a script command string the way keepalived does for notify/script/misc_path:
 * `'` and `"` group (and may be glued to other text inside one word), and with
 * `escapes` the backslash sequences \a \b \E \f \n \r \t \v, \NNN octal, \xHH hex and
 * \cX (control) are decoded; any other `\C` yields C. Without `escapes` the backslash
 * and its character are kept verbatim (keepalived's first, unescaped pass).
 */
export function splitCommandLine(text: string, escapes = true): SplitCommandResult {
  const words: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && isSeparator(text[i])) i++;
    if (i >= n) break;
    let word = '';
    let quote: string | undefined;
    while (i < n) {
      const ch = text[i] as string;
      if (ch === '\\') {
        i++;
        if (i >= n) return { ok: false, error: `missing escaped character at end of '${text}'` };
        if (!escapes) {
          word += '\\' + (text[i] as string);
          i++;
          continue;
        }
        const decoded = decodeEscape(text, i);
        word += decoded.value;
        i = decoded.next;
        continue;
      }
      if (quote !== undefined) {
        if (ch === quote) quote = undefined;
        else word += ch;
        i++;
        continue;
      }
      if (ch === '"' || ch === "'") {
        quote = ch;
        i++;
        continue;
      }
      if (isSeparator(ch)) break;
      word += ch;
      i++;
    }
    if (quote !== undefined) return { ok: false, error: `missing terminating ${quote} in '${text}'` };
    words.push(word);
  }
  return { ok: true, words };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

function isHex(ch: string | undefined): boolean {
  return ch !== undefined && /^[0-9a-fA-F]$/.test(ch);
}

function isOctal(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '7';
}

/** Decodes the escape whose first character (after `\`) is at `i`. */
function decodeEscape(text: string, i: number): { value: string; next: number } {
  const ch = text[i] as string;
  if (ch === 'x' && isHex(text[i + 1])) {
    let j = i + 1;
    let v = 0;
    while (j < i + 3 && isHex(text[j])) {
      v = v * 16 + parseInt(text[j] as string, 16);
      j++;
    }
    return { value: String.fromCharCode(v), next: j };
  }
  if (ch === 'c' && text[i + 1] !== undefined) {
    return { value: String.fromCharCode((text.charCodeAt(i + 1)) & 0x1f), next: i + 2 };
  }
  if (isOctal(ch)) {
    let j = i;
    let v = 0;
    while (j < i + 3 && isOctal(text[j])) {
      v = v * 8 + Number(text[j]);
      j++;
    }
    // keepalived stores the value in a char: only the low 8 bits survive.
    return { value: String.fromCharCode(v & 0xff), next: j };
  }
  return { value: SIMPLE_ESCAPES[ch] ?? ch, next: i + 1 };
}
