// Replays every conformance fixture (test/fixtures/vrrp-conformance/*.json): events in,
// actions (adverts, VIP changes, GARP bursts, timers, notifications, keepalived's log
// lines) and state out, one rule per fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFixture, type Fixture } from '../../lib/vrrp-conformance.js';

const dir = join(process.env.KTS_ROOT ?? process.cwd(), 'test', 'fixtures', 'vrrp-conformance');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

test('conformance fixtures exist', () => {
  assert.ok(files.length >= 20, `${files.length} fixtures`);
});

for (const file of files) {
  const fixture = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Fixture;
  test(`${file}: ${fixture.rule}`, () => {
    const outcomes = runFixture(fixture);
    for (const [i, o] of outcomes.entries()) {
      const s = o.step;
      const where = `step ${i} at ${s.at} (${JSON.stringify(s.event)})${s.note ? ` — ${s.note}` : ''}`;
      if (s.state !== undefined) assert.equal(o.state.state, s.state, `${where}: state`);
      if (s.deadline !== undefined) assert.equal(o.state.deadline, s.deadline, `${where}: deadline`);
      if (s.effectivePriority !== undefined) assert.equal(o.state.effectivePriority, s.effectivePriority, `${where}: priority`);
      if (s.actions !== undefined) assert.deepEqual(o.actions, s.actions, `${where}: actions`);
      if (s.packets !== undefined) assert.deepEqual(o.packets, s.packets, `${where}: packets on the wire`);
      if (s.includes !== undefined) {
        let k = 0;
        for (const a of o.actions) if (k < s.includes.length && JSON.stringify(a) === JSON.stringify(s.includes[k])) k++;
        assert.equal(k, s.includes.length, `${where}: includes ${JSON.stringify(s.includes)} in ${JSON.stringify(o.actions)}`);
      }
      for (const t of s.excludesTypes ?? []) assert.ok(!o.actions.some((a) => a.type === t), `${where}: no ${t}`);
      if (s.stats) for (const [k, v] of Object.entries(s.stats)) assert.equal(o.state.stats[k as keyof typeof o.state.stats], v, `${where}: stats.${k}`);
    }
  });
}
