import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalAddress, evaluateQuorum, materialize, type HealthMap } from '../../../src/lvs/desired.js';
import { rs, tcp, vs } from './fixtures.js';

const health = (entries: Record<string, Record<string, boolean>>): HealthMap =>
  new Map(Object.entries(entries).map(([k, v]) => [k, new Map(Object.entries(v))]));

const web = vs('web', [tcp('10.0.0.1', 80)], [rs('192.168.1.1', 80, { weight: 3 }), rs('192.168.1.2', 80), rs('192.168.1.3', 80, { inhibitOnFailure: true })]);

test('every unchecked non-alpha real server is in the table with its weight', () => {
  const [s] = materialize([web], new Map(), new Map());
  assert.deepEqual(s!.destinations.map((d) => [d.address, d.weight]), [['192.168.1.1', 3], ['192.168.1.2', 1], ['192.168.1.3', 1]]);
});

test('a failed server is removed; with inhibit_on_failure it stays at weight 0', () => {
  const h = health({ web: { '192.168.1.2:80': false, '192.168.1.3:80': false } });
  const [s] = materialize([web], h, new Map());
  assert.deepEqual(s!.destinations.map((d) => [d.address, d.weight]), [['192.168.1.1', 3], ['192.168.1.3', 0]]);
});

test('alpha real servers start out of the pool until checked up', () => {
  const v = vs('a', [tcp('10.0.0.1', 80)], [rs('192.168.1.1', 80, { alpha: true }), rs('192.168.1.2', 80)]);
  assert.deepEqual(materialize([v], new Map(), new Map())[0]!.destinations.map((d) => d.address), ['192.168.1.2']);
  const up = health({ a: { '192.168.1.1:80': true } });
  assert.deepEqual(materialize([v], up, new Map())[0]!.destinations.map((d) => d.address), ['192.168.1.1', '192.168.1.2']);
});

test('quorum lost puts the sorry server in place of every real server', () => {
  const v = vs('s', [tcp('10.0.0.1', 80)], [rs('192.168.1.1', 80), rs('192.168.1.2', 80)], {
    quorum: 2,
    sorryServer: { family: 'inet', address: '192.168.9.9', port: 8080, forwarding: { method: 'nat' }, inhibit: false },
  });
  const h = health({ s: { '192.168.1.1:80': false } });
  const q = new Map([['s', evaluateQuorum(v, h, true)]]);
  assert.equal(q.get('s'), false);
  assert.deepEqual(materialize([v], h, q)[0]!.destinations.map((d) => [d.address, d.port, d.weight]), [['192.168.9.9', 8080, 1]]);
});

test('sorry_server_inhibit keeps the sorry server at weight 0 while quorum holds', () => {
  const v = vs('s', [tcp('10.0.0.1', 80)], [rs('192.168.1.1', 80)], {
    sorryServer: { family: 'inet', address: '192.168.9.9', port: 80, forwarding: { method: 'nat' }, inhibit: true },
  });
  assert.deepEqual(materialize([v], new Map(), new Map())[0]!.destinations.map((d) => [d.address, d.weight]), [['192.168.1.1', 1], ['192.168.9.9', 0]]);
});

test('quorum hysteresis: down at W < q-h, up again only at W >= q+h', () => {
  const v = vs('h', [tcp('10.0.0.1', 80)], [rs('10.1.0.1', 80), rs('10.1.0.2', 80), rs('10.1.0.3', 80), rs('10.1.0.4', 80)], { quorum: 3, hysteresis: 1 });
  const alive = (n: number) => health({ h: Object.fromEntries([1, 2, 3, 4].map((i) => [`10.1.0.${i}:80`, i <= n])) });
  assert.equal(evaluateQuorum(v, alive(3), undefined), false, 'first evaluation needs q+h');
  assert.equal(evaluateQuorum(v, alive(4), undefined), true);
  assert.equal(evaluateQuorum(v, alive(2), true), true, 'W=2 is not < q-h=2');
  assert.equal(evaluateQuorum(v, alive(1), true), false);
  assert.equal(evaluateQuorum(v, alive(3), false), false, 'W=3 < q+h=4');
  assert.equal(evaluateQuorum(v, alive(4), false), true);
  assert.equal(evaluateQuorum(vs('z', [], [], { quorum: 0 }), new Map(), true), false, 'W == 0 is always down');
});

test('a group expands to one service per entry; fwmark services get port 0 destinations', () => {
  const v = vs('g', [tcp('10.0.0.1', 80), tcp('10.0.0.2', 80), { kind: 'fwmark', family: 'inet', fwmark: 7 }], [rs('192.168.1.1', 8080)]);
  const t = materialize([v], new Map(), new Map());
  assert.equal(t.length, 3);
  assert.equal(t[0]!.destinations[0]!.port, 8080);
  assert.equal(t[2]!.destinations[0]!.port, 0);
});

test('IPv6 addresses compare in canonical form', () => {
  assert.equal(canonicalAddress('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(canonicalAddress('fe80::1:0:0:2'), 'fe80::1:0:0:2');
  assert.equal(canonicalAddress('::ffff:a00:1'), '::ffff:10.0.0.1'); // inet_ntop's form, as ipvsadm prints it
  assert.equal(canonicalAddress('10.0.0.1'), '10.0.0.1');
});
