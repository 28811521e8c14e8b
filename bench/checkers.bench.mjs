// Checker load: 10,000 real servers with TCP_CHECK every 1 s and 1,000 with HTTP_GET, on
// 127.x.y.z addresses inside a private network namespace (so nothing leaves it), and the
// time from a real server's death to its removal. Ours vs keepalived's checker process on
// the same configuration when keepalived's checker can run here (it needs IPVS). Then, in
// the VM (Debian's kernel with IPVS, test/vm/fixtures/checker-daemon-bench.ts), keepalived's
// checker process and ours on the same TCP_CHECK configuration, at a scale the emulated CPU
// bears: CPU seconds over a fixed window and the death -> removal time, into the summary.
//   node bench/checkers.bench.mjs            orchestrates, prints a markdown section
//   (internal modes: server | ours N_TCP N_HTTP SECONDS | kaconf N_TCP N_HTTP)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupOnSignal } from './lib/on-signal.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist', 'src');
const N_TCP = Number(process.env.KTS_BENCH_TCP ?? 10_000);
const N_HTTP = Number(process.env.KTS_BENCH_HTTP ?? 1_000);
const SECONDS = Number(process.env.KTS_BENCH_SECONDS ?? 20);
const VICTIM = '127.0.0.250';
const VICTIM_PORT = 9000;

/** The i-th real server address: 127.1.0.1 upwards (skipping .0 and .255). */
function addr(i) {
  const n = (1 << 16) + Math.floor(i / 254) * 256 + (i % 254) + 1;
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

const mode = process.argv[2];
if (mode === 'server') await server();
else if (mode === 'ours') await ours();
else if (mode === 'kaconf') process.stdout.write(keepalivedConfig());
else await orchestrate();

async function server() {
  net.createServer((c) => c.destroy()).listen({ port: 8080, host: '0.0.0.0', backlog: 65535 });
  http.createServer((req, res) => { res.writeHead(200, { 'Content-Length': 3 }); res.end('ok\n'); }).listen({ port: 8081, host: '0.0.0.0', backlog: 65535 });
  const victim = net.createServer((c) => c.destroy()).listen(VICTIM_PORT, VICTIM);
  process.on('SIGUSR1', () => {
    victim.close();
    process.stdout.write(`killed ${performance.timeOrigin + performance.now()}\n`);
  });
  process.stdout.write('ready\n');
}

function timing() {
  return { delayLoopMs: 1000, retry: 1, delayBeforeRetryMs: 1000, warmupMs: 1000, alpha: false, logAllFailures: false };
}

async function ours() {
  const { CheckerService } = await import(join(dist, 'check', 'service.js'));
  const rs = [];
  for (let i = 0; i < N_TCP; i++) rs.push({ id: `${addr(i)}:8080`, address: addr(i), port: 8080, weight: 1, inhibitOnFailure: false, smtpAlert: false, checkers: [{ kind: 'TCP_CHECK', conn: { host: addr(i), port: 8080, connectTimeoutMs: 3000 }, timing: timing() }] });
  const hs = [];
  for (let i = 0; i < N_HTTP; i++) hs.push({ id: `${addr(i)}:8081`, address: addr(i), port: 8081, weight: 1, inhibitOnFailure: false, smtpAlert: false, checkers: [{ kind: 'HTTP_GET', conn: { host: addr(i), port: 8081, connectTimeoutMs: 3000 }, urls: [{ path: '/', digest: 'e2a1ba6b0bd5a2a2f4a9a0f5e6e3fd9a', statusCodes: [[200, 299]] }], protocol: '1.0', timing: timing() }] });
  // The digest above is deliberately not checked: use the real one so HTTP checks pass.
  for (const h of hs) h.checkers[0].urls[0].digest = (await import('node:crypto')).createHash('md5').update('ok\n').digest('hex');
  const victim = { id: `${VICTIM}:${VICTIM_PORT}`, address: VICTIM, port: VICTIM_PORT, weight: 1, inhibitOnFailure: false, smtpAlert: false, checkers: [{ kind: 'TCP_CHECK', conn: { host: VICTIM, port: VICTIM_PORT, connectTimeoutMs: 3000 }, timing: { ...timing(), warmupMs: 0 } }] };
  let downs = 0;
  const reasons = {};
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const lag = monitorEventLoopDelay({ resolution: 10 });
  const svc = new CheckerService([
    { id: '10.0.0.1:80', quorum: 1, hysteresis: 0, smtpAlert: false, realServers: rs },
    { id: '10.0.0.1:81', quorum: 1, hysteresis: 0, smtpAlert: false, realServers: hs },
    { id: '10.0.0.2:80', quorum: 1, hysteresis: 0, smtpAlert: false, realServers: [victim] },
  ], {
    sink: {
      rsChanged(c) {
        if (!c.up && c.rs === victim.id) process.stdout.write(`removed ${performance.timeOrigin + performance.now()}\n`);
        else if (!c.up) downs++;
      },
      quorumChanged() {},
    },
    log: (m) => { const r = /failed[^:]*: (.*)$/.exec(m)?.[1]; if (r) reasons[r] = (reasons[r] ?? 0) + 1; },
  });
  svc.start();
  await new Promise((r) => setTimeout(r, 3000)); // bootstrap + warmup spread
  const cpu0 = process.cpuUsage();
  const runs0 = svc.completedRuns;
  const t0 = performance.now();
  let peakRss = 0;
  const iv = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 250);
  process.stdout.write('measuring\n');
  lag.enable();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  clearInterval(iv);
  const cpu = process.cpuUsage(cpu0);
  const runs = svc.completedRuns - runs0;
  const wall = performance.now() - t0;
  process.stdout.write(`result ${JSON.stringify({ cpuPct: ((cpu.user + cpu.system) / 1000 / wall) * 100, rssMiB: peakRss / 1048576, falseDowns: downs, reasons, runsPerSec: runs / (wall / 1000), cpuUsPerRun: (cpu.user + cpu.system) / Math.max(1, runs), userUsPerRun: cpu.user / Math.max(1, runs), sysUsPerRun: cpu.system / Math.max(1, runs), lagP99Ms: lag.percentile(99) / 1e6, lagMaxMs: lag.max / 1e6 })}\n`);
  svc.stop();
  process.exit(0);
}

