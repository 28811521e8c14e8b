// keepalivectl against the real services: two `keepalived-ts -n -l -f CONF` daemons in
// namespaces elect a master; r1 also health-checks a real server (TCP_CHECK, nftables data
// plane). What `keepalivectl status --json` and the text status say must match the network:
// the master holds the VIP, the backup names it as master, a killed real server goes DOWN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Lab, labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import { KtsNode } from '../lib/kts-node.js';
import { ROOT } from '../lib/daemon.js';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { chromium, type Browser } from 'playwright-core';
import { tcpCheckedVirtualServer } from '../lib/conf-text.js';

/** GET inside a namespace (the listener is bound to a namespace address). */
async function httpGet(ns: Netns, url: string): Promise<string> {
  const r = await ns.exec(process.execPath, ['-e', `fetch(${JSON.stringify(url)}).then(async (r) => { if (!r.ok) process.exit(1); process.stdout.write(await r.text()); })`]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** The value of one sample line of a Prometheus text exposition. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    const have = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Headless Debian chromium running inside a namespace (a wrapper execs it there). */
async function browserIn(ns: Netns, dir: string): Promise<Browser> {
  const wrapper = join(dir, 'chromium-in-ns');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns.name} /usr/bin/chromium "$@"\n`);
  chmodSync(wrapper, 0o755);
  return chromium.launch({
    executablePath: wrapper,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    // Playwright gives every launch a new, empty --user-data-dir of its own.
  });
}

const CTL = join(ROOT, 'bin', 'keepalivectl');
const VIP = '10.67.0.100';
const RS = '10.67.0.3';

function conf(name: string, priority: number, vs: boolean, http: string, peer: string): string {
  return `bfd_instance B {
    neighbor_ip ${peer}
    source_ip ${http}
    min_rx 100
    min_tx 100
}
global_defs {
    router_id ${name}
    lvs_backend nftables
    status_http ${http}:9650
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 67
    version 3
    priority ${priority}
    advert_int 0.2
    virtual_ipaddress {
        ${VIP}/24
    }
}
${vs ? tcpCheckedVirtualServer(VIP, RS) : ''}`;
}

interface Status {
  version: number;
  errors: Record<string, string>;
  vrrp: { name: string; state: string; priority: number; effectivePriority: number; masterAddress: string; vips: string[]; vipsInstalled: boolean; counters: { advertSent: number; advertRcvd: number; becomeMaster: number }; lastTransition?: { to: string; reason: string } }[];
  virtualServers: { name: string; realServers: { address: string; port: number; weight: number; up: boolean; lastCheck?: { ok: boolean; latencyMs: number; detail?: string } }[] }[];
}

function ctl(node: KtsNode, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CTL, '--pid', node.pidFile('parent'), ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function status(node: KtsNode): Status {
  const r = ctl(node, 'status', '--json');
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as Status;
}

const SERVER = "require('net').createServer((c)=>c.end()).listen(8080,'0.0.0.0',()=>console.log('listening'))";

test('keepalivectl on real daemons: master, backup, VIPs, counters, a real server going down', { skip: labUnavailable(['nft']), timeout: 90_000 }, async () => {
  const lab = await Lab.create();
  const nodes: KtsNode[] = [];
  let server: ChildProcess | undefined;
  const browsers: string[] = [];
  const openBrowsers: Browser[] = [];
  try {
    const r1 = await lab.addHost('r1', { addrs: ['10.67.0.1/24'] });
    const r2 = await lab.addHost('r2', { addrs: ['10.67.0.2/24'] });
    const rs: Netns = await lab.addHost('rs', { addrs: [`${RS}/24`] });
    server = rs.spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'ignore'] });
    const a = new KtsNode(r1, conf('r1', 150, true, '10.67.0.1', '10.67.0.2'));
    const b = new KtsNode(r2, conf('r2', 100, false, '10.67.0.2', '10.67.0.1'));
    nodes.push(a, b);
    a.start();
    b.start();
    await a.waitForLine(/\(VI_1\) Entering MASTER STATE/, 20_000);
    await b.waitForLine(/\(VI_1\) Entering BACKUP STATE/, 20_000);

    const sa = status(a);
    assert.equal(sa.version, 1);
    assert.deepEqual(sa.errors, {});
    const ia = sa.vrrp[0];
    assert.ok(ia);
    assert.equal(ia.state, 'MASTER');
    assert.equal(ia.priority, 150);
    assert.equal(ia.effectivePriority, 150);
    assert.deepEqual(ia.vips, [`${VIP}/24`]);
    assert.equal(ia.vipsInstalled, true);
    assert.equal(ia.masterAddress, '10.67.0.1');
    assert.equal(ia.counters.becomeMaster, 1);
    assert.ok(ia.counters.advertSent > 0);
    assert.equal(ia.lastTransition?.to, 'MASTER');
    assert.ok((await r1.addresses('eth0')).includes(`${VIP}/24`), 'status agrees with the interface');

    await waitFor('r2 to receive adverts', () => ((status(b).vrrp[0]?.counters.advertRcvd ?? 0) > 0 ? true : undefined), 10_000);
    const ib = status(b).vrrp[0];
    assert.equal(ib?.state, 'BACKUP');
    assert.equal(ib?.masterAddress, '10.67.0.1', 'the backup names the master');
    assert.equal(ib?.vipsInstalled, false);
    assert.equal(ib?.lastTransition?.to, 'BACKUP');

    const up = await waitFor('the real server checked up', () => {
      const r = status(a).virtualServers[0]?.realServers[0];
      return r?.up && r.lastCheck?.ok ? r : undefined;
    }, 20_000);
    assert.equal(up.address, RS);
    assert.equal(up.port, 8080);
    assert.equal(up.weight, 3);
    assert.ok((up.lastCheck?.latencyMs ?? -1) >= 0);

    const text = ctl(a, 'status');
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /^VI_1\s+eth0\s+67\s+MASTER\s+150\s+150\s+10\.67\.0\.1\s+10\.67\.0\.100\/24\s/m);
    assert.match(text.out, new RegExp(`^ {2}${RS.replace(/\./g, '\\.')}:8080\\s+3\\s+UP\\s`, 'm'));

    // /metrics: the gauges carry the values the status has.
    const metrics = await httpGet(r1, 'http://10.67.0.1:9650/metrics');
    const l = { instance: 'VI_1', interface: 'eth0', vrid: '67' };
    assert.equal(sample(metrics, 'keepalived_ts_vrrp_state', { ...l, state: 'MASTER' }), 1);
    assert.equal(sample(metrics, 'keepalived_ts_vrrp_state', { ...l, state: 'BACKUP' }), 0);
    assert.equal(sample(metrics, 'keepalived_ts_vrrp_state_code', l), 2);
    assert.equal(sample(metrics, 'keepalived_ts_vrrp_priority', l), 150);
    assert.equal(sample(metrics, 'keepalived_ts_vrrp_effective_priority', l), 150);
    assert.equal(sample(metrics, 'keepalived_ts_vrrp_become_master_total', l), 1);
    assert.ok((sample(metrics, 'keepalived_ts_vrrp_adverts_sent_total', l) ?? 0) > 0);
    assert.equal(sample(metrics, 'keepalived_ts_vrrp_receive_errors_total', { ...l, error: 'auth_failure' }), 0);
    const rsl = { virtual_server: `[${VIP}]:tcp:80`, real_server: `${RS}:8080` };
    assert.equal(sample(metrics, 'keepalived_ts_real_server_up', rsl), 1, metrics);
    assert.equal(sample(metrics, 'keepalived_ts_real_server_weight', rsl), 3);
    assert.ok((sample(metrics, 'keepalived_ts_real_server_check_latency_seconds', rsl) ?? -1) >= 0);
    const json = JSON.parse(await httpGet(r1, 'http://10.67.0.1:9650/status.json')) as Status;
    assert.equal(json.vrrp[0]?.state, 'MASTER');

    // The live page in a real browser: master and real server up, then the server goes down.
    const tmp = mkdtempSync(join(tmpdir(), 'kts-chromium-'));
    browsers.push(tmp);
    const browser1 = await browserIn(r1, tmp);
    openBrowsers.push(browser1);
    const page1 = await browser1.newPage();
    await page1.goto('http://10.67.0.1:9650/');
    await page1.waitForSelector('tr[data-instance="VI_1"] .state .MASTER', { timeout: 5_000 });
    const rsRow = `tr[data-rs="[${VIP}]:tcp:80 ${RS}:8080"]`;
    await page1.waitForSelector(`${rsRow} .state .UP`, { timeout: 5_000 });
    assert.match(await page1.textContent('tr[data-instance="VI_1"] .master') ?? '', /10\.67\.0\.1/);
    // The BFD session between the two routers, on its own table.
    await page1.waitForSelector('tr[data-bfd="B"] .state .Up', { timeout: 10_000 });

    server.kill('SIGKILL');
    await waitFor('the daemon to see the real server down', () => (status(a).virtualServers[0]?.realServers[0]?.up === false ? true : undefined), 20_000);
    // The page polls every second: it must show the change within 2 s of the daemon knowing it.
    await page1.waitForSelector(`${rsRow} .state .DOWN`, { timeout: 2_000 });
    const down = await waitFor('the real server checked down', () => {
      const r = status(a).virtualServers[0]?.realServers[0];
      return r && !r.up ? r : undefined;
    }, 20_000);
    assert.equal(down.lastCheck?.ok, false);
    assert.match(down.lastCheck?.detail ?? '', /\S/, 'the failure says why');
    assert.match(ctl(a, 'status').out, new RegExp(`^ {2}${RS.replace(/\./g, '\\.')}:8080\\s+3\\s+DOWN\\s`, 'm'));
    const m2 = await httpGet(r1, 'http://10.67.0.1:9650/metrics');
    assert.equal(sample(m2, 'keepalived_ts_real_server_up', rsl), 0);

    // A new master on r2's page: r1 stops, r2 takes over.
    const browser2 = await browserIn(r2, tmp);
    openBrowsers.push(browser2);
    const page2 = await browser2.newPage();
    await page2.goto('http://10.67.0.2:9650/');
    await page2.waitForSelector('tr[data-instance="VI_1"] .state .BACKUP', { timeout: 5_000 });
    a.signal('SIGTERM');
    await waitFor('r2 to become master', () => (status(b).vrrp[0]?.state === 'MASTER' ? true : undefined), 20_000);
    await page2.waitForSelector('tr[data-instance="VI_1"] .state .MASTER', { timeout: 2_000 });
    // r1's BFD went quiet with it: r2's session times out (5 x 100 ms) and its page says so.
    await page2.waitForSelector('tr[data-bfd="B"] .state .Down', { timeout: 5_000 });
    assert.match(await page2.textContent('tr[data-instance="VI_1"] .master') ?? '', /10\.67\.0\.2/);
  } finally {
    for (const br of openBrowsers) await br.close().catch(() => undefined);
    for (const d of browsers) rmSync(d, { recursive: true, force: true });
    server?.kill('SIGKILL');
    for (const n of nodes) await n.cleanup();
    await lab.cleanup();
  }
});
