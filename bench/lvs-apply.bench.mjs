#!/usr/bin/env node
// LVS data plane programming: apply 1,000 virtual servers x 10 real servers, then 2,000
// checker events (one real server of each virtual server down, then up), through our
// IPVS client (in a VM booted from Debian's kernel: this host has no IPVS) and our
// nftables backend (in a namespace here). Compared by ratio with ipvsadm -R (same VM, same
// table) and with nft -f of the same ruleset. Prints a markdown section.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.KTS_BENCH_LVS_SERVICES ?? 1000);
const M = Number(process.env.KTS_BENCH_LVS_RS ?? 10);
const fixture = join(root, 'dist/test/vm/fixtures/lvs-bench.js');
const parse = (text) => {
  const m = /KTS-VM-RESULT (.*)$/m.exec(text);
  return m ? JSON.parse(m[1]) : undefined;
};
const rows = [];
const f = (x) => (x === undefined ? 'n/a' : `${Math.round(x)} ms`);
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}` : 'n/a');

// nftables, in a namespace of our own.
const ns = `ktbench${process.pid}`;
spawnSync('ip', ['netns', 'add', ns]);
try {
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, fixture, 'nftables', String(N), String(M)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const nft = parse(r.stdout);
  if (!nft) console.error(r.stdout, r.stderr);
  else {
    rows.push(`| nftables apply ${N}x${M} | ${f(nft.applyMs)} | nft -f same ruleset: ${f(nft.nftFileMs)} | ${ratio(nft.applyMs, nft.nftFileMs)} |`);
    rows.push(`| nftables ${nft.flips} RS flips, one transaction each | ${f(nft.flipMs)} (${(nft.flipMs / nft.flips).toFixed(2)} ms/flip) | - | - |`);
  }
} finally {
  spawnSync('ip', ['netns', 'del', ns]);
}

// IPVS, in the VM (software-emulated CPU: absolute times are slow, the ratios are what count).
const { runInVm, vmUnavailable } = await import(join(root, 'dist/test/lib/vm.js'));
const why = vmUnavailable();
if (why) rows.push(`| IPVS | skipped: ${why} | | |`);
else {
  const vm = await runInVm({ script: `modprobe ip_vs; modprobe ip_vs_wrr; node ${fixture} ipvs ${N} ${M}\n`, timeoutMs: 1_800_000 });
  const ipvs = parse(vm.console);
  if (!ipvs) console.error(vm.console.slice(-3000));
  else {
    rows.push(`| IPVS apply ${N}x${M} (VM) | ${f(ipvs.applyMs)} | ipvsadm -R: ${f(ipvs.ipvsadmRestoreMs)} | ${ratio(ipvs.applyMs, ipvs.ipvsadmRestoreMs)} |`);
    rows.push(`| IPVS ${ipvs.flips} RS flips, one request each (VM) | ${f(ipvs.flipMs)} (${(ipvs.flipMs / ipvs.flips).toFixed(2)} ms/flip) | ipvsadm -R of all ${ipvs.flips} edits in one batch: ${f(ipvs.ipvsadmFlipBatchMs)} | ${ratio(ipvs.flipMs, ipvs.ipvsadmFlipBatchMs)} |`);
    rows.push(`| (same flips) | | one ipvsadm -e per flip: ${f(ipvs.ipvsadmFlipEachMs)} | ${ratio(ipvs.flipMs, ipvs.ipvsadmFlipEachMs)} |`);
  }
}
console.log('| what | keepalived-ts | reference | ratio (ours / reference, lower is better) |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(r);
