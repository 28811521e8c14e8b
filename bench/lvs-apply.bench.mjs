#!/usr/bin/env node
// LVS data plane programming: apply 1,000 virtual servers x 10 real servers, then 2,000
// checker events (one real server of each virtual server down, then up), through our
// IPVS client (in a VM booted from Debian's kernel: this host has no IPVS) and our
// nftables backend (in a namespace here). Compared by ratio with ipvsadm -R (same VM, same
// table) and with nft -f of the same ruleset. Then, in a second VM boot, the daemons
// themselves: keepalived 2.2.7 and keepalived-ts started on the same keepalived.conf of the
// same table (test/vm/fixtures/lvs-daemon-bench.ts): time from start until the daemon's last
// change that completed the kernel's table, and N real servers taken down and up by one
// FILE_CHECK track file, timed by kprobes on the kernel's IPVS functions, each run on IPVS
// modules loaded afresh.
// Prints a markdown section; the daemon figures go to the summary ($KTS_BENCH_OUT).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupOnSignal } from './lib/on-signal.mjs';

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
const dropNs = () => spawnSync('ip', ['netns', 'del', ns]);
spawnSync('ip', ['netns', 'add', ns]);
cleanupOnSignal(dropNs);
try {
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, fixture, 'nftables', String(N), String(M)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const nft = parse(r.stdout);
  if (!nft) console.error(r.stdout, r.stderr);
  else {
    rows.push(`| nftables apply ${N}x${M} | ${f(nft.applyMs)} | nft -f same ruleset: ${f(nft.nftFileMs)} | ${ratio(nft.applyMs, nft.nftFileMs)} |`);
    rows.push(`| nftables ${nft.flips} RS flips, one transaction each | ${f(nft.flipMs)} (${(nft.flipMs / nft.flips).toFixed(2)} ms/flip) | - | - |`);
    rows.push(`| nftables drift check of the ${N}x${M} table (list it back, compare; ${nft.verifyRepairs} messages to repair) | ${f(nft.verifyMs)} | - | - |`);
  }
} finally {
  dropNs();
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
// The daemons, in the VM: keepalived and ours on the same configuration.
const summary = [];
const DN = Number(process.env.KTS_BENCH_LVS_DAEMON_SERVICES ?? N);
/** Rounds of the two daemons, in alternating order (see the fixture); medians are reported. */
const ROUNDS = Number(process.env.KTS_BENCH_LVS_ROUNDS ?? 3);
/**
 * Virtual CPUs of the daemons' VM: 1 by default. 2 asks whether the start's gap comes from
 * one emulated CPU doing everything in turn (docs/lvs.md, "Is the gap the emulation?").
 */
const VM_CPUS = Number(process.env.KTS_BENCH_VM_CPUS ?? 1);
const daemonNotes = [];
if (!why) {
  const vm = await runInVm({ script: `modprobe ip_vs; node ${join(root, 'dist/test/vm/fixtures/lvs-daemon-bench.js')} ${root} ${DN} ${M} keepalived,ours ${ROUNDS}\n`, timeoutMs: 3_600_000, memoryMb: 1536, cpus: VM_CPUS });
  const d = parse(vm.console);
  if (!d) console.error(vm.console.slice(-3000));
  else {
    const ka = d.keepalived ?? {};
    const ts = d.ours ?? {};
    for (const [name, r] of [['keepalived', ka], ['keepalived-ts', ts]]) if (r.error) daemonNotes.push(`${name}: ${r.error.split('; log:')[0]}`);
    const row = (what, k, t, ref) => rows.push(`| ${what} | ${f(t)} | keepalived 2.2.7: ${f(k)}${ref ? `; ${ref}` : ''} | ${ratio(t, k)} |`);
    row(`daemon start -> full table ${DN}x${M} (VM)`, ka.applyMs, ts.applyMs, `ipvsadm -R: ${f(d.ipvsadmRestoreMs)}`);
    row(`daemon start -> its first change of the table (VM): start-up and configuration`, ka.firstChangeMs, ts.firstChangeMs);
    row(`daemon: ${DN} real servers down (one FILE_CHECK track file) (VM)`, ka.downMs, ts.downMs);
    row(`daemon: ${DN} real servers up again (VM)`, ka.upMs, ts.upMs);
    // CPU seconds are sums of clock ticks (0.01 s): rounded, or a float's tail shows.
    const sec = (x) => (typeof x === 'number' ? `${x.toFixed(2)} s` : 'n/a');
    rows.push(`| daemon CPU over the run, all processes (VM) | ${sec(ts.cpuS)} | keepalived 2.2.7: ${sec(ka.cpuS)} | ${ratio(ts.cpuS, ka.cpuS)} |`);
    // Only a run where both daemons completed every phase and ended with the same table goes to the summary.
    if (!ka.error && !ts.error && d.sameTable) {
      summary.push(
        { what: `IPVS: daemon start until the kernel holds ${DN}x${M} (VM, software CPU${VM_CPUS === 1 ? '' : `, ${VM_CPUS} virtual CPUs`}; median of ${d.rounds ?? 1} rounds)`, keepalived: ka.applyMs, ours: ts.applyMs, unit: 'ms' },
        { what: `IPVS: ${DN} real servers down via FILE_CHECK (VM)`, keepalived: ka.downMs, ours: ts.downMs, unit: 'ms' },
        { what: `IPVS: ${DN} real servers up via FILE_CHECK (VM)`, keepalived: ka.upMs, ours: ts.upMs, unit: 'ms' },
        { what: `IPVS: daemon CPU for start + ${2 * DN} flips (VM)`, keepalived: ka.cpuS, ours: ts.cpuS, unit: 's' },
      );
    }
    if (!d.sameTable) daemonNotes.push(`Lines only keepalived had: ${JSON.stringify(d.onlyKeepalived ?? [])}; only ours: ${JSON.stringify(d.onlyOurs ?? [])}.`);
    daemonNotes.push(`\`ipvsadm -Sn\` of the full table is ${d.sameTable ? 'identical' : 'NOT identical'} for both daemons.`);
    const all = (r) => `start ${r.applyMsAll ?? '-'} ms (first change ${r.firstChangeMsAll ?? '-'} ms); down ${r.downMsAll ?? '-'} ms; up ${r.upMsAll ?? '-'} ms; CPU ${r.cpuSAll ?? '-'} s`;
    daemonNotes.push(`Daemon figures are medians of ${d.rounds ?? 1} rounds run in alternating order (keepalived first, then ours first, ...); our start under emulation varies by a third from one run to the next. Each run starts on IPVS modules loaded again (${d.freshModules ? 'done for every run' : 'NOT done for every run: a module could not be unloaded'}): the kernel keeps removed destinations in a trash list for a minute or two and each add walks it, which slowed whichever daemon ran second. Times are to the daemon's last change of the table, as ${d.timing ?? 'polled'} recorded it; the table is read (for when to stop waiting) with at most a tenth of the CPU, as a read of 11,000 entries takes 100-250 ms under emulation. Every round: keepalived ${all(ka)}; keepalived-ts ${all(ts)}.`);
  }
}
if (process.env.KTS_BENCH_OUT) writeFileSync(process.env.KTS_BENCH_OUT, JSON.stringify({ summary }));
console.log('| what | keepalived-ts | reference | ratio (ours / reference, lower is better) |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(r);
if (daemonNotes.length) console.log(`\nThe VM runs Debian's kernel under software CPU emulation (one virtual CPU${VM_CPUS === 1 ? '' : `; the daemons' VM ${VM_CPUS}, KTS_BENCH_VM_CPUS`}): absolute times are many times those of real hardware, the ratios are what count. Daemon start includes each daemon's process start-up and configuration parse. ${daemonNotes.join(' ')}`);
