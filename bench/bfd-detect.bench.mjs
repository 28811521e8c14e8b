#!/usr/bin/env node
// BFD failure detection driving VRRP, keepalived-ts against keepalived 2.2.7, each paired with
// itself in network namespaces: a tracker (a bfd_instance at 10 ms x 3 and a VRRP instance
// with track_bfd on it, alone on its segment, so MASTER while the session is up) and a peer
// (the other end of the session). The peer's BFD process is stopped (SIGSTOP: silent, as a
// dead link or host), and tcpdump in the tracker's namespace times the peer's last BFD packet
// and the tracker's priority-0 advert as it gives up the VIP: detection time (30 ms) plus
// whatever the daemon adds to carry the BFD verdict to the VRRP instance (keepalived: a pipe
// between its BFD and VRRP processes; keepalived-ts: two IPC hops through the parent). The
// peer is resumed and the tracker becomes MASTER again before the next trial. Prints Markdown
// for bench/run.mjs. Environment: KTS_BENCH_TRIALS (9), KTS_BENCH_IMPLS.
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, labBench } from './lib/lab-bench.mjs';

const { Lab, waitFor, dir } = await labBench('kts-bench-bfd-', ['keepalived', 'tcpdump']);

const TRIALS = Number(process.env.KTS_BENCH_TRIALS ?? 9);
const IMPLS = (process.env.KTS_BENCH_IMPLS?.split(',').filter(Boolean)) ?? ['keepalived', 'keepalived-ts'];
const VIP = '10.68.0.100';
const DETECT_MS = 30;

const session = (nbr, src) => `bfd_instance B {\n  neighbor_ip ${nbr}\n  source_ip ${src}\n  min_rx 10\n  min_tx 10\n  multiplier 3\n}\n`;
const trackerConf = `${session('10.68.0.2', '10.68.0.1')}vrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 68\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    ${VIP}/24\n  }\n  track_bfd {\n    B\n  }\n}\n`;
const peerConf = session('10.68.0.1', '10.68.0.2');

function start(ns, impl, name, text) {
  const file = join(dir, `${impl}-${name}.conf`);
  writeFileSync(file, text);
  const pids = { parent: join(dir, `${impl}-${name}.pid`), bfd: join(dir, `${impl}-${name}-bfd.pid`) };
  const args = ['-n', '-l', '-f', file, '-p', pids.parent, '-r', join(dir, `${impl}-${name}-vrrp.pid`), '-c', join(dir, `${impl}-${name}-check.pid`), '-b', pids.bfd];
  const child = impl === 'keepalived' ? ns.spawn('keepalived', ['-D', ...args]) : ns.spawn(process.execPath, [CLI, ...args], { env: { ...process.env, TMPDIR: dir } });
  let out = '';
  child.stdout?.on('data', (d) => { out += d; });
  child.stderr?.on('data', (d) => { out += d; });
  return { child, pids, output: () => out };
}

