// The real daemon (bin/keepalived-ts -n -l -C) on the nftables data plane, restarted and
// tampered with while a client keeps requesting the VIP: the table left by the first run
// (stopped with -I, keepalived's --dont-release-ipvs) is adopted by the second without a
// moment where the VIP is not balanced, and a rule deleted by hand with `nft delete rule` is
// put back by the drift check (lvs_verify_interval). What a user sees is asserted: every
// request answered, `nft -a list` (rule handles show what was rewritten), the daemon's log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Lab, labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import { CLI } from '../lib/daemon.js';
import { NAT_LAB_VIP, createNatLbLab, natLabServerAddress } from '../lib/nat-lb-lab.js';

const skip = labUnavailable(['nft']);
const VIP = NAT_LAB_VIP;
const addr = natLabServerAddress;
const SERVER = `const http=require('http');http.createServer((q,r)=>{r.setHeader('connection','close');r.end(process.env.NAME)}).listen(8080,'0.0.0.0',()=>console.log('listening'))`;
// Requests one after the other until stdin closes, then prints what answered (and what failed).
const CLIENT = `const http=require('http');const urls=process.argv.slice(1);const c={};let stop=false;process.stdin.on('end',()=>stop=true).resume();
(async()=>{for(let i=0;!stop;i++){const b=await new Promise((ok)=>{const q=http.get(urls[i%urls.length],{agent:false,timeout:2000},(r)=>{let d='';r.on('data',x=>d+=x);r.on('end',()=>ok(d))});q.on('timeout',()=>q.destroy(new Error('timeout')));q.on('error',(e)=>ok('error '+e.code))});c[b]=(c[b]||0)+1}console.log(JSON.stringify(c))})()`;

const config = (w2: number): string => `global_defs {
  router_id lb
  lvs_backend nftables
  lvs_verify_interval 1
}
virtual_server ${VIP} 80 {
  delay_loop 1
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  real_server ${addr(0)} 8080 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server ${addr(1)} 8080 {
    weight ${w2}
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
virtual_server ${VIP} 81 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  persistence_timeout 60
  real_server ${addr(0)} 8080 {
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server ${addr(1)} 8080 {
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`;

let lab: Lab;
let client: Netns;
let lb: Netns;
let dir: string;
const daemons: ChildProcess[] = [];
let out = '';

function startDaemon(extra: string[] = []): ChildProcess {
  const d = lb.spawn(CLI, ['-n', '-l', '-C', ...extra, '-f', join(dir, 'keepalived.conf'), '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')], { env: { ...process.env, TMPDIR: dir } });
  d.stdout!.setEncoding('utf8').on('data', (x: string) => (out += x));
  d.stderr!.setEncoding('utf8').on('data', (x: string) => (out += x));
  daemons.push(d);
  return d;
}

async function stopDaemon(d: ChildProcess): Promise<number | null> {
  if (d.exitCode !== null) return d.exitCode;
  const gone = new Promise<number | null>((ok) => d.once('exit', (code) => ok(code)));
  d.kill('SIGTERM');
  return gone;
}

/** A client requesting both VIP ports back to back; `finish()` returns what answered. */
function startClient(): { finish: () => Promise<Record<string, number>> } {
  const p = client.spawn('node', ['-e', CLIENT, `http://${VIP}:80/`, `http://${VIP}:81/`]);
  let text = '';
  p.stdout!.setEncoding('utf8').on('data', (x: string) => (text += x));
  return {
    finish: async () => {
      const done = new Promise<void>((ok) => p.once('exit', () => ok()));
      p.stdin!.end();
      await done;
      return JSON.parse(text) as Record<string, number>;
    },
  };
}

