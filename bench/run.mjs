#!/usr/bin/env node
// Runs every bench/*.bench.mjs (or those named on the command line) one after another and
// appends what each prints (Markdown) to bench/RESULTS.md under a dated heading.
//   node bench/run.mjs                 all benchmarks
//   node bench/run.mjs vip-batch       only bench/vip-batch.bench.mjs
// Benchmarks import the compiled code from dist/: run `npm run build` first.
import { spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, release } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.mjs$/, '')))
  .sort();
if (files.length === 0) {
  console.error(`bench: no benchmark matches ${wanted.join(' ')}`);
  process.exit(2);
}
let failed = false;
for (const f of files) {
  const name = f.replace(/\.bench\.mjs$/, '');
  console.log(`--- ${name}`);
  const r = spawnSync(process.execPath, [join(here, f)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 });
  process.stdout.write(r.stdout);
  if (r.status !== 0) {
    failed = true;
    console.error(`bench: ${name} failed (exit ${r.status ?? r.signal})`);
    continue;
  }
  const head = `\n## ${name} — ${new Date().toISOString()} (node ${process.version}, Linux ${release()}, ${cpus().length} CPUs)\n\n`;
  appendFileSync(join(here, 'RESULTS.md'), head + r.stdout.trim() + '\n');
}
process.exit(failed ? 1 : 0);
