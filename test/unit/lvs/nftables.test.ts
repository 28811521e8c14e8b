import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slots, nftablesRefusals, fullMessages, changeServiceMessages, addServiceMessages, deleteServiceMessages } from '../../../src/lvs/nftables/ruleset.js';
import { encodeBatch, type NftTransport } from '../../../src/net/nftables/transport.js';
import { NftablesBackend, NftablesUnsupportedError } from '../../../src/lvs/nftables/backend.js';
import { NftMsg } from '../../../src/net/nftables/constants.js';
import type { NftMessage } from '../../../src/net/nftables/messages.js';
import { LvsReconciler } from '../../../src/lvs/backend.js';
import { svc, tcp } from './fixtures.js';

const count = (xs: number[]) => xs.reduce<Record<number, number>>((acc, i) => ({ ...acc, [i]: (acc[i] ?? 0) + 1 }), {});

test('weights become slots in exact proportion, interleaved', () => {
  assert.deepEqual(slots([1, 1, 1]), [0, 1, 2]);
  assert.deepEqual(count(slots([1, 2, 3])), { 0: 1, 1: 2, 2: 3 });
  assert.deepEqual(count(slots([10, 20, 30])), { 0: 1, 1: 2, 2: 3 }, 'reduced by the gcd');
  assert.deepEqual(slots([0, 5, 0]), [1], 'weight 0 holds no slot');
  assert.deepEqual(slots([0, 0]), []);
  // No server's slots come all in a row when others could be between them.
  const s = slots([1, 2, 3]);
  for (let i = 1; i < s.length; i++) if (s[i] === s[i - 1]) assert.equal(s[i], 2, JSON.stringify(s));
});

test('a fixed slot count keeps exact ratios when it can', () => {
  assert.deepEqual(count(slots([1, 2, 3], 120)), { 0: 20, 1: 40, 2: 60 });
  assert.deepEqual(count(slots([1, 0, 1], 120)), { 0: 60, 2: 60 });
  const seven = count(slots([1, 1, 1, 1, 1, 1, 1], 120));
  assert.ok(Object.values(seven).every((n) => n === 17 || n === 18));
});

test('large weights are scaled to at most 256 slots, every live server keeping one', () => {
  const s = slots([1, 1000, 999, 7]);
  assert.equal(s.length, 256);
  const c = count(s);
  assert.ok((c[0] ?? 0) >= 1 && (c[3] ?? 0) >= 1);
  assert.ok(Math.abs((c[1] ?? 0) - (c[2] ?? 0)) <= 2);
});

test('refusals name the keepalived option and the virtual server', () => {
  const bad = svc(tcp('10.0.0.1', 80), [['10.1.0.1', 80, 1]], { scheduler: 'wlc', onePacket: true, persistence: { timeout: 60, prefixLength: 32, engine: 'sip' } });
  bad.destinations[0]!.forwarding = { method: 'tun', encap: { type: 'ipip' } };
  bad.destinations[0]!.upperThreshold = 10;
  const p = nftablesRefusals([bad]);
  assert.deepEqual(p.map((x) => x.split(':').slice(0, 1)[0]), p.map(() => 'virtual server tcp [10.0.0.1]'));
  for (const word of ['lb_algo wlc', 'ops', 'persistence_engine sip', 'lb_kind TUN', 'uthreshold']) assert.ok(p.some((x) => x.includes(word)), word);
  assert.deepEqual(nftablesRefusals([svc(tcp('10.0.0.1', 80), [['10.1.0.1', 80, 1]], { scheduler: 'wrr' })]), []);
});

