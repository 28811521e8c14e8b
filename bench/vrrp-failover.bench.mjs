#!/usr/bin/env node
// VRRP failover time, keepalived-ts against keepalived 2.2.7, in network namespaces: a
// master (priority 200) and a backup (priority 100), both the real daemons started the same
// way (`-n -l -P -f CONF -p PID -r VRRPPID`) with the same configuration. Two arms: VRRPv2 with
// advert_int 1 s and VRRPv3 with advert_int 0.05 s. We stop the master (SIGTERM: priority-0
// handover; SIGKILL of the parent and its VRRP child at once: a crash) and time until the VIP
// appears on the backup, seen by `ip monitor address` in the backup's namespace. For a
// graceful stop each implementation is paired with itself; a crash is of a keepalived master
// whichever backup is measured (the issue's scenario). Prints Markdown for bench/run.mjs.
// Expected from the protocol: graceful = Skew_Time ((256-100)/256 x interval), crash =
// 3 x interval + Skew_Time after the last advert (3.61 s at 1 s, ~181 ms at 0.05 s).
// A crash is made just after one of the master's adverts (as the backup's capture shows it),
// so every trial kills at the same point of the advert interval: the time to the VIP is then
// Master_Down_Interval less the ~1 ms it took to see the advert, plus the backup's lateness
// and its address change (killed at a random point, a trial varied by up to an interval).
// A crash is also timed on the wire, which takes that phase out: tcpdump in the backup's
// namespace gives the master's last advert and the backup's first one, and their gap less the
// backup's Master_Down_Interval is how late the backup took over (its own latency alone).
// Environment: KTS_BENCH_TRIALS (5), KTS_BENCH_ARMS (e.g. "v3" for the 0.05 s arm only),
// KTS_BENCH_SIGNALS ("SIGKILL" for crashes only), KTS_BENCH_IMPLS ("keepalived-ts"),
// KTS_BENCH_CPU_LOAD (that many busy-looping processes of our own for the whole run, to see
// failover on a starved machine; 0 by default), KTS_BENCH_LOGS (a directory for the daemons'
// logs).
import { createWriteStream, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { CLI, labBench } from './lib/lab-bench.mjs';

const { Lab, waitFor, dir } = await labBench('kts-bench-vrrp-', ['keepalived', 'tcpdump']);

const TRIALS = Number(process.env.KTS_BENCH_TRIALS ?? 5);
const VIP = '10.67.0.100';
/** The master's and the backup's addresses on the bridge (their adverts' sources). */
const MASTER_IP = '10.67.0.1';
const BACKUP_IP = '10.67.0.2';
const only = (name, all) => {
  const want = process.env[name]?.split(',').filter(Boolean);
  return want?.length ? all.filter((x) => want.some((w) => String(x.label ?? x).includes(w))) : all;
};
const ARMS = only('KTS_BENCH_ARMS', [{ version: 2, advert: 1, label: 'v2' }, { version: 3, advert: 0.05, label: 'v3' }]);
const SIGNALS = only('KTS_BENCH_SIGNALS', ['SIGTERM', 'SIGKILL']);
const IMPLS = only('KTS_BENCH_IMPLS', ['keepalived', 'keepalived-ts']);
const CPU_LOAD = Number(process.env.KTS_BENCH_CPU_LOAD ?? 0);

const conf = (arm, prio) => `global_defs {\n  router_id b${prio}\n  vrrp_version ${arm.version}\n}\nvrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 67\n  priority ${prio}\n  advert_int ${arm.advert}\n  virtual_ipaddress {\n    ${VIP}/24 dev eth0\n  }\n}\n`;

function start(ns, impl, arm, prio) {
  const file = join(dir, `${ns.name}-${prio}.conf`);
  writeFileSync(file, conf(arm, prio));
  const pid = join(dir, `${ns.name}.pid`);
  const vpid = join(dir, `${ns.name}-vrrp.pid`);
  const args = ['-n', '-l', '-P', '-f', file, '-p', pid, '-r', vpid];
  const child = impl === 'keepalived' ? ns.spawn('keepalived', args) : ns.spawn(process.execPath, [CLI, ...args], { env: { ...process.env, TMPDIR: dir } });
  if (process.env.KTS_BENCH_LOGS) {
    const log = createWriteStream(join(process.env.KTS_BENCH_LOGS, `${impl}-${prio}.log`), { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  return { child, pidFiles: [pid, vpid] };
}
const exited = (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
const hasVip = async (ns) => (await ns.addresses('eth0')).includes(`${VIP}/24`);

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function kill(p, signal) {
  if (p.pidFiles && signal === 'SIGKILL') {
    // A crashed host: keepalived's parent and VRRP child die at once. The child first: a
    // child whose parent dies first gets SIGTERM (both daemons set PR_SET_PDEATHSIG) and may
    // send its priority-0 advert before its own SIGKILL lands, a graceful stop, not a crash.
    const pids = [];
    for (const f of [...p.pidFiles].reverse()) {
      try { pids.push(Number(readFileSync(f, 'utf8').trim())); } catch { /* not written yet */ }
    }
    for (const pid of pids) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    p.child.kill('SIGKILL'); // no pid file yet: the process we started is the parent
    await exited(p.child);
    // The host comes back with an empty /run: the next daemon must not find these pid files
    // naming a process that is still a zombie (both keepalived and keepalived-ts would refuse
    // to start, "daemon is already running", and the trial would not settle).
    const until = performance.now() + 10_000;
    while (pids.some(alive) && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
    for (const f of p.pidFiles) rmSync(f, { force: true });
    return;
  }
  p.child.kill(signal);
  await exited(p.child);
}

async function trial(lab, m, b, impl, arm, signal) {
  const backup = start(b, impl, arm, 100);
  await new Promise((r) => setTimeout(r, 200));
  // A crash is the issue's scenario: a keepalived master's host dies and the backup under
  // test takes over, so both arms face the same master. A graceful stop pairs each daemon
  // with itself: the stopping master's priority-0 advert is half of what is timed.
  const master = start(m, signal === 'SIGKILL' ? 'keepalived' : impl, arm, 200);
  try {
    await waitFor('master holds the VIP alone', async () => (await hasVip(m)) && !(await hasVip(b)), 30_000);
  } catch (e) {
    // Under heavy load a start-up can fail to settle; count the trial as failed, not the run.
    console.error(`trial skipped (${impl}, v${arm.version} ${arm.advert} s): ${e.message}`);
    await kill(master, 'SIGKILL');
    await kill(backup, 'SIGKILL');
    await m.ip('addr', 'del', `${VIP}/24`, 'dev', 'eth0').catch(() => '');
    await b.ip('addr', 'del', `${VIP}/24`, 'dev', 'eth0').catch(() => '');
    return NaN;
  }
  await new Promise((r) => setTimeout(r, Math.max(500, arm.advert * 2000)));
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
  // The adverts on the wire, with the kernel's timestamps (-tt: seconds since the epoch).
  const cap = signal === 'SIGKILL' ? b.spawn('tcpdump', ['-i', 'eth0', '-n', '-tt', '-l', '-U', '--immediate-mode', 'vrrp']) : undefined;
  let capOut = '';
  cap?.stdout.on('data', (d) => { capOut += d; });
  // The capture must hold the master's last advert: it starts more than one interval before the kill.
  await new Promise((r) => setTimeout(r, cap ? Math.max(500, arm.advert * 1000 + 300) : 200));
  // A crash comes just after one of the master's adverts (as soon as the backup's capture shows
  // it), so every trial kills at the same point of the advert interval and the time to the VIP
  // does not vary by up to an interval with the phase.
  if (cap) await nextAdvertFrom(cap, MASTER_IP, arm.advert * 3000);
  const t0 = performance.now();
  await kill(master, signal);
  await Promise.race([seen, new Promise((r) => setTimeout(r, 15_000))]);
  mon.kill('SIGTERM');
  const ms = seenAt === undefined ? NaN : seenAt - t0;
  let lateMs;
  if (cap) {
    await new Promise((r) => setTimeout(r, 300));
    cap.kill('SIGTERM');
    await exited(cap);
    lateMs = takeoverLateness(capOut, arm);
  }
  await kill(backup, 'SIGTERM');
  await m.ip('addr', 'del', `${VIP}/24`, 'dev', 'eth0').catch(() => '');
  await b.ip('addr', 'del', `${VIP}/24`, 'dev', 'eth0').catch(() => '');
  return { ms, lateMs };
}

/** Resolves when the capture prints an advert from `src` (or after `timeoutMs`). */
function nextAdvertFrom(cap, src, timeoutMs) {
  return new Promise((resolve) => {
    const seen = new RegExp(` IP ${src.replace(/\./g, '\\.')} > `);
    const timer = setTimeout(done, timeoutMs);
    function done() {
      clearTimeout(timer);
      cap.stdout.off('data', onData);
      resolve();
    }
    function onData(d) {
      if (seen.test(d.toString())) done();
    }
    cap.stdout.on('data', onData);
  });
}

/**
 * From a tcpdump -tt capture of the handover: the backup's first advert less the master's last
 * one, less the backup's Master_Down_Interval (3 x advert_int + Skew_Time for priority 100).
 */
function takeoverLateness(capture, arm) {
  const adverts = capture.split('\n').flatMap((l) => {
    const m = /^(\d+\.\d+) IP (\S+) > /.exec(l);
    return m ? [{ t: Number(m[1]) * 1000, from: m[2] }] : [];
  });
  const first = adverts.findIndex((a) => a.from === BACKUP_IP);
  const last = adverts.slice(0, Math.max(0, first)).filter((a) => a.from === MASTER_IP).at(-1);
  if (first < 0 || !last) return NaN;
  return adverts[first].t - last.t - masterDownMs(arm);
}

/**
 * A backup cannot take over before its Master_Down_Interval has run from the last advert it read;
 * a trial that shows it doing so (more than 1 ms early) lost adverts from the capture or had a
 * master that stopped sending before the kill, so it does not time a crash and is left out.
 */
const cleanCrash = (lateMs) => !(lateMs < -1);

/** The priority-100 backup's Master_Down_Interval: 3 x advert_int + Skew_Time, as keepalived computes it. */
function masterDownMs(arm) {
  // Skew_Time in µs: v2 (256 - 100) x 1 s / 256; v3 (256 - 100) x advert_int in centiseconds x 625 / 16.
  const skewMs = arm.version === 2 ? Math.floor((156 * 1_000_000) / 256) / 1000 : Math.floor((156 * Math.round(arm.advert * 100) * 625) / 16) / 1000;
  return 3 * arm.advert * 1000 + skewMs;
}

const median = (xs) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

const burners = Array.from({ length: CPU_LOAD }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const lab = await Lab.create();
const results = {};
/** Per crash arm: how late the backup took over after its Master_Down_Interval, per trial. */
const lateness = {};
const key = (arm, impl, signal) => `v${arm.version} ${arm.advert}s ${impl} ${signal}`;
try {
  const m = await lab.addHost('m', { addrs: [`${MASTER_IP}/24`] });
  const b = await lab.addHost('b', { addrs: [`${BACKUP_IP}/24`] });
  for (const arm of ARMS) {
    for (const signal of SIGNALS) {
      for (const impl of IMPLS) {
        const xs = [];
        const late = [];
        for (let i = 0; i < TRIALS; i++) {
          const r = await trial(lab, m, b, impl, arm, signal);
          xs.push(typeof r === 'number' ? r : r.ms);
          if (typeof r === 'object' && r.lateMs !== undefined) late.push(r.lateMs);
        }
        results[key(arm, impl, signal)] = xs;
        if (late.length) lateness[key(arm, impl, signal)] = late;
      }
    }
  }
} finally {
  for (const b of burners) b.kill('SIGKILL');
  await lab.cleanup();
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (x) => (Number.isNaN(x) ? 'n/a' : `${x.toFixed(1)} ms`);
const summary = [];
const plots = [];
console.log(`Real daemons, master priority 200, backup 100, ${TRIALS} trials each; time from stopping the master to the VIP on the backup (ip monitor). A graceful stop (SIGTERM) pairs each daemon with itself; a crash (SIGKILL of the master's processes) is of a keepalived master in both arms, and comes just after one of its adverts, as soon as the backup's capture shows it, so every crash trial has the same phase within the advert interval.${CPU_LOAD ? ` ${CPU_LOAD} busy-looping processes ran throughout.` : ''}\n`);
console.log('| protocol, advert_int | master stopped by | keepalived 2.2.7 (median) | keepalived-ts (median) | ratio ts/keepalived | keepalived trials (ms) | keepalived-ts trials (ms) |');
console.log('| --- | --- | ---: | ---: | ---: | --- | --- |');
for (const arm of ARMS) {
  const groups = [];
  for (const signal of SIGNALS) {
    const ks = results[key(arm, 'keepalived', signal)] ?? [];
    const ts = results[key(arm, 'keepalived-ts', signal)] ?? [];
    const k = median(ks);
    const t = median(ts);
    const label = signal === 'SIGTERM' ? 'SIGTERM (priority-0 handover)' : 'SIGKILL (crash)';
    console.log(`| VRRPv${arm.version}, ${arm.advert} s | ${label} | ${fmt(k)} | ${fmt(t)} | ${(t / k).toFixed(2)} | ${ks.map((x) => x.toFixed(0)).join(', ')} | ${ts.map((x) => x.toFixed(0)).join(', ')} |`);
    summary.push({ what: `failover, VRRPv${arm.version} advert_int ${arm.advert} s, ${signal === 'SIGTERM' ? 'graceful stop' : 'crash'} (median)`, keepalived: k, ours: t, unit: 'ms' });
    groups.push({ label: `keepalived ${signal}`, values: ks }, { label: `keepalived-ts ${signal}`, values: ts });
  }
  plots.push({ name: `failover-v${arm.version}-${String(arm.advert).replace('.', '_')}s`, kind: 'box', title: `Failover time, VRRPv${arm.version}, advert_int ${arm.advert} s`, unit: 'ms from stopping the master to the VIP on the backup', groups });
}
const crashArms = ARMS.filter((arm) => lateness[key(arm, 'keepalived', 'SIGKILL')] || lateness[key(arm, 'keepalived-ts', 'SIGKILL')]);
if (crashArms.length) {
  console.log('\nCrashes timed on the wire (tcpdump in the backup\'s namespace): the backup\'s first advert after the master\'s last one, less the backup\'s Master_Down_Interval. This is the backup\'s own lateness, without the random phase of the crash within the advert interval. A trial where the backup took over more than 1 ms before its Master_Down_Interval had run (adverts missing from the capture) is shown in parentheses and left out of the median.\n');
  console.log('| protocol, advert_int | keepalived 2.2.7 (median) | keepalived-ts (median) | keepalived trials (ms) | keepalived-ts trials (ms) |');
  console.log('| --- | ---: | ---: | --- | --- |');
  const f2 = (x) => (Number.isNaN(x) ? 'n/a' : `${x.toFixed(2)} ms`);
  for (const arm of crashArms) {
    const ksAll = lateness[key(arm, 'keepalived', 'SIGKILL')] ?? [];
    const tsAll = lateness[key(arm, 'keepalived-ts', 'SIGKILL')] ?? [];
    const ks = ksAll.filter(cleanCrash);
    const ts = tsAll.filter(cleanCrash);
    // Trials left out are shown in parentheses.
    const list = (xs) => xs.map((x) => (cleanCrash(x) ? x.toFixed(1) : `(${x.toFixed(1)})`)).join(', ');
    console.log(`| VRRPv${arm.version}, ${arm.advert} s | ${f2(median(ks))} | ${f2(median(ts))} | ${list(ksAll)} | ${list(tsAll)} |`);
    // The summary takes the whole gap (the ratio of two lateness figures near zero means nothing).
    const down = masterDownMs(arm);
    summary.push({ what: `crash takeover on the wire, VRRPv${arm.version} advert_int ${arm.advert} s: master's last advert -> backup's first (median; Master_Down_Interval ${down.toFixed(1)} ms)`, keepalived: median(ks) + down, ours: median(ts) + down, unit: 'ms' });
  }
}
if (process.env.KTS_BENCH_OUT) writeFileSync(process.env.KTS_BENCH_OUT, JSON.stringify({ summary, plots }));
