// The keepalived.conf reader: text -> ConfigNode trees with located diagnostics.
// Synchronous, never throws on bad input, bounded in time and size.
import { hostname } from 'node:os';
import type { ConfigNode, Diagnostic } from './ast.js';
import { Preprocessor, type PreprocessOptions, type PreprocessResult } from './preprocess.js';
import { TreeBuilder } from './tree.js';

export interface ReadOptions {
  /** `-i/--config-id`; default: the host name up to its first dot, as keepalived. */
  configId?: string;
  /** `-e/--all-config`: a missing include file is an error. */
  allConfig?: boolean;
  env?: Record<string, string | undefined>;
  random?: () => number;
  /** Bound on the logical lines includes and expansions may produce. */
  maxExpandedLines?: number;
  /**
   * Receives each top-level node, complete and in file order, as soon as the reader is done
   * with it; `nodes` in the result then stays empty (see TreeBuilder). If reading fails
   * altogether (`files` empty), what was already handed over is to be discarded.
   */
  onTopLevel?: (node: ConfigNode) => void;
}

export interface ReadResult {
  nodes: ConfigNode[];
  diagnostics: Diagnostic[];
  /** Absolute paths of every file read, the main file first. */
  files: string[];
}

export function defaultConfigId(): string {
  return hostname().split('.')[0] ?? '';
}

function preprocessOptions(opts: ReadOptions, tree: TreeBuilder): PreprocessOptions {
  const p: PreprocessOptions = { configId: opts.configId ?? defaultConfigId(), sink: (line) => tree.add(line), words: tree };
  if (opts.allConfig !== undefined) p.allConfig = opts.allConfig;
  if (opts.env !== undefined) p.env = opts.env;
  if (opts.random !== undefined) p.random = opts.random;
  if (opts.maxExpandedLines !== undefined) p.maxExpandedLines = opts.maxExpandedLines;
  return p;
}

/** Runs the preprocessor streaming into a tree builder; reader diagnostics come first. */
function readWith(run: (p: PreprocessOptions) => PreprocessResult, opts: ReadOptions): ReadResult {
  const tree = new TreeBuilder(opts.onTopLevel);
  const pre = run(preprocessOptions(opts, tree));
  const built = tree.finish();
  return { nodes: built.nodes, diagnostics: [...pre.diagnostics, ...built.diagnostics], files: pre.files };
}

function guarded(run: () => ReadResult, file: string): ReadResult {
  try {
    return run();
  } catch (e) {
    // A reader bug must still surface as a located diagnostic, never a crash.
    return {
      nodes: [],
      diagnostics: [{ severity: 'error', loc: { file, line: 1 }, message: `internal error while reading configuration: ${(e as Error).message}` }],
      files: [],
    };
  }
}

export function readConfigFile(path: string, opts: ReadOptions = {}): ReadResult {
  return guarded(() => readWith((p) => Preprocessor.fromFile(path, p), opts), path);
}

/** Reads configuration text as if it were the file `fileName` (includes resolve from its directory). */
export function readConfigText(text: string, fileName: string, opts: ReadOptions = {}): ReadResult {
  return guarded(() => readWith((p) => Preprocessor.fromText(text, fileName, p), opts), fileName);
}
