// Executable entry (bin/keepalived-ts imports this module).
import { main } from './main.js';
import { parseOptions } from './options.js';

const argv = process.argv.slice(2);

/** `-t`: the run ends with the report. */
function configTestOnly(args: readonly string[]): boolean {
  const parsed = parseOptions(args);
  return parsed.kind === 'run' && parsed.options.configTest !== undefined;
}

main(argv).then(
  (code) => {
    process.exitCode = code;
    // Nothing is left to run after a configuration test: leaving now spares tearing down a
    // heap that holds the whole configuration (~10 ms after a 100,000-line file). Only when
    // the report and any dump are all out: a pipe may still hold some of it in the stream.
    if (configTestOnly(argv) && process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
  },
  (e: unknown) => {
    process.stderr.write(`keepalived-ts: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 70;
  },
);
