// The table-driven keyword machinery: a block is a table of keyword definitions, each with a
// handler that parses its own arguments through `Kw` (which reports problems with the line)
// and writes into the block's target object. The same tables generate docs/config-reference.md.
import type { ConfigNode, Diagnostic, SourceLoc } from '../ast.js';
import { parseIpAddress, parseIpPrefix, type IpAddress, type IpPrefix } from '../address.js';
import type { RunAs, ScriptCommand } from '../model.js';

/**
 * A diagnostic with what keepalived 2.2.7 does about it under `-t`:
 * - `fatal` (error): keepalived cannot run this part of the config at all (e.g. missing VRID);
 * - `security` (warning): scripts run without enable_script_security (`keepalived -t` exits 6);
 * - `bad-interface` (warning): an interface that does not exist here (keepalived words it as a
 *   warning, yet `-t` fails);
 * - `keepalived-error` (warning): harmless for keepalived-ts (a deprecated spelling, a value
 *   keepalived adjusts), but keepalived 2.2.7 reports it as a config error so `-t` fails.
 * Errors without a code are keepalived's ordinary config errors (`-t` exits 5; keepalived
 * still runs with the keyword ignored or defaulted).
 */
export type DiagnosticCode = 'fatal' | 'syntax' | 'security' | 'bad-interface' | 'keepalived-error';

export interface ConfigDiagnostic extends Diagnostic {
  code?: DiagnosticCode;
}

/** Deprecated spellings that keepalived 2.2.7 itself reports (so its `-t` fails on them). */
const DEPRECATIONS_KEEPALIVED_REPORTS = new Set(['vmac_garp_intvl', 'vrrp_vmac_garp_intvl', 'nb_get_retry']);

export interface BuildEnv {
  /** Whether an interface exists on this host; absent ⇒ every name is accepted. */
  interfaceExists?: (name: string) => boolean;
  /** Host name for router_id and email defaults. */
  hostname?: string;
  /**
   * Whether a script's program (argv[0]) exists and is executable; absent ⇒ not checked.
   * keepalived disables vrrp_scripts whose program it cannot find (see scriptIsExecutable).
   */
  scriptUsable?: (program: string) => boolean;
  /** Whether a user name (or number) exists; absent ⇒ not checked. */
  userExists?: (user: string) => boolean;
}

export class Diagnostics {
  readonly list: ConfigDiagnostic[] = [];
  error(loc: SourceLoc, message: string, code?: DiagnosticCode): void {
    this.list.push(code ? { severity: 'error', loc, message, code } : { severity: 'error', loc, message });
  }
  warn(loc: SourceLoc, message: string, code?: DiagnosticCode): void {
    this.list.push(code ? { severity: 'warning', loc, message, code } : { severity: 'warning', loc, message });
  }
}

export interface BuildContext {
  diags: Diagnostics;
  env: BuildEnv;
}

/** Whether the keyword opens a block `{ ... }`. */
export type BlockUse = 'none' | 'required' | 'optional';

export interface KeywordDef<T> {
  name: string;
  /** Argument syntax for the reference ('' for a flag). */
  syntax: string;
  /** The default, as a user would read it. */
  default?: string;
  doc: string;
  /** Accepted with a warning naming the replacement. */
  deprecated?: string[];
  /** Accepted silently (undocumented synonyms). */
  aliases?: string[];
  /** Spellings only the manual uses (keepalived's parser rejects them): accepted with a warning. */
  manualNames?: string[];
  /** First keepalived version with this keyword, when newer than Debian's 2.2.7. */
  since?: string;
  block?: BlockUse;
  /** Sub-block whose keywords the reference lists under this one. */
  sub?: BlockDef<never>;
  /** May appear more than once (lists); otherwise a repeat overrides with a warning. */
  repeatable?: boolean;
  handle: (kw: Kw, target: T) => void;
}

export interface BlockDef<T> {
  name: string;
  doc: string;
  keywords: KeywordDef<T>[];
}

export function defineBlock<T>(name: string, doc: string, keywords: KeywordDef<T>[]): BlockDef<T> {
  return { name, doc, keywords };
}

/**
 * One spelling of a keyword, resolved once per block: everything runBlock needs per node
 * without looking at the definition's optional fields again.
 */
interface Hit<T> {
  def: KeywordDef<T>;
  deprecated: boolean;
  unknownToKeepalived: boolean;
  use: BlockUse;
  /** May be given more than once without the "last one is used" warning. */
  repeatable: boolean;
}

