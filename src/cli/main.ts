// keepalived-ts command line: option handling, -t (config test), -d (dump), -v, -h,
// --signum, and the hand-off to the daemon.
import { appendFileSync } from 'node:fs';
import { formatDiagnostic, type Diagnostic } from '../config/ast.js';
import { loadConfig, loadExitCode, type LoadOptions, type LoadResult } from '../config/load.js';
import { dumpConfigJson, dumpConfigText } from '../config/dump.js';
import { parseOptions, USAGE, type CliOptions } from './options.js';
import { packageVersion } from '../version.js';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: Io = {
  out: (t) => { process.stdout.write(t); },
  err: (t) => { process.stderr.write(t); },
};


function formatForUser(d: Diagnostic): string {
  // Whole-file problems (the main file cannot be read) have no line.
  if (d.loc.line < 1) return `${d.loc.file}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
  return formatDiagnostic(d);
}

function load(options: CliOptions): LoadResult {
  // Only the dump prints the tree; without it each block is dropped once built.
  const opts: LoadOptions = { allConfig: options.allConfig, keepNodes: Boolean(options.dumpConf) };
  if (options.configId !== undefined) opts.configId = options.configId;
  return loadConfig(options.configFile, opts);
}

function printDump(options: CliOptions, loaded: LoadResult, io: Io): void {
  if (options.dumpConf === 'json') {
    const data: { files: string[]; nodes: typeof loaded.nodes; config?: unknown } = { files: loaded.files, nodes: loaded.nodes };
    // The typed configuration as the daemon will use it (defaults applied).
    if (loaded.config !== undefined) data.config = loaded.config;
    io.out(dumpConfigJson(data));
  } else {
    io.out(dumpConfigText(loaded.nodes));
  }
}

/** Runs the command line; resolves to the process exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const parsed = parseOptions(argv);
  switch (parsed.kind) {
    case 'error':
      io.err(`keepalived-ts: ${parsed.message}\n`);
      return parsed.exitCode;
    case 'help':
      io.out(USAGE);
      return 0;
    case 'version':
      io.out(`keepalived-ts v${packageVersion()} (keepalived 2.2.7 configuration language)\n`);
      return 0;
    case 'signum':
      io.out(`${parsed.signal}\n`);
      return 0;
    case 'genhash': {
      // Loaded on demand: -t should not pay for the HTTP/TLS checker modules.
      const { genhash } = await import('./genhash.js');
      return genhash(parsed.args, io);
    }
    case 'run':
      break;
  }
  const { options } = parsed;
  for (const w of parsed.warnings) io.err(`keepalived-ts: warning: ${w}\n`);

  if (options.configTest) {
    const loaded = load(options);
    const report = loaded.diagnostics.map((d) => formatForUser(d) + '\n').join('');
    if (options.configTest.logFile !== undefined) {
      try {
        appendFileSync(options.configTest.logFile, report, { mode: 0o644 });
      } catch (e) {
        io.err(`keepalived-ts: unable to open config-test log file ${options.configTest.logFile}: ${(e as Error).message}\n`);
        return 1;
      }
    } else {
      io.err(report);
    }
    if (options.dumpConf) printDump(options, loaded, io);
    return loadExitCode(loaded);
  }

  if (options.dumpConf) {
    const loaded = load(options);
    for (const d of loaded.diagnostics) io.err(formatForUser(d) + '\n');
    printDump(options, loaded, io);
  }
  // Loaded on demand: -t, -v, -h need none of the daemon's modules.
  const { startDaemon } = await import('./daemon-start.js');
  return startDaemon(options, io);
}
