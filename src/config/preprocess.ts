// The preprocessor: turns configuration files into the stream of logical lines that
// keepalived's parser sees, resolving include, @id / @^id conditionals, $NAME definitions
// (single and multi-line, with keepalived's built-ins), ~SEQ / ~LST expansion, and brace
// splitting. Every line keeps the file and line it came from. Synchronous, never throws
// on bad input, and bounded (include depth, expanded lines, substitutions per line).
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Diagnostic, SourceLoc } from './ast.js';
import { decomment, splitAtBrace } from './lexer.js';
import { globPaths, hasWildcard } from './glob.js';
import { Definitions, type SubstituteResult } from './definitions.js';
import { parseLst, parseSeq, type Expansion } from './sequence.js';
import { MAX_LINE_LENGTH } from './limits.js';

export { MAX_LINE_LENGTH };

/** Includes nested deeper than this are refused (keepalived only stops at EMFILE). */
export const MAX_INCLUDE_DEPTH = 32;
/** Logical lines one configuration may expand to (~SEQ/~LST/definitions), so input cannot hang us. */
export const MAX_EXPANDED_LINES = 2_000_000;

export interface LogicalLine {
  text: string;
  loc: SourceLoc;
}

export interface PreprocessOptions {
  /** Selects `@id` lines; keepalived's default is the host name up to the first dot. */
  configId: string;
  /** `-e/--all-config`: a missing include is an error instead of a warning. */
  allConfig?: boolean;
  /** Source of ${_ENV NAME}; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Random source for ${_RANDOM}, in [0, 1); defaults to Math.random. */
  random?: () => number;
  /** Bound on logical lines (default MAX_EXPANDED_LINES). */
  maxExpandedLines?: number;
  /** Receives each logical line as it is produced (then `lines` in the result stays empty). */
  sink?: (line: LogicalLine) => void;
  /**
   * With `sink`: receives plain file lines already split into words (see Preprocessor.plainLine),
   * so the common line skips the general path's intermediate strings and objects.
   */
  words?: WordSink;
}

/** Where plain lines go on the fast path (TreeBuilder implements it). */
export interface WordSink {
  addWords(keyword: string, args: string[], rest: string, loc: SourceLoc): void;
  openBlock(loc: SourceLoc): void;
  closeBlock(loc: SourceLoc): void;
}

export interface PreprocessResult {
  lines: LogicalLine[];
  diagnostics: Diagnostic[];
  /** Every file read, the main file first, in reading order (absolute paths). */
  files: string[];
}

interface FileFrame {
  kind: 'file';
  /** The name used in messages: as given for the main file, resolved for includes. */
  name: string;
  /** Resolved real path, for include-loop detection. */
  realPath: string;
  dir: string;
  /** The whole file; lines are cut from it as they are read. */
  text: string;
  /** Offset of the next line in `text`. */
  pos: number;
  /** Number of the line at `pos` minus one. */
  lineNo: number;
  /** The file whose include line brought this one in (the include chain, for loops). */
  parent: FileFrame | undefined;
}

interface TextFrame {
  kind: 'text';
  lines: string[];
  next: number;
  loc: SourceLoc;
  dir: string;
}

interface ExpansionFrame {
  kind: 'expansion';
  expansion: Expansion;
  loc: SourceLoc;
  dir: string;
}

type Frame = FileFrame | TextFrame | ExpansionFrame;

interface RawLine {
  text: string;
  loc: SourceLoc;
  dir: string;
  /** Came straight from a file (blank-line and decomment rules apply). */
  fromFile: boolean;
  rawEmpty: boolean;
}

const INCLUDE_RE = /^include([rmwba]?)[ \t]+(.*)$/;

/** Lines of more words than this take the general path (a list written on one line). */
const PLAIN_LINE_MAX_WORDS = 64;

/**
 * The scan behind Preprocessor.plainLine: whether text[start, end) is a plain line (words
 * separated by blanks, optionally ending in a brace, nothing for the preprocessor: no quote,
 * comment, escape, `$`, leading `@`/`~`, `include`, control character) and where its words
 * are. Writes the brace (0, `{` or `}`) to bounds[0] and word k's start and end to
 * bounds[2k + 1] and bounds[2k + 2]; returns the number of words, or -1 for any other line.
 * A function of its own, calling nothing: V8 optimises a loop this small within a few
 * hundred lines, where inside plainLine (whose calls it inlines) it ran unoptimised for
 * most of a 100,000-line file, its optimised code taking 25-40 ms to compile.
 */
