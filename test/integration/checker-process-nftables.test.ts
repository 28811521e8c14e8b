// The checker process end to end on the nftables data plane: the real daemon
// (bin/keepalived-ts -n -l -C) in a load-balancer namespace with a NAT virtual server on a VIP
// of its interface, three real servers (tiny HTTP servers of this test answering their
// names) checked with HTTP_GET and TCP_CHECK, a sorry server, and a client. What a user sees
// is asserted: which servers answer the VIP, `nft list ruleset`, the daemon's log lines.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Lab, labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import { CLI } from '../lib/daemon.js';
import { NAT_LAB_VIP, createNatLbLab, natLabServerAddress } from '../lib/nat-lb-lab.js';

const skip = labUnavailable(['nft']);
const VIP = NAT_LAB_VIP;
const SERVERS = ['rs1', 'rs2', 'rs3', 'sorry'] as const;
const addr = natLabServerAddress;

const SERVER = `const http=require('http');http.createServer((q,r)=>{r.setHeader('connection','close');r.end(process.env.NAME)}).listen(8080,'0.0.0.0',()=>console.log('listening'))`;
const CLIENT = `const http=require('http');const [,url,n]=process.argv;const c={};
(async()=>{for(let i=0;i<+n;i++){const b=await new Promise((ok)=>{const q=http.get(url,{agent:false,timeout:2000},(r)=>{let d='';r.on('data',x=>d+=x);r.on('end',()=>ok(d))});q.on('timeout',()=>q.destroy(new Error('timeout')));q.on('error',()=>ok('error'))});c[b]=(c[b]||0)+1}console.log(JSON.stringify(c))})()`;

const CHECK = 'connect_timeout 1\n      retry 1\n      delay_before_retry 1';
const config = (dir: string): string => `global_defs {
  router_id lb
  smtp_server 127.0.0.1 2525
  notification_email {
    ops@example.org
  }
  notification_email_from lb@example.org
  lvs_backend nftables
  lvs_notify_fifo ${dir}/lvs.fifo
  lvs_notify_fifo_script ${dir}/fifo-reader
}
virtual_server ${VIP} 80 {
  delay_loop 1
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  sorry_server ${addr(3)} 8080
  quorum_down "/usr/bin/touch ${dir}/quorum.down"
  quorum_up "/usr/bin/touch ${dir}/quorum.up"
  real_server ${addr(0)} 8080 {
    weight 1
    HTTP_GET {
      url {
        path /
        status_code 200
      }
      ${CHECK}
    }
  }
  real_server ${addr(1)} 8080 {
    weight 2
    notify_down "/usr/bin/touch ${dir}/rs2.down"
    notify_up "/usr/bin/touch ${dir}/rs2.up"
    TCP_CHECK {
      ${CHECK}
    }
  }
  real_server ${addr(2)} 8080 {
    weight 3
    TCP_CHECK {
      ${CHECK}
    }
  }
}
`;

let lab: Lab;
let client: Netns;
let lb: Netns;
const rsNs: Netns[] = [];
const rsProc: Array<ChildProcess | undefined> = [];
let dir: string;
let daemon: ChildProcess;
let out = '';
let mail = '';

// A minimal SMTP server (in the load balancer's namespace) that prints what it receives.
const SMTP = `const net=require('net');net.createServer(c=>{c.write('220 x\\r\\n');let data=false,buf='';c.on('data',d=>{buf+=d;let i;while((i=buf.indexOf('\\r\\n'))>=0){const l=buf.slice(0,i);buf=buf.slice(i+2);if(data){if(l==='.'){data=false;c.write('250 ok\\r\\n')}else console.log('DATA '+l)}else if(/^DATA/i.test(l)){data=true;c.write('354 go\\r\\n')}else if(/^QUIT/i.test(l)){c.end('221 bye\\r\\n')}else{console.log('CMD '+l);c.write('250 ok\\r\\n')}}})}).listen(2525,'127.0.0.1',()=>console.log('listening'))`;

async function startServer(i: number): Promise<void> {
  const ns = rsNs[i]!;
  const p = ns.spawn('node', ['-e', SERVER], { env: { ...process.env, NAME: SERVERS[i] } });
  rsProc[i] = p;
  await new Promise<void>((ok) => p.stdout!.once('data', () => ok()));
}

async function stopServer(i: number): Promise<void> {
  const p = rsProc[i];
  if (!p) return;
  const gone = new Promise<void>((ok) => p.once('exit', () => ok()));
  p.kill('SIGKILL');
  await gone;
  rsProc[i] = undefined;
}