const pidOf = (file) => (existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined);
const exited = (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', r)));

async function stop(d) {
  d.child.kill('SIGTERM');
  await Promise.race([exited(d.child), new Promise((r) => setTimeout(r, 5000))]);
  for (const f of Object.values(d.pids)) { const p = pidOf(f); if (p) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
  d.child.kill('SIGKILL');
}

/** From a tcpdump -tt -l capture: ms from the peer's last BFD packet to the tracker's first priority-0 advert. */
function gapMs(capture) {
  const lines = capture.split('\n');
  const prio0 = lines.findIndex((l) => l.includes('10.68.0.1 > 224.0.0.18') && /prio 0\b/.test(l));
  if (prio0 < 0) return NaN;
  const t = (l) => Number(/^(\d+\.\d+)/.exec(l)?.[1]) * 1000;
  const lastPeer = lines.slice(0, prio0).filter((l) => /^\d+\.\d+ IP 10\.68\.0\.2\.\d+ > 10\.68\.0\.1\.3784/.test(l)).at(-1);
  return lastPeer ? t(lines[prio0]) - t(lastPeer) : NaN;
}

async function runImpl(impl) {
  const lab = await Lab.create();
  const results = [];
  let tracker;
  let peer;
  try {
    const t = await lab.addHost('t', { addrs: ['10.68.0.1/24'] });
    const p = await lab.addHost('p', { addrs: ['10.68.0.2/24'] });
    peer = start(p, impl, 'peer', peerConf);
    tracker = start(t, impl, 'tracker', trackerConf);
    const hasVip = async () => (await t.addresses('eth0')).includes(`${VIP}/24`);
    for (let i = 0; i < TRIALS; i++) {
      await waitFor('the tracker MASTER with the VIP', hasVip, 30_000);
      // Settled: a few seconds of Up at 10 ms.
      await new Promise((r) => setTimeout(r, 1500));
      const cap = t.spawn('tcpdump', ['-i', 'eth0', '-n', '-tt', '-l', '-U', 'udp port 3784 or vrrp']);
      let capOut = '';
      let capErr = '';
      cap.stdout.on('data', (d) => { capOut += d; });
      cap.stderr.on('data', (d) => { capErr += d; });
      await waitFor('tcpdump to listen', () => capErr.includes('listening on'), 10_000);
      await new Promise((r) => setTimeout(r, 200));
      const bfd = pidOf(peer.pids.bfd);
      if (!bfd) throw new Error(`${impl}: no BFD pid for the peer`);
      process.kill(bfd, 'SIGSTOP');
      try {
        await waitFor('the tracker to give up the VIP', async () => !(await hasVip()), 10_000);
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        process.kill(bfd, 'SIGCONT');
      }
      cap.kill('SIGTERM');
      await exited(cap);
      results.push(gapMs(capOut));
    }
  } finally {
    if (tracker) await stop(tracker);
    if (peer) await stop(peer);
    await lab.cleanup();
  }
  return results;
}

const median = (xs) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

const byImpl = {};
for (const impl of IMPLS) byImpl[impl] = await runImpl(impl);
const f = (x) => (Number.isNaN(x) ? '-' : x.toFixed(1));
console.log(`BFD at min_tx/min_rx 10 ms, multiplier 3 (detection time ${DETECT_MS} ms), each daemon paired with itself; the peer's BFD process stopped (SIGSTOP); timed on the wire in the tracker's namespace: the peer's last BFD packet -> the tracker's priority-0 advert (its VRRP instance, tracking the session with weight 0, going FAULT). ${TRIALS} trials each.\n`);
console.log('| daemon | median ms | min ms | max ms | trials (ms) |');
console.log('|---|---:|---:|---:|---|');
for (const [impl, xs] of Object.entries(byImpl)) {
  const ok = xs.filter((x) => !Number.isNaN(x));
  console.log(`| ${impl} | ${f(median(xs))} | ${f(Math.min(...ok))} | ${f(Math.max(...ok))} | ${xs.map(f).join(', ')} |`);
}
const k = median(byImpl['keepalived'] ?? []);
const o = median(byImpl['keepalived-ts'] ?? []);
if (!Number.isNaN(k) && !Number.isNaN(o)) console.log(`\nratio keepalived-ts / keepalived: **${(o / k).toFixed(2)}**; above the detection time: keepalived ${(k - DETECT_MS).toFixed(1)} ms, keepalived-ts ${(o - DETECT_MS).toFixed(1)} ms`);
if (process.env.KTS_BENCH_OUT) {
  writeFileSync(process.env.KTS_BENCH_OUT, JSON.stringify({
    summary: [{ what: `BFD peer silent -> tracked VRRP instance gives up the VIP (peer's last BFD packet -> priority-0 advert, detection time ${DETECT_MS} ms; median)`, keepalived: k, ours: o, unit: 'ms' }],
    plots: [],
  }));
}
