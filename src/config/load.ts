// Loading a configuration for the CLI and the daemon: the reader (text -> ConfigNode
// trees) followed by the keyword layer (trees -> typed configuration + diagnostics).
import type { ConfigNode, Diagnostic } from './ast.js';
import { readConfigFile, type ReadOptions } from './reader.js';

export type LoadOptions = ReadOptions;

export interface LoadResult {
  /** The typed configuration, once the keyword layer is present (undefined before). */
  config?: unknown;
  /** The resolved tree (includes, conditionals and macros applied). */
  nodes: ConfigNode[];
  diagnostics: Diagnostic[];
  files: string[];
  /** The main file could not be read at all. */
  missingMainFile: boolean;
}

export function loadConfig(path: string, opts: LoadOptions = {}): LoadResult {
  const read = readConfigFile(path, opts);
  const missingMainFile = read.files.length === 0;
  return { nodes: read.nodes, diagnostics: read.diagnostics, files: read.files, missingMainFile };
}