async function requests(n: number): Promise<Record<string, number>> {
  const r = await client.exec('node', ['-e', CLIENT, `http://${VIP}:80/`, String(n)], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `client failed: ${r.stdout} ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, number>;
}

const fifoLog = (): string => (existsSync(join(dir, 'fifo.log')) ? readFileSync(join(dir, 'fifo.log'), 'utf8') : '');
const ruleset = (): Promise<string> => lb.run('nft', ['list', 'ruleset']);
const table = async (): Promise<string> => (await lb.exec('nft', ['list', 'table', 'inet', 'keepalived_ts'])).stdout;
/** The real servers the data plane sends new connections to. */
const dnatTargets = async (): Promise<string[]> => [...new Set([...(await ruleset()).matchAll(/(10\.9\.2\.\d+)(?::| \. )8080/g)].map((m) => m[1]!))].sort();

before(async () => {
  if (skip) return;
  let servers: Netns[];
  ({ lab, client, lb, servers } = await createNatLbLab(SERVERS));
  for (let i = 0; i < SERVERS.length; i++) {
    rsNs.push(servers[i]!);
    await startServer(i);
  }
  const smtp = lb.spawn('node', ['-e', SMTP]);
  smtp.stdout!.setEncoding('utf8').on('data', (d: string) => (mail += d));
  await waitFor('the SMTP server', () => mail.includes('listening'));
  dir = mkdtempSync(join(tmpdir(), 'kts-checker-'));
  writeFileSync(join(dir, 'keepalived.conf'), config(dir));
  // keepalived runs the FIFO's reader with the FIFO's path as its last argument.
  writeFileSync(join(dir, 'fifo-reader'), `#!/bin/sh\nexec cat "$1" >> ${dir}/fifo.log\n`, { mode: 0o755 });
  daemon = lb.spawn(CLI, ['-n', '-l', '-C', '-f', join(dir, 'keepalived.conf'), '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')], {
    env: { ...process.env, TMPDIR: dir },
  });
  daemon.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  daemon.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  await waitFor('the checker child programs nftables', async () => (await table()).includes('dnat'), 20_000);
});

