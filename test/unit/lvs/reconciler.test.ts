import { test } from 'node:test';
import assert from 'node:assert/strict';
import { materialize, serviceKeyString, type HealthMap } from '../../../src/lvs/desired.js';
import { applyToTable, describeOperation, diff, planStop, tableFromAdds, TableError } from '../../../src/lvs/reconciler.js';
import { FakeBackend, LvsReconciler } from '../../../src/lvs/backend.js';
import { rs, svc, tcp, vs } from './fixtures.js';

const A = tcp('10.0.0.1', 80);
const B = tcp('10.0.0.2', 443);

test('an empty kernel gets every service and destination, services first', () => {
  const ops = diff([svc(A, [['192.168.1.1', 80, 1], ['192.168.1.2', 80, 2]])], []);
  assert.deepEqual(ops.map(describeOperation), [
    'add service tcp [10.0.0.1]:80 (wlc)',
    'add destination [192.168.1.1]:80 weight 1 to tcp [10.0.0.1]:80',
    'add destination [192.168.1.2]:80 weight 2 to tcp [10.0.0.1]:80',
  ]);
});

test('an equal table needs nothing (adoption after a restart)', () => {
  const t = [svc(A, [['192.168.1.1', 80, 1]]), svc(B, [['192.168.1.2', 443, 5]])];
  assert.deepEqual(diff(t, structuredClone(t).reverse()), []);
});

test('IPv6 keys match whatever way the address is written', () => {
  const want = [svc(tcp('2001:db8::1', 80), [['2001:db8::a', 80, 1]])];
  const have = [svc(tcp('2001:DB8:0::1', 80), [['2001:db8:0:0:0:0:0:a', 80, 1]])];
  assert.deepEqual(diff(want, have), []);
});

test('a weight change is one edit; an extra destination is deleted before additions', () => {
  const want = [svc(A, [['192.168.1.1', 80, 0], ['192.168.1.3', 80, 1]])];
  const have = [svc(A, [['192.168.1.1', 80, 1], ['192.168.1.2', 80, 1]])];
  assert.deepEqual(diff(want, have).map(describeOperation), [
    'delete destination [192.168.1.2]:80 from tcp [10.0.0.1]:80',
    'set destination [192.168.1.1]:80 weight 0 in tcp [10.0.0.1]:80',
    'add destination [192.168.1.3]:80 weight 1 to tcp [10.0.0.1]:80',
  ]);
});

test('scheduler, flags, persistence or one-packet changes edit the service in place', () => {
  const have = [svc(A, [['192.168.1.1', 80, 1]])];
  for (const change of [
    { scheduler: 'rr' as const },
    { schedulerFlags: { flag1: true, flag2: false, flag3: false } },
    { persistence: { timeout: 360, prefixLength: 32 } },
    { onePacket: true },
  ]) {
    const ops = diff([svc(A, [['192.168.1.1', 80, 1]], change)], have);
    assert.deepEqual(ops.map((o) => o.op), ['edit-service'], JSON.stringify(change));
  }
});

test('forwarding or threshold changes edit the destination', () => {
  const base = svc(A, [['192.168.1.1', 80, 1]]);
  const dr = structuredClone(base);
  dr.destinations[0]!.forwarding = { method: 'dr' };
  assert.deepEqual(diff([dr], [base]).map((o) => o.op), ['edit-destination']);
  const tun1 = structuredClone(base);
  tun1.destinations[0]!.forwarding = { method: 'tun', encap: { type: 'gue', port: 6080, checksum: 'csum' } };
  const tun2 = structuredClone(tun1);
  tun2.destinations[0]!.forwarding = { method: 'tun', encap: { type: 'gue', port: 6081, checksum: 'csum' } };
  assert.deepEqual(diff([tun2], [tun1]).map((o) => o.op), ['edit-destination']);
  const th = structuredClone(base);
  th.destinations[0]!.upperThreshold = 100;
  assert.deepEqual(diff([th], [base]).map((o) => o.op), ['edit-destination']);
});

test('services we do not own are never deleted; owned ones no longer wanted are', () => {
  const foreign = svc(B, [['192.168.1.2', 443, 1]]);
  const mine = svc(A, [['192.168.1.1', 80, 1]]);
  assert.deepEqual(diff([], [foreign, mine]), []);
  assert.deepEqual(diff([], [foreign, mine], { owned: new Set(['tcp [10.0.0.1]:80']) }).map(describeOperation), ['delete service tcp [10.0.0.1]:80']);
});

test('duplicate services and destinations in the desired table are applied once', () => {
  const ops = diff([svc(A, [['192.168.1.1', 80, 1], ['192.168.1.1', 80, 2]]), svc(A, [])], []);
  assert.equal(ops.length, 2);
  assert.doesNotThrow(() => applyToTable([], ops));
});