/** Each block's spelling → Hit table, built the first time the block is run. */
const INDEX = Symbol('keyword index');
type IndexedBlock<T> = BlockDef<T> & { [INDEX]?: Map<string, Hit<T>> };

function blockIndex<T>(block: BlockDef<T>): Map<string, Hit<T>> {
  const b = block as IndexedBlock<T>;
  let m = b[INDEX];
  if (m === undefined) {
    m = new Map();
    for (const d of block.keywords) {
      const use = d.block ?? 'none';
      const hit = (deprecated: boolean, unknownToKeepalived: boolean): Hit<T> => ({ def: d, deprecated, unknownToKeepalived, use, repeatable: d.repeatable === true || use !== 'none' });
      m.set(d.name, hit(false, false));
      for (const a of d.aliases ?? []) m.set(a, hit(false, false));
      for (const a of d.deprecated ?? []) m.set(a, hit(true, false));
      for (const a of d.manualNames ?? []) m.set(a, hit(false, true));
    }
    // Non-enumerable: the tables are also walked for the generated reference.
    Object.defineProperty(b, INDEX, { value: m, enumerable: false });
  }
  return m;
}

/**
 * Run every node of a block through the block's table. Unknown keywords are errors naming the
 * keyword and its line; processing goes on with the next line. Handlers never throw out of here.
 * Returns the names (canonical spellings) of the keywords given.
 */
export function runBlock<T>(ctx: BuildContext, nodes: ConfigNode[], block: BlockDef<T>, target: T, where?: string): Set<string> {
  const seen = new Set<string>();
  const index = blockIndex(block);
  for (let n = 0; n < nodes.length; n++) runNode(ctx, nodes[n] as ConfigNode, index, seen, target, where);
  return seen;
}

/**
 * runBlock one node at a time, for a block whose nodes arrive while the file is still being
 * read (the top level, when the tree is not kept): the same checks and diagnostics, in the
 * same order, as runBlock over all of them.
 */
export class BlockRunner<T> {
  /** Canonical names of the keywords given so far. */
  readonly seen = new Set<string>();
  private readonly index: Map<string, Hit<T>>;

  constructor(private readonly ctx: BuildContext, block: BlockDef<T>, private readonly target: T, private readonly where?: string) {
    this.index = blockIndex(block);
  }

  add(node: ConfigNode): void {
    runNode(this.ctx, node, this.index, this.seen, this.target, this.where);
  }
}

