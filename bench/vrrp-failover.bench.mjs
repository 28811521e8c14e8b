#!/usr/bin/env node
// VRRP failover time, keepalived-ts against keepalived 2.2.7, in network namespaces: a
// master (priority 200) and a backup (priority 100), VRRPv3 with advert_int 0.1 s. We stop
// the master (SIGTERM: priority-0 handover; SIGKILL: crash) and time until the VIP appears
// on the backup, seen by `ip monitor address` in the backup's namespace. Each
// implementation is paired with itself. Prints Markdown for bench/run.mjs.
// Expected from the protocol: graceful = Skew_Time (61 ms at priority 100), crash =
// 3 x 100 ms + Skew_Time after the last advert (~361 ms).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { Lab, labUnavailable, waitFor } = await import(join(root, 'dist/src/lab/netns.js'));
const fixture = join(root, 'dist/test/integration/fixtures/vrrp-node.js');
const TRIALS = Number(process.env.KTS_BENCH_TRIALS ?? 7);
const VIP = '10.67.0.100';

const why = labUnavailable(['keepalived']);
if (why) {
  console.log(`skipped: ${why}`);
  process.exit(0);
}
if (spawnSync('test', ['-f', fixture]).status !== 0) {
  console.error('run `npm run build` first');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'kts-bench-vrrp-'));
const kalConf = (prio) => `global_defs {\n  router_id b${prio}\n  vrrp_version 3\n}\nvrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 67\n  priority ${prio}\n  advert_int 0.1\n  virtual_ipaddress {\n    ${VIP}/24 dev eth0\n  }\n}\n`;
const tsSpec = (prio) => [{ name: 'VI_1', vrid: 67, version: 3, interface: 'eth0', priority: prio, advertIntSec: 0.1, vips: [{ address: VIP, prefixLength: 24 }] }];

function start(ns, impl, prio) {
  if (impl === 'keepalived-ts') return { child: ns.spawn(process.execPath, [fixture, JSON.stringify(tsSpec(prio))]), pids: [] };
  const conf = join(dir, `${ns.name}-${prio}.conf`);
  writeFileSync(conf, kalConf(prio));
  const pid = join(dir, `${ns.name}.pid`);
  const vpid = join(dir, `${ns.name}-vrrp.pid`);
  return { child: ns.spawn('keepalived', ['-n', '-l', '-P', '-f', conf, '-p', pid, '-r', vpid]), pidFiles: [pid, vpid] };
}

const exited = (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
const hasVip = async (ns) => (await ns.addresses('eth0')).includes(`${VIP}/24`);

async function kill(p, signal) {
  if (p.pidFiles && signal === 'SIGKILL') {
    // A crashed host: keepalived's parent and VRRP child die at once.
    for (const f of p.pidFiles) {
      try { process.kill(Number(readFileSync(f, 'utf8').trim()), 'SIGKILL'); } catch { /* gone */ }
    }
  } else p.child.kill(signal);
  await exited(p.child);
}

async function trial(lab, m, b, impl, signal) {
  const backup = start(b, impl, 100);
  await new Promise((r) => setTimeout(r, 200));
  const master = start(m, impl, 200);
  await waitFor('master holds the VIP alone', async () => (await hasVip(m)) && !(await hasVip(b)), 15_000);
  await new Promise((r) => setTimeout(r, 500));
  const mon = b.spawn('ip', ['monitor', 'address']);
  let seenAt;
  const seen = new Promise((resolve) => {
    mon.stdout.on('data', (d) => {
      if (seenAt === undefined && d.toString().split('\n').some((l) => l.includes(VIP) && !l.startsWith('Deleted'))) {
        seenAt = performance.now();
        resolve();
      }
    });
  });
  await new Promise((r) => setTimeout(r, 200));
  const t0 = performance.now();
  await kill(master, signal);
  await Promise.race([seen, new Promise((r) => setTimeout(r, 10_000))]);
  mon.kill('SIGTERM');
  const ms = seenAt === undefined ? NaN : seenAt - t0;
  await kill(backup, 'SIGTERM');
  await m.ip('addr', 'del', `${VIP}/24`, 'dev', 'eth0').catch(() => '');
  await b.ip('addr', 'del', `${VIP}/24`, 'dev', 'eth0').catch(() => '');
  return ms;
}

const median = (xs) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

const lab = await Lab.create();
const results = {};
try {
  const m = await lab.addHost('m', { addrs: ['10.67.0.1/24'] });
  const b = await lab.addHost('b', { addrs: ['10.67.0.2/24'] });
  for (const signal of ['SIGTERM', 'SIGKILL']) {
    for (const impl of ['keepalived', 'keepalived-ts']) {
      const xs = [];
      for (let i = 0; i < TRIALS; i++) xs.push(await trial(lab, m, b, impl, signal));
      results[`${impl} ${signal}`] = xs;
    }
  }
} finally {
  await lab.cleanup();
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (x) => (Number.isNaN(x) ? 'n/a' : `${x.toFixed(1)} ms`);
console.log(`VRRPv3, advert_int 0.1 s, backup priority 100, ${TRIALS} trials each; time from stopping the master to the VIP on the backup (ip monitor).\n`);
console.log('| master stopped by | keepalived 2.2.7 (median) | keepalived-ts (median) | ratio ts/keepalived | keepalived-ts trials |');
console.log('| --- | --- | --- | --- | --- |');
for (const signal of ['SIGTERM', 'SIGKILL']) {
  const k = median(results[`keepalived ${signal}`]);
  const t = median(results[`keepalived-ts ${signal}`]);
  const label = signal === 'SIGTERM' ? 'SIGTERM (priority-0 handover)' : 'SIGKILL (crash)';
  console.log(`| ${label} | ${fmt(k)} | ${fmt(t)} | ${(t / k).toFixed(2)} | ${results[`keepalived-ts ${signal}`].map((x) => x.toFixed(0)).join(', ')} |`);
}
