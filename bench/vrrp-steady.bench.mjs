#!/usr/bin/env node
// Steady state at VRRPv3 advert_int 0.05 s: a master (priority 200) and a backup (100) of
// keepalived 2.2.7 and, at the same time on the same bridge, a pair of keepalived-ts (other
// VRID), left alone for KTS_BENCH_STEADY_MIN minutes (10 by default, as issue #5 asks). Nothing
// fails, so every state transition after the start-up is spurious. Counted two ways:
//  - from each daemon's log ("Entering MASTER/BACKUP/FAULT STATE" after the settle point);
//  - on the wire (tcpdump on a fifth host): adverts from the backup (it advertises only while
//    it thinks it is master), and gaps between the master's adverts longer than the backup's
//    Master_Down_Interval (3 x 50 ms + Skew_Time = 180.5 ms: long enough for a takeover).
// keepalived-ts's checker process is kept busy meanwhile: each keepalived-ts daemon carries
// KTS_BENCH_CHECKS (1000) real servers with TCP_CHECK every second against a listener inside
// its namespace. keepalived runs VRRP only (-P): its checker process cannot start on a kernel
// without IPVS (it exits at start and is respawned, which would be load of another kind), so
// our busy checker is load both pairs share, and load inside our own daemon.
// Prints Markdown for bench/run.mjs (KTS_BENCH_OUT: JSON summary).
import { createWriteStream, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CLI, labBench } from './lib/lab-bench.mjs';
import { quantile } from './lib/svg.mjs';

const { Lab, waitFor, dir } = await labBench('kts-bench-steady-', ['keepalived', 'tcpdump']);

const MINUTES = Number(process.env.KTS_BENCH_STEADY_MIN ?? 10);
const CHECKS = Number(process.env.KTS_BENCH_CHECKS ?? 1000);
const SETTLE_MS = 5000;
const ADVERT_MS = 50;
// Master_Down_Interval of the priority-100 backup: 3 x 50 ms + (256-100) x 5 cs x 625/16 µs.
const MASTER_DOWN_MS = 3 * ADVERT_MS + Math.floor((156 * 5 * 625) / 16) / 1000;

const PAIRS = [
  { impl: 'keepalived', vrid: 71, vip: '10.69.0.171', master: { host: 'km', ip: '10.69.0.1' }, backup: { host: 'kb', ip: '10.69.0.2' } },
  { impl: 'keepalived-ts', vrid: 72, vip: '10.69.0.172', master: { host: 'tm', ip: '10.69.0.3' }, backup: { host: 'tb', ip: '10.69.0.4' } },
];

/** The i-th real server: 127.1.0.1 upwards (skipping .0 and .255), all local on lo. */
function rsAddr(i) {
  const n = (1 << 16) + Math.floor(i / 254) * 256 + (i % 254) + 1;
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

function conf(pair, prio, withChecks) {
  const out = [
    `global_defs {\n  router_id ${pair.impl}-${prio}\n  vrrp_version 3\n}`,
    `vrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id ${pair.vrid}\n  priority ${prio}\n  advert_int ${ADVERT_MS / 1000}\n  virtual_ipaddress {\n    ${pair.vip}/24 dev eth0\n  }\n}`,
  ];
  if (withChecks && CHECKS > 0) {
    const rs = [];
    for (let i = 0; i < CHECKS; i++) rs.push(`  real_server ${rsAddr(i)} 8080 {\n    TCP_CHECK {\n      connect_timeout 3\n    }\n  }`);
    out.push(`virtual_server 10.69.1.1 80 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n${rs.join('\n')}\n}`);
  }
  return out.join('\n') + '\n';
}

/** Calls onLine(line, msSinceStart) for each line the child prints, and appends it to a log. */
function lines(child, name, onLine) {
  const log = createWriteStream(join(dir, `${name}.log`));
  for (const s of [child.stdout, child.stderr]) {
    let buf = '';
    s.on('data', (d) => {
      log.write(d);
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i), performance.now());
        buf = buf.slice(i + 1);
      }
    });
  }
}