after(async () => {
  if (daemon && daemon.exitCode === null) {
    const gone = new Promise<void>((ok) => daemon.once('exit', () => ok()));
    daemon.kill('SIGTERM');
    await Promise.race([gone, new Promise((ok) => setTimeout(ok, 8000))]);
  }
  await lab?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('requests to the VIP reach every healthy real server in the ratio of their weights', { skip }, async () => {
  assert.deepEqual(await dnatTargets(), [addr(0), addr(1), addr(2)]);
  // The slot map has 120 slots: 120 consecutive connections visit each slot once.
  assert.deepEqual(await requests(120), { rs1: 20, rs2: 40, rs3: 60 });
  assert.match(out, /Using nftables table inet keepalived_ts for LVS/);
});

test('a stopped real server is removed after its retries, and comes back when it answers again', { skip }, async () => {
  await stopServer(1);
  await waitFor('rs2 leaves the nftables table', async () => !(await dnatTargets()).includes(addr(1)), 20_000);
  assert.match(out, /Removing service \[10\.9\.2\.12\]:tcp:8080 from VS \[10\.9\.1\.100\]:tcp:80/);
  await waitFor('notify_down ran', () => existsSync(join(dir, 'rs2.down')));
  await waitFor('the RS DOWN line on lvs_notify_fifo', () => fifoLog().includes('RS [10.9.2.12]:tcp:8080 [10.9.1.100]:tcp:80 DOWN\n'));
  await waitFor('smtp_alert mail for rs2', () => /DATA Subject: \[lb\] Realserver .*10\.9\.2\.12.* - DOWN/.test(mail));
  assert.match(mail, /CMD RCPT TO:<ops@example\.org>/);
  assert.ok(!existsSync(join(dir, 'rs2.up')));
  assert.deepEqual(await requests(120), { rs1: 30, rs3: 90 });
  await startServer(1);
  await waitFor('rs2 is back in the table', async () => (await dnatTargets()).includes(addr(1)), 20_000);
  assert.match(out, /Adding service \[10\.9\.2\.12\]:tcp:8080 to VS \[10\.9\.1\.100\]:tcp:80/);
  await waitFor('notify_up ran', () => existsSync(join(dir, 'rs2.up')));
  await waitFor('the RS UP line on lvs_notify_fifo', () => fifoLog().endsWith('RS [10.9.2.12]:tcp:8080 [10.9.1.100]:tcp:80 UP\n'));
  assert.deepEqual(await requests(120), { rs1: 20, rs2: 40, rs3: 60 });
});

test('with every real server down the sorry server answers; quorum comes back with them', { skip }, async () => {
  for (const i of [0, 1, 2]) await stopServer(i);
  await waitFor('only the sorry server is left', async () => (await dnatTargets()).join() === addr(3), 20_000);
  assert.match(out, /Lost quorum 1-0=1 > 0 for VS \[10\.9\.1\.100\]:tcp:80/);
  assert.match(out, /Adding sorry server \[10\.9\.2\.14\]:tcp:8080 to VS \[10\.9\.1\.100\]:tcp:80/);
  assert.deepEqual(await requests(10), { sorry: 10 });
  await waitFor('quorum_down ran', () => existsSync(join(dir, 'quorum.down')));
  await waitFor('the VS DOWN line on lvs_notify_fifo', () => fifoLog().includes('VS [10.9.1.100]:tcp:80 DOWN\n'));
  assert.ok(!existsSync(join(dir, 'quorum.up')));
  for (const i of [0, 1, 2]) await startServer(i);
  await waitFor('all real servers are back', async () => (await dnatTargets()).join() === [addr(0), addr(1), addr(2)].join(), 20_000);
  assert.match(out, /Gained quorum 1\+0=1 <= \d+ for VS \[10\.9\.1\.100\]:tcp:80/);
  await waitFor('quorum_up ran', () => existsSync(join(dir, 'quorum.up')));
  await waitFor('the VS UP line on lvs_notify_fifo', () => fifoLog().includes('VS [10.9.1.100]:tcp:80 UP\n'));
  const lines = fifoLog().split('\n');
  assert.ok(lines.indexOf('VS [10.9.1.100]:tcp:80 DOWN') < lines.indexOf('VS [10.9.1.100]:tcp:80 UP'), fifoLog());
  assert.deepEqual(await requests(120), { rs1: 20, rs2: 40, rs3: 60 });
});

test('SIGUSR1 writes keepalived_check.data with the virtual and real servers as they are', { skip }, async () => {
  const parent = Number(readFileSync(join(dir, 'k.pid'), 'utf8').trim());
  const file = join(dir, 'keepalived_check.data');
  rmSync(file, { force: true });
  process.kill(parent, 'SIGUSR1');
  const text = await waitFor('the data dump', () => { try { return readFileSync(file, 'utf8'); } catch { return undefined; } });
  assert.match(text, /VS = \[10\.9\.1\.100\]:tcp:80/);
  assert.match(text, /RS = \[10\.9\.2\.12\]:tcp:8080\n {5}weight = 2, alive = yes/);
});

test('reload keeps a failed real server out (state migrated) and applies a weight change in place', { skip }, async () => {
  await stopServer(1);
  await waitFor('rs2 leaves the table', async () => !(await dnatTargets()).includes(addr(1)), 20_000);
  writeFileSync(join(dir, 'keepalived.conf'), config(dir).replace('weight 3', 'weight 1'));
  const reloadsBefore = out.split('Reload finished').length;
  process.kill(Number(readFileSync(join(dir, 'k.pid'), 'utf8').trim()), 'SIGHUP');
  await waitFor('the reload', async () => {
    // rs2 is still down: the reloaded checker knows it and never puts it back.
    assert.ok(!(await dnatTargets()).includes(addr(1)), 'rs2 came back at the reload');
    return out.split('Reload finished').length > reloadsBefore;
  }, 20_000, 20);
  assert.deepEqual(await dnatTargets(), [addr(0), addr(2)]);
  assert.deepEqual(await requests(120), { rs1: 60, rs3: 60 });
  await startServer(1);
  await waitFor('rs2 is back', async () => (await dnatTargets()).includes(addr(1)), 20_000);
  assert.deepEqual(await requests(120), { rs1: 30, rs2: 60, rs3: 30 });
});

test('kill -9 of the checker child: the parent restarts it and the table is never emptied', { skip }, async () => {
  const pidFile = join(dir, 'c.pid');
  const oldPid = Number(readFileSync(pidFile, 'utf8').trim());
  assert.ok(oldPid > 0);
  const startsBefore = out.split('Using nftables table').length;
  process.kill(oldPid, 'SIGKILL');
  let polls = 0;
  const newPid = await waitFor('a new checker child has programmed the table', async () => {
    const t = await table();
    polls++;
    // Every look during the restart finds the table with its real servers.
    assert.match(t, /dnat ip to/, `poll ${polls}: table emptied:\n${t}`);
    for (const i of [0, 1, 2]) assert.ok(t.includes(addr(i)), `poll ${polls}: ${addr(i)} missing:\n${t}`);
    let pid = 0;
    try { pid = Number(readFileSync(pidFile, 'utf8').trim()); } catch { /* being rewritten */ }
    return pid > 0 && pid !== oldPid && out.split('Using nftables table').length > startsBefore ? pid : undefined;
  }, 30_000, 20);
  assert.notEqual(newPid, oldPid);
  assert.ok(polls >= 2, `only ${polls} looks at the table`);
  assert.deepEqual(await requests(120), { rs1: 30, rs2: 60, rs3: 30 });
});

test('SIGTERM stops the daemon and removes the nftables table', { skip }, async () => {
  const gone = new Promise<number | null>((ok) => daemon.once('exit', (code) => ok(code)));
  daemon.kill('SIGTERM');
  assert.equal(await gone, 0);
  assert.ok(!(await lb.run('nft', ['list', 'tables'])).includes('keepalived_ts'));
});
