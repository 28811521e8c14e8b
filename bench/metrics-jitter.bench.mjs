#!/usr/bin/env node
// Does scraping cost the VRRP process anything? A keepalived-ts master (the real CLI,
// advert_int 0.1 s, a virtual server with a TCP_CHECK, status_http on) in a namespace; a
// second namespace captures its adverts with tcpdump. We measure the intervals between
// adverts for PHASE_S seconds without scraping, then with a /metrics scrape every 100 ms
// (from inside the master's namespace), and compare the jitter (|interval - 100 ms|).
// Prints Markdown for bench/run.mjs.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { Lab, labUnavailable, waitFor } = await import(join(root, 'dist/src/lab/netns.js'));
const PHASE_S = Number(process.env.KTS_BENCH_PHASE_S ?? 15);

const why = labUnavailable(['tcpdump']);
if (why) {
  console.log(`skipped: ${why}`);
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'kts-bench-metrics-'));
const conf = `global_defs {
  router_id bench
  lvs_backend nftables
  status_http 10.68.0.1:9650
}
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 68
  version 3
  priority 200
  advert_int 0.1
  virtual_ipaddress {
    10.68.0.100/24
  }
}
virtual_server 10.68.0.100 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.68.0.2 8080 {
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`;
const SCRAPER = `const end = Date.now() + ${PHASE_S * 1000};
let n = 0, bad = 0;
(async () => { while (Date.now() < end) { const t = Date.now();
  try { const r = await fetch('http://10.68.0.1:9650/metrics'); await r.text(); if (!r.ok) bad++; } catch { bad++; }
  n++; await new Promise((ok) => setTimeout(ok, Math.max(0, 100 - (Date.now() - t)))); }
  console.log(JSON.stringify({ n, bad })); })();`;

function stats(times) {
  const iv = [];
  for (let i = 1; i < times.length; i++) iv.push((times[i] - times[i - 1]) * 1000);
  const dev = iv.map((x) => Math.abs(x - 100)).sort((a, b) => a - b);
  const q = (p) => dev[Math.min(dev.length - 1, Math.floor(p * dev.length))] ?? NaN;
  return { n: iv.length, mean: dev.reduce((a, b) => a + b, 0) / dev.length, p50: q(0.5), p99: q(0.99), max: dev[dev.length - 1] ?? NaN };
}

const lab = await Lab.create();
let daemon;
try {
  const r1 = await lab.addHost('m', { addrs: ['10.68.0.1/24'] });
  const r2 = await lab.addHost('cap', { addrs: ['10.68.0.2/24'] });
  writeFileSync(join(dir, 'keepalived.conf'), conf);
  daemon = r1.spawn('env', [`TMPDIR=${dir}`, process.execPath, join(root, 'bin/keepalived-ts'), '-n', '-l', '-G', '-f', join(dir, 'keepalived.conf'),
    '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  daemon.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  daemon.stderr.setEncoding('utf8').on('data', (d) => (out += d));
  await waitFor('the master', () => out.includes('Entering MASTER STATE'), 20_000);
  await waitFor('the status listener', () => out.includes('Status HTTP listening'), 10_000);

  const capture = async (scrape) => {
    const times = [];
    const td = r2.spawn('tcpdump', ['-tt', '-n', '-l', '-i', 'eth0', 'ip proto 112'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let buf = '';
    td.stdout.setEncoding('utf8').on('data', (d) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) { const t = Number(l.split(' ')[0]); if (t > 0) times.push(t); }
    });
    await new Promise((r) => setTimeout(r, 1000));
    times.length = 0;
    let scraped = { n: 0, bad: 0 };
    if (scrape) {
      const s = await r1.exec(process.execPath, ['-e', SCRAPER], { timeoutMs: (PHASE_S + 30) * 1000 });
      scraped = JSON.parse(s.stdout.trim() || '{"n":0,"bad":-1}');
    } else {
      await new Promise((r) => setTimeout(r, PHASE_S * 1000));
    }
    td.kill('SIGTERM');
    return { ...stats(times), scraped };
  };
  const quiet = await capture(false);
  const busy = await capture(true);
  const f = (x) => x.toFixed(2);
  console.log(`Master keepalived-ts, VRRPv3 advert_int 100 ms, ${PHASE_S} s per phase; advert arrival times by tcpdump in a peer namespace.`);
  console.log('Jitter = |interval between adverts - 100 ms|.\n');
  console.log('| phase | adverts | mean jitter ms | p50 ms | p99 ms | max ms | scrapes (failed) |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(`| no scrape | ${quiet.n} | ${f(quiet.mean)} | ${f(quiet.p50)} | ${f(quiet.p99)} | ${f(quiet.max)} | - |`);
  console.log(`| /metrics every 100 ms | ${busy.n} | ${f(busy.mean)} | ${f(busy.p50)} | ${f(busy.p99)} | ${f(busy.max)} | ${busy.scraped.n} (${busy.scraped.bad}) |`);
  console.log(`\nRatio scraped/quiet: mean jitter ${f(busy.mean / quiet.mean)}, p99 ${f(busy.p99 / quiet.p99)}; advert count ${f(busy.n / quiet.n)}.`);
} finally {
  daemon?.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  await lab.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
