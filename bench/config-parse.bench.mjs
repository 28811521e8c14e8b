#!/usr/bin/env node
// Config parse benchmark: a generated ~100,000-line keepalived.conf (1,000 vrrp_instances,
// 1,000 virtual_servers with 10 real_servers each), checked with `keepalived-ts -t` and
// `keepalived -t` (Debian 2.2.7). Both run in a network namespace that has eth0-eth3, so
// keepalived's interface checks see real interfaces (250 VRIDs on each of eth0-eth3). Prints wall
// and CPU (user+system, from /usr/bin/time) medians and their ratios. CPU time is the steadier
// number on a busy machine. The configuration comes from test/lib/big-config.ts (through dist/),
// the file whose dump the golden test pins.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupOnSignal } from './lib/on-signal.mjs';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const KEEPALIVED = '/usr/sbin/keepalived';
const RUNS = Number(process.env.KTS_BENCH_RUNS ?? 5);
const TIME = '/usr/bin/time';
const { generateBigConfig } = await import(join(root, 'dist', 'test', 'lib', 'big-config.js'));

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/**
 * Both commands run without NODE_EXTRA_CA_CERTS: when it is set (as on the machine these
 * figures come from), Node reads and parses that CA bundle at every start-up (~90 ms there,
 * a fixed cost of the environment that a host without it does not pay, and nothing to do
 * with reading a configuration). It is the only variable removed.
 */
const childEnv = { ...process.env };
delete childEnv.NODE_EXTRA_CA_CERTS;

/** Wall ms of one run, and its CPU ms (user+system) when /usr/bin/time is there (else NaN). */
function timeRun(prefix, cmd, args) {
  const withTime = existsSync(TIME);
  const cpuFile = join(dir, 'cpu');
  const argv = [...prefix, ...(withTime ? [TIME, '-f', '%U %S', '-o', cpuFile] : []), cmd, ...args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 28, env: childEnv });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let cpuMs = NaN;
  if (withTime) {
    const [u, s] = readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    cpuMs = (u + s) * 1000;
  }
  return { ms, cpuMs, code: r.status, errLines: r.stderr.split('\n').filter(Boolean).length };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const dir = mkdtempSync(join(tmpdir(), 'kts-bench-'));
let ns;
/** Removes what this run made: at its end, and when it is interrupted. */
const cleanup = () => {
  if (ns) spawnSync('ip', ['netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
};
cleanupOnSignal(cleanup);
const file = join(dir, 'big.conf');
const text = generateBigConfig();
writeFileSync(file, text);
const lines = text.split('\n').length - 1;

// A namespace of our own (pid in the name, removed by cleanup) with an eth0.
let prefix = [];
if (process.getuid?.() === 0 && spawnSync('ip', ['-V']).status === 0) {
  ns = `ktbench${process.pid}`;
  sh('ip', ['netns', 'add', ns]);
  for (const ifname of ['eth0', 'eth1', 'eth2', 'eth3']) {
    sh('ip', ['-n', ns, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', `${ifname}p`]);
    sh('ip', ['-n', ns, 'link', 'set', ifname, 'up']);
  }
  prefix = ['ip', 'netns', 'exec', ns];
}

try {
  const ours = [];
  const theirs = [];
  let oursLast;
  let theirsLast;
  for (let i = 0; i < RUNS; i++) {
    oursLast = timeRun(prefix, process.execPath, [join(root, 'bin', 'keepalived-ts'), '-t', '-f', file]);
    ours.push(oursLast);
    if (existsSync(KEEPALIVED)) {
      theirsLast = timeRun(prefix, KEEPALIVED, ['-t', '-f', file]);
      theirs.push(theirsLast);
    }
  }
  const wall = (runs) => median(runs.map((r) => r.ms));
  const cpu = (runs) => median(runs.map((r) => r.cpuMs));
  const fmt = (x) => (Number.isNaN(x) ? 'n/a' : x.toFixed(0));
  // Markdown for bench/RESULTS.md.
  console.log(`Config: ${lines} lines (1000 vrrp_instance, 1000 virtual_server x 10 real_server)${ns ? ', both run in a namespace with eth0-eth3' : ''}; median of ${RUNS} runs${process.env.NODE_EXTRA_CA_CERTS ? '; both without the NODE_EXTRA_CA_CERTS of this environment (Node would parse that CA bundle at every start-up)' : ''}.\n`);
  console.log('| command | median wall ms | median CPU ms (user+sys) | exit | diagnostic lines |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| keepalived-ts -t | ${fmt(wall(ours))} | ${fmt(cpu(ours))} | ${oursLast.code} | ${oursLast.errLines} |`);
  if (theirs.length) {
    console.log(`| keepalived -t (2.2.7) | ${fmt(wall(theirs))} | ${fmt(cpu(theirs))} | ${theirsLast.code} | ${theirsLast.errLines} |`);
    console.log(`\nratio keepalived-ts / keepalived: wall **${(wall(ours) / wall(theirs)).toFixed(2)}**, CPU **${(cpu(ours) / cpu(theirs)).toFixed(2)}**`);
    const summary = [{ what: `-t of a ${lines}-line configuration (median wall)`, keepalived: wall(theirs), ours: wall(ours), unit: 'ms' }];
    if (!Number.isNaN(cpu(ours))) summary.push({ what: `-t of a ${lines}-line configuration (median CPU)`, keepalived: cpu(theirs), ours: cpu(ours), unit: 'ms' });
    if (process.env.KTS_BENCH_OUT) writeFileSync(process.env.KTS_BENCH_OUT, JSON.stringify({ summary }));
  } else {
    console.log(`\nkeepalived -t not run (${KEEPALIVED} missing)`);
  }
  // Where our time goes, in-process (no node start-up): the reader, then the keyword layer.
  const { readConfigFile } = await import(join(root, 'dist', 'src', 'config', 'reader.js'));
  const { buildConfig } = await import(join(root, 'dist', 'src', 'config', 'build.js'));
  const readMs = [];
  const buildMs = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const read = readConfigFile(file, { configId: 'bench' });
    const t1 = performance.now();
    buildConfig(read.nodes, { interfaceExists: () => true, hostname: 'bench' });
    buildMs.push(performance.now() - t1);
    readMs.push(t1 - t0);
  }
  console.log(`\nin-process medians: reader ${median(readMs).toFixed(0)} ms, keyword layer (buildConfig) ${median(buildMs).toFixed(0)} ms`);
} finally {
  cleanup();
}
