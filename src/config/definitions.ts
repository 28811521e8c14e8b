// keepalived's `$NAME=value` definitions and their substitution (lib/parser.c
// check_definition / replace_param / find_definition), including multi-line definitions
// and the built-ins ${_PWD} ${_INSTANCE} ${_RANDOM [MIN [MAX]]} ${_ENV NAME} ${_HASH} ${_BANG}.
import { MAX_LINE_LENGTH } from './limits.js';

/** Substitutions allowed on one line; a self-referencing definition would loop forever. */
const MAX_SUBSTITUTIONS_PER_LINE = 1000;

interface BuiltinContext {
  dir: string;
  configId: string;
  env: Record<string, string | undefined>;
  random: () => number;
}

interface Builtin {
  minParams: number;
  maxParams: number;
  numbersOnly: boolean;
  value: (params: string[], ctx: BuiltinContext) => string;
}

type Definition =
  | { kind: 'value'; value: string }
  | { kind: 'multiline'; lines: string[] }
  | { kind: 'builtin'; builtin: Builtin };

const BUILTINS: Record<string, Builtin> = {
  _PWD: { minParams: 0, maxParams: 0, numbersOnly: false, value: (_p, ctx) => ctx.dir },
  _INSTANCE: { minParams: 0, maxParams: 0, numbersOnly: false, value: (_p, ctx) => ctx.configId },
  _RANDOM: {
    minParams: 0, maxParams: 2, numbersOnly: true,
    value: (params, ctx) => {
      const min = params[0] !== undefined ? Number(params[0]) : 0;
      let max = params[1] !== undefined ? Number(params[1]) : 32767;
      if (min > max) max = min;
      return String(min + Math.floor(ctx.random() * (max - min + 1)));
    },
  },
  _ENV: { minParams: 1, maxParams: 1, numbersOnly: false, value: (params, ctx) => ctx.env[params[0] ?? ''] ?? '' },
  _HASH: { minParams: 0, maxParams: 0, numbersOnly: false, value: () => '#' },
  _BANG: { minParams: 0, maxParams: 0, numbersOnly: false, value: () => '!' },
};

export interface ParsedDefinition {
  name: string;
  value: string;
  /** The value line ended in `\`: following lines belong to it. */
  multiline: boolean;
}

export interface SubstituteResult {
  text: string;
  changed: boolean;
  /** Lines a multi-line definition contributes after the current one. */
  followingLines: string[];
  errors: string[];
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

export class Definitions {
  private readonly defs = new Map<string, Definition>();

  constructor(private readonly ctx: Omit<BuiltinContext, 'dir'>) {
    for (const [name, builtin] of Object.entries(BUILTINS)) this.defs.set(name, { kind: 'builtin', builtin });
  }

  /** `$NAME=value` (no blank before `=`); undefined when the line is not a definition. */
  static parseDefinition(line: string): ParsedDefinition | undefined {
    const m = /^\$([A-Za-z_][A-Za-z0-9_]*)=[ \t]*(.*)$/.exec(line);
    if (!m) return undefined;
    const name = m[1] as string;
    let value = m[2] as string;
    const multiline = value.endsWith('\\');
    if (multiline) value = value.slice(0, -1).replace(/[ \t]+$/, '');
    return { name, value, multiline };
  }

  set(name: string, value: string): void {
    this.defs.set(name, { kind: 'value', value });
  }

  setMultiline(name: string, lines: string[]): void {
    // A "multi-line" definition with no line at all behaves as an empty value.
    if (lines.length === 0) this.defs.set(name, { kind: 'value', value: '' });
    else this.defs.set(name, { kind: 'multiline', lines });
  }

  /**
   * Replaces every defined `$NAME` (followed by a blank, `,`, `)` or the end) and `${NAME}`
   * in `line`, rescanning replaced text so definitions may refer to definitions. Undefined
   * names stay as written (shell variables in scripts survive).
   */
  substitute(line: string, dir: string): SubstituteResult {
    const errors: string[] = [];
    let text = line;
    let changed = false;
    let followingLines: string[] = [];
    let pos = text.indexOf('$');
    let count = 0;
    while (pos >= 0 && pos + 1 < text.length) {
      const ref = this.findReference(text, pos, errors);
      if (!ref) {
        pos = text.indexOf('$', pos + 1);
        continue;
      }
      if (++count > MAX_SUBSTITUTIONS_PER_LINE) {
        errors.push(`too many substitutions on line '${line}' (recursive definition?)`);
        break;
      }
      let replacement: string;
      if (ref.def.kind === 'value') replacement = ref.def.value;
      else if (ref.def.kind === 'builtin') replacement = ref.def.builtin.value(ref.params, { ...this.ctx, dir });
      else {
        replacement = ref.def.lines[0] ?? '';
        followingLines = [...ref.def.lines.slice(1), ...followingLines];
      }
      const next = text.slice(0, pos) + replacement + text.slice(ref.end);
      if (next.length >= MAX_LINE_LENGTH) {
        errors.push(`Parameter substitution on line '${line}' would exceed maximum line length`);
        break;
      }
      text = next;
      changed = true;
      // keepalived stops substituting once a value starting with '~' has been inserted.
      if (replacement.replace(/^[ \t]+/, '').startsWith('~')) break;
      pos = text.indexOf('$', pos);
    }
    return { text, changed, followingLines, errors };
  }

  private findReference(text: string, dollar: number, errors: string[]):
    { def: Definition; params: string[]; end: number } | undefined {
    const braces = text[dollar + 1] === '{';
    const nameStart = dollar + (braces ? 2 : 1);
    if (!NAME_START.test(text[nameStart] ?? '')) return undefined;
    let i = nameStart + 1;
    while (i < text.length && NAME_CHAR.test(text[i] as string)) i++;
    const name = text.slice(nameStart, i);
    let params: string[] = [];
    let end: number;
    if (braces) {
      let j = i;
      while (j < text.length && /[ \tA-Za-z0-9_]/.test(text[j] as string)) j++;
      if (text[j] !== '}') return undefined;
      const paramText = text.slice(i, j);
      // A blank before the closing brace is not a reference.
      if (paramText !== '' && /[ \t]$/.test(paramText)) return undefined;
      params = paramText.trim() === '' ? [] : paramText.trim().split(/[ \t]+/);
      end = j + 1;
    } else {
      const after = text[i];
      if (after !== undefined && after !== ' ' && after !== '\t' && after !== ',' && after !== ')') return undefined;
      end = i;
    }
    const def = this.defs.get(name);
    if (!def) return undefined;
    // Multi-line definitions are only expanded when they end the line.
    if (def.kind === 'multiline' && end !== text.length) return undefined;
    if (params.length > 0) {
      if (def.kind !== 'builtin' || def.builtin.maxParams === 0) return undefined;
      const b = def.builtin;
      if (b.numbersOnly && !params.every((p) => /^[0-9]+$/.test(p))) {
        errors.push(`Definition ${name} requires numeric parameters only.`);
        return undefined;
      }
      if (params.length > b.maxParams || params.length < b.minParams) {
        errors.push(`Definition ${name} requires between ${b.minParams} and ${b.maxParams} parameters, ${params.length} specified.`);
        return undefined;
      }
    } else if (def.kind === 'builtin' && def.builtin.minParams > 0) {
      return undefined;
    }
    return { def, params, end };
  }
}