function runNode<T>(ctx: BuildContext, node: ConfigNode, index: Map<string, Hit<T>>, seen: Set<string>, target: T, where: string | undefined): void {
  const hit = index.get(node.keyword);
  if (hit === undefined) {
    ctx.diags.error(node.loc, `Unknown keyword '${node.keyword}'${where ? ` in ${where}` : ''}`);
    return;
  }
  const def = hit.def;
  if (hit.deprecated) {
    ctx.diags.warn(node.loc, `'${node.keyword}' is deprecated, use '${def.name}'`,
      DEPRECATIONS_KEEPALIVED_REPORTS.has(node.keyword) ? 'keepalived-error' : undefined);
  }
  if (def.since !== undefined) {
    // Accepted (kinder), but said: Debian's keepalived 2.2.7 rejects it, so its -t fails.
    ctx.diags.warn(node.loc, `'${node.keyword}' is not known to keepalived 2.2.7 (needs keepalived ${def.since})`, 'keepalived-error');
  } else if (hit.unknownToKeepalived) {
    ctx.diags.warn(node.loc, `'${node.keyword}' is the manual's name; keepalived itself only knows '${def.name}'`, 'keepalived-error');
  }
  const use = hit.use;
  if (use === 'required' && node.children === undefined) {
    ctx.diags.error(node.loc, `'${node.keyword}' needs a block: missing '{'`);
    return;
  }
  if (use === 'none' && node.children !== undefined) {
    ctx.diags.error(node.loc, `'${node.keyword}' does not take a block: unexpected '{'`);
    return;
  }
  if (seen.has(def.name)) {
    if (!hit.repeatable) ctx.diags.warn(node.loc, `'${node.keyword}' given more than once; the last one is used`);
  } else {
    seen.add(def.name);
  }
  try {
    def.handle(new Kw(ctx, node), target);
  } catch (e) {
    ctx.diags.error(node.loc, `internal error handling '${node.keyword}': ${(e as Error).message}`);
  }
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `[+-]DIGITS` (what keepalived's integer keywords accept before the range check). */
function isInteger(w: string): boolean {
  const n = w.length;
  let i = 0;
  const c0 = w.charCodeAt(0);
  if (c0 === 43 || c0 === 45) i = 1;
  if (i >= n) return false;
  for (; i < n; i++) if (!isDigitCode(w.charCodeAt(i))) return false;
  return true;
}

const TRUE_WORDS = new Set(['on', 'true', 'yes']);
const FALSE_WORDS = new Set(['off', 'false', 'no']);

/** One keyword line being handled: its arguments plus parsers that report with its location. */
export class Kw {
  // Copied from the node rather than read through getters: handlers read them many times
  // per line, mostly while still interpreted, where each getter is a call.
  readonly name: string;
  readonly args: string[];
  readonly loc: SourceLoc;

  constructor(readonly ctx: BuildContext, readonly node: ConfigNode) {
    this.name = node.keyword;
    this.args = node.args;
    this.loc = node.loc;
  }

  get children(): ConfigNode[] { return this.node.children ?? []; }
  get env(): BuildEnv { return this.ctx.env; }

  error(message: string, code?: DiagnosticCode): void {
    this.ctx.diags.error(this.node.loc, message, code);
  }
  warn(message: string, code?: DiagnosticCode): void {
    this.ctx.diags.warn(this.node.loc, message, code);
  }

  /** Check the argument count; reports and returns false when wrong. */
  count(min: number, max = min): boolean {
    const n = this.args.length;
    if (n < min) {
      this.error(`'${this.name}' needs ${min === max ? min : `at least ${min}`} argument${min === 1 ? '' : 's'}`);
      return false;
    }
    if (n > max) {
      this.error(`'${this.name}': unexpected argument '${this.args[max] ?? ''}'`);
      return false;
    }
    return true;
  }

  /** A required single word. */
  word(i = 0): string | undefined {
    const w = this.args[i];
    if (w === undefined) this.error(`'${this.name}' needs a value`);
    return w;
  }

  /** The whole argument list joined (for free-text values like router_id). */
  text(): string | undefined {
    if (this.args.length === 0) {
      this.error(`'${this.name}' needs a value`);
      return undefined;
    }
    return this.args.join(' ');
  }

  /** An integer in [min, max]; undefined (and an error) otherwise. */
  int(i: number, min: number, max: number, what = this.name): number | undefined {
    const w = this.args[i];
    if (w === undefined) {
      this.error(`'${what}' needs a number`);
      return undefined;
    }
    return this.parseInt(w, min, max, what);
  }

  parseInt(w: string, min: number, max: number, what = this.name): number | undefined {
    if (!isInteger(w)) {
      this.error(`${what}: invalid number '${w}'`);
      return undefined;
    }
    const v = Number(w);
    if (v < min || v > max) {
      this.error(`${what}: number '${w}' outside range [${min}, ${max}]`);
      return undefined;
    }
    return v;
  }

  /**
   * A duration written in (decimal) seconds with up to 6 fractional digits, as µs.
   * `unit` lets keywords written in milliseconds or µs reuse the parser.
   */
  timerUs(i: number, minUs: number, maxUs: number, unit: 's' | 'ms' | 'us' = 's'): number | undefined {
    const w = this.args[i];
    if (w === undefined) {
      this.error(`'${this.name}' needs a time value`);
      return undefined;
    }
    return this.parseTimer(w, minUs, maxUs, unit);
  }

  parseTimer(w: string, minUs: number, maxUs: number, unit: 's' | 'ms' | 'us' = 's'): number | undefined {
    const scale = unit === 's' ? 1_000_000 : unit === 'ms' ? 1000 : 1;
    const maxFrac = unit === 's' ? 6 : unit === 'ms' ? 3 : 0;
    // DIGITS[.[DIGITS]], at most maxFrac digits after the point.
    const n = w.length;
    let i = 0;
    while (i < n && isDigitCode(w.charCodeAt(i))) i++;
    const wholeEnd = i;
    let fracDigits = 0;
    if (i < n && w.charCodeAt(i) === 46 /* . */) {
      i++;
      while (i < n && isDigitCode(w.charCodeAt(i))) { i++; fracDigits++; }
    }
    if (wholeEnd === 0 || i !== n || fracDigits > maxFrac) {
      this.error(`${this.name}: invalid time value '${w}'`);
      return undefined;
    }
    const whole = wholeEnd === n ? Number(w) : Number(w.slice(0, wholeEnd));
    const frac = fracDigits > 0 ? Number(w.slice(wholeEnd + 1).padEnd(maxFrac, '0')) * (scale / 10 ** maxFrac) : 0;
    const us = whole * scale + frac;
    if (us < minUs || us > maxUs) {
      const f = (x: number): string => String(x / scale);
      this.error(`${this.name}: time value '${w}' outside range [${f(minUs)}, ${f(maxUs)}]`);
      return undefined;
    }
    return us;
  }

  /** Optional `<BOOL>` at index i; absent ⇒ true (keepalived's flag-with-optional-value). */
  flag(i = 0): boolean | undefined {
    const w = this.args[i];
    if (w === undefined) return true;
    if (this.args.length > i + 1) this.warn(`'${this.name}': extra argument '${this.args[i + 1] ?? ''}' ignored`);
    return this.parseBool(w);
  }

  /** Required `<BOOL>`. */
  bool(i = 0): boolean | undefined {
    const w = this.args[i];
    if (w === undefined) {
      this.error(`'${this.name}' needs on/off, true/false or yes/no`);
      return undefined;
    }
    return this.parseBool(w);
  }

  parseBool(w: string): boolean | undefined {
    const l = w.toLowerCase();
    if (TRUE_WORDS.has(l)) return true;
    if (FALSE_WORDS.has(l)) return false;
    this.error(`${this.name}: invalid boolean '${w}' (expected on/off, true/false, yes/no)`);
    return undefined;
  }

  /** A bare flag: warns about (and ignores) arguments. */
  bare(): true {
    if (this.args.length > 0) this.warn(`'${this.name}' takes no argument; '${this.args[0] ?? ''}' ignored`);
    return true;
  }

  /** One of a fixed set of words (case-sensitive unless `ci`). */
  oneOf<W extends string>(i: number, words: readonly W[], ci = false): W | undefined {
    const w = this.args[i];
    if (w === undefined) {
      this.error(`'${this.name}' needs one of ${words.join('|')}`);
      return undefined;
    }
    const hit = words.find((x) => (ci ? x.toLowerCase() === w.toLowerCase() : x === w));
    if (hit === undefined) this.error(`${this.name}: invalid value '${w}' (expected ${words.join('|')})`);
    return hit;
  }

  ip(i = 0): IpAddress | undefined {
    const w = this.args[i];
    if (w === undefined) {
      this.error(`'${this.name}' needs an IP address`);
      return undefined;
    }
    return this.parseIp(w);
  }

  parseIp(w: string): IpAddress | undefined {
    const r = parseIpAddress(w);
    if (!r.ok) {
      this.error(`${this.name}: ${r.error}`);
      return undefined;
    }
    return r.value;
  }

  parsePrefix(w: string): IpPrefix | undefined {
    const r = parseIpPrefix(w);
    if (!r.ok) {
      this.error(`${this.name}: ${r.error}`);
      return undefined;
    }
    return r.value;
  }

  /** Port 0..65535 (keepalived treats 0 as "no port"). */
  port(i: number): number | undefined {
    return this.int(i, 0, 65535, `${this.name} port`);
  }

  /** `weight W [reverse]` style pair starting at index i: returns weight and reverse. */
  weight(i: number, min: number, max: number, allowNoReverse = false): { weight?: number; reverse: boolean } {
    const w = this.int(i, min, max, `${this.name} weight`);
    let reverse = false;
    const r = this.args[i + 1];
    if (r === 'reverse') reverse = true;
    else if (r === 'noreverse' && allowNoReverse) reverse = false;
    else if (r !== undefined) this.error(`${this.name}: unexpected '${r}' after weight`);
    return w === undefined ? { reverse } : { weight: w, reverse };
  }

  /** `USER [[:]GROUP]` starting at index i. */
  runAs(i = 0): RunAs | undefined {
    const user = this.args[i];
    if (user === undefined) {
      this.error(`'${this.name}' needs a user name`);
      return undefined;
    }
    const g = this.args[i + 1];
    if (this.args.length > i + 2) this.error(`'${this.name}': unexpected argument '${this.args[i + 2] ?? ''}'`);
    return g === undefined ? { user } : { user, group: g.replace(/^:/, '') };
  }

  /**
   * A script keyword: `KEYWORD COMMAND [USER [[:]GROUP]]`, COMMAND quoted when it has blanks.
   * Uses the raw rest of the line because keepalived re-tokenises it with both quote kinds.
   */
  script(): ScriptCommand | undefined {
    const r = parseScriptLine(this.node.rest.length > 0 ? this.node.rest : this.args.map(quoteArg).join(' '));
    if (!r.ok) {
      this.error(`${this.name}: ${r.error}`);
      return undefined;
    }
    return r.value;
  }
}

function quoteArg(a: string): string {
  return /[\s'"]/.test(a) ? `"${a}"` : a;
}

/** Split on blanks; `"` and `'` group words; backslashes are kept for the second stage. */
function splitQuoted(text: string): { ok: true; words: string[] } | { ok: false; error: string } {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
    if (i >= text.length) break;
    let word = '';
    while (i < text.length && !/\s/.test(text[i] ?? '')) {
      const c = text[i] ?? '';
      if (c === '"' || c === "'") {
        const end = text.indexOf(c, i + 1);
        if (end < 0) return { ok: false, error: `unterminated ${c} quote` };
        word += text.slice(i, end + 1);
        i = end + 1;
      } else if (c === '\\' && i + 1 < text.length) {
        word += text.slice(i, i + 2);
        i += 2;
      } else {
        word += c;
        i++;
      }
    }
    words.push(word);
  }
  return { ok: true, words };
}

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** Resolve quotes and backslash escapes of one command word into argv words. */
function commandArgv(command: string): string[] {
  const argv: string[] = [];
  let cur = '';
  let have = false;
  let quote: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i] ?? '';
    if (quote) {
      if (c === quote) { quote = undefined; continue; }
      cur += c;
      continue;
    }
    if (c === '"' || c === "'") { quote = c; have = true; continue; }
    if (/\s/.test(c)) {
      if (have || cur !== '') argv.push(cur);
      cur = '';
      have = false;
      continue;
    }
    if (c === '\\' && i + 1 < command.length) {
      const n = command[++i] ?? '';
      if (ESCAPES[n] !== undefined) cur += ESCAPES[n];
      else if (/[0-7]/.test(n)) {
        const m = /^[0-7]{1,3}/.exec(command.slice(i)) ?? [''];
        cur += String.fromCharCode(parseInt(m[0], 8));
        i += m[0].length - 1;
      } else if (n === 'x') {
        const m = /^[0-9a-fA-F]{1,2}/.exec(command.slice(i + 1)) ?? [''];
        cur += String.fromCharCode(parseInt(m[0] || '0', 16));
        i += m[0].length;
      } else if (n === 'c' && i + 1 < command.length) {
        cur += String.fromCharCode((command.charCodeAt(++i) & 0x1f));
      } else cur += n;
      have = true;
      continue;
    }
    cur += c;
    have = true;
  }
  if (have || cur !== '') argv.push(cur);
  return argv;
}

