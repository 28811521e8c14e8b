#!/usr/bin/env node
// Advert timing jitter of a lone master at advert_int 0.01 s (VRRPv3), keepalived-ts against
// keepalived 2.2.7: the real daemon (`-n -l -P -f CONF`) in a namespace, its adverts captured
// by tcpdump on the wire (in a second namespace on the same bridge), and the deviation of
// each inter-advert gap from 10 ms. Prints Markdown for bench/run.mjs.
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { quantile } from './lib/svg.mjs';
import { CLI, labBench } from './lib/lab-bench.mjs';

const { Lab, waitFor, dir } = await labBench('kts-bench-jitter-', ['keepalived', 'tcpdump']);

const ADVERTS = Number(process.env.KTS_BENCH_ADVERTS ?? 2000);
const INTERVAL_MS = 10;
const VIP = '10.68.0.100';

const conf = `global_defs {\n  router_id jitter\n  vrrp_version 3\n}\nvrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 68\n  priority 200\n  advert_int 0.01\n  virtual_ipaddress {\n    ${VIP}/24 dev eth0\n  }\n}\n`;
writeFileSync(join(dir, 'jitter.conf'), conf);

const exited = (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

async function measure(lab, node, obs, impl) {
  const args = ['-n', '-l', '-P', '-f', join(dir, 'jitter.conf'), '-p', join(dir, `${impl}.pid`), '-r', join(dir, `${impl}-vrrp.pid`)];
  const d = impl === 'keepalived' ? node.spawn('keepalived', args) : node.spawn(process.execPath, [CLI, ...args], { env: { ...process.env, TMPDIR: dir } });
  d.stdout.resume();
  d.stderr.resume();
  try {
    await waitFor('the master holds the VIP', async () => (await node.addresses('eth0')).includes(`${VIP}/24`), 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    const cap = await obs.exec('tcpdump', ['-i', 'eth0', '-nn', '-tt', '--time-stamp-precision=micro', '-c', String(ADVERTS + 1), 'ip proto 112'], { timeoutMs: 120_000 });
    const times = cap.stdout.split('\n').map((l) => Number.parseFloat(l)).filter(Number.isFinite);
    const gaps = [];
    for (let i = 1; i < times.length; i++) gaps.push((times[i] - times[i - 1]) * 1000);
    return gaps;
  } finally {
    d.kill('SIGTERM');
    await Promise.race([exited(d), new Promise((r) => setTimeout(r, 10_000))]);
  }
}

const lab = await Lab.create();
const results = {};
try {
  const node = await lab.addHost('n', { addrs: ['10.68.0.1/24'] });
  const obs = await lab.addHost('o', { addrs: ['10.68.0.2/24'] });
  for (const impl of ['keepalived', 'keepalived-ts']) results[impl] = await measure(lab, node, obs, impl);
} finally {
  await lab.cleanup();
  rmSync(dir, { recursive: true, force: true });
}

const stats = (gaps) => {
  const dev = gaps.map((g) => Math.abs(g - INTERVAL_MS)).sort((a, b) => a - b);
  const s = [...gaps].sort((a, b) => a - b);
  return { n: gaps.length, meanGap: gaps.reduce((a, b) => a + b, 0) / (gaps.length || 1), p50: quantile(dev, 0.5), p99: quantile(dev, 0.99), max: dev[dev.length - 1] ?? NaN, maxGap: s[s.length - 1] ?? NaN, dev };
};
const k = stats(results.keepalived);
const t = stats(results['keepalived-ts']);
const f = (x) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
console.log(`A lone VRRPv3 master at advert_int 0.01 s; ${ADVERTS} adverts captured with tcpdump in a second namespace on the bridge; deviation = |gap between consecutive adverts - 10 ms|.\n`);
console.log('| | gaps | mean gap (ms) | median deviation (ms) | p99 deviation (ms) | max deviation (ms) | longest gap (ms) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [name, s] of [['keepalived 2.2.7', k], ['keepalived-ts', t]]) console.log(`| ${name} | ${s.n} | ${f(s.meanGap)} | ${f(s.p50)} | ${f(s.p99)} | ${f(s.max)} | ${f(s.maxGap)} |`);
console.log(`\nratio ts/keepalived of p99 deviation: **${(t.p99 / k.p99).toFixed(2)}**`);
if (process.env.KTS_BENCH_OUT) {
  writeFileSync(process.env.KTS_BENCH_OUT, JSON.stringify({
    summary: [
      { what: 'advert jitter, VRRPv3 advert_int 0.01 s, p99 deviation of the gap from 10 ms', keepalived: k.p99, ours: t.p99, unit: 'ms' },
      { what: 'advert jitter, longest gap', keepalived: k.maxGap, ours: t.maxGap, unit: 'ms' },
    ],
    plots: [{ name: 'advert-jitter', kind: 'box', title: 'Advert gap deviation from 10 ms (VRRPv3, advert_int 0.01 s)', unit: 'ms, deviation of the gap from 10 ms', groups: [{ label: 'keepalived 2.2.7', values: k.dev }, { label: 'keepalived-ts', values: t.dev }] }],
  }));
}
