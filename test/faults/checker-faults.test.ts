// Faults of the checker process (issue #10): the VRRP segment of ./segment.ts (r1 150, r2 100,
// r3 50, IPv4 VRRPv2), where the master r1 also load-balances its VIP to three real HTTP
// servers in namespaces of their own (virtual_server, NAT, nftables data plane), and a client
// requests the VIP in a loop. The checker child is killed or stalled; what must hold:
// - the parent respawns a killed checker, and the nftables table keeps serving throughout
//   (the client sees no failed request);
// - VRRP is not disturbed: no transition anywhere, r1 holds the VIP alone in every sample, and
//   r1's adverts on the wire (tcpdump on the bridge) never pause longer than the master-down
//   interval (a slow checker never delays an advert: they are separate processes);
// - a real server that fails while the checker is stopped is taken out once it resumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import {
  AdvertCapture, IPV4_V2, MASTER_DOWN_MS, ROUTERS, assertRunning, longestSilenceMs, sleep, waitForRespawn, withSegment, type Segment,
} from './segment.js';

const skip = labUnavailable(['nft', 'tcpdump']);
const opts = { skip, timeout: 120_000 };
const VIP = IPV4_V2.vip;
const CLIENT = join(import.meta.dirname, 'fixtures', 'http-loop.js');
const RS = ['rs1', 'rs2', 'rs3'] as const;
type Rs = (typeof RS)[number];
const rsAddr = (i: number): string => `10.71.2.${11 + i}`;
/** The real servers: a tiny HTTP server answering its name on 8080, a new connection each. */
const SERVER = `require('http').createServer((q,r)=>{r.setHeader('connection','close');r.end(process.env.NAME)}).listen(8080,'0.0.0.0',()=>console.log('listening'))`;

const CHECK = 'connect_timeout 1\n            retry 1\n            delay_before_retry 1';
const VIRTUAL_SERVER = `virtual_server ${VIP} 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
${RS.map((_, i) => `    real_server ${rsAddr(i)} 8080 {
        weight 1
        ${i === 0 ? `HTTP_GET {\n            url {\n                path /\n                status_code 200\n            }\n            ${CHECK}\n        }` : `TCP_CHECK {\n            ${CHECK}\n        }`}
    }
`).join('')}}
`;

interface LvsSegment extends Segment {
  rs: Record<Rs, Netns>;
  servers: Partial<Record<Rs, ChildProcess>>;
  client: Netns;
}

async function startServer(l: { rs: Record<Rs, Netns>; servers: Partial<Record<Rs, ChildProcess>> }, name: Rs): Promise<void> {
  const p = l.rs[name].spawn(process.execPath, ['-e', SERVER], { env: { ...process.env, NAME: name }, stdio: ['ignore', 'pipe', 'ignore'] });
  l.servers[name] = p;
  await new Promise<void>((ok) => p.stdout?.once('data', () => ok()));
}

async function stopServer(l: LvsSegment, name: Rs): Promise<void> {
  const p = l.servers[name];
  if (!p) return;
  const gone = new Promise<void>((ok) => p.once('exit', () => ok()));
  p.kill('SIGKILL');
  await gone;
  delete l.servers[name];
}

/**
 * The segment with r1 load-balancing (a second subnet 10.71.2.0/24 on the same bridge for the
 * real servers, which route back through r1), the real servers answering, and a client host.
 */
