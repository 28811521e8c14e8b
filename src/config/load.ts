// Loading a configuration for the CLI and the daemon: the reader (text -> ConfigNode
// trees, src/config/reader.ts) followed by the keyword layer (trees -> typed configuration
// + diagnostics, src/config/build.ts).
import { existsSync } from 'node:fs';
import type { ConfigNode } from './ast.js';
import { readConfigFile, type ReadOptions } from './reader.js';
import { ConfigBuilder, configTestExitCode, scriptIsExecutable, userExistsHere, type BuildEnv, type ConfigDiagnostic } from './build.js';
import type { KeepalivedConfig } from './model.js';

export interface LoadOptions extends ReadOptions {
  /** Whether an interface exists; default: /sys/class/net of the current network namespace. */
  interfaceExists?: (name: string) => boolean;
  /** Whether a script's program exists and is executable; default: PATH lookup on this host. */
  scriptUsable?: (program: string) => boolean;
  /** Whether a user exists; default: this host's user database. */
  userExists?: (user: string) => boolean;
  hostname?: string;
  /**
   * Keep the resolved tree in LoadResult.nodes (default true; -d and the daemon use it).
   * Without it each top-level block is built as soon as it is read and then dropped, which
   * saves time and memory on large files (-t).
   */
  keepNodes?: boolean;
}

/** Whether the keyword layer (typed model, unknown keywords, value checks) runs in loadConfig. */
export const KEYWORD_MODEL_AVAILABLE: boolean = true;

export interface LoadResult {
  /** The typed configuration (absent only when the main file could not be read). */
  config?: KeepalivedConfig;
  /** The resolved tree (includes, conditionals and macros applied); empty unless keepNodes. */
  nodes: ConfigNode[];
  /** Reader diagnostics first, then the keyword layer's. */
  diagnostics: ConfigDiagnostic[];
  files: string[];
  /** The main file could not be read at all. */
  missingMainFile: boolean;
  /** The keywords of the top-level blocks and lines read (with or without keepNodes). */
  topLevel: ReadonlySet<string>;
}

/** Interface names as the kernel lists them in this network namespace. */
export function interfaceExistsHere(name: string): boolean {
  if (name === '' || name.includes('/') || name === '.' || name === '..') return false;
  return existsSync(`/sys/class/net/${name}`);
}

export function loadConfig(path: string, opts: LoadOptions = {}): LoadResult {
  const builder = new ConfigBuilder(buildEnv(opts));
  const topLevel = new Set<string>();
  const readOpts: ReadOptions = opts.keepNodes === false ? { ...opts, onTopLevel: (node) => { topLevel.add(node.keyword); builder.add(node); } } : opts;
  const read = readConfigFile(path, readOpts);
  const missingMainFile = read.files.length === 0;
  if (missingMainFile) return { nodes: read.nodes, diagnostics: read.diagnostics, files: read.files, missingMainFile, topLevel };
  for (let i = 0; i < read.nodes.length; i++) {
    const node = read.nodes[i] as ConfigNode;
    topLevel.add(node.keyword);
    builder.add(node);
  }
  const built = builder.finish();
  return {
    config: built.config,
    nodes: read.nodes,
    // A reader error (unclosed block, missing include, ...) leaves the tree unreliable: mark it
    // so the daemon refuses such a file, while keyword errors keepalived runs with do not.
    diagnostics: [...read.diagnostics.map(markSyntax), ...built.diagnostics],
    files: read.files,
    missingMainFile,
    topLevel,
  };
}

/** -t checks against this host, as keepalived does: interfaces, script programs, users. */
function buildEnv(opts: LoadOptions): BuildEnv {
  const env: BuildEnv = {
    // Asked once per instance, VIP, route...: one lookup per distinct name.
    interfaceExists: opts.interfaceExists ?? memoized(interfaceExistsHere),
    scriptUsable: opts.scriptUsable ?? scriptIsExecutable,
    userExists: opts.userExists ?? userExistsHere,
  };
  if (opts.hostname !== undefined) env.hostname = opts.hostname;
  return env;
}

function memoized(f: (name: string) => boolean): (name: string) => boolean {
  const known = new Map<string, boolean>();
  return (name) => {
    let v = known.get(name);
    if (v === undefined) {
      v = f(name);
      known.set(name, v);
    }
    return v;
  };
}

/** keepalived's `-t` exit status: 4 unusable (main file missing), else 0 / 5 / 6 as keepalived. */
export function loadExitCode(loaded: LoadResult): number {
  if (loaded.missingMainFile) return 4;
  return configTestExitCode(loaded.diagnostics);
}

function markSyntax(d: ConfigDiagnostic): ConfigDiagnostic {
  return d.severity === 'error' && d.code === undefined ? { ...d, code: 'syntax' } : d;
}
