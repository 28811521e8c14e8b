// The nftables data plane with real traffic: a client, a load balancer running our backend
// (over nfnetlink, in its own namespace) and three real servers (tiny HTTP servers of this
// test). Real servers sit in another subnet routed through the load balancer, as NAT needs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { Lab, labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import { materialize, NO_SCHEDULER_FLAGS, type HealthMap, type RealServerSpec, type VirtualServerSpec } from '../../src/lvs/desired.js';

const skip = labUnavailable(['nft']);
const root = process.env.KTS_ROOT ?? join(import.meta.dirname, '..', '..', '..');
const VIP = '10.9.100.1';

const SERVER = `const http=require('http');http.createServer((q,r)=>{r.setHeader('connection','close');r.end(process.env.NAME)}).listen(8080,'::',()=>console.log('listening'))`;
const CLIENT = `const http=require('http');const [,url,n]=process.argv;const c={};
(async()=>{for(let i=0;i<+n;i++){const b=await new Promise((ok,ko)=>{http.get(url,{agent:false},(r)=>{let d='';r.on('data',x=>d+=x);r.on('end',()=>ok(d))}).on('error',ko)});c[b]=(c[b]||0)+1}console.log(JSON.stringify(c))})().catch(e=>{console.log(JSON.stringify({error:String(e)}));process.exit(1)})`;

let lab: Lab;
let client: Netns;
let lb: Netns;
let applier: ChildProcess;
let replies: AsyncIterator<string>;

function rs(address: string, weight: number, extra: Partial<RealServerSpec> = {}): RealServerSpec {
  return { family: 'inet', address, port: 8080, weight, forwarding: { method: 'nat' }, upperThreshold: 0, lowerThreshold: 0, inhibitOnFailure: false, alpha: false, ...extra };
}

const web: VirtualServerSpec = {
  name: 'web',
  services: [{ kind: 'addr', family: 'inet', protocol: 'tcp', address: VIP, port: 80 }],
  scheduler: 'wrr',
  schedulerFlags: NO_SCHEDULER_FLAGS,
  onePacket: false,
  realServers: [rs('10.9.2.11', 1), rs('10.9.2.12', 2, { inhibitOnFailure: true }), rs('10.9.2.13', 3)],
  quorum: 1,
  hysteresis: 0,
};
const sticky: VirtualServerSpec = { ...web, name: 'sticky', services: [{ kind: 'addr', family: 'inet', protocol: 'tcp', address: VIP, port: 81 }], scheduler: 'rr', persistence: { timeout: 300, prefixLength: 32 }, realServers: [rs('10.9.2.11', 1), rs('10.9.2.12', 1), rs('10.9.2.13', 1)] };
const sorry: VirtualServerSpec = {
  ...web,
  name: 'sorry',
  services: [{ kind: 'addr', family: 'inet', protocol: 'tcp', address: VIP, port: 82 }],
  realServers: [rs('10.9.2.11', 1), rs('10.9.2.12', 1)],
  sorryServer: { family: 'inet', address: '10.9.2.13', port: 8080, forwarding: { method: 'nat' }, inhibit: false },
};

const VIP6 = 'fd09:100::1';
const rs6 = (address: string, weight: number): RealServerSpec => ({ ...rs(address, weight), family: 'inet6' });
const web6: VirtualServerSpec = { ...web, name: 'web6', services: [{ kind: 'addr', family: 'inet6', protocol: 'tcp', address: VIP6, port: 80 }], realServers: [rs6('fd09:2::11', 1), rs6('fd09:2::12', 2), rs6('fd09:2::13', 3)] };

async function sync(health: HealthMap = new Map()): Promise<{ ok: boolean; ops?: string[]; error?: string }> {
  applier.stdin!.write(JSON.stringify({ sync: materialize([web, sticky, sorry, web6], health, new Map()) }) + '\n');
  const r = await replies.next();
  return JSON.parse(String(r.value)) as { ok: boolean; ops?: string[]; error?: string };
}