test('the first batch deletes and rebuilds the table; a weight change touches one service only', () => {
  const a = svc(tcp('10.0.0.1', 80), [['10.1.0.1', 80, 1], ['10.1.0.2', 80, 1]], { scheduler: 'rr' });
  const full = fullMessages('kts', [a]);
  assert.deepEqual(full.slice(0, 3).map((m) => m.msg), [NftMsg.NEWTABLE, NftMsg.DELTABLE, NftMsg.NEWTABLE]);
  const b = structuredClone(a);
  b.destinations[1]!.weight = 0;
  const change = changeServiceMessages('kts', a, b);
  // Only the slot map's elements change: no rule and no verdict, so no table-wide validation.
  assert.deepEqual(change.map((m) => m.msg), [NftMsg.DELSETELEM, NftMsg.NEWSETELEM]);
  const persistent = { ...a, persistence: { timeout: 60, prefixLength: 32 } };
  const p2 = structuredClone(persistent);
  p2.destinations[1]!.weight = 0;
  assert.deepEqual(changeServiceMessages('kts', persistent, p2).map((m) => m.msg), [NftMsg.DELRULE, NftMsg.DELSETELEM, NftMsg.DELSETELEM, NftMsg.NEWRULE, NftMsg.NEWRULE, NftMsg.NEWSETELEM], 'persistent: rules rewritten, the quiesced server forgets its clients');
  assert.ok(!change.some((m) => m.msg === NftMsg.DELTABLE || m.msg === NftMsg.DELCHAIN));
  // A removed server loses its chain; deleting the service removes what adding it made.
  const added = addServiceMessages('kts', a);
  const deleted = deleteServiceMessages('kts', a);
  assert.equal(added.filter((m) => m.msg === NftMsg.NEWCHAIN).length, deleted.filter((m) => m.msg === NftMsg.DELCHAIN).length);
  assert.equal(added.filter((m) => m.msg === NftMsg.NEWSET).length, deleted.filter((m) => m.msg === NftMsg.DELSET).length);
});

test('a batch is framed BEGIN ... END with only the last message asking for an ack', () => {
  const msgs = fullMessages('kts', []);
  const b = encodeBatch(msgs, 100);
  const types: number[] = [];
  const flags: number[] = [];
  const seqs: number[] = [];
  for (let off = 0; off < b.length; ) {
    const len = b.readUInt32LE(off);
    types.push(b.readUInt16LE(off + 4));
    flags.push(b.readUInt16LE(off + 6));
    seqs.push(b.readUInt32LE(off + 8));
    off += (len + 3) & ~3;
  }
  assert.equal(types[0], 0x10);
  assert.equal(types.at(-1), 0x11);
  assert.equal(types[1], (10 << 8) | NftMsg.NEWTABLE);
  assert.deepEqual(seqs, Array.from({ length: msgs.length + 2 }, (_x, i) => 100 + i));
  const acks = flags.map((f) => (f & 0x4) !== 0);
  assert.deepEqual(acks.filter(Boolean).length, 1);
  assert.equal(acks[acks.length - 2], true);
  // BATCH_BEGIN names the nf_tables subsystem in res_id (big endian 10).
  assert.equal(b.readUInt16BE(16 + 2), 10);
});

class RecordingTransport implements NftTransport {
  readonly transactions: NftMessage[][] = [];
  async transaction(messages: readonly NftMessage[]): Promise<void> {
    this.transactions.push([...messages]);
  }
  async dump(): Promise<never[]> {
    return [];
  }
  close(): void {}
}

test('the backend refuses before sending anything, and sends one transaction per sync', async () => {
  const t = new RecordingTransport();
  const backend = new NftablesBackend(t, 'kts');
  await backend.reset();
  const rec = new LvsReconciler(backend);
  await rec.sync([svc(tcp('10.0.0.1', 80), [['10.1.0.1', 80, 1]], { scheduler: 'rr' })]);
  assert.equal(t.transactions.length, 2);
  await assert.rejects(rec.sync([svc(tcp('10.0.0.1', 80), [['10.1.0.1', 80, 1]], { scheduler: 'lc' })]), (e: unknown) => e instanceof NftablesUnsupportedError && /lb_algo lc/.test(e.message));
  assert.equal(t.transactions.length, 2, 'nothing sent');
  assert.deepEqual((await backend.read())[0]?.scheduler, 'rr');
});