function keepalivedConfig() {
  const lines = ['global_defs { router_id bench }'];
  const vs = (ip, port, body) => lines.push(`virtual_server ${ip} ${port} {`, '  delay_loop 1', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', ...body, '}');
  const tcp = [];
  for (let i = 0; i < N_TCP; i++) tcp.push(`  real_server ${addr(i)} 8080 { weight 1\n    TCP_CHECK { connect_timeout 3 retry 1 delay_before_retry 1 } }`);
  vs('10.0.0.1', 80, tcp);
  const web = [];
  for (let i = 0; i < N_HTTP; i++) web.push(`  real_server ${addr(i)} 8081 { weight 1\n    HTTP_GET { url { path / } connect_timeout 3 retry 1 delay_before_retry 1 } }`);
  vs('10.0.0.1', 81, web);
  vs('10.0.0.2', 80, [`  real_server ${VICTIM} ${VICTIM_PORT} { weight 1\n    TCP_CHECK { connect_timeout 3 retry 1 delay_before_retry 1 warmup 0 } }`]);
  return lines.join('\n') + '\n';
}

function ns(name, cmd, args, opts = {}) {
  return spawn('ip', ['netns', 'exec', name, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

function lines(child, onLine) {
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, i)); buf = buf.slice(i + 1); }
  });
}

