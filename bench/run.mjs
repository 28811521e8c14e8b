#!/usr/bin/env node
// Runs the benchmarks (bench/*.bench.mjs, or those whose name contains an argument), keeps
// each one's latest output in bench/results/NAME.{md,json}, and writes bench/RESULTS.md fresh
// from all of them: the machine, a summary table (keepalived and keepalived-ts side by side,
// with the ratio), then one section per benchmark, with SVG plots in bench/plots/.
//
// A benchmark prints its section as Markdown on stdout. It may also write JSON to the file
// named by $KTS_BENCH_OUT: { summary: [{ what, keepalived, ours, unit }], plots: [{ name,
// kind: 'box'|'bar', title, unit, groups }] } (see bench/lib/svg.mjs for groups).
// Benchmarks compare with keepalived by ratio; they are not part of the tests.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { barChart, boxPlot } from './lib/svg.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, 'results');
const plotsDir = join(here, 'plots');
mkdirSync(resultsDir, { recursive: true });
mkdirSync(plotsDir, { recursive: true });

const filters = process.argv.slice(2);
const files = readdirSync(here).filter((f) => f.endsWith('.bench.mjs') && (!filters.length || filters.some((x) => f.includes(x)))).sort();
const timeoutMin = Number(process.env.KTS_BENCH_TIMEOUT_MIN ?? 30);

function machine() {
  const kal = spawnSync('keepalived', ['-v'], { encoding: 'utf8' });
  const kalVersion = ((kal.stderr || kal.stdout || '').split('\n')[0] ?? '').trim() || 'not installed';
  return {
    cpu: cpus()[0]?.model?.trim() ?? 'unknown',
    cores: cpus().length,
    kernel: release(),
    node: process.version,
    keepalived: kalVersion,
    load: loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

let failed = false;
for (const f of files) {
  const name = f.replace(/\.bench\.mjs$/, '');
  const out = join(resultsDir, `${name}.json.tmp`);
  rmSync(out, { force: true });
  const m = machine();
  const started = new Date().toISOString();
  console.log(`=== ${f} (load ${m.load})`);
  const r = spawnSync(process.execPath, [join(here, f)], {
    stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', timeout: timeoutMin * 60_000, killSignal: 'SIGTERM',
    env: { ...process.env, KTS_BENCH_OUT: out },
  });
  process.stdout.write(r.stdout ?? '');
  if (r.status !== 0) {
    failed = true;
    console.error(`${f}: exit ${r.status ?? r.signal}`);
    rmSync(out, { force: true });
    continue;
  }
  let data = { summary: [], plots: [] };
  if (existsSync(out)) {
    data = { ...data, ...JSON.parse(readFileSync(out, 'utf8')) };
    rmSync(out);
  }
  writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify({ name, started, machine: m, ...data }, null, 1) + '\n');
  writeFileSync(join(resultsDir, `${name}.md`), (r.stdout ?? '').trim() + '\n');
}

// RESULTS.md, fresh, from every benchmark's latest result.
const fmt = (x) => (typeof x === 'number' && Number.isFinite(x) ? (+x.toPrecision(4)).toString() : x === undefined || x === null ? '-' : String(x));
const now = machine();
let summary = '| benchmark | measure | keepalived 2.2.7 | keepalived-ts | ratio ts/keepalived |\n|---|---|---:|---:|---:|\n';
let sections = '';
const names = readdirSync(here).filter((f) => f.endsWith('.bench.mjs')).map((f) => f.replace(/\.bench\.mjs$/, '')).sort();
for (const name of names) {
  const mdFile = join(resultsDir, `${name}.md`);
  const jsonFile = join(resultsDir, `${name}.json`);
  if (!existsSync(mdFile) || !existsSync(jsonFile)) {
    sections += `\n## ${name}\n\nNot run yet (\`node bench/run.mjs ${name}\`).\n`;
    summary += `| [${name}](#${name}) | not run yet | | | |\n`;
    continue;
  }
  const res = JSON.parse(readFileSync(jsonFile, 'utf8'));
  const rows = res.summary ?? [];
  if (!rows.length) summary += `| [${name}](#${name}) | see its section | | | |\n`;
  for (const row of rows) {
    const ratio = typeof row.ours === 'number' && typeof row.keepalived === 'number' && row.keepalived > 0 ? (row.ours / row.keepalived).toFixed(2) : '-';
    const unit = row.unit ? ` ${row.unit}` : '';
    summary += `| [${name}](#${name}) | ${row.what} | ${fmt(row.keepalived)}${row.keepalived === undefined ? '' : unit} | ${fmt(row.ours)}${unit} | ${ratio} |\n`;
  }
  let plots = '';
  for (const p of res.plots ?? []) {
    const svg = p.kind === 'bar' ? barChart(p) : boxPlot(p);
    writeFileSync(join(plotsDir, `${p.name}.svg`), svg);
    plots += `\n![${p.title}](plots/${p.name}.svg)\n`;
  }
  const mm = res.machine ?? {};
  sections += `\n## ${name}\n\n_Run ${res.started}; load average at start ${mm.load ?? '?'} on ${mm.cores ?? '?'} cores; node ${mm.node ?? '?'}._\n\n`;
  sections += readFileSync(mdFile, 'utf8').trim() + '\n' + plots;
}

const head = `# Benchmark results

Written by \`npm run bench\` (bench/run.mjs) from each benchmark's latest run (bench/results/).
keepalived-ts is compared with Debian's keepalived 2.2.7 on the same machine, in network
namespaces, by ratio (keepalived-ts / keepalived: below 1 is faster or smaller for us).

Machine: ${now.cpu}, ${now.cores} cores, Linux ${now.kernel}, Node.js ${now.node}, ${now.keepalived}.
Load average when this file was written: ${now.load}. The machine is shared (several jobs run
at once on 2 cores), so wall-clock figures include waiting for a CPU; each section gives the
load at its start.

## Summary

`;
writeFileSync(join(here, 'RESULTS.md'), head + summary + sections);
console.log(`wrote ${join(here, 'RESULTS.md')}`);
process.exitCode = failed ? 1 : 0;
