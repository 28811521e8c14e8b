// The contract between the config reader (lexer + preprocessor) and the keyword layer
// (typed model + validation). The reader turns text into this tree, with includes,
// conditionals, macros and ~SEQ/~LST already resolved; the keyword layer never sees text.

/** Where a token came from, through includes and macro expansion. */
export interface SourceLoc {
  file: string;
  line: number;
}

/**
 * One configuration line: a keyword and its arguments, optionally followed by a block.
 * Inside value blocks (virtual_ipaddress { ... }) each line is a node whose `keyword` is
 * the line's first word (e.g. "10.0.0.1/24") and `args` the rest.
 */
export interface ConfigNode {
  keyword: string;
  /** Remaining words of the line, double quotes removed. */
  args: string[];
  /**
   * The line after the keyword exactly as written (comments removed, macros expanded),
   * for keywords whose value is a command line with keepalived's own quoting rules
   * (notify scripts, script, misc_path).
   */
  rest: string;
  /** Present when the line opens a block ("{" on the line or on the next one). */
  children?: ConfigNode[];
  loc: SourceLoc;
}

export type Severity = 'error' | 'warning';

/** One problem found in a configuration, printed as `FILE:LINE: message`. */
export interface Diagnostic {
  severity: Severity;
  loc: SourceLoc;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.loc.file}:${d.loc.line}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}
