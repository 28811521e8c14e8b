#!/usr/bin/env node
// Adds then removes 1,000 /32 VIPs on one interface in a namespace, through our rtnetlink
// client (batched sendmsg) and through `ip -batch` doing the same, and reports the time
// ratio and the longest event-loop stall our client caused (perf_hooks histogram).
// Needs root (a network namespace). Prints Markdown for bench/run.mjs.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';

const COUNT = 1000;
const ROUNDS = 5;
const vips = Array.from({ length: COUNT }, (_, i) => `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`);

if (process.argv[2] === '--inner') {
  // Runs inside the namespace: one add round and one delete round with our client.
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const { RtnetlinkClient } = await import(join(root, 'dist/src/net/rtnetlink.js'));
  const client = RtnetlinkClient.open();
  // Two rounds in one process: the first runs cold (as at a daemon's first failover),
  // the second with the code already compiled by the JIT.
  const rounds = [];
  for (let round = 0; round < 2; round++) {
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const added = await client.changeAddresses(vips.map((address) => ({ op: 'add', link: 'eth0', address })));
    const t1 = performance.now();
    const deleted = await client.changeAddresses(vips.map((address) => ({ op: 'delete', link: 'eth0', address })));
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    h.disable();
    const bad = [...added, ...deleted].filter((r) => !r.ok);
    if (bad.length) {
      console.error(`${bad.length} changes refused, first: ${bad[0].error.message}`);
      process.exit(1);
    }
    rounds.push({ addMs: t1 - t0, delMs: t2 - t1, cpuMs: (cpu.user + cpu.system) / 1000, maxStallMs: h.max / 1e6 });
  }
  client.close();
  console.log(JSON.stringify({ cold: rounds[0], warm: rounds[1] }));
  process.exit(0);
}

if (process.getuid?.() !== 0) {
  console.error('vip-batch: needs root (network namespaces)');
  process.exit(1);
}
const ns = `kt${process.pid}xbench`;
const ip = (...args) => execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'kts-vip-batch-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  execFileSync('ip', ['netns', 'add', ns]);
  ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p');
  ip('link', 'set', 'eth0p', 'up');
  ip('link', 'set', 'eth0', 'up');
  const addFile = join(dir, 'add');
  const delFile = join(dir, 'del');
  writeFileSync(addFile, vips.map((v) => `addr add ${v} dev eth0`).join('\n') + '\n');
  writeFileSync(delFile, vips.map((v) => `addr del ${v} dev eth0`).join('\n') + '\n');
  const countVips = () => (JSON.parse(ip('-j', '-4', 'addr', 'show', 'dev', 'eth0'))[0]?.addr_info ?? []).length;

  const ours = [];
  const theirs = [];
  for (let round = 0; round < ROUNDS; round++) {
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, fileURLToPath(import.meta.url), '--inner'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`our client failed: ${r.stderr}`);
    ours.push(JSON.parse(r.stdout.trim().split('\n').pop()));
    if (countVips() !== 0) throw new Error('our client left addresses behind');

    const timed = (file) => {
      // /usr/bin/time gives the child's CPU time (user + system), our load-independent measure.
      const out = join(dir, 'time');
      const t = performance.now();
      execFileSync('/usr/bin/time', ['-f', '%U %S', '-o', out, 'ip', '-n', ns, '-batch', file]);
      const ms = performance.now() - t;
      const [u, sy] = readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      return { ms, cpuMs: (u + sy) * 1000 };
    };
    const add = timed(addFile);
    if (countVips() !== COUNT) throw new Error(`ip -batch added ${countVips()} addresses, not ${COUNT}`);
    const del = timed(delFile);
    theirs.push({ addMs: add.ms, delMs: del.ms, cpuMs: add.cpuMs + del.cpuMs });
  }
  const f = (x) => x.toFixed(1);
  const sum = (k) => ({
    add: median(ours.map((x) => x[k].addMs)),
    del: median(ours.map((x) => x[k].delMs)),
    cpu: median(ours.map((x) => x[k].cpuMs)),
    stall: median(ours.map((x) => x[k].maxStallMs)),
  });
  const cold = sum('cold');
  const warm = sum('warm');
  const i = { add: median(theirs.map((x) => x.addMs)), del: median(theirs.map((x) => x.delMs)), cpu: median(theirs.map((x) => x.cpuMs)) };
  console.log(`${COUNT} /32 VIPs added then removed on one veth in a namespace; median of ${ROUNDS} rounds (load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs).\n`);
  console.log('| | add (ms) | remove (ms) | total wall (ms) | CPU user+sys (ms) | max event-loop stall (ms) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(`| keepalived-ts client, first round in its process | ${f(cold.add)} | ${f(cold.del)} | ${f(cold.add + cold.del)} | ${f(cold.cpu)} | ${f(cold.stall)} |`);
  console.log(`| keepalived-ts client, second round | ${f(warm.add)} | ${f(warm.del)} | ${f(warm.add + warm.del)} | ${f(warm.cpu)} | ${f(warm.stall)} |`);
  console.log(`| \`ip -batch\` (iproute2, incl. process start) | ${f(i.add)} | ${f(i.del)} | ${f(i.add + i.del)} | ${f(i.cpu)} | |`);
  const total = i.add + i.del;
  console.log(`\nratio ours / ip -batch: wall **${((cold.add + cold.del) / total).toFixed(2)}** (first round), **${((warm.add + warm.del) / total).toFixed(2)}** (second); CPU **${(cold.cpu / i.cpu).toFixed(2)}** / **${(warm.cpu / i.cpu).toFixed(2)}**.`);
  console.log('Wall time on a loaded machine mostly measures waiting for a CPU; CPU time is the steadier comparison. A stall is the longest the event loop went without turning (kernel time inside sendmsg included).');
} finally {
  spawnSync('ip', ['netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
}