function scanPlainLine(text: string, start: number, end: number, bounds: Int32Array): number {
  let i = start;
  let c = 0;
  while (i < end && ((c = text.charCodeAt(i)) === 32 || c === 9)) i++;
  if (i < end) {
    // Lines the preprocessor looks at: conditionals, definitions, expansions, includes.
    if (c === 0x40 /* @ */ || c === 0x24 /* $ */ || c === 0x7e /* ~ */) return -1;
    if (c === 0x69 /* i */ && text.startsWith('include', i)) return -1;
  }
  let words = 0;
  let wordStart = -1;
  let brace = 0;
  for (; i < end; i++) {
    c = text.charCodeAt(i);
    if (c === 32 || c === 9) {
      if (wordStart >= 0) {
        if (words === PLAIN_LINE_MAX_WORDS) return -1;
        bounds[2 * words + 1] = wordStart;
        bounds[2 * words + 2] = i;
        words++;
        wordStart = -1;
      }
      continue;
    }
    // Quotes, comments, escapes, substitutions, control characters (\r, \0, \v, ...).
    if (c < 32 || c === 0x22 || c === 0x23 || c === 0x21 || c === 0x24 || c === 0x5c) return -1;
    if (c === 0x7b /* { */ || c === 0x7d /* } */) {
      brace = c;
      break;
    }
    if (wordStart < 0) wordStart = i;
  }
  if (brace !== 0) {
    // Only a brace that ends the line: anything after it is read as a line of its own.
    for (let j = i + 1; j < end; j++) {
      c = text.charCodeAt(j);
      if (c !== 32 && c !== 9) return -1;
    }
  }
  if (wordStart >= 0) {
    if (words === PLAIN_LINE_MAX_WORDS) return -1;
    bounds[2 * words + 1] = wordStart;
    bounds[2 * words + 2] = i;
    words++;
  }
  bounds[0] = brace;
  return words;
}

