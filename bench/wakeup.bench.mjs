// What one wake-up of an idle event loop costs: a C loop as keepalived's (epoll_wait with a
// timeout) against a Node loop (an empty setInterval callback), 40 wake-ups a second, user
// and system CPU per wake-up, on this host and in the VM (Debian's kernel under software CPU
// emulation, where the checker benchmark runs). It explains the checkers benchmark: at a few
// dozen checks a second, a Node checker's CPU is mostly its wake-ups (docs/checkers.md).
// No keepalived in it, so nothing goes to the summary table.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const HZ = 40;
const SECONDS = Number(process.env.KTS_BENCH_WAKE_SECONDS ?? 15);
const cSource = join(here, 'lib', 'wake.c');
const nodeLoop = join(here, 'lib', 'wake-node.mjs');

function json(r, what) {
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return { error: `${what}: ${(r.stderr || r.stdout || `exit ${r.status}`).trim().slice(0, 300)}` };
  }
}

function hostArm() {
  const dir = mkdtempSync(join(tmpdir(), 'kts-wake-'));
  try {
    const bin = join(dir, 'wake');
    const cc = spawnSync('cc', ['-O2', '-o', bin, cSource], { encoding: 'utf8' });
    const c = cc.status === 0 ? json(spawnSync(bin, [String(HZ), String(SECONDS)], { encoding: 'utf8' }), 'C loop') : { error: `cc: ${cc.stderr || cc.error}` };
    const node = json(spawnSync(process.execPath, [nodeLoop, String(HZ), String(SECONDS)], { encoding: 'utf8' }), 'Node loop');
    return { c, node };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function vmArm() {
  const { runInVm, vmUnavailable } = await import(join(here, '..', 'dist', 'test', 'lib', 'vm.js'));
  const why = vmUnavailable();
  if (why) return { skipped: why };
  // The VM has its own /tmp; it compiles the loop there with this machine's compiler (its root).
  const script = [
    `cc -O2 -o /tmp/wake ${cSource} && echo "KTS-WAKE-C $(/tmp/wake ${HZ} ${SECONDS})"`,
    `echo "KTS-WAKE-NODE $(node ${nodeLoop} ${HZ} ${SECONDS})"`,
  ].join('\n') + '\n';
  const vm = await runInVm({ script, timeoutMs: 600_000, memoryMb: 1024 });
  const pick = (tag) => {
    const m = new RegExp(`^${tag} (\\{.*\\})$`, 'm').exec(vm.console);
    return m ? JSON.parse(m[1]) : { error: `no ${tag} line` };
  };
  return { c: pick('KTS-WAKE-C'), node: pick('KTS-WAKE-NODE') };
}

const fmt = (r, k) => (r.error ? `error: ${r.error}` : r[k].toFixed(1));
const ratio = (a, b) => (a.error || b.error ? '-' : ((b.userUs + b.sysUs) / (a.userUs + a.sysUs)).toFixed(1));

const rows = [['this host', hostArm()]];
const vm = await vmArm();
if (!vm.skipped) rows.push(['the VM (software CPU emulation)', vm]);

console.log(`An idle event loop woken ${HZ} times a second, measured over ${SECONDS} s after it settled: a C loop waiting in epoll_wait with a timeout (keepalived's loop does the same), and a Node process whose only work is an empty setInterval callback. CPU per wake-up (getrusage / process.cpuUsage).\n`);
console.log('| where | C loop: user µs | C loop: system µs | Node: user µs | Node: system µs | Node / C (user + system) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [where, r] of rows) console.log(`| ${where} | ${fmt(r.c, 'userUs')} | ${fmt(r.c, 'sysUs')} | ${fmt(r.node, 'userUs')} | ${fmt(r.node, 'sysUs')} | ${ratio(r.c, r.node)} |`);
if (vm.skipped) console.log(`\nVM arm skipped: ${vm.skipped}`);