const table = (): Promise<string> => lb.run('nft', ['-a', 'list', 'table', 'inet', 'keepalived_ts']);
const handlesOf = (text: string, what: RegExp): string[] => text.split('\n').filter((l) => what.test(l) && /# handle/.test(l)).map((l) => l.trim());

before(async () => {
  if (skip) return;
  let servers: Netns[];
  ({ lab, client, lb, servers } = await createNatLbLab(['rs1', 'rs2']));
  for (const [i, ns] of servers.entries()) {
    const p = ns.spawn('node', ['-e', SERVER], { env: { ...process.env, NAME: `rs${i + 1}` } });
    await new Promise<void>((ok) => p.stdout!.once('data', () => ok()));
  }
  dir = mkdtempSync(join(tmpdir(), 'kts-nft-restart-'));
  writeFileSync(join(dir, 'keepalived.conf'), config(2));
});

after(async () => {
  for (const d of daemons) await Promise.race([stopDaemon(d), new Promise((ok) => setTimeout(ok, 8000))]);
  await lab?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a restart (-I, then a new daemon with one weight changed) while a client requests the VIP: not one request fails', { skip }, async () => {
  const first = startDaemon(['-I']);
  await waitFor('the first daemon programs nftables', async () => (await table()).includes('dnat ip to'), 20_000);
  const c = startClient();
  await new Promise((ok) => setTimeout(ok, 1000));
  const before = await table();
  assert.equal(await stopDaemon(first), 0);
  assert.match(await table(), /dnat ip to/, '-I leaves the table in place');
  writeFileSync(join(dir, 'keepalived.conf'), config(3));
  const marker = out.length;
  startDaemon();
  await waitFor('the second daemon adopted the table', () => /nftables: adopted table inet keepalived_ts: 1 services kept as they were, 1 rewritten, 0 leftovers removed/.test(out.slice(marker)), 20_000);
  await new Promise((ok) => setTimeout(ok, 1000));
  const counts = await c.finish();
  const failed = Object.entries(counts).filter(([k]) => k.startsWith('error'));
  assert.deepEqual(failed, [], `requests failed during the restart: ${JSON.stringify(counts)}`);
  assert.ok((counts.rs1 ?? 0) + (counts.rs2 ?? 0) >= 10, JSON.stringify(counts));
  // The port 81 service was as desired: adopted untouched (same rule handles); port 80 rewritten with the new weight.
  const after = await table();
  assert.deepEqual(handlesOf(after, /_81/), handlesOf(before, /_81/));
  assert.notDeepEqual(handlesOf(after, /rs_tcp_10\.9\.1\.100_80/), handlesOf(before, /rs_tcp_10\.9\.1\.100_80/));
});

test('nft delete rule by hand: the drift check restores it and says so', { skip }, async () => {
  const chain = 'vs_tcp_10.9.1.100_80';
  const listed = await lb.run('nft', ['-a', 'list', 'chain', 'inet', 'keepalived_ts', chain]);
  const handle = /dnat ip to .*# handle (\d+)/.exec(listed)?.[1];
  assert.ok(handle, listed);
  const marker = out.length;
  await lb.run('nft', ['delete', 'rule', 'inet', 'keepalived_ts', chain, 'handle', handle]);
  await waitFor('the rule is back', async () => /dnat ip to numgen inc mod 120 map @rs_tcp_10\.9\.1\.100_80/.test(await lb.run('nft', ['list', 'chain', 'inet', 'keepalived_ts', chain])), 20_000);
  await waitFor('the repair is logged', () => /the nftables table inet keepalived_ts differed from the configuration \(changed by hand\?\); repaired: rewrote service tcp \[10\.9\.1\.100\]:80/.test(out.slice(marker)), 10_000);
  const c = startClient();
  await new Promise((ok) => setTimeout(ok, 1000));
  const counts = await c.finish();
  assert.deepEqual(Object.keys(counts).filter((k) => k.startsWith('error')), [], JSON.stringify(counts));
});

test('nft flush table by hand: the whole table is written again', { skip }, async () => {
  const marker = out.length;
  await lb.run('nft', ['flush', 'table', 'inet', 'keepalived_ts']);
  await waitFor('the table is whole again', async () => (await table()).match(/dnat ip to/g)?.length === 3, 20_000);
  await waitFor('the repair is logged', () => /repaired: rewrote the whole table \(its base chains or dispatch maps are not as we write them\)/.test(out.slice(marker)), 10_000);
});

test('SIGTERM without -I removes the table', { skip }, async () => {
  assert.equal(await stopDaemon(daemons.at(-1)!), 0);
  assert.ok(!(await lb.run('nft', ['list', 'tables'])).includes('keepalived_ts'));
});
