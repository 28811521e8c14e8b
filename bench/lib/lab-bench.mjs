// The opening every namespace benchmark shares: skip (exit 0, saying why) where a lab or a
// needed command is missing, refuse to run unbuilt, and give a temp dir of its own.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(root, 'bin', 'keepalived-ts');

/** `commands`: what the benchmark runs besides ip (keepalived, tcpdump, ...). */
export async function labBench(tmpPrefix, commands) {
  const lab = await import(join(root, 'dist/src/lab/netns.js'));
  const why = lab.labUnavailable(commands);
  if (why) {
    console.log(`skipped: ${why}`);
    process.exit(0);
  }
  if (!existsSync(join(root, 'dist/src/cli/keepalived-ts.js'))) {
    console.error('run `npm run build` first');
    process.exit(1);
  }
  return { Lab: lab.Lab, waitFor: lab.waitFor, dir: mkdtempSync(join(tmpdir(), tmpPrefix)) };
}