function unquote(word: string): string {
  let out = '';
  let quote: string | undefined;
  for (const c of word) {
    if (quote) { if (c === quote) quote = undefined; else out += c; continue; }
    if (c === '"' || c === "'") { quote = c; continue; }
    out += c;
  }
  return out;
}

/** Parse `COMMAND [USER [[:]GROUP]]` the way keepalived's script keywords do. */
export function parseScriptLine(rest: string): { ok: true; value: ScriptCommand } | { ok: false; error: string } {
  const s = splitQuoted(rest.trim());
  if (!s.ok) return s;
  const [cmdWord, user, group, extra] = s.words;
  if (cmdWord === undefined) return { ok: false, error: 'missing script command' };
  if (extra !== undefined) return { ok: false, error: `unexpected argument '${extra}' after user and group` };
  // The command word is the inner text of its quotes (keepalived strips one level here).
  const inner = /^(["'])(.*)\1$/s.exec(cmdWord);
  const command = inner ? (inner[2] ?? '') : cmdWord;
  const argv = commandArgv(command);
  if (argv.length === 0) return { ok: false, error: 'empty script command' };
  const value: ScriptCommand = { command, argv };
  if (user !== undefined) value.user = unquote(user);
  if (group !== undefined) value.group = unquote(group).replace(/^:/, '');
  return { ok: true, value };
}
