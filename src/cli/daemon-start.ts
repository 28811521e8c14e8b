// The daemon entry point the CLI hands over to when neither -t nor --signum/-v/-h
// ends the run. Owned by the daemon work (branch `daemon`): replace the body.
import type { CliOptions } from './options.js';

export async function startDaemon(_options: CliOptions, io: { err: (text: string) => void }): Promise<number> {
  io.err('keepalived-ts: daemon mode not yet available (use -t to check a configuration)\n');
  return 1;
}
