// Mutated versions of keepalived's samples (wrong arity, odd values, blocks added or removed,
// keywords swapped) must still build: diagnostics, never an exception or an internal error,
// and a model that survives JSON. Deterministic seed; about 1 500 cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { ConfigNode } from '../../../src/config/ast.js';
import { readConfigText } from '../../../src/config/reader.js';
import { buildConfig } from '../../../src/config/build.js';

const dir = '/work/shared/fixtures/keepalived-samples';
const TOKENS = ['', '0', '-1', '256', '99999999999', 'x', '10.0.0.1', 'fe80::1%eth0', '::', '1.5', 'on', 'weight', 'reverse',
  '"', '{', 'dev', 'via', 'NAT', 'TUN', 'type', 'gue', 'port', '1e3', 'NaN', '0x10', '255.255.255.255/33', 'inet6', 'all', 'nexthop'];

test('mutated sample trees build without throwing or internal errors', { skip: existsSync(dir) ? false : 'no samples' }, () => {
  const trees = readdirSync(dir).filter((f) => f.startsWith('keepalived.conf'))
    .map((f) => readConfigText(readFileSync(`${dir}/${f}`, 'utf8'), f, { configId: 'high' }).nodes);
  let seed = 20261122;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const pick = (): string => TOKENS[rnd(TOKENS.length)] ?? '';
  const mutate = (nodes: ConfigNode[]): ConfigNode[] => nodes.map((n) => {
    const m: ConfigNode = { ...n, args: [...n.args] };
    const k = rnd(10);
    if (k === 0) m.args = [];
    else if (k === 1) m.args.push(pick());
    else if (k === 2 && m.args.length > 0) m.args[rnd(m.args.length)] = pick();
    else if (k === 3) m.keyword = pick() || m.keyword;
    else if (k === 4 && m.children) delete m.children;
    else if (k === 5 && !m.children) m.children = [];
    if (m.children) m.children = mutate(m.children);
    m.rest = m.args.join(' ');
    return m;
  });
  let runs = 0;
  for (let round = 0; round < 60; round++) {
    for (const t of trees) {
      const r = buildConfig(mutate(t), { hostname: 'h', interfaceExists: () => rnd(2) === 0 });
      runs++;
      const internal = r.diagnostics.filter((d) => d.message.includes('internal error'));
      assert.deepEqual(internal, []);
      assert.deepEqual(JSON.parse(JSON.stringify(r.config)), r.config);
    }
  }
  assert.ok(runs > 1200);
});