async function orchestrate() {
  if (process.getuid?.() !== 0) { console.log('skipped: needs root (network namespace)'); return; }
  const name = `ktbench${process.pid}`;
  execFileSync('ip', ['netns', 'add', name]);
  const children = [];
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
    try { execFileSync('ip', ['netns', 'del', name]); } catch { /* gone */ }
  };
  process.on('exit', cleanup);
  cleanupOnSignal(cleanup);
  try {
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    execFileSync('ip', ['netns', 'exec', name, 'sysctl', '-qw', 'net.ipv4.ip_local_port_range=1024 65000', 'net.ipv4.tcp_tw_reuse=1', 'net.core.somaxconn=65535', 'net.ipv4.tcp_max_syn_backlog=65535']);
    /** One run of our checker (its own server process, so the victim is fresh). */
    const runOurs = async (nTcp, nHttp) => {
      const srv = ns(name, process.execPath, [fileURLToPath(import.meta.url), 'server']);
      children.push(srv);
      let killedAt = 0;
      await new Promise((resolve) => lines(srv, (l) => { if (l === 'ready') resolve(); if (l.startsWith('killed ')) killedAt = Number(l.slice(7)); }));
      const ch = ns(name, process.execPath, [fileURLToPath(import.meta.url), 'ours'], { env: { ...process.env, KTS_BENCH_TCP: String(nTcp), KTS_BENCH_HTTP: String(nHttp) } });
      children.push(ch);
      let result;
      let removedAt = 0;
      await new Promise((resolve) => lines(ch, (l) => {
        if (l === 'measuring') setTimeout(() => srv.kill('SIGUSR1'), (SECONDS / 2) * 1000);
        if (l.startsWith('removed ')) removedAt = Number(l.slice(8));
        if (l.startsWith('result ')) { result = JSON.parse(l.slice(7)); resolve(); }
      }));
      srv.kill('SIGKILL');
      return { result, detectMs: removedAt && killedAt ? removedAt - killedAt : NaN };
    };
    const { result, detectMs } = await runOurs(N_TCP, N_HTTP);
    const small = await runOurs(Math.round(N_TCP / 10), Math.round(N_HTTP / 10));

    // keepalived's checker on the same configuration.
    let ka = 'not run';
    if (existsSync('/usr/sbin/keepalived')) {
      const dir = mkdtempSync(join(tmpdir(), 'kts-kabench-'));
      const conf = join(dir, 'keepalived.conf');
      writeFileSync(conf, keepalivedConfig());
      const k = ns(name, '/usr/sbin/keepalived', ['-n', '-l', '-D', '-C', '-f', conf, '-p', join(dir, 'k.pid'), '-c', join(dir, 'c.pid')]);
      children.push(k);
      let out = '';
      k.stdout.on('data', (d) => { out += d; });
      k.stderr.on('data', (d) => { out += d; });
      await new Promise((r) => setTimeout(r, 8000));
      const checkerPid = existsSync(join(dir, 'c.pid')) ? Number(readFileSync(join(dir, 'c.pid'), 'latin1')) : 0;
      // Without IPVS the checker exits at start and the parent keeps respawning it.
      const alive = checkerPid > 0 && existsSync(`/proc/${checkerPid}`) && !/Can't initialize ipvs/.test(out);
      if (!alive) {
        const strip = (l) => l.replace(/^\w{3} \w{3} +\d+ [\d:]+ \d{4}: /, '');
        const why = (out.match(/.*(IPVS|ipvs).*/g) ?? []).slice(0, 2).map(strip).join(' / ') || out.trim().split('\n').slice(-2).map(strip).join(' / ');
        ka = `keepalived 2.2.7's checker process does not stay up on this kernel: "${why.trim()}"`;
      } else {
        const stat = () => readFileSync(`/proc/${checkerPid}/stat`, 'latin1').split(') ')[1].split(' ');
        const s0 = stat();
        const t0 = performance.now();
        await new Promise((r) => setTimeout(r, SECONDS * 1000));
        const s1 = stat();
        const ticks = Number(s1[11]) + Number(s1[12]) - Number(s0[11]) - Number(s0[12]);
        const rss = Number(s1[21]) * 4096 / 1048576;
        ka = `cpu ${(ticks / 100 / ((performance.now() - t0) / 1000) * 100).toFixed(1)} %, rss ${rss.toFixed(1)} MiB`;
      }
      k.kill('SIGTERM');
    }

    const load = readFileSync('/proc/loadavg', 'latin1').split(' ').slice(0, 3).join(' ');
    console.log(`Checker load: ${N_TCP} TCP_CHECK + ${N_HTTP} HTTP_GET real servers, delay_loop 1 s, loopback in a private namespace, measured over ${SECONDS} s after warm-up. Host load average at the end: ${load} (shared machine: latency figures include waiting for a CPU).\n`);
    console.log('| checker | CPU (% of one core) | checks run /s (target ' + (N_TCP + N_HTTP + 1) + ') | CPU per check | peak RSS (MiB) | death -> removal (retry 1, delay_before_retry 1 s) | false downs |');
    console.log('|---|---|---|---|---|---|---|');
    console.log(`| keepalived-ts | ${result.cpuPct.toFixed(1)} | ${result.runsPerSec.toFixed(0)} | ${result.cpuUsPerRun.toFixed(0)} us | ${result.rssMiB.toFixed(1)} | ${(detectMs / 1000).toFixed(2)} s | ${result.falseDowns} |`);
    console.log(`| keepalived-ts, a tenth of the servers (${Math.round(N_TCP / 10)} + ${Math.round(N_HTTP / 10)}) | ${small.result.cpuPct.toFixed(1)} | ${small.result.runsPerSec.toFixed(0)} (target ${Math.round(N_TCP / 10) + Math.round(N_HTTP / 10) + 1}) | ${small.result.cpuUsPerRun.toFixed(0)} us | ${small.result.rssMiB.toFixed(1)} | ${(small.detectMs / 1000).toFixed(2)} s | ${small.result.falseDowns} |`);
    console.log(`| keepalived 2.2.7 | ${ka} | | | | | |`);
    console.log(`\nkeepalived-ts event-loop delay during the run: p99 ${result.lagP99Ms.toFixed(1)} ms, max ${result.lagMaxMs.toFixed(1)} ms. Failures logged: ${JSON.stringify(result.reasons)}.`);
    console.log('\nExpected death -> removal with these settings: the next check (0-1 s) fails, the retry 1 s later fails: 1-2 s, the same rule as keepalived.');
    await vmArm();
  } finally {
    cleanup();
  }
}