async function requests(port: number, n: number, vip = VIP): Promise<Record<string, number>> {
  const host = vip.includes(':') ? `[${vip}]` : vip;
  const r = await client.exec('node', ['-e', CLIENT, `http://${host}:${port}/`, String(n)], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `client failed: ${r.stdout} ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, number>;
}

before(async () => {
  if (skip) return;
  lab = await Lab.create();
  client = await lab.addHost('cli', { addrs: ['10.9.1.10/24', 'fd09:1::10/64'] });
  lb = await lab.addHost('lb', { addrs: ['10.9.1.1/24', '10.9.2.1/24', 'fd09:1::1/64', 'fd09:2::1/64'] });
  await client.ip('route', 'add', '10.9.100.0/24', 'via', '10.9.1.1');
  await client.ip('-6', 'route', 'add', 'fd09:100::/64', 'via', 'fd09:1::1');
  for (const k of ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.eth0.send_redirects=0', 'net.ipv6.conf.all.forwarding=1']) await lb.run('sysctl', ['-qw', k]);
  for (const [i, name] of ['rs1', 'rs2', 'rs3'].entries()) {
    const ns = await lab.addHost(name, { addrs: [`10.9.2.${11 + i}/24`, `fd09:2::${11 + i}/64`] });
    await ns.ip('route', 'add', 'default', 'via', '10.9.2.1');
    await ns.ip('-6', 'route', 'add', 'default', 'via', 'fd09:2::1');
    const p = ns.spawn('node', ['-e', SERVER], { env: { ...process.env, NAME: name } });
    await new Promise<void>((ok) => p.stdout!.once('data', () => ok()));
  }
  applier = lb.spawn('node', [join(root, 'dist/test/integration/fixtures/nft-apply.js')]);
  replies = createInterface({ input: applier.stdout! })[Symbol.asyncIterator]();
  const ready = await replies.next();
  assert.match(String(ready.value), /ready/);
});

after(async () => {
  await lab?.cleanup();
});

test('connections to the VIP reach every real server in the ratio of their weights', { skip }, async () => {
  const r = await sync();
  assert.equal(r.ok, true, r.error);
  assert.deepEqual(await requests(80, 60), { rs1: 10, rs2: 20, rs3: 30 });
  const list = await lb.run('nft', ['list', 'ruleset']);
  assert.match(list, /table inet keepalived_ts/);
  assert.match(list, /dnat ip to 10\.9\.2\.12:8080/);
});

test('IPv6: connections to the VIP6 reach every real server in the ratio of their weights', { skip }, async () => {
  assert.deepEqual(await requests(80, 12, VIP6), { rs1: 2, rs2: 4, rs3: 6 });
});

test('a real server marked down gets no new connections; the others share its load', { skip }, async () => {
  const down: HealthMap = new Map([['web', new Map([['10.9.2.12:8080', false]])]]);
  const r = await sync(down);
  assert.deepEqual(r.ops, ['set destination [10.9.2.12]:8080 weight 0 in tcp [10.9.100.1]:80']);
  assert.deepEqual(await requests(80, 40), { rs1: 10, rs3: 30 });
  await sync();
  const back = await requests(80, 60);
  assert.deepEqual(back, { rs1: 10, rs2: 20, rs3: 30 });
});

test('persistence keeps a client on one real server', { skip }, async () => {
  const counts = await requests(81, 12);
  assert.equal(Object.keys(counts).length, 1, JSON.stringify(counts));
  assert.equal(Object.values(counts)[0], 12);
});

test('with every real server down the sorry server answers', { skip }, async () => {
  const allDown: HealthMap = new Map([['sorry', new Map([['10.9.2.11:8080', false], ['10.9.2.12:8080', false]])]]);
  await sync(allDown);
  assert.deepEqual(await requests(82, 5), { rs3: 5 });
  await sync();
  const up = await requests(82, 10);
  assert.deepEqual(up, { rs1: 5, rs2: 5 });
});

const ruleset = async (): Promise<string> => (await lb.run('nft', ['list', 'ruleset'])).replace(/ expires \S+/g, '');

test('what nftables cannot do is refused, naming the option, and nothing changes', { skip }, async () => {
  const before = await ruleset();
  applier.stdin!.write(JSON.stringify({ sync: materialize([{ ...web, scheduler: 'wlc', realServers: [rs('10.9.2.11', 1, { forwarding: { method: 'dr' } })] }], new Map(), new Map()) }) + '\n');
  const r = JSON.parse(String((await replies.next()).value)) as { ok: boolean; error?: string };
  assert.equal(r.ok, false);
  assert.match(r.error ?? '', /lb_algo wlc is not possible with lvs_backend nftables/);
  assert.match(r.error ?? '', /lb_kind DR is not possible with lvs_backend nftables/);
  assert.equal(await ruleset(), before);
});

test('stop removes the table', { skip }, async () => {
  applier.stdin!.write(JSON.stringify({ stop: true }) + '\n');
  assert.deepEqual(JSON.parse(String((await replies.next()).value)), { ok: true });
  await waitFor('table gone', async () => !(await lb.run('nft', ['list', 'tables'])).includes('keepalived_ts'));
});