test('applying the diff always yields the desired table (randomised)', () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const randomTable = () => {
    const out = [];
    for (let i = 0; i < 6; i++) {
      if (rnd(2)) continue;
      const dests: Array<[string, number, number]> = [];
      for (let j = 0; j < 5; j++) if (rnd(2)) dests.push([`192.168.${i}.${j}`, 80, rnd(4)]);
      out.push(svc(tcp(`10.0.0.${i}`, 80), dests, { scheduler: rnd(2) ? 'rr' : 'wlc' }));
    }
    return out;
  };
  const norm = (t: ReturnType<typeof randomTable>) =>
    t.map((s) => ({ ...s, destinations: [...s.destinations].sort((a, b) => a.address.localeCompare(b.address)) })).sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));
  for (let round = 0; round < 200; round++) {
    const want = randomTable();
    const have = randomTable();
    const owned = new Set(have.map((s) => `tcp [${(s.key as { address: string }).address}]:80`));
    const after = applyToTable(have, diff(want, have, { owned }));
    assert.deepEqual(norm(after), norm(want));
    assert.deepEqual(diff(want, after, { owned }), [], 'a second pass is empty');
  }
});

test('the in-memory table refuses what the kernel refuses', () => {
  assert.throws(() => applyToTable([svc(A, [])], [{ op: 'add-service', service: { ...svc(A, []) } }]), (e: unknown) => e instanceof TableError && e.code === 'EEXIST');
  assert.throws(() => applyToTable([], [{ op: 'delete-service', key: A }]), (e: unknown) => e instanceof TableError && e.code === 'ESRCH');
});

test('destinations: edits keep their place, deletes and adds keep order, the kernel\'s errors; 2,000 in one service', () => {
  const dest = (host: string, weight: number) => svc(A, [[host, 80, weight]]).destinations[0]!;
  const t = applyToTable([svc(A, [['192.168.1.1', 80, 1], ['192.168.1.2', 80, 1], ['192.168.1.3', 80, 1]])], [
    { op: 'edit-destination', service: A, destination: dest('192.168.1.2', 7) },
    { op: 'delete-destination', service: A, destination: dest('192.168.1.1', 1) },
    { op: 'add-destination', service: A, destination: dest('192.168.1.4', 2) },
  ]);
  assert.deepEqual(t[0]!.destinations.map((d) => `${d.address}/${d.weight}`), ['192.168.1.2/7', '192.168.1.3/1', '192.168.1.4/2']);
  const code = (ops: Parameters<typeof applyToTable>[1]) => (e: unknown) => e instanceof TableError && e.code === (ops[0]!.op === 'add-destination' ? 'EEXIST' : 'ENOENT');
  for (const ops of [
    [{ op: 'add-destination', service: A, destination: dest('192.168.1.3', 1) }],
    [{ op: 'edit-destination', service: A, destination: dest('192.168.1.9', 1) }],
    [{ op: 'delete-destination', service: A, destination: dest('192.168.1.9', 1) }],
  ] as const) assert.throws(() => applyToTable(t, ops), code(ops));
  // The table given is not changed (the reconciler keeps it as what it last wrote).
  assert.equal(t[0]!.destinations.length, 3);
  const many = Array.from({ length: 2000 }, (_, i) => ({ op: 'add-destination', service: A, destination: dest(`10.${i >> 8}.${i & 255}.1`, 1) }) as const);
  const big = applyToTable([svc(A, [])], many);
  assert.equal(big[0]!.destinations.length, 2000);
  assert.equal(big[0]!.destinations[1999]!.address, '10.7.207.1');
});

test('reconciler: restart adopts, checker flip is one edit, reload drops, stop removes only ours', async () => {
  const foreign = svc(B, [['192.168.7.7', 443, 1]]);
  const specs = [vs('web', [A], [rs('192.168.1.1', 80), rs('192.168.1.2', 80, { inhibitOnFailure: true })])];
  const backend = new FakeBackend([foreign]);
  const first = new LvsReconciler(backend);
  await first.sync(materialize(specs, new Map(), new Map()));
  assert.equal(backend.table.length, 2);

  // A new daemon process finds the entries already there and touches nothing.
  const second = new LvsReconciler(backend);
  assert.deepEqual(await second.sync(materialize(specs, new Map(), new Map())), []);

  const down: HealthMap = new Map([['web', new Map([['192.168.1.2:80', false]])]]);
  assert.deepEqual((await second.sync(materialize(specs, down, new Map()))).map(describeOperation), ['set destination [192.168.1.2]:80 weight 0 in tcp [10.0.0.1]:80']);

  assert.deepEqual((await second.sync([])).map(describeOperation), ['delete service tcp [10.0.0.1]:80']);
  await second.sync(materialize(specs, new Map(), new Map()));
  assert.deepEqual((await second.stop()).map(describeOperation), ['delete service tcp [10.0.0.1]:80']);
  assert.deepEqual(backend.table.map((s) => s.key), [B], 'the foreign service survives');
  assert.deepEqual(planStop(backend.table, new Set()), []);
});

