#!/usr/bin/env node
// Runs the benchmarks (bench/*.bench.mjs, or those whose name contains an argument) and
// appends what each prints (a markdown section) to bench/RESULTS.md. Benchmarks compare
// with keepalived by ratio where keepalived can run here; they are not part of the tests.
import { spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here).filter((f) => f.endsWith('.bench.mjs') && (!filters.length || filters.some((x) => f.includes(x)))).sort();
let failed = false;
for (const f of files) {
  console.log(`=== ${f}`);
  const r = spawnSync(process.execPath, [join(here, f)], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', timeout: 30 * 60_000 });
  process.stdout.write(r.stdout ?? '');
  if (r.status !== 0) {
    failed = true;
    console.error(`${f}: exit ${r.status ?? r.signal}`);
    continue;
  }
  const head = `\n## ${f.replace(/\.bench\.mjs$/, '')} (${new Date().toISOString()}, node ${process.version}, ${cpus().length} CPU ${cpus()[0]?.model ?? ''}, kernel ${release()})\n\n`;
  appendFileSync(join(here, 'RESULTS.md'), head + r.stdout.trim() + '\n');
}
process.exitCode = failed ? 1 : 0;
