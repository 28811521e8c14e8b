// The classic deployment on real keepalived-ts daemons: two routers each run a web server;
// a vrrp_script probes it; stopping the master's web server moves the VIP and a client's
// `curl http://VIP/` is answered by the other router; starting it again moves the VIP back.
// Notify scripts and FIFO lines are checked for every transition. A sync group of two
// instances on two interfaces fails over together when one link goes down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Lab, labUnavailable, sh, waitFor, type Netns } from '../lib/netns.js';
import { KtsNode } from '../lib/kts-node.js';
import type { ReceivedMail } from '../lib/smtp-sink.js';

const VIP = '10.68.0.100';
const PORT = 8080;

const PROBE = `import { connect } from 'node:net';
const s = connect({ host: '127.0.0.1', port: ${PORT} });
s.setTimeout(500, () => process.exit(1));
s.on('connect', () => { s.end(); process.exit(0); });
s.on('error', () => process.exit(1));
`;

// Appends its arguments as one line to the file named by its first argument.
const RECORD = `import { appendFileSync } from 'node:fs';
const [file, ...rest] = process.argv.slice(2);
appendFileSync(file, rest.join(' ') + '\\n');
`;

function webServer(ns: Netns, name: string): ChildProcess {
  return ns.spawn(process.execPath, ['-e', `require('node:http').createServer((q,s)=>s.end(${JSON.stringify(name)})).listen(${PORT},'0.0.0.0')`], { stdio: 'ignore' });
}

function conf(dir: string, name: string, priority: number, extra = ''): string {
  const node = process.execPath;
  const rec = join(dir, 'record.mjs');
  return `global_defs {
    router_id ${name}
    vrrp_notify_fifo ${join(dir, `${name}.fifo`)}
    notification_email {
        ops@example.test
    }
    notification_email_from keepalived@${name}.example.test
    smtp_server 127.0.0.1 2525
    smtp_connect_timeout 2
    smtp_alert true
}
vrrp_script chk_web {
    script "${node} ${join(dir, 'probe.mjs')}"
    interval 0.5
    timeout 2
    fall 1
    rise 1
    weight -60
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 68
    version 3
    priority ${priority}
    advert_int 0.2
    virtual_ipaddress {
        ${VIP}/24
    }
    track_script {
        chk_web
    }
    notify_master "${node} ${rec} ${join(dir, `${name}.master`)} master"
    notify_backup "${node} ${rec} ${join(dir, `${name}.backup`)} backup"
    notify "${node} ${rec} ${join(dir, `${name}.notify`)}"
${extra}}
`;
}

function readLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

async function hasVip(ns: Netns, vip = VIP, ifname = 'eth0'): Promise<boolean> {
  return (await ns.addresses(ifname)).includes(`${vip}/24`);
}

