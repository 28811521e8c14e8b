#!/usr/bin/env node
// Resident memory of the whole daemon (parent + children), keepalived-ts against keepalived
// 2.2.7, for 1 VRRP instance and for 1,000 (250 VRIDs on each of eth0-eth3, every instance a
// lone master holding one VIP), the real daemons started alike (`-n -l -P -f CONF`) in a
// namespace. RSS is VmRSS from /proc summed over the parent and its descendants, sampled
// after every VIP is up and the daemon has run for a few seconds. Prints Markdown.
import { writeFileSync, rmSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, labBench } from './lib/lab-bench.mjs';

const { Lab, waitFor, dir } = await labBench('kts-bench-mem-', ['keepalived']);

const SIZES = (process.env.KTS_BENCH_SIZES ?? '1,1000').split(',').map(Number);
const IFACES = ['eth0', 'eth1', 'eth2', 'eth3'];


function config(n) {
  let s = 'global_defs {\n  router_id mem\n}\n';
  for (let i = 0; i < n; i++) {
    const ifname = IFACES[Math.floor(i / 250)];
    const vrid = (i % 250) + 1;
    const vip = `10.${70 + Math.floor(i / 250)}.${Math.floor(vrid / 250)}.${(vrid % 250) + 2}`;
    s += `vrrp_instance VI_${i} {\n  state BACKUP\n  interface ${ifname}\n  virtual_router_id ${vrid}\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    ${vip}/32 dev ${ifname}\n  }\n}\n`;
  }
  return s;
}

/** The pid and every descendant's pid, from /proc/PID/stat's ppid field. */
function tree(pid) {
  const parentOf = new Map();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(e), ppid);
    } catch { /* gone */ }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [p, pp] of parentOf) if (pp === out[i]) out.push(p);
  return out;
}

function rssKiB(pids) {
  let sum = 0;
  for (const p of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      sum += m ? Number(m[1]) : 0;
    } catch { /* gone */ }
  }
  return sum;
}

const exited = (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

async function measure(ns, impl, n) {
  const file = join(dir, `mem-${n}.conf`);
  writeFileSync(file, config(n));
  const args = ['-n', '-l', '-P', '-f', file, '-p', join(dir, `${impl}.pid`), '-r', join(dir, `${impl}-vrrp.pid`)];
  const d = impl === 'keepalived' ? ns.spawn('keepalived', args) : ns.spawn(process.execPath, [CLI, ...args], { env: { ...process.env, TMPDIR: dir } });
  d.stdout.resume();
  d.stderr.resume();
  try {
    const count = async () => {
      const out = JSON.parse(await ns.ip('-j', 'addr', 'show')).flatMap((l) => l.addr_info.filter((a) => a.prefixlen === 32 && a.local.startsWith('10.7')));
      return out.length;
    };
    await waitFor(`${n} VIPs up`, async () => (await count()) >= n, 180_000, 500);
    await new Promise((r) => setTimeout(r, 5000));
    const samples = [];
    for (let i = 0; i < 3; i++) {
      const pids = tree(d.pid);
      samples.push({ kib: rssKiB(pids), procs: pids.length });
      await new Promise((r) => setTimeout(r, 1000));
    }
    samples.sort((a, b) => a.kib - b.kib);
    return samples[1];
  } finally {
    d.kill('SIGTERM');
    await Promise.race([exited(d), new Promise((r) => setTimeout(r, 20_000))]);
    if (d.exitCode === null && d.signalCode === null) { d.kill('SIGKILL'); await exited(d); }
    // Whatever a killed daemon left behind goes with the namespace.
  }
}

const lab = await Lab.create();
const results = {};
try {
  for (const n of SIZES) {
    for (const impl of ['keepalived', 'keepalived-ts']) {
      // A fresh namespace per run: no VIP or socket left from the previous daemon.
      const ns = await lab.addNs(`${impl === 'keepalived' ? 'k' : 't'}${n}`);
      for (const ifname of IFACES) {
        await ns.ip('link', 'add', ifname, 'type', 'veth', 'peer', 'name', `${ifname}p`);
        await ns.ip('link', 'set', ifname, 'up');
        await ns.ip('link', 'set', `${ifname}p`, 'up');
        await ns.ip('addr', 'add', `10.${70 + IFACES.indexOf(ifname)}.9.1/16`, 'dev', ifname);
      }
      results[`${impl} ${n}`] = await measure(ns, impl, n);
    }
  }
} finally {
  await lab.cleanup();
  rmSync(dir, { recursive: true, force: true });
}

const mib = (x) => x.kib / 1024;
const summary = [];
const bars = [];
console.log('Resident memory (VmRSS summed over the parent and all its descendants), median of 3 samples taken after every VIP is up + 5 s; each VRRP instance a lone master with one /32 VIP at advert_int 1 s.\n');
console.log('| instances | keepalived 2.2.7 (MiB, processes) | keepalived-ts (MiB, processes) | ratio ts/keepalived |');
console.log('| ---: | ---: | ---: | ---: |');
for (const n of SIZES) {
  const k = results[`keepalived ${n}`];
  const t = results[`keepalived-ts ${n}`];
  console.log(`| ${n} | ${mib(k).toFixed(1)} (${k.procs}) | ${mib(t).toFixed(1)} (${t.procs}) | ${(t.kib / k.kib).toFixed(2)} |`);
  summary.push({ what: `resident memory, ${n} VRRP instance${n === 1 ? '' : 's'} (all processes)`, keepalived: mib(k), ours: mib(t), unit: 'MiB' });
  bars.push({ label: `keepalived, ${n}`, value: mib(k) }, { label: `keepalived-ts, ${n}`, value: mib(t) });
}
if (process.env.KTS_BENCH_OUT) writeFileSync(process.env.KTS_BENCH_OUT, JSON.stringify({ summary, plots: [{ name: 'memory', kind: 'bar', title: 'Resident memory, all processes', unit: 'MiB', groups: bars }] }));
