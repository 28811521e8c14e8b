#!/usr/bin/env node
// Memory of the whole daemon (parent + children), keepalived-ts against keepalived 2.2.7,
// both started alike (`-n -l -f CONF`) in a namespace of their own, for three configurations:
//   typical  3 VRRP instances (2 VIPs each, a vrrp_script, track_interface) and 3 virtual
//            servers with 3 real servers each (HTTP_GET and TCP_CHECK against a busybox
//            httpd in the namespace): VRRP child and checker child;
//   1        one VRRP instance, one VIP (no virtual server: no checker child);
//   1000     1,000 VRRP instances (250 VRIDs on each of eth0-eth3), each a lone master
//            holding one VIP.
// Sampled once every VIP is up and the daemon has run 20 s more (median of 3).
// Per process and for the tree: VmRSS (shared pages counted in every process), private
// (pages only that process maps) and distinct (the tree's physical pages counted once); see
// bench/lib/proc-mem.mjs. Where the host has no IPVS our checker uses the nftables data
// plane, and keepalived's checker child cannot start (keepalived then stops): keepalived then
// runs the typical configuration with -P (parent + VRRP child) and the table says so.
// KTS_BENCH_MEM_CASES=typical,1,1000 and KTS_BENCH_MEM_IMPLS=keepalived,keepalived-ts select.
import { writeFileSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, labBench } from './lib/lab-bench.mjs';
import { treeMemory } from './lib/proc-mem.mjs';

const { Lab, waitFor, dir } = await labBench('kts-bench-mem-', ['keepalived', 'busybox']);

const CASES = (process.env.KTS_BENCH_MEM_CASES ?? 'typical,1,1000').split(',');
const IMPLS = (process.env.KTS_BENCH_MEM_IMPLS ?? 'keepalived,keepalived-ts').split(',');
const IFACES = ['eth0', 'eth1', 'eth2', 'eth3'];
// Long enough for V8's memory reducer to have shrunk the parent's heap after reading the
// configuration (about 15 s after start): the steady state an operator sees.
const SETTLE_MS = Number(process.env.KTS_BENCH_MEM_SETTLE_MS ?? 20000);

function manyInstances(n) {
  let s = 'global_defs {\n  router_id mem\n}\n';
  for (let i = 0; i < n; i++) {
    const ifname = IFACES[Math.floor(i / 250)];
    const vrid = (i % 250) + 1;
    const vip = `10.${70 + Math.floor(i / 250)}.${Math.floor(vrid / 250)}.${(vrid % 250) + 2}`;
    s += `vrrp_instance VI_${i} {\n  state BACKUP\n  interface ${ifname}\n  virtual_router_id ${vrid}\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    ${vip}/32 dev ${ifname}\n  }\n}\n`;
  }
  return { text: s, vips: n };
}

/** A few VRRP instances with VIPs and track scripts, a few virtual servers with checks. */
function typical() {
  let s = 'global_defs {\n  router_id mem\n  enable_script_security\n  script_user root\n}\n';
  s += 'vrrp_script chk_httpd {\n  script "/bin/true"\n  interval 2\n  fall 2\n  rise 2\n  weight -20\n}\n';
  for (let i = 0; i < 3; i++) {
    s += `vrrp_instance VI_${i} {\n  state BACKUP\n  interface eth0\n  virtual_router_id ${51 + i}\n  priority 100\n  advert_int 1\n`;
    s += `  virtual_ipaddress {\n    10.70.0.${10 + 2 * i}/32 dev eth0\n    10.70.0.${11 + 2 * i}/32 dev eth0\n  }\n`;
    s += '  track_interface {\n    eth1\n  }\n  track_script {\n    chk_httpd\n  }\n}\n';
  }
  for (let v = 0; v < 3; v++) {
    s += `virtual_server 10.70.0.${10 + 2 * v} 80 {\n  delay_loop 3\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n`;
    for (let r = 0; r < 3; r++) {
      s += `  real_server 192.168.71.${21 + r} 8080 {\n    weight 1\n`;
      s += v === 2
        ? '    TCP_CHECK {\n      connect_timeout 2\n    }\n'
        : '    HTTP_GET {\n      url {\n        path /health\n        status_code 200\n      }\n      connect_timeout 2\n    }\n';
      s += '  }\n';
    }
    s += '}\n';
  }
  return { text: s, vips: 6 };
}

