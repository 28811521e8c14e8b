// The keepalived.conf reader: text -> ConfigNode trees with located diagnostics.
// Synchronous, never throws on bad input, bounded in time and size.
import { hostname } from 'node:os';
import type { ConfigNode, Diagnostic } from './ast.js';
import { Preprocessor, type PreprocessOptions, type PreprocessResult } from './preprocess.js';
import { buildTree } from './tree.js';

export interface ReadOptions {
  /** `-i/--config-id`; default: the host name up to its first dot, as keepalived. */
  configId?: string;
  /** `-e/--all-config`: a missing include file is an error. */
  allConfig?: boolean;
  env?: Record<string, string | undefined>;
  random?: () => number;
  /** Bound on the logical lines includes and expansions may produce. */
  maxExpandedLines?: number;
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

function preprocessOptions(opts: ReadOptions): PreprocessOptions {
  const p: PreprocessOptions = { configId: opts.configId ?? defaultConfigId() };
  if (opts.allConfig !== undefined) p.allConfig = opts.allConfig;
  if (opts.env !== undefined) p.env = opts.env;
  if (opts.random !== undefined) p.random = opts.random;
  if (opts.maxExpandedLines !== undefined) p.maxExpandedLines = opts.maxExpandedLines;
  return p;
}

function finish(pre: PreprocessResult): ReadResult {
  const tree = buildTree(pre.lines);
  const diagnostics = [...pre.diagnostics, ...tree.diagnostics];
  return { nodes: tree.nodes, diagnostics, files: pre.files };
}

function guarded(run: () => PreprocessResult, file: string): ReadResult {
  try {
    return finish(run());
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
  return guarded(() => Preprocessor.fromFile(path, preprocessOptions(opts)), path);
}

/** Reads configuration text as if it were the file `fileName` (includes resolve from its directory). */
export function readConfigText(text: string, fileName: string, opts: ReadOptions = {}): ReadResult {
  return guarded(() => Preprocessor.fromText(text, fileName, preprocessOptions(opts)), fileName);
}
