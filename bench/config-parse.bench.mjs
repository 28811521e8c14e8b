#!/usr/bin/env node
// Config parse benchmark: a generated ~100,000-line keepalived.conf (1,000 vrrp_instances,
// 1,000 virtual_servers with 10 real_servers each), checked with `keepalived-ts -t` and
// `keepalived -t` (Debian 2.2.7). Both run in a network namespace that has eth0-eth3, so
// keepalived's interface checks see real interfaces (250 VRIDs on each of eth0-eth3). Prints medians and the ratio.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const KEEPALIVED = '/usr/sbin/keepalived';
const RUNS = Number(process.env.KTS_BENCH_RUNS ?? 3);

function generate() {
  const out = ['global_defs {', '    router_id BENCH', '    enable_script_security', '}'];
  for (let i = 0; i < 1000; i++) {
    const a = `10.${Math.floor(i / 250)}.${i % 250}`;
    out.push(
      `vrrp_instance VI_${i} {`, '    state BACKUP', `    interface eth${Math.floor(i / 250)}`, `    virtual_router_id ${(i % 250) + 1}`,
      `    priority ${100 + (i % 50)}`, '    advert_int 1', '    authentication {', '        auth_type PASS',
      `        auth_pass p${i}`, '    }', '    virtual_ipaddress {', `        ${a}.1/24`, '    }', '}');
  }
  for (let v = 0; v < 1000; v++) {
    const vip = `172.16.${Math.floor(v / 250)}.${(v % 250) + 1}`;
    out.push(`virtual_server ${vip} 80 {`, '    delay_loop 6', '    lb_algo rr', '    lb_kind NAT', '    protocol TCP');
    for (let r = 0; r < 10; r++) {
      out.push(`    real_server 192.168.${v % 250}.${r + 1} 8080 {`, '        weight 1', '        TCP_CHECK {',
        '            connect_timeout 3', '            retry 2', '            delay_before_retry 1', '        }', '    }');
    }
    out.push('}');
  }
  return out.join('\n') + '\n';
}

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

function timeRun(prefix, cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(prefix[0] ?? cmd, [...prefix.slice(1), ...(prefix.length ? [cmd] : []), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, code: r.status, errLines: r.stderr.split('\n').filter(Boolean).length };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const dir = mkdtempSync(join(tmpdir(), 'kts-bench-'));
const file = join(dir, 'big.conf');
const text = generate();
writeFileSync(file, text);
const lines = text.split('\n').length - 1;

// A namespace of our own (pid in the name, removed in finally) with an eth0.
let ns;
let prefix = [];
if (process.getuid?.() === 0 && spawnSync('ip', ['-V']).status === 0) {
  ns = `ktbench${process.pid}`;
  sh('ip', ['netns', 'add', ns]);
  for (const ifname of ['eth0', 'eth1', 'eth2', 'eth3']) {
    sh('ip', ['-n', ns, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', `${ifname}p`]);
    sh('ip', ['-n', ns, 'link', 'set', ifname, 'up']);
  }
  prefix = ['ip', 'netns', 'exec', ns];
}

try {
  const ours = [];
  const theirs = [];
  let oursLast;
  let theirsLast;
  for (let i = 0; i < RUNS; i++) {
    oursLast = timeRun(prefix, process.execPath, [join(root, 'bin', 'keepalived-ts'), '-t', '-f', file]);
    ours.push(oursLast.ms);
    if (existsSync(KEEPALIVED)) {
      theirsLast = timeRun(prefix, KEEPALIVED, ['-t', '-f', file]);
      theirs.push(theirsLast.ms);
    }
  }
  // Markdown for bench/RESULTS.md.
  console.log(`Config: ${lines} lines (1000 vrrp_instance, 1000 virtual_server x 10 real_server)${ns ? ', both run in a namespace with eth0-eth3' : ''}; median of ${RUNS} runs.\n`);
  console.log('| command | median ms | exit | diagnostic lines |');
  console.log('|---|---:|---:|---:|');
  console.log(`| keepalived-ts -t | ${median(ours).toFixed(0)} | ${oursLast.code} | ${oursLast.errLines} |`);
  if (theirs.length) {
    console.log(`| keepalived -t (2.2.7) | ${median(theirs).toFixed(0)} | ${theirsLast.code} | ${theirsLast.errLines} |`);
    console.log(`\nratio keepalived-ts / keepalived: **${(median(ours) / median(theirs)).toFixed(2)}**`);
    if (process.env.KTS_BENCH_OUT) writeFileSync(process.env.KTS_BENCH_OUT, JSON.stringify({ summary: [{ what: `-t of a ${lines}-line configuration (median wall)`, keepalived: median(theirs), ours: median(ours), unit: 'ms' }] }));
  } else {
    console.log(`\nkeepalived -t not run (${KEEPALIVED} missing)`);
  }
  // Where our time goes, in-process (no node start-up): the reader, then the keyword layer.
  const { readConfigFile } = await import(join(root, 'dist', 'src', 'config', 'reader.js'));
  const { buildConfig } = await import(join(root, 'dist', 'src', 'config', 'build.js'));
  const readMs = [];
  const buildMs = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const read = readConfigFile(file, { configId: 'bench' });
    const t1 = performance.now();
    buildConfig(read.nodes, { interfaceExists: () => true, hostname: 'bench' });
    buildMs.push(performance.now() - t1);
    readMs.push(t1 - t0);
  }
  console.log(`\nin-process medians: reader ${median(readMs).toFixed(0)} ms, keyword layer (buildConfig) ${median(buildMs).toFixed(0)} ms`);
} finally {
  if (ns) spawnSync('ip', ['netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
}