async function withLvsSegment(fn: (l: LvsSegment) => Promise<void>): Promise<void> {
  const rs = {} as Record<Rs, Netns>;
  const servers: Partial<Record<Rs, ChildProcess>> = {};
  await withSegment(IPV4_V2, async (s) => {
    const client = await s.lab.addHost('cli', { addrs: ['10.71.0.10/24'] });
    const l: LvsSegment = { ...s, rs, servers, client };
    await waitFor('the checker child to program nftables with every real server', async () => {
      const t = await table(l);
      return RS.every((_, i) => t.includes(rsAddr(i)));
    }, 20_000);
    await fn(l);
  }, {
    globals: (r) => (r === 'r1' ? '    lvs_backend nftables\n' : ''),
    extra: (r) => (r === 'r1' ? VIRTUAL_SERVER : ''),
    addrs: (r) => (r === 'r1' ? ['10.71.2.1/24'] : []),
    prepare: async (lab, ns) => {
      for (const k of ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.eth0.send_redirects=0']) await ns.r1.run('sysctl', ['-qw', k]);
      for (const [i, name] of RS.entries()) {
        rs[name] = await lab.addHost(name, { addrs: [`${rsAddr(i)}/24`] });
        await rs[name].ip('route', 'add', 'default', 'via', '10.71.2.1');
        await startServer({ rs, servers }, name);
      }
    },
  });
}

const table = async (l: Segment): Promise<string> => (await l.ns.r1.exec('nft', ['list', 'table', 'inet', 'keepalived_ts'])).stdout;
/** The real servers the data plane sends new connections to (as in lvs-nftables tests). */
const servedBy = async (l: Segment): Promise<string[]> => [...new Set([...(await table(l)).matchAll(/(10\.71\.2\.\d+)(?::| \. )8080/g)].map((m) => m[1]!))].sort();

interface ClientReport { answers: Record<string, number>; failures: Array<{ at: number; error: string }> }

/** The client's request loop, from start to stop(). */
class RequestLoop {
  private out = '';
  private readonly proc: ChildProcess;
  private readonly exited: Promise<void>;

  private constructor(ns: Netns) {
    this.proc = ns.spawn(process.execPath, [CLIENT, `http://${VIP}/`], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout?.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.proc.stderr?.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.exited = new Promise((r) => this.proc.once('exit', () => r()));
  }

  static async start(ns: Netns): Promise<RequestLoop> {
    const c = new RequestLoop(ns);
    await waitFor('the client to start', () => c.out.includes('started'), 10_000);
    return c;
  }

  async stop(): Promise<ClientReport> {
    this.proc.kill('SIGTERM');
    await this.exited;
    const line = this.out.split('\n').find((x) => x.startsWith('{'));
    assert.ok(line, `the client printed no report:\n${this.out}`);
    return JSON.parse(line) as ClientReport;
  }
}

/** What a test watches while it runs a checker fault: the VRRP logs so far and r1's adverts. */
interface VrrpBaseline { logs: Record<string, number>; capture: AdvertCapture; r1Mac: string; from: number }

async function vrrpBaseline(l: LvsSegment): Promise<VrrpBaseline> {
  const logs = Object.fromEntries(ROUTERS.map((r) => [r, l.node[r].output.length]));
  return { logs, capture: await AdvertCapture.start(l), r1Mac: await l.ns.r1.mac('eth0'), from: Date.now() / 1000 };
}

/** VRRP did not notice the checker fault: no transition, r1 alone held the VIP, its adverts kept coming. */
async function assertVrrpUndisturbed(l: LvsSegment, b: VrrpBaseline, what: string): Promise<void> {
  const to = Date.now() / 1000;
  const adverts = (await b.capture.stop()).get(b.r1Mac) ?? [];
  await l.watch.stop();
  for (const r of ROUTERS) {
    const since = l.node[r].output.slice(b.logs[r]);
    assert.ok(!/Entering \w+ STATE/.test(since), `${what}: ${r} changed VRRP state:\n${since.slice(-2000)}`);
  }
  assert.ok(l.watch.samples.length >= 20, `only ${l.watch.samples.length} samples of the VIP`);
  assert.ok(l.watch.heldAloneBy('r1'), `${what}: r1 must hold the VIP alone throughout:\n${l.watch.summary()}`);
  const silence = longestSilenceMs(adverts, b.from, to);
  console.log(`# ${what}: ${adverts.length} adverts from r1 in ${Math.round(to - b.from)} s, longest pause ${silence} ms`);
  assert.ok(adverts.length >= (to - b.from) / 2, `${what}: r1 sent only ${adverts.length} adverts in ${Math.round(to - b.from)} s`);
  assert.ok(silence < MASTER_DOWN_MS, `${what}: r1's adverts paused for ${silence} ms on the wire (master-down interval ${MASTER_DOWN_MS} ms)`);
}

function assertServedWithoutFailure(report: ClientReport, what: string, expected: readonly Rs[]): void {
  assert.deepEqual(report.failures, [], `${what}: requests to the VIP failed`);
  assert.deepEqual(Object.keys(report.answers).sort(), [...expected], `${what}: the VIP must be answered by ${expected.join(', ')}: ${JSON.stringify(report.answers)}`);
  console.log(`# ${what}: ${Object.values(report.answers).reduce((a, b) => a + b, 0)} requests answered, none failed (${JSON.stringify(report.answers)})`);
}

/** The nftables log line of a checker start (each checker child says it once). */
const starts = (l: Segment): number => l.node.r1.output.split('Using nftables table').length - 1;

test('killing the checker process: the parent respawns it, the VIP keeps being served, VRRP does not notice', opts, () => withLvsSegment(async (l) => {
  const b = await vrrpBaseline(l);
  const client = await RequestLoop.start(l.client);
  await sleep(2_000);
  const before = l.node.r1.pid('checker');
  const started = starts(l);
  assert.ok(before !== undefined);
  process.kill(before, 'SIGKILL');
  await waitForRespawn(l.node.r1, 'checker', before);
  await waitFor('the new checker to adopt the table', () => starts(l) > started, 20_000);
  await sleep(3_000);
  const report = await client.stop();
  await assertVrrpUndisturbed(l, b, 'checker killed');
  assertServedWithoutFailure(report, 'checker killed', RS);
  assert.deepEqual(await servedBy(l), RS.map((_, i) => rsAddr(i)));
  assertRunning(l, ROUTERS, ['parent', 'vrrp']);
  assertRunning(l, ['r1'], ['checker']);
}));

test('stalling the checker process for 3 s (SIGSTOP, SIGCONT): the VIP keeps being served, r1\'s adverts keep their interval', opts, () => withLvsSegment(async (l) => {
  const b = await vrrpBaseline(l);
  const client = await RequestLoop.start(l.client);
  await sleep(2_000);
  const pid = l.node.r1.pid('checker');
  assert.ok(pid !== undefined);
  process.kill(pid, 'SIGSTOP');
  await sleep(3_000);
  process.kill(pid, 'SIGCONT');
  await sleep(3_000);
  const report = await client.stop();
  await assertVrrpUndisturbed(l, b, 'checker stalled');
  assertServedWithoutFailure(report, 'checker stalled', RS);
  assertRunning(l, ROUTERS, ['parent', 'vrrp']);
  assertRunning(l, ['r1'], ['checker']);
}));

test('a real server fails while the checker is stalled: it is taken out once the checker resumes', opts, () => withLvsSegment(async (l) => {
  const b = await vrrpBaseline(l);
  const pid = l.node.r1.pid('checker');
  assert.ok(pid !== undefined);
  process.kill(pid, 'SIGSTOP');
  await stopServer(l, 'rs2');
  await sleep(3_000);
  // Nobody could have noticed: the stalled checker is the only one who looks.
  assert.ok((await servedBy(l)).includes(rsAddr(1)), 'rs2 left the table while the checker was stopped');
  process.kill(pid, 'SIGCONT');
  await waitFor('rs2 to leave the nftables table', async () => !(await servedBy(l)).includes(rsAddr(1)), 20_000);
  await l.node.r1.waitForLine(/Removing service \[10\.71\.2\.12\]:tcp:8080 from VS \[10\.71\.0\.100\]:tcp:80/, 5_000);
  const client = await RequestLoop.start(l.client);
  await sleep(2_000);
  const report = await client.stop();
  await assertVrrpUndisturbed(l, b, 'real server failed under a stalled checker');
  assertServedWithoutFailure(report, 'after rs2 was taken out', ['rs1', 'rs3']);
  assertRunning(l, ROUTERS, ['parent', 'vrrp']);
  assertRunning(l, ['r1'], ['checker']);
}));
