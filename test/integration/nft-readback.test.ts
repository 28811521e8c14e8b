// Reading our nftables table back from the kernel: the backend lists it over nfnetlink,
// compares it object by object with what the configuration asks for and repairs only what
// differs, in one transaction. Asserted through `nft -a list table` (rule handles show what
// was rewritten and what was left alone) in a namespace of this test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { Lab, labUnavailable, type Netns } from '../lib/netns.js';
import type { ServiceEntry } from '../../src/lvs/desired.js';
import { svc, tcp } from '../unit/lvs/fixtures.js';

const skip = labUnavailable(['nft']);
const root = process.env.KTS_ROOT ?? join(import.meta.dirname, '..', '..', '..');
const T = 'kts_readback';

let lab: Lab;
let lb: Netns;
let proc: ChildProcess;
let replies: AsyncIterator<string>;

const web = svc(tcp('10.0.0.1', 80), [['10.1.0.1', 8080, 1], ['10.1.0.2', 8080, 2]], { scheduler: 'wrr' });
const sticky = svc(tcp('10.0.0.1', 443), [['10.1.0.1', 8443, 1], ['10.1.0.2', 8443, 1]], { scheduler: 'rr', persistence: { timeout: 300, prefixLength: 32 } });
const v6 = svc(tcp('fd00::1', 80), [['fd01::1', 8080, 1]], { scheduler: 'sh' });
const mark = svc({ kind: 'fwmark', family: 'inet', fwmark: 7 }, [['10.1.0.3', 0, 1]], { scheduler: 'rr' });
const all = [web, sticky, v6, mark];

interface Reply { ok: boolean; kept: string[]; replaced: string[]; removed: string[]; rewrite: string | null; messages: number; error?: string }

async function converge(services: ServiceEntry[]): Promise<Reply> {
  proc.stdin!.write(JSON.stringify({ converge: services }) + '\n');
  const r = JSON.parse(String((await replies.next()).value)) as Reply;
  assert.ok(r.ok, r.error);
  return r;
}

const list = (): Promise<string> => lb.run('nft', ['-a', 'list', 'table', 'inet', T]);
/** Every "# handle N" of the listing with the line it ends, so a rewrite shows as new handles. */
const handles = async (): Promise<string[]> => (await list()).split('\n').filter((l) => /# handle \d+/.test(l)).map((l) => l.trim());
/** The rule lines of one chain (with handles). */
async function chainRules(chain: string): Promise<string[]> {
  const text = await lb.run('nft', ['-a', 'list', 'chain', 'inet', T, chain]);
  return text.split('\n').map((l) => l.trim()).filter((l) => /# handle \d+$/.test(l) && !l.startsWith('chain '));
}

before(async () => {
  if (skip) return;
  lab = await Lab.create();
  lb = await lab.addHost('lb', { addrs: ['10.9.1.1/24'] });
  proc = lb.spawn(process.execPath, [join(root, 'dist/test/integration/fixtures/nft-converge.js'), T]);
  replies = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  assert.deepEqual(JSON.parse(String((await replies.next()).value)), { ready: true });
});

after(async () => {
  proc?.kill();
  await lab?.cleanup();
});

test('without a table the whole table is written; a second look finds everything as desired and changes nothing', { skip }, async () => {
  const first = await converge(all);
  assert.match(first.rewrite ?? '', /there is no table inet kts_readback/);
  const before = await handles();
  assert.ok(before.some((l) => l.startsWith('dnat ip to numgen inc mod 120 map @rs_tcp_10.0.0.1_80')), before.join('\n'));
  const again = await converge(all);
  assert.deepEqual(again, { ok: true, kept: ['tcp [10.0.0.1]:80', 'tcp [10.0.0.1]:443', 'tcp [fd00::1]:80', 'fwmark 7 inet'], replaced: [], removed: [], rewrite: null, messages: 0 });
  assert.deepEqual(await handles(), before, 'nothing was rewritten');
});

test('a rule deleted by hand is restored; only its service is rewritten', { skip }, async () => {
  const before = await handles();
  const [rule] = await chainRules('vs_tcp_10.0.0.1_80');
  const handle = /# handle (\d+)$/.exec(rule!)![1]!;
  await lb.run('nft', ['delete', 'rule', 'inet', T, 'vs_tcp_10.0.0.1_80', 'handle', handle]);
  assert.deepEqual(await chainRules('vs_tcp_10.0.0.1_80'), []);
  const r = await converge(all);
  assert.deepEqual([r.replaced, r.removed, r.rewrite], [['tcp [10.0.0.1]:80'], [], null]);
  const restored = await chainRules('vs_tcp_10.0.0.1_80');
  assert.equal(restored.length, 1);
  assert.match(restored[0]!, /^dnat ip to numgen inc mod 120 map @rs_tcp_10.0.0.1_80/);
  // The other services keep their rules (same handles): their persistence memory survives.
  const untouched = (ls: string[]) => ls.filter((l) => !l.includes('10.0.0.1_80'));
  assert.deepEqual(untouched(await handles()), untouched(before));
});

test('a real server chain flushed by hand (persistence) is restored', { skip }, async () => {
  await lb.run('nft', ['flush', 'chain', 'inet', T, 'vs_tcp_10.0.0.1_443__10.1.0.2_8443']);
  const r = await converge(all);
  assert.deepEqual([r.replaced, r.rewrite], [['tcp [10.0.0.1]:443'], null]);
  const rules = await chainRules('vs_tcp_10.0.0.1_443__10.1.0.2_8443');
  assert.equal(rules.length, 1);
  assert.match(rules[0]!, /update @pe_tcp_10\.0\.0\.1_443__10\.1\.0\.2_8443 \{ ip saddr timeout 5m \} dnat ip to 10\.1\.0\.2:8443/);
});

test('nft flush table, or a rule added to a base chain, makes the whole table be written again', { skip }, async () => {
  await lb.run('nft', ['flush', 'table', 'inet', T]);
  const r = await converge(all);
  assert.match(r.rewrite ?? '', /base chains or dispatch maps/);
  assert.equal((await chainRules('prerouting')).length, 5);
  assert.equal((await chainRules('vs_tcp_10.0.0.1_80')).length, 1);
  await lb.run('nft', ['add', 'rule', 'inet', T, 'prerouting', 'counter']);
  assert.match((await converge(all)).rewrite ?? '', /base chains/);
  assert.equal((await chainRules('prerouting')).length, 5);
  assert.equal((await converge(all)).messages, 0);
});

test('a table left by another configuration: kept where equal, changed services rewritten, extra ones removed', { skip }, async () => {
  const before = await handles();
  const heavier = structuredClone(web);
  heavier.destinations[0]!.weight = 3;
  const r = await converge([heavier, sticky, v6]);
  assert.deepEqual([r.kept, r.replaced, r.removed, r.rewrite], [['tcp [10.0.0.1]:443', 'tcp [fd00::1]:80'], ['tcp [10.0.0.1]:80'], ['fwmark_7_inet'], null]);
  const text = await list();
  assert.doesNotMatch(text, /fwmark_7|10\.1\.0\.3/);
  const untouched = (ls: string[]) => ls.filter((l) => /fd00|443/.test(l));
  assert.deepEqual(untouched(await handles()), untouched(before));
});