export class Preprocessor {
  private readonly frames: Frame[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private readonly files: string[] = [];
  private readonly out: LogicalLine[] = [];
  private emitted = 0;
  private readonly defs: Definitions;
  private collecting: { name: string; lines: string[] } | undefined;
  private aborted = false;
  /** plainLine's buffers: its words (see there), and their bounds as scanPlainLine finds them. */
  private readonly argScratch: string[] = new Array<string>(PLAIN_LINE_MAX_WORDS).fill('');
  private readonly wordBounds = new Int32Array(1 + 2 * PLAIN_LINE_MAX_WORDS);

  constructor(private readonly opts: PreprocessOptions) {
    this.defs = new Definitions({
      configId: opts.configId,
      env: opts.env ?? process.env,
      random: opts.random ?? Math.random,
    });
  }

  /** Reads the main configuration file. A missing main file is reported on line 0. */
  static fromFile(path: string, opts: PreprocessOptions): PreprocessResult {
    const pp = new Preprocessor(opts);
    // Like keepalived, -f accepts a glob: every match is read, in order, with a warning.
    let names = [path];
    if (hasWildcard(path) || path.includes('{')) {
      names = globPaths(path, process.cwd());
      if (names.length === 0) {
        pp.error({ file: path, line: 0 }, `Unable to find configuration file ${path}`);
        return pp.run();
      }
      if (names.length > 1) {
        pp.warning({ file: path, line: 0 }, `multiple configuration files match ${path}, reading them in order starting with ${names[0]}`);
      }
    }
    const texts: { name: string; abs: string; text: string }[] = [];
    for (const name of names) {
      const abs = resolve(name);
      const text = pp.readText(abs, { file: name, line: 0 }, true);
      if (text !== undefined) texts.push({ name, abs, text });
    }
    // Frames are a stack: the first file goes on top.
    for (let i = texts.length - 1; i >= 0; i--) {
      const t = texts[i] as { name: string; abs: string; text: string };
      pp.pushFile(t.name, t.abs, t.text);
    }
    if (texts.length > 1) {
      const tail = pp.files.splice(pp.files.length - texts.length, texts.length).reverse();
      pp.files.push(...tail);
    }
    return pp.run();
  }

  static fromText(text: string, fileName: string, opts: PreprocessOptions): PreprocessResult {
    const pp = new Preprocessor(opts);
    pp.pushFile(fileName, resolve(fileName), text);
    return pp.run();
  }

  private error(loc: SourceLoc, message: string): void {
    this.diagnostics.push({ severity: 'error', loc: { ...loc }, message });
  }

  private warning(loc: SourceLoc, message: string): void {
    this.diagnostics.push({ severity: 'warning', loc: { ...loc }, message });
  }

  private readText(abs: string, at: SourceLoc, mustExist: boolean): string | undefined {
    try {
      const st = statSync(abs);
      if (!st.isFile()) {
        this.error(at, `'${abs}' is not a regular file`);
        return undefined;
      }
      // UTF-8, the encoding users write; keepalived itself only sees bytes.
      return readFileSync(abs, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      if (mustExist) this.error(at, `cannot read configuration file '${abs}' (${code})`);
      else this.error(at, `cannot read '${abs}' (${code})`);
      return undefined;
    }
  }

  private pushFile(name: string, abs: string, text: string, parent?: FileFrame): void {
    let realPath = abs;
    try {
      realPath = realpathSync(abs);
    } catch {
      // readConfigText's file need not exist.
    }
    this.files.push(abs);
    this.frames.push({ kind: 'file', name, realPath, dir: dirname(abs), text, pos: 0, lineNo: 0, parent });
  }

  private currentDir(): string {
    const top = this.frames[this.frames.length - 1];
    return top ? top.dir : process.cwd();
  }

  /** The file currently being read (the innermost file frame). */
  private currentFile(): FileFrame | undefined {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const f = this.frames[i] as Frame;
      if (f.kind === 'file') return f;
    }
    return undefined;
  }

  /** Next raw line from the innermost source, or undefined at the end of everything. */
  private nextRaw(): RawLine | undefined {
    for (;;) {
      const top = this.frames[this.frames.length - 1];
      if (!top) return undefined;
      if (top.kind === 'file') {
        if (top.pos >= top.text.length) {
          this.frames.pop();
          continue;
        }
        const lineNo = ++top.lineNo;
        let end = top.text.indexOf('\n', top.pos);
        if (end < 0) end = top.text.length;
        let text = top.text.slice(top.pos, end);
        top.pos = end + 1;
        if (text.charCodeAt(text.length - 1) === 13) text = text.replace(/\r+$/, '');
        const loc = { file: top.name, line: lineNo };
        // keepalived's limit is in bytes (its fgets buffer).
        if (text.length >= MAX_LINE_LENGTH || (text.length * 3 >= MAX_LINE_LENGTH && Buffer.byteLength(text) >= MAX_LINE_LENGTH)) {
          this.error(loc, 'line too long - ignoring');
          text = '';
        } else if (text.indexOf('\0') >= 0) {
          this.error(loc, 'configuration appears to have embedded NULs - ignoring line');
          text = '';
        }
        return { text, loc, dir: top.dir, fromFile: true, rawEmpty: text === '' };
      }
      if (top.kind === 'text') {
        if (top.next >= top.lines.length) {
          this.frames.pop();
          continue;
        }
        const text = top.lines[top.next++] as string;
        return { text, loc: top.loc, dir: top.dir, fromFile: false, rawEmpty: false };
      }
      const step = top.expansion.next();
      if (!step) {
        this.frames.pop();
        continue;
      }
      for (const [name, value] of step.bindings) this.defs.set(name, value);
      return { text: step.text, loc: top.loc, dir: top.dir, fromFile: false, rawEmpty: false };
    }
  }

  private emit(line: LogicalLine): void {
    const max = this.opts.maxExpandedLines ?? MAX_EXPANDED_LINES;
    if (this.emitted >= max) {
      if (!this.aborted) {
        this.error(line.loc, `configuration expands to more than ${max} lines - stopping`);
        this.aborted = true;
      }
      return;
    }
    this.emitted++;
    if (this.opts.sink) this.opts.sink(line);
    else this.out.push(line);
  }

  private run(): PreprocessResult {
    const words = this.opts.sink ? this.opts.words : undefined;
    for (;;) {
      if (this.aborted) break;
      if (words && this.collecting === undefined) {
        const top = this.frames[this.frames.length - 1];
        if (top && top.kind === 'file' && this.plainLine(top, words)) continue;
      }
      const raw = this.nextRaw();
      if (!raw) break;
      this.processRaw(raw);
    }
    if (this.collecting) this.finishCollecting();
    return { lines: this.out, diagnostics: this.diagnostics, files: this.files };
  }

  /**
   * The fast path for the lines most configurations are made of: words separated by blanks,
   * optionally ending in a brace (`name {`, `}`), with nothing for the preprocessor (no
   * quote, comment, escape, `$`, leading `@`/`~`, `include`, control character, over-long
   * line). Reads such a line straight from the file text in one pass over its character
   * codes and hands its words to the tree; the logical lines, words and locations are exactly
   * what the general path (decomment, splitAtBrace, tokenizeLine) makes of it. Returns false,
   * consuming nothing, for any other line.
   */
  private plainLine(f: FileFrame, sink: WordSink): boolean {
    const text = f.text;
    const start = f.pos;
    const len = text.length;
    if (start >= len) return false;
    let end = text.indexOf('\n', start);
    if (end < 0) end = len;
    // Long lines go through the general path's byte-length check.
    if ((end - start) * 3 >= MAX_LINE_LENGTH) return false;
    // The bound on logical lines is the general path's job too.
    if (this.emitted + 2 > (this.opts.maxExpandedLines ?? MAX_EXPANDED_LINES)) return false;
    const b = this.wordBounds;
    const words = scanPlainLine(text, start, end, b);
    if (words < 0) return false;
    const brace = b[0] as number;
    f.pos = end + 1;
    const lineNo = ++f.lineNo;
    if (words === 0 && brace === 0) {
      // A blank line; it ends a multi-line definition, and none is being collected here.
      return true;
    }
    const loc: SourceLoc = { file: f.name, line: lineNo };
    if (words > 0) {
      this.emitted++;
      const keyword = text.slice(b[1], b[2]);
      // Words after the first go to a reused scratch array and are copied out at their exact
      // count: pushing onto a fresh [] reserves 16 slots, which every node would keep.
      const scratch = this.argScratch;
      for (let w = 1; w < words; w++) scratch[w - 1] = text.slice(b[2 * w + 1], b[2 * w + 2]);
      const args = words === 1 ? [] : scratch.slice(0, words - 1);
      // With one argument the rest is that word: share the string.
      const rest = words === 1 ? '' : words === 2 ? (args[0] as string) : text.slice(b[3], b[2 * words]);
      sink.addWords(keyword, args, rest, loc);
    }
    if (brace !== 0) {
      this.emitted++;
      if (brace === 0x7b) sink.openBlock(loc);
      else sink.closeBlock(loc);
    }
    return true;
  }

  private finishCollecting(): void {
    if (!this.collecting) return;
    this.defs.setMultiline(this.collecting.name, this.collecting.lines);
    this.collecting = undefined;
  }

  private processRaw(raw: RawLine): void {
    let text = raw.text;
    if (raw.fromFile) {
      if (raw.rawEmpty) {
        // A blank line ends a multi-line definition.
        if (this.collecting) this.finishCollecting();
        return;
      }
      const dc = decomment(text);
      if (dc.unterminatedQuote) this.error(raw.loc, `Unterminated quote '${dc.text}'`);
      text = dc.text;
      if (text === '') return;
    }
    if (this.collecting) {
      this.collectLine(text);
      return;
    }
    this.processLine(text, raw.loc, raw.dir);
  }

  private collectLine(text: string): void {
    const c = this.collecting;
    if (!c) return;
    if (text.endsWith('\\')) {
      const body = text.slice(0, -1).replace(/[ \t]+$/, '');
      if (body !== '') c.lines.push(body);
    } else {
      if (text !== '') c.lines.push(text);
      this.finishCollecting();
    }
  }

  /** One decommented line: conditionals, definitions, expansions, substitution, includes. */
  private processLine(input: string, loc: SourceLoc, dir: string): void {
    let text = input;
    // Fast path: nothing for the preprocessor on this line.
    const first = text.charCodeAt(0);
    if (first !== 0x40 /* @ */ && first !== 0x24 /* $ */ && first !== 0x7e /* ~ */ && first !== 0x69 /* i */ && text.indexOf('$') < 0) {
      this.splitBraces(text, loc, dir);
      return;
    }
    // A substituted line may start with @ again (`$X=@id` then `$X keyword`), so the
    // conditional check repeats; each pass strictly consumes a substitution.
    for (let pass = 0; pass < 8; pass++) {
      if (text.startsWith('@')) {
        const kept = this.applyConditional(text);
        if (kept === undefined) return;
        text = kept;
      }
      if (text.startsWith('$')) {
        const def = Definitions.parseDefinition(text);
        if (def) {
          if (def.multiline) {
            this.collecting = { name: def.name, lines: def.value === '' ? [] : [def.value] };
          } else {
            this.defs.set(def.name, def.value);
          }
          return;
        }
      }
      if (text.startsWith('~SEQ') || text.startsWith('~LST')) {
        this.startExpansion(text, loc, dir);
        return;
      }
      if (text.startsWith('~')) break;
      if (!text.includes('$')) break;
      const sub: SubstituteResult = this.defs.substitute(text, dir);
      for (const m of sub.errors) this.error(loc, m);
      if (!sub.changed) break;
      if (sub.followingLines.length > 0) {
        this.frames.push({ kind: 'text', lines: sub.followingLines, next: 0, loc, dir });
      }
      text = decomment(sub.text).text;
      if (text === '') return;
      if (!text.startsWith('@')) break;
    }
    if (this.tryInclude(text, loc)) return;
    this.splitBraces(text, loc, dir);
  }

  private applyConditional(text: string): string | undefined {
    const negate = text[1] === '^';
    const idStart = negate ? 2 : 1;
    const m = /[ \t]/.exec(text.slice(idStart));
    // A bare "@id" has nothing to keep.
    if (!m) return undefined;
    const id = text.slice(idStart, idStart + m.index);
    const matches = id === this.opts.configId;
    if (matches === negate) return undefined;
    return text.slice(idStart + m.index).replace(/^[ \t]+/, '');
  }

  private startExpansion(text: string, loc: SourceLoc, dir: string): void {
    const isSeq = text.startsWith('~SEQ');
    const parsed = isSeq
      ? parseSeq(text, (s) => this.defs.substitute(s, dir).text)
      : parseLst(text);
    if (!parsed.ok) {
      this.error(loc, parsed.error);
      return;
    }
    this.frames.push({ kind: 'expansion', expansion: parsed.expansion, loc, dir });
  }

  private splitBraces(text: string, loc: SourceLoc, dir: string): void {
    const { head, residue } = splitAtBrace(text);
    if (head !== '') this.emit({ text: head, loc });
    // A lone brace residue (`name {`) would come straight back here as the next line with
    // nothing to preprocess: emit it now instead of through a one-line frame.
    if (residue === '{' || residue === '}') {
      if (!this.aborted) this.emit({ text: residue, loc });
      return;
    }
    // keepalived reads the residue as the next line (it goes through @/$ processing again).
    if (residue !== undefined) this.frames.push({ kind: 'text', lines: [residue], next: 0, loc, dir });
  }

  private tryInclude(text: string, loc: SourceLoc): boolean {
    const m = INCLUDE_RE.exec(text);
    if (!m) return false;
    const pattern = (m[2] ?? '').trim();
    // keepalived only logs a missing include (even for includer/m/w/b/a) unless -e is given.
    const strict = this.opts.allConfig === true;
    if (pattern === '') {
      this.error(loc, 'include needs a file name');
      return true;
    }
    const chain: FileFrame[] = [];
    for (let f = this.currentFile(); f; f = f.parent) chain.unshift(f);
    if (chain.length >= MAX_INCLUDE_DEPTH) {
      this.error(loc, `includes nested more than ${MAX_INCLUDE_DEPTH} deep - not including '${pattern}'`);
      return true;
    }
    const dir = this.currentDir();
    const matches = globPaths(pattern, dir);
    if (matches.length === 0) {
      const what = hasWildcard(pattern) ? `no configuration file matches '${pattern}'` : `configuration file '${pattern}' not found`;
      if (strict) this.error(loc, what);
      else this.warning(loc, `${what} - ignored`);
      return true;
    }
    // Frames are a stack: push in reverse so the first match is read first.
    const toPush: { name: string; abs: string; text: string; real: string }[] = [];
    for (const match of matches) {
      const abs = isAbsolute(match) ? match : resolve(dir, match);
      let st;
      try {
        st = statSync(abs);
      } catch {
        continue;
      }
      if (st.isDirectory()) continue;
      if (!st.isFile() || (st.mode & 0o111) !== 0) {
        this.warning(loc, `'${abs}' is not a regular non-executable file - skipping`);
        continue;
      }
      let real = abs;
      try {
        real = realpathSync(abs);
      } catch {
        // keep abs
      }
      if (chain.some((f) => f.realPath === real)) {
        const via = [...chain.map((f) => f.name), abs].join(' -> ');
        this.error(loc, `include loop: '${abs}' is already being read (${via}) - not including it again`);
        continue;
      }
      const body = this.readText(abs, loc, false);
      if (body === undefined) continue;
      toPush.push({ name: abs, abs, text: body, real });
    }
    const parent = this.currentFile();
    for (let i = toPush.length - 1; i >= 0; i--) {
      const p = toPush[i] as { name: string; abs: string; text: string; real: string };
      this.pushFile(p.name, p.abs, p.text, parent);
    }
    // pushFile recorded them in reverse; keep `files` in reading order.
    if (toPush.length > 1) {
      const tail = this.files.splice(this.files.length - toPush.length, toPush.length).reverse();
      this.files.push(...tail);
    }
    return true;
  }
}