const exited = (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** keepalived names its processes alike; ours are node with the role as argument. */
function roleOf(p, rootPid) {
  if (p.pid === rootPid) return 'parent';
  const args = p.cmdline.join(' ');
  if (/child\.js vrrp\b/.test(args)) return 'vrrp';
  if (/child\.js checker\b/.test(args)) return 'checker';
  if (p.cmdline[0]?.includes('keepalived')) return 'child';
  return 'other';
}

const haveIpvs = (() => {
  try { return readFileSync('/proc/net/ip_vs', 'utf8') !== undefined; } catch { return false; }
})();

async function measure(ns, impl, name, conf) {
  const file = join(dir, `mem-${name}.conf`);
  writeFileSync(file, conf.text);
  const vrrpOnly = impl === 'keepalived' && name === 'typical' && !haveIpvs;
  const args = ['-n', '-l', ...(vrrpOnly ? ['-P'] : []), '-f', file, '-p', join(dir, `${impl}.pid`), '-r', join(dir, `${impl}-vrrp.pid`), '-c', join(dir, `${impl}-checkers.pid`)];
  const d = impl === 'keepalived' ? ns.spawn('keepalived', args) : ns.spawn(process.execPath, [CLI, ...args], { env: { ...process.env, TMPDIR: dir } });
  let log = '';
  d.stdout.on('data', (b) => { log = (log + b).slice(-4000); });
  d.stderr.on('data', (b) => { log = (log + b).slice(-4000); });
  try {
    const count = async () => JSON.parse(await ns.ip('-j', 'addr', 'show'))
      .flatMap((l) => l.addr_info.filter((a) => a.prefixlen === 32 && a.local.startsWith('10.7'))).length;
    await waitFor(`${conf.vips} VIPs up`, async () => d.exitCode !== null || (await count()) >= conf.vips, Number(process.env.KTS_BENCH_MEM_UP_MS ?? 300_000), 500);
    if (d.exitCode !== null) throw new Error(`${impl} exited ${d.exitCode}: ${log}`);
    await sleep(SETTLE_MS);
    const samples = [];
    for (let i = 0; i < 3; i++) {
      samples.push(treeMemory(d.pid));
      await sleep(1000);
    }
    samples.sort((a, b) => a.rssKiB - b.rssKiB);
    const m = samples[1];
    return { ...m, vrrpOnly, procs: m.procs.map((p) => ({ ...p, role: roleOf(p, d.pid) })) };
  } finally {
    d.kill('SIGTERM');
    await Promise.race([exited(d), sleep(20_000)]);
    if (d.exitCode === null && d.signalCode === null) { d.kill('SIGKILL'); await exited(d); }
    // Whatever a killed daemon left behind goes with the namespace.
  }
}

const configs = { typical: typical(), 1: manyInstances(1), 1000: manyInstances(1000) };
const lab = await Lab.create();
const results = {};
try {
  for (const name of CASES) {
    for (const impl of IMPLS) {
      // A fresh namespace per run: no VIP or socket left from the previous daemon.
      const ns = await lab.addNs(`${impl === 'keepalived' ? 'k' : 't'}${name.slice(0, 4)}`);
      for (const ifname of IFACES) {
        await ns.ip('link', 'add', ifname, 'type', 'veth', 'peer', 'name', `${ifname}p`);
        await ns.ip('link', 'set', ifname, 'up');
        await ns.ip('link', 'set', `${ifname}p`, 'up');
        await ns.ip('addr', 'add', `10.${70 + IFACES.indexOf(ifname)}.9.1/16`, 'dev', ifname);
      }
      await ns.ip('link', 'set', 'lo', 'up');
      let httpd;
      if (name === 'typical') {
        // The real servers: three addresses, one busybox httpd answering /health on each.
        const www = join(dir, 'www');
        mkdirSync(www, { recursive: true });
        writeFileSync(join(www, 'health'), 'ok\n');
        for (let r = 0; r < 3; r++) await ns.ip('addr', 'add', `192.168.71.${21 + r}/32`, 'dev', 'eth1');
        httpd = ns.spawn('busybox', ['httpd', '-f', '-p', '8080', '-h', www]);
      }
      try {
        results[`${impl} ${name}`] = await measure(ns, impl, name, configs[name]);
      } catch (e) {
        // keepalived without IPVS: its checker child is fatal, the daemon stops; say so.
        results[`${impl} ${name}`] = { error: e.message.slice(0, 300).replace(/\n/g, ' ') };
      } finally {
        if (httpd) { httpd.kill('SIGTERM'); await exited(httpd); }
      }
    }
  }
} finally {
  await lab.cleanup();
  rmSync(dir, { recursive: true, force: true });
}

const mib = (k) => (k === undefined ? 'n/a' : (k / 1024).toFixed(1));
const label = { typical: 'typical (3 VRRP instances, 3 virtual servers x 3 real servers)', 1: '1 VRRP instance', 1000: '1,000 VRRP instances' };
const summary = [];
const bars = [];
console.log(`Memory of the whole daemon, median of 3 samples taken once every VIP is up + ${SETTLE_MS / 1000} s. **distinct**: the physical pages of all its processes, each counted once (what the machine spends on it; shared library and node binary code included once). **VmRSS sum**: what adding up \`ps\` RSS gives (every shared page counted once per process: for Node processes ~40 MiB of node's own code each). **private**: pages only one process maps.\n`);
console.log('| configuration | keepalived 2.2.7 distinct / VmRSS sum (MiB, processes) | keepalived-ts distinct / VmRSS sum (MiB, processes) | ratio (distinct) |');
console.log('| --- | ---: | ---: | ---: |');
const cell = (r) => (!r ? 'not run' : r.error ? `did not run: ${r.error}` : `${mib(r.distinctKiB)} / ${mib(r.rssKiB)} (${r.procs.length}${r.vrrpOnly ? ', -P: no IPVS here for its checker' : ''})`);
for (const name of CASES) {
  const k = results[`keepalived ${name}`];
  const t = results[`keepalived-ts ${name}`];
  const ratio = k?.distinctKiB && t?.distinctKiB ? (t.distinctKiB / k.distinctKiB).toFixed(2) : 'n/a';
  console.log(`| ${label[name]} | ${cell(k)} | ${cell(t)} | ${ratio} |`);
  if (t?.distinctKiB) {
    summary.push({ what: `memory, ${label[name]} (distinct pages, all processes)`, keepalived: k?.distinctKiB ? k.distinctKiB / 1024 : undefined, ours: t.distinctKiB / 1024, unit: 'MiB' });
    if (k?.distinctKiB) bars.push({ label: `keepalived, ${name}`, value: k.distinctKiB / 1024 });
    bars.push({ label: `keepalived-ts, ${name}`, value: t.distinctKiB / 1024 });
  }
}
console.log('\nPer process (MiB): VmRSS / private.\n');
console.log('| configuration | implementation | parent | VRRP child | checker child |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const name of CASES) {
  for (const impl of IMPLS) {
    const r = results[`${impl} ${name}`];
    if (!r || r.error) continue;
    const byRole = (role) => r.procs.filter((p) => p.role === role).map((p) => `${mib(p.rssKiB)} / ${mib(p.privateKiB)}`).join(', ') || '-';
    // keepalived's children are both "keepalived": the VRRP one is the lower pid, forked first.
    const kids = r.procs.filter((p) => p.role === 'child').sort((a, b) => a.pid - b.pid);
    const kid = (i) => (kids[i] ? `${mib(kids[i].rssKiB)} / ${mib(kids[i].privateKiB)}` : '-');
    const row = impl === 'keepalived' ? [byRole('parent'), kid(0), kid(1)] : [byRole('parent'), byRole('vrrp'), byRole('checker')];
    console.log(`| ${label[name]} | ${impl} | ${row.join(' | ')} |`);
  }
}
if (process.env.KTS_BENCH_OUT) writeFileSync(process.env.KTS_BENCH_OUT, JSON.stringify({ summary, plots: [{ name: 'memory', kind: 'bar', title: 'Memory, all processes (distinct pages)', unit: 'MiB', groups: bars }] }));