test('between syncs the reconciler trusts what it wrote; after a failure it reads again', async () => {
  const backend = new FakeBackend();
  let reads = 0;
  const read = backend.read.bind(backend);
  backend.read = async () => {
    reads++;
    return read();
  };
  const rec = new LvsReconciler(backend);
  const specs = [vs('web', [A], [rs('192.168.1.1', 80), rs('192.168.1.2', 80)])];
  await rec.sync(materialize(specs, new Map(), new Map()));
  const down: HealthMap = new Map([['web', new Map([['192.168.1.2:80', false]])]]);
  for (let i = 0; i < 5; i++) {
    await rec.sync(materialize(specs, down, new Map()));
    await rec.sync(materialize(specs, new Map(), new Map()));
  }
  assert.equal(reads, 1);
  assert.deepEqual(backend.table[0]!.destinations.map((d) => d.address), ['192.168.1.1', '192.168.1.2']);
  // Someone else removes our service: a failed apply makes the next sync read and repair.
  backend.table = [];
  await assert.rejects(rec.sync(materialize(specs, down, new Map())));
  await rec.sync(materialize(specs, down, new Map()));
  assert.equal(reads, 2);
  assert.deepEqual(backend.table[0]!.destinations.map((d) => d.address), ['192.168.1.1']);
});

test('syncServices brings only the services it is given in line, and keeps the rest of what it knows', async () => {
  class CountingBackend extends FakeBackend {
    reads = 0;
    override async read() { this.reads++; return super.read(); }
  }
  const C = tcp('10.0.0.3', 80);
  const table = [svc(A, [['192.168.1.1', 80, 1]]), svc(B, [['192.168.1.2', 443, 1]]), svc(C, [['192.168.1.3', 80, 1]])];
  const backend = new CountingBackend();
  const r = new LvsReconciler(backend);
  await r.sync(table);
  // B's destination goes to weight 0; A and C are not passed, so neither compared nor removed.
  const b0 = svc(B, [['192.168.1.2', 443, 0]]);
  assert.deepEqual((await r.syncServices([b0])).map(describeOperation), ['set destination [192.168.1.2]:443 weight 0 in tcp [10.0.0.2]:443']);
  assert.equal(backend.table.length, 3);
  // A new service through syncServices is made, and owned (a stop removes it).
  const D = tcp('10.0.0.4', 80);
  assert.deepEqual((await r.syncServices([svc(D, [])])).map((o) => o.op), ['add-service']);
  // A destination dropped from C only.
  assert.deepEqual((await r.syncServices([svc(C, [])])).map((o) => o.op), ['delete-destination']);
  // What it believes after those events is exactly the kernel's table: a full sync of that
  // table needs nothing, and nothing was read back since the first sync.
  const now = [table[0]!, b0, svc(C, []), svc(D, [])];
  assert.deepEqual(await r.sync(now), []);
  assert.deepEqual(diff(now, backend.table), []);
  assert.equal(backend.reads, 1);
  assert.deepEqual((await r.stop()).filter((o) => o.op === 'delete-service').length, 4);
  assert.deepEqual(backend.table, []);
});

test('reconciler: a stop removes its services without reading the table back, and copes with one already gone', async () => {
  const specs = [vs('web', [A], [rs('192.168.1.1', 80)]), vs('api', [B], [rs('192.168.1.2', 80)])];
  const backend = new FakeBackend();
  let reads = 0;
  const read = backend.read.bind(backend);
  backend.read = () => { reads++; return read(); };
  const r = new LvsReconciler(backend);
  await r.sync(materialize(specs, new Map(), new Map()));
  const readsBefore = reads;
  assert.equal((await r.stop()).length, 2);
  assert.equal(reads, readsBefore, 'no read-back');
  assert.deepEqual(backend.table, []);

  // Someone removed one of ours behind our back: the stop still removes the other.
  const other = new FakeBackend();
  const r2 = new LvsReconciler(other);
  await r2.sync(materialize(specs, new Map(), new Map()));
  other.table = other.table.filter((x) => serviceKeyString(x.key) !== serviceKeyString(A));
  assert.deepEqual((await r2.stop()).map(describeOperation), ['delete service tcp [10.0.0.2]:443']);
  assert.equal(other.table.length, 0);
});

test('the table after a first sync onto an empty data plane, built from the additions, is what replaying them gives', () => {
  const C = tcp('10.0.0.3', 80);
  // Duplicates in the desired table (two groups naming one service, one server twice) too.
  const want = [svc(A, [['192.168.1.1', 80, 1], ['192.168.1.2', 80, 2], ['192.168.1.1', 80, 3]]), svc(B, []), svc(A, [['192.168.1.9', 80, 1]]), svc(C, [['192.168.1.3', 80, 4]])];
  const ops = diff(want, []);
  assert.deepEqual(tableFromAdds(ops), applyToTable([], ops));
  // Anything else is left to the replay.
  assert.equal(tableFromAdds([...ops, { op: 'delete-service', key: C }]), undefined);
  assert.equal(tableFromAdds([{ op: 'add-destination', service: A, destination: want[0]!.destinations[0]! }]), undefined);
});