function startDaemon(ns, pair, role, prio) {
  const ours = pair.impl === 'keepalived-ts';
  const file = join(dir, `${ns.name}.conf`);
  writeFileSync(file, conf(pair, prio, ours));
  const base = ['-n', '-l', '-D', '-f', file, '-p', join(dir, `${ns.name}.pid`), '-r', join(dir, `${ns.name}-vrrp.pid`), '-c', join(dir, `${ns.name}-check.pid`)];
  const child = ours
    ? ns.spawn(process.execPath, [CLI, ...base], { env: { ...process.env, TMPDIR: dir } })
    : ns.spawn('keepalived', ['-P', ...base]);
  const d = { pair, role, child, transitions: [], checksFailed: 0 };
  lines(child, `${pair.impl}-${role}`, (line, at) => {
    const m = /\(VI_1\) Entering (MASTER|BACKUP|FAULT) STATE/.exec(line);
    if (m) d.transitions.push({ at, state: m[1], line: line.trim() });
    if (/TCP connection to .* failed|Disabling service|Removing service/i.test(line)) d.checksFailed++;
  });
  return d;
}

const exited = (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
const hasVip = async (ns, vip) => (await ns.addresses('eth0')).includes(`${vip}/24`);

const lab = await Lab.create();
const daemons = [];
let tStart;
let tEnd;
let capture = '';
try {
  const hosts = {};
  for (const p of PAIRS) for (const r of [p.master, p.backup]) hosts[r.host] = await lab.addHost(r.host, { addrs: [`${r.ip}/24`] });
  const obs = await lab.addHost('o', { addrs: ['10.69.0.9/24'] });
  // The real servers of our checkers: one listener on every local address of each namespace.
  const listeners = [];
  for (const p of PAIRS) {
    if (p.impl !== 'keepalived-ts' || CHECKS === 0) continue;
    for (const r of [p.master, p.backup]) {
      const l = hosts[r.host].spawn(process.execPath, ['-e', "require('net').createServer((c) => c.destroy()).listen({ port: 8080, host: '0.0.0.0', backlog: 65535 }, () => console.log('ready'))"]);
      await new Promise((res) => l.stdout.once('data', res));
      listeners.push(l);
    }
  }
  // Backups first, as in the failover benchmark, then the masters.
  for (const p of PAIRS) daemons.push(startDaemon(hosts[p.backup.host], p, 'backup', 100));
  await new Promise((r) => setTimeout(r, 200));
  for (const p of PAIRS) daemons.push(startDaemon(hosts[p.master.host], p, 'master', 200));
  for (const p of PAIRS) {
    await waitFor(`${p.impl}: the master holds the VIP alone`, async () => (await hasVip(hosts[p.master.host], p.vip)) && !(await hasVip(hosts[p.backup.host], p.vip)), 60_000);
  }
  const pcap = join(dir, 'steady.pcap');
  const cap = obs.spawn('tcpdump', ['-i', 'eth0', '-nn', '-U', '--time-stamp-precision=micro', '-w', pcap, 'ip proto 112']);
  cap.stderr.resume();
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  tStart = performance.now();
  console.error(`steady state: measuring for ${MINUTES} min`);
  await new Promise((r) => setTimeout(r, MINUTES * 60_000));
  tEnd = performance.now();
  cap.kill('SIGINT');
  await exited(cap);
  capture = (await obs.exec('tcpdump', ['-r', pcap, '-nn', '-tt', '-v'], { timeoutMs: 120_000 })).stdout;
  for (const l of listeners) l.kill('SIGKILL');
} finally {
  for (const d of daemons) d.child.kill('SIGTERM');
  await Promise.race([Promise.all(daemons.map((d) => exited(d.child))), new Promise((r) => setTimeout(r, 15_000))]);
  await lab.cleanup();
}

// tcpdump -v -tt: "1763...123456 IP (tos 0xc0, ttl 255, ...)\n    10.69.0.1 > 224.0.0.18: vrrp 10.69.0.1 > 224.0.0.18: VRRPv3, Advertisement, vrid 71, prio 200, intvl 5cs, length 12"
function adverts(text) {
  const out = [];
  let ts = NaN;
  for (const line of text.split('\n')) {
    const t = /^(\d+\.\d+) IP /.exec(line);
    if (t) ts = Number.parseFloat(t[1]) * 1000;
    const a = /(\d+\.\d+\.\d+\.\d+) > [\d.]+: VRRPv3, Advertisement, vrid (\d+), prio (\d+)/.exec(line);
    if (a && Number.isFinite(ts)) out.push({ ms: ts, src: a[1], vrid: Number(a[2]), prio: Number(a[3]) });
  }
  return out;
}

const seen = adverts(capture);
const rows = [];
for (const p of PAIRS) {
  const mine = seen.filter((a) => a.vrid === p.vrid);
  const fromMaster = mine.filter((a) => a.src === p.master.ip).map((a) => a.ms);
  const gaps = [];
  for (let i = 1; i < fromMaster.length; i++) gaps.push(fromMaster[i] - fromMaster[i - 1]);
  const sorted = [...gaps].sort((a, b) => a - b);
  const during = (d) => d.transitions.filter((t) => t.at >= tStart && t.at <= tEnd);
  const logged = daemons.filter((d) => d.pair === p).flatMap((d) => during(d).map((t) => ({ role: d.role, ...t })));
  rows.push({
    impl: p.impl,
    transitions: logged.length,
    examples: logged.slice(0, 3).map((t) => `${t.role}: ${t.state}`),
    backupAdverts: mine.filter((a) => a.src === p.backup.ip).length,
    masterAdverts: fromMaster.length,
    longGaps: gaps.filter((g) => g > MASTER_DOWN_MS).length,
    p99Gap: quantile(sorted, 0.99),
    maxGap: sorted[sorted.length - 1] ?? NaN,
    gaps,
  });
}
if (process.env.KTS_BENCH_KEEP) console.error(`logs and capture kept in ${dir}`);
else rmSync(dir, { recursive: true, force: true });

const byImpl = Object.fromEntries(rows.map((r) => [r.impl, r]));
const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
console.log(`VRRPv3, advert_int 0.05 s, master priority 200 and backup 100, both pairs at once on one bridge for ${MINUTES} min after a ${SETTLE_MS / 1000} s settle; keepalived-ts's checker process busy with ${CHECKS} TCP_CHECKs every 1 s on each of its two daemons (keepalived runs VRRP only: its checker cannot start without IPVS). Nothing fails, so every transition is spurious. A master gap longer than ${MASTER_DOWN_MS} ms (the backup's Master_Down_Interval) is one in which the backup could take over.\n`);
console.log('| | state transitions logged (spurious) | adverts from the backup (capture) | master adverts | master gaps > Master_Down | p99 master gap (ms) | longest master gap (ms) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.impl === 'keepalived' ? 'keepalived 2.2.7' : 'keepalived-ts'} | ${r.transitions}${r.examples.length ? ` (${r.examples.join(', ')})` : ''} | ${r.backupAdverts} | ${r.masterAdverts} | ${r.longGaps} | ${f(r.p99Gap)} | ${f(r.maxGap)} |`);
const k = byImpl.keepalived;
const t = byImpl['keepalived-ts'];
if (process.env.KTS_BENCH_OUT) {
  writeFileSync(process.env.KTS_BENCH_OUT, JSON.stringify({
    summary: [
      { what: `steady state ${MINUTES} min, VRRPv3 advert_int 0.05 s, checker busy: spurious transitions (logs)`, keepalived: k.transitions, ours: t.transitions, unit: '' },
      { what: 'steady state: adverts from the backup on the wire', keepalived: k.backupAdverts, ours: t.backupAdverts, unit: '' },
      { what: 'steady state: longest gap between the master\'s adverts', keepalived: k.maxGap, ours: t.maxGap, unit: 'ms' },
    ],
    plots: [{ name: 'vrrp-steady', kind: 'box', title: `Gaps between the master's adverts over ${MINUTES} min (VRRPv3, advert_int 0.05 s)`, unit: 'ms between consecutive adverts', groups: [{ label: 'keepalived 2.2.7', values: k.gaps }, { label: 'keepalived-ts (checker busy)', values: t.gaps }] }],
  }));
}