/** keepalived's checker process and ours in the VM, where IPVS exists (see the file's head). */
async function vmArm() {
  const VM_N = Number(process.env.KTS_BENCH_VM_TCP ?? 1000);
  const VM_HTTP = Number(process.env.KTS_BENCH_VM_HTTP ?? 200);
  const VM_DELAY = Number(process.env.KTS_BENCH_VM_DELAY ?? 5);
  const VM_WINDOW = Number(process.env.KTS_BENCH_VM_SECONDS ?? 30);
  const VM_ROUNDS = Number(process.env.KTS_BENCH_VM_ROUNDS ?? 3);
  // The steady-state window starts this long after the table is full: V8 optimises the
  // checker's code as it gets hot, which at 40-200 checks/s goes on for about a minute, and
  // each of those compiles costs many times more under software emulation than on hardware.
  const VM_STEADY = Number(process.env.KTS_BENCH_VM_STEADY ?? 90);
  const { runInVm, vmUnavailable } = await import(join(here, '..', 'dist', 'test', 'lib', 'vm.js'));
  const why = vmUnavailable();
  if (why) { console.log(`\nVM arm skipped: ${why}`); return; }
  const root = join(here, '..');
  const vm = await runInVm({ script: `modprobe ip_vs; node ${join(root, 'dist/test/vm/fixtures/checker-daemon-bench.js')} ${root} ${VM_N} ${VM_DELAY} ${VM_WINDOW} ${VM_HTTP} ${VM_ROUNDS} ${VM_STEADY}\n`, timeoutMs: 5_400_000, memoryMb: 1536 });
  const m = /KTS-VM-RESULT (.*)$/m.exec(vm.console);
  if (!m) { console.error(vm.console.slice(-3000)); console.log('\nVM arm: no result (see stderr).'); return; }
  const d = JSON.parse(m[1]);
  const cell = (r, x) => (r.error ? `error: ${r.error.split('; log:')[0]}` : x);
  // Context switches per check made (checks/s x window): voluntary ones are the loop's wake-ups.
  const perCheck = (r, x) => (Number.isFinite(x) && r.checksPerS ? (x / (r.checksPerS * r.windowS)).toFixed(2) : '-');
  const secs = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'not seen');
  const kinds = [['tcp', 'TCP_CHECK', VM_N], ['http', 'HTTP_GET (url / status_code 200, a Node HTTP server in the VM)', VM_HTTP]].filter(([k]) => d[k]);
  console.log(`\n### keepalived's checker vs ours, in the VM\n\nDebian's kernel with IPVS under software CPU emulation (one virtual CPU, absolute figures are slow; compare the ratio). Real servers with ${kinds.map(([, name, n]) => `${n} ${name}`).join(', or ')} (delay_loop ${VM_DELAY} s, connect_timeout 3, retry 1, delay_before_retry 1) on 127.1.x.y:8080 inside the VM, plus four victim real servers behind a second virtual server whose listeners close together halfway through the steady-state window (death -> removal is the mean over the four, each removal timed by kprobes on the kernel's IPVS functions where the trace holds exactly the four (test/vm/fixtures/ipvs-trace.ts; the table is read with at most a tenth of the CPU, since one read of ~1,000 entries takes 20-60 ms under emulation and the 20 ms poll used before took over half of it from the checker being measured), and 'due -> removal' counts from when the first check after the death was due, the victim's last answered check + delay_loop, which leaves out where in the check loop's period the death fell: with retry 1 and delay_before_retry 1 it is that one second plus the time to notice the failure and update IPVS); each daemon alone in turn, ${VM_ROUNDS} times each (rounds alternate which goes first); each row is the run with the median CPU time, and the CPU column lists every run's. The servers answering the checks run in the same VM (their CPU is not counted); the HTTP servers are one Node HTTP server, which fell behind at 500 HTTP_GETs (100 requests/s on the emulated CPU: read timeouts, real servers removed), hence 200. Wake-ups and preemptions are the checker's voluntary and involuntary context switches (/proc/PID/status) per check made: a wake-up costs a Node process far more than a C one here (an empty timer callback on an idle loop: ~0.8-0.95 ms of user CPU for Node under this emulation, ~60 µs for a C loop; bench/wakeup.bench.mjs), which is why ours starts checks together in slots (up to a tenth of delay_loop early, at most 500 ms) and collects their replies at the next slot (docs/checkers.md); on the one vCPU a real server woken by a check's connection or request often runs first.\n\nTwo windows of ${VM_WINDOW} s per run: the steady state, from ${VM_STEADY} s after the table is full (every figure but the first-window column comes from it), and a first window from ${d.firstS} s after the table is full, which holds most of V8's tier-up of our checker's code: its optimising compiler (TurboFan, on V8's worker threads) compiles each function once it is hot, which at these check rates takes about a minute, and a compile costs far more under this emulation than on hardware. keepalived, compiled ahead of time, is the same in both windows.\n`);
  console.log('| checks | checker process | CPU seconds over the steady-state window (user + system), median run | CPU % of one vCPU | first window: CPU seconds (user + system) | peak RSS (MiB) | checks /s (target) | wake-ups / preemptions per check | death -> removal from IPVS (due -> removal) | false downs |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const summary = [];
  for (const [k, name, n] of kinds) {
    const ka = d[k].keepalived ?? {};
    const ts = d[k].ours ?? {};
    for (const [who, r] of [['keepalived 2.2.7', ka], ['keepalived-ts', ts]]) {
      console.log(`| ${n} ${name.split(' ')[0]} | ${who} | ${cell(r, `${r.cpuS?.toFixed(2)} (${r.userS?.toFixed(2)} + ${r.sysS?.toFixed(2)})${r.cpuRuns?.length > 1 ? `; runs: ${r.cpuRuns.map((x) => x.toFixed(2)).join(', ')}` : ''}`)} | ${cell(r, ((r.cpuS / r.windowS) * 100).toFixed(1))} | ${cell(r, Number.isFinite(r.earlyCpuS) ? `${r.earlyCpuS.toFixed(2)} (${r.earlyUserS.toFixed(2)} + ${r.earlySysS.toFixed(2)})` : '-')} | ${cell(r, r.peakRssMiB?.toFixed(1))} | ${cell(r, `${r.checksPerS?.toFixed(0)} (${Math.round(n / VM_DELAY)})`)} | ${cell(r, `${perCheck(r, r.wakeups)} / ${perCheck(r, r.preempted)}`)} | ${cell(r, r.detectNote ?? `${secs(r.detectMs)} (${secs(r.afterDueMs)})${r.timing === 'poll' ? ' (polled)' : ''}`)} | ${cell(r, r.falseDowns)} |`);
    }
    // Only figures both daemons produced go to the summary (an error or a missed death is in the section).
    const both = (x) => Number.isFinite(ka[x]) && Number.isFinite(ts[x]) && !ka.error && !ts.error;
    const label = name.split(' ')[0];
    if (both('cpuS')) summary.push({ what: `checker process CPU over ${VM_WINDOW} s in steady state (from ${VM_STEADY} s after the table is full), ${n} ${label} every ${VM_DELAY} s (VM, software CPU; median of ${VM_ROUNDS} runs)`, keepalived: ka.cpuS, ours: ts.cpuS, unit: 's' });
    if (both('earlyCpuS')) summary.push({ what: `checker process CPU over the first ${VM_WINDOW} s after the first rounds (V8's tier-up of our code included), ${label} (VM; the median run's)`, keepalived: ka.earlyCpuS, ours: ts.earlyCpuS, unit: 's' });
    if (both('cpuS') && both('checksPerS')) summary.push({ what: `checker process CPU per check made, ${label} (VM)`, keepalived: (ka.cpuS / (ka.checksPerS * ka.windowS)) * 1e6, ours: (ts.cpuS / (ts.checksPerS * ts.windowS)) * 1e6, unit: 'us' });
    if (both('peakRssMiB')) summary.push({ what: `checker process peak RSS, ${n} ${label} (VM)`, keepalived: ka.peakRssMiB, ours: ts.peakRssMiB, unit: 'MiB' });
    if (both('detectMs')) summary.push({ what: `real server death -> removal from IPVS, ${label} retry 1 (VM; mean of 4 deaths, where in the check period they fell included)`, keepalived: ka.detectMs, ours: ts.detectMs, unit: 'ms' });
    if (both('afterDueMs')) summary.push({ what: `first check due after the death -> removal from IPVS, ${label} retry 1, delay_before_retry 1 s (VM; mean of 4)`, keepalived: ka.afterDueMs, ours: ts.afterDueMs, unit: 'ms' });
  }
  if (process.env.KTS_BENCH_OUT) writeFileSync(process.env.KTS_BENCH_OUT, JSON.stringify({ summary }));
}
