#!/usr/bin/env node
// How soon the link monitor hears of a change: in a namespace, one process adds and removes
// an address 200 times through the rtnetlink client, and times the monitor's event against
// the start of the request and against the kernel's ack. Needs root. Prints Markdown.
import { execFileSync, spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadavg, cpus } from 'node:os';

const N = 200;

if (process.argv[2] === '--inner') {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const { RtnetlinkClient } = await import(join(root, 'dist/src/net/rtnetlink.js'));
  const { LinkMonitor } = await import(join(root, 'dist/src/net/link-monitor.js'));
  const client = RtnetlinkClient.open();
  const mon = await LinkMonitor.open();
  let waiting;
  mon.on((e) => {
    if (waiting && e.kind === waiting.kind && e.address.address === '10.200.0.1') {
      const w = waiting;
      waiting = undefined;
      w.resolve(performance.now());
    }
  });
  const sinceSend = [];
  const sinceAck = [];
  for (let i = 0; i < N; i++) {
    for (const kind of ['address-add', 'address-delete']) {
      const heard = new Promise((resolve) => (waiting = { kind, resolve }));
      const t0 = performance.now();
      if (kind === 'address-add') await client.addAddress({ link: 'eth0', address: '10.200.0.1/32' });
      else await client.deleteAddress({ link: 'eth0', address: '10.200.0.1/32' });
      const tAck = performance.now();
      const tEvent = await heard;
      sinceSend.push(tEvent - t0);
      sinceAck.push(tEvent - tAck);
    }
  }
  client.close();
  mon.close();
  console.log(JSON.stringify({ sinceSend, sinceAck }));
  process.exit(0);
}

if (process.getuid?.() !== 0) {
  console.error('link-event: needs root (network namespaces)');
  process.exit(1);
}
const ns = `kt${process.pid}xlev`;
try {
  execFileSync('ip', ['netns', 'add', ns]);
  for (const args of [['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p'], ['link', 'set', 'eth0p', 'up'], ['link', 'set', 'eth0', 'up']]) execFileSync('ip', ['-n', ns, ...args]);
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, fileURLToPath(import.meta.url), '--inner'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`inner run failed: ${r.stderr}`);
  const { sinceSend, sinceAck } = JSON.parse(r.stdout.trim().split('\n').pop());
  const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
  const f = (x) => x.toFixed(3);
  console.log(`Link monitor event latency over ${2 * N} address changes (load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs).\n`);
  console.log('| | median (ms) | p99 (ms) | max (ms) |');
  console.log('|---|---:|---:|---:|');
  console.log(`| request sent -> event heard | ${f(q(sinceSend, 0.5))} | ${f(q(sinceSend, 0.99))} | ${f(Math.max(...sinceSend))} |`);
  console.log(`| ack received -> event heard | ${f(q(sinceAck, 0.5))} | ${f(q(sinceAck, 0.99))} | ${f(Math.max(...sinceAck))} |`);
} finally {
  spawnSync('ip', ['netns', 'del', ns]);
}