/** Collects the lines written to a FIFO (the daemon opens it read-write, so it never blocks). */
function fifoReader(path: string): { lines: string[]; close: () => void } {
  const lines: string[] = [];
  let buf = '';
  const s = createReadStream(path, { encoding: 'utf8' });
  s.on('data', (d) => {
    buf += String(d);
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  s.on('error', () => undefined);
  return { lines, close: () => s.destroy() };
}

test('classic deployment: a vrrp_script follows the web server, the VIP follows it, notifies and FIFO lines tell each step', { skip: labUnavailable(['curl', 'mkfifo']), timeout: 120_000 }, async () => {
  const lab = await Lab.create();
  const dir = mkdtempSync(join(tmpdir(), 'kts-classic-'));
  const nodes: KtsNode[] = [];
  const readers: { close: () => void }[] = [];
  try {
    writeFileSync(join(dir, 'probe.mjs'), PROBE);
    writeFileSync(join(dir, 'record.mjs'), RECORD);
    const r1 = await lab.addHost('r1', { addrs: ['10.68.0.1/24'] });
    const r2 = await lab.addHost('r2', { addrs: ['10.68.0.2/24'] });
    const cl = await lab.addHost('cl', { addrs: ['10.68.0.50/24'] });
    // r1's alerts reach a sink on its loopback; r2's server is unreachable (nothing listens):
    // that must not hold anything up.
    const mails: ReceivedMail[] = [];
    const sink = r1.spawn(process.execPath, [join(import.meta.dirname, '..', 'lib', 'smtp-sink-main.js'), '2525'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let sinkOut = '';
    sink.stdout?.setEncoding('utf8').on('data', (d: string) => {
      sinkOut += d;
      let nl;
      while ((nl = sinkOut.indexOf('\n')) >= 0) {
        const line = sinkOut.slice(0, nl);
        sinkOut = sinkOut.slice(nl + 1);
        if (line.startsWith('{')) mails.push(JSON.parse(line) as ReceivedMail);
      }
    });
    let web1 = webServer(r1, 'r1');
    webServer(r2, 'r2');
    const fifos: Record<string, string[]> = {};
    for (const n of ['r1', 'r2']) {
      await sh('mkfifo', [join(dir, `${n}.fifo`)]);
      const r = fifoReader(join(dir, `${n}.fifo`));
      readers.push(r);
      fifos[n] = r.lines;
    }
    const a = new KtsNode(r1, conf(dir, 'r1', 150));
    const b = new KtsNode(r2, conf(dir, 'r2', 100));
    nodes.push(a, b);
    // r1 first: which daemon is up first is not what this test is about.
    a.start();
    await waitFor('r1 to hold the VIP', () => hasVip(r1), 20_000);
    b.start();
    await b.waitForLine(/\(VI_1\) Entering BACKUP STATE/);
    const curl = async () => (await cl.exec('curl', ['-s', '-m', '1', `http://${VIP}:${PORT}/`])).stdout;

    await waitFor('r1 to hold the VIP', () => hasVip(r1), 20_000);
    await waitFor('the client to be answered by r1', async () => (await curl()) === 'r1', 10_000);

    // The web server on the master stops: the script fails, r1 drops to 90, r2 preempts.
    web1.kill('SIGKILL');
    await a.waitForLine(/VRRP_Script\(chk_web\) failed/, 10_000);
    await a.waitForLine(/\(VI_1\) Changing effective priority from 150 to 90/);
    await waitFor('r2 to hold the VIP', () => hasVip(r2), 10_000);
    await waitFor('r1 to drop the VIP', async () => !(await hasVip(r1)), 10_000);
    await waitFor('the client to be answered by r2', async () => (await curl()) === 'r2', 10_000);

    // It comes back: the script succeeds, r1 returns to 150 and preempts.
    web1 = webServer(r1, 'r1');
    await a.waitForLine(/VRRP_Script\(chk_web\) succeeded/, 10_000);
    await waitFor('r1 to hold the VIP again', () => hasVip(r1), 10_000);
    await waitFor('the client to be answered by r1 again', async () => (await curl()) === 'r1', 10_000);

    const expectR1 = ['BACKUP 150', 'MASTER 150', 'BACKUP 90', 'MASTER 150'];
    const expectR2 = ['BACKUP 100', 'MASTER 100', 'BACKUP 100'];
    const generic = (n: string) => readLines(join(dir, `${n}.notify`));
    await waitFor('r1 notifies', () => generic('r1').length >= expectR1.length && fifos.r1!.length >= expectR1.length, 10_000);
    await waitFor('r2 notifies', () => generic('r2').length >= expectR2.length && fifos.r2!.length >= expectR2.length, 10_000);
    assert.deepEqual(generic('r1'), expectR1.map((s) => `INSTANCE VI_1 ${s}`));
    assert.deepEqual(generic('r2'), expectR2.map((s) => `INSTANCE VI_1 ${s}`));
    assert.deepEqual(fifos.r1, expectR1.map((s) => `INSTANCE "VI_1" ${s}`));
    assert.deepEqual(fifos.r2, expectR2.map((s) => `INSTANCE "VI_1" ${s}`));
    assert.deepEqual(readLines(join(dir, 'r1.master')), ['master', 'master']);
    assert.deepEqual(readLines(join(dir, 'r1.backup')), ['backup', 'backup']);
    assert.deepEqual(readLines(join(dir, 'r2.master')), ['master']);
    assert.deepEqual(readLines(join(dir, 'r2.backup')), ['backup', 'backup']);

    // One mail per state change, in order.
    const subjects = () => mails.map((m) => /Subject: (.*)/.exec(m.data)?.[1]);
    await waitFor('r1 mails', () => mails.length >= 4, 10_000);
    assert.deepEqual(subjects(), ['BACKUP', 'MASTER', 'BACKUP', 'MASTER'].map((st) => `[r1] VRRP Instance VI_1 - Entering ${st} state`));
    assert.deepEqual(mails[0]!.to, ['ops@example.test']);
    assert.equal(mails[0]!.from, 'keepalived@r1.example.test');
    await b.waitForLine(/Error sending SMTP alert to \[127\.0\.0\.1\]:2525: .*(ECONNREFUSED|connection refused)/);

    // With nopreempt (applied by a reload, r1 stays MASTER meanwhile), r1 does not take the
    // VIP back once its web server returns.
    let from = a.output.length;
    a.writeConfig(conf(dir, 'r1', 150, '    nopreempt\n'));
    a.signal('SIGHUP');
    await a.waitForLine(/Reload finished/, 15_000, from);
    assert.equal(await hasVip(r1), true);
    web1.kill('SIGKILL');
    await waitFor('r2 to hold the VIP (nopreempt phase)', () => hasVip(r2), 10_000);
    from = a.output.length;
    web1 = webServer(r1, 'r1');
    await a.waitForLine(/VRRP_Script\(chk_web\) succeeded/, 10_000, from);
    await a.waitForLine(/\(VI_1\) Changing effective priority from 90 to 150/, 10_000, from);
    // Several advert intervals (0.2 s) later, r2 still holds the VIP.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await hasVip(r2), true, 'nopreempt: r1 must not take the VIP back');
    assert.equal(await hasVip(r1), false);
    assert.equal(await curl(), 'r2');

    // Stopping the daemon notifies STOP last.
    a.signal('SIGTERM');
    assert.equal(await a.exit, 0);
    await waitFor('r1 STOP', () => generic('r1').at(-1) === 'INSTANCE VI_1 STOP 150' && fifos.r1!.at(-1) === 'INSTANCE "VI_1" STOP 150', 10_000);
  } finally {
    for (const r of readers) r.close();
    for (const n of nodes) await n.cleanup();
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

// A vrrp_notify_fifo_script: gets the FIFO's path as its last argument, copies its lines.
const FIFO_READER = `import { createReadStream, appendFileSync } from 'node:fs';
const [out, fifo] = process.argv.slice(2);
let buf = '';
createReadStream(fifo, { encoding: 'utf8' }).on('data', (d) => {
  buf += d;
  let nl;
  while ((nl = buf.indexOf('\\n')) >= 0) { appendFileSync(out, buf.slice(0, nl + 1)); buf = buf.slice(nl + 1); }
});
`;

function syncConf(name: string, priority: number, dir = ''): string {
  const inst = (n: string, ifname: string, vrid: number, vip: string) => `vrrp_instance ${n} {
    state BACKUP
    interface ${ifname}
    virtual_router_id ${vrid}
    version 3
    priority ${priority}
    advert_int 0.2
    virtual_ipaddress {
        ${vip}/24 dev ${ifname}
    }
}
`;
  const fifo = dir === '' ? '' : `
    vrrp_notify_fifo ${join(dir, `${name}.fifo`)}
    vrrp_notify_fifo_script "${process.execPath} ${join(dir, 'fifo-reader.mjs')} ${join(dir, `${name}.lines`)}"`;
  return `global_defs {
    router_id ${name}${fifo}
}
vrrp_sync_group G1 {
    group {
        VI_A
        VI_B
    }
}
${inst('VI_A', 'eth0', 71, '10.71.0.100')}${inst('VI_B', 'eth1', 72, '10.72.0.100')}`;
}

test('a sync group of two instances on two interfaces fails over together when one link goes down', { skip: labUnavailable(), timeout: 90_000 }, async () => {
  const lab = await Lab.create();
  const nodes: KtsNode[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'kts-sync-'));
  try {
    writeFileSync(join(dir, 'fifo-reader.mjs'), FIFO_READER);
    const r1 = await lab.addHost('r1', { addrs: ['10.71.0.1/24'] });
    const r2 = await lab.addHost('r2', { addrs: ['10.71.0.2/24'] });
    await lab.plug(r1, { ifname: 'eth1', addrs: ['10.72.0.1/24'] });
    await lab.plug(r2, { ifname: 'eth1', addrs: ['10.72.0.2/24'] });
    // r1's FIFO does not exist: the daemon creates it, its script reads it.
    const a = new KtsNode(r1, syncConf('r1', 150, dir));
    const b = new KtsNode(r2, syncConf('r2', 100));
    nodes.push(a, b);
    a.start();
    b.start();
    const both = async (ns: Netns) => (await hasVip(ns, '10.71.0.100', 'eth0')) && (await hasVip(ns, '10.72.0.100', 'eth1'));
    await waitFor('r1 to hold both VIPs', () => both(r1), 20_000);
    assert.equal(await hasVip(r2, '10.71.0.100', 'eth0'), false);

    // eth1 on r1 loses its link: VI_B faults, the group takes VI_A with it; r2 takes both.
    const from = a.output.length;
    await lab.setPort(r1, false, 'eth1');
    await a.waitForLine(/\(VI_B\) Entering FAULT STATE/, 10_000, from);
    await a.waitForLine(/VRRP_Group\(G1\) Syncing instances to FAULT state/, 10_000, from);
    await waitFor('r2 to hold both VIPs', () => both(r2), 10_000);
    assert.equal(await hasVip(r1, '10.71.0.100', 'eth0'), false, 'the group member on the healthy link must leave MASTER too');

    // The link comes back: r1 leaves FAULT and, higher priority, takes both back.
    await lab.setPort(r1, true, 'eth1');
    await waitFor('r1 to hold both VIPs again', () => both(r1), 20_000);

    // The FIFO lines, through the FIFO script: instances and the group, in order per source.
    const lines = () => readLines(join(dir, 'r1.lines'));
    const want = ['INSTANCE "VI_A" MASTER 150', 'INSTANCE "VI_B" MASTER 150', 'GROUP "G1" MASTER 0', 'INSTANCE "VI_B" FAULT 150', 'INSTANCE "VI_A" FAULT 150', 'GROUP "G1" FAULT 0'];
    await waitFor('the FIFO lines', () => want.every((w) => lines().includes(w)) && lines().filter((l) => l.includes('MASTER')).length >= 6, 10_000);
    const l = lines();
    const at = (x: string, from = 0) => l.indexOf(x, from);
    assert.ok(at('GROUP "G1" MASTER 0') < at('GROUP "G1" FAULT 0'), l.join('\n'));
    assert.ok(at('INSTANCE "VI_B" FAULT 150') < at('INSTANCE "VI_A" FAULT 150'), l.join('\n'));
    assert.ok(at('GROUP "G1" MASTER 0', at('GROUP "G1" FAULT 0')) > 0, `the group is MASTER again:\n${l.join('\n')}`);
    assert.ok(existsSync(join(dir, 'r1.fifo')));
    a.signal('SIGTERM');
    assert.equal(await a.exit, 0);
    assert.equal(existsSync(join(dir, 'r1.fifo')), false, 'the FIFO the daemon created is removed at stop');
  } finally {
    for (const n of nodes) await n.cleanup();
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
