#!/usr/bin/env node
// Runs every bench/*.bench.mjs (or those whose name contains argv[2]) one after the
// other and appends what each prints to bench/RESULTS.md under a dated heading.
// Benchmarks compare with keepalived by ratio; they are not part of the test suite.
import { spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2] ?? '';
const benches = readdirSync(here).filter((n) => n.endsWith('.bench.mjs') && n.includes(only)).sort();
let failed = false;
for (const name of benches) {
  console.log(`=== ${name}`);
  const r = spawnSync(process.execPath, [join(here, name)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(r.stdout);
  if (r.status !== 0) failed = true;
  appendFileSync(join(here, 'RESULTS.md'),
    `\n## ${name} — ${new Date().toISOString()}${r.status !== 0 ? ` (exit ${r.status})` : ''}\n\n\`\`\`\n${r.stdout.trimEnd()}\n\`\`\`\n`);
}
process.exit(failed ? 1 : 0);
