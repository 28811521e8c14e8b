import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualServerState, type CheckEvent } from '../../../src/check/rs-state.js';
import type { CheckerSpec, CheckTiming, RealServerSpec, VirtualServerSpec } from '../../../src/check/types.js';

const timing = (alpha = false): CheckTiming => ({ delayLoopMs: 1000, retry: 0, delayBeforeRetryMs: 1000, warmupMs: 0, alpha, logAllFailures: false });
const tcp = (alpha = false): CheckerSpec => ({ kind: 'TCP_CHECK', conn: { host: '127.0.0.1', port: 1, connectTimeoutMs: 1000 }, timing: timing(alpha) });

function rs(id: string, weight: number, checkers: CheckerSpec[], extra: Partial<RealServerSpec> = {}): RealServerSpec {
  return { id, address: id.split(':')[0] as string, port: 80, weight, inhibitOnFailure: false, smtpAlert: false, checkers, ...extra };
}
function vs(servers: RealServerSpec[], extra: Partial<VirtualServerSpec> = {}): VirtualServerSpec {
  return { id: '10.0.0.1:80', quorum: 1, hysteresis: 0, smtpAlert: false, realServers: servers, ...extra };
}
const of = <T extends CheckEvent['type']>(events: CheckEvent[], type: T) => events.filter((e): e is Extract<CheckEvent, { type: T }> => e.type === type);

test('initial state: non-alpha servers are in the pool, alpha servers are not', () => {
  const s = new VirtualServerState(vs([rs('a:80', 1, [tcp()]), rs('b:80', 2, [tcp(true)]), rs('c:80', 3, [])]));
  const rsEvents = of(s.initialEvents(), 'rs').map((e) => [e.change.rs, e.change.up, e.change.weight]);
  assert.deepEqual(rsEvents, [['a:80', true, 1], ['b:80', false, 2], ['c:80', true, 3]]);
});

test('a real server is up only while all its checkers are up', () => {
  const s = new VirtualServerState(vs([rs('a:80', 1, [tcp(), tcp()], { notifyUp: '/bin/up', notifyDown: '/bin/down' })]));
  let ev = s.checkerChanged(0, 0, false);
  assert.deepEqual(of(ev, 'rs').map((e) => e.change.up), [false]);
  assert.deepEqual(of(ev, 'script').map((e) => [e.command, e.state]), [['/bin/down', 'DOWN']]);
  ev = s.checkerChanged(0, 1, false);
  assert.equal(of(ev, 'rs').length, 0, 'already down: no second removal');
  ev = s.checkerChanged(0, 0, true);
  assert.equal(of(ev, 'rs').length, 0, 'one checker still down');
  ev = s.checkerChanged(0, 1, true);
  assert.deepEqual(of(ev, 'rs').map((e) => e.change.up), [true]);
  assert.deepEqual(of(ev, 'script').map((e) => [e.command, e.state]), [['/bin/up', 'UP']]);
});

test('misc_dynamic weight sets the RS weight; a weight change of an alive server is reported', () => {
  const s = new VirtualServerState(vs([rs('a:80', 5, [tcp()])]));
  const ev = s.checkerChanged(0, 0, true, 7);
  assert.deepEqual(of(ev, 'rs').map((e) => [e.cause, e.change.weight]), [['weight', 7]]);
  assert.equal(s.rsWeight(0), 7);
});

test('FILE_CHECK deltas add to the configured weight and IPVS weight is clamped at 0', () => {
  const s = new VirtualServerState(vs([rs('a:80', 5, [tcp(), tcp()])]));
  s.checkerChanged(0, 0, true, 10, 'delta');
  assert.equal(s.rsWeight(0), 15);
  s.checkerChanged(0, 1, true, -30, 'delta');
  assert.equal(s.rsWeight(0), 0);
});

test('quorum with hysteresis: lost below quorum-h, regained at quorum+h, with scripts and sorry server', () => {
  const servers = [1, 2, 3, 4].map((i) => rs(`s${i}:80`, 1, [tcp()]));
  const s = new VirtualServerState(vs(servers, { quorum: 3, hysteresis: 1, quorumUp: '/q/up', quorumDown: '/q/down', sorryServer: '10.9.9.9:80' }));
  assert.equal(s.hasQuorum, true); // 4 >= 3+1
  assert.equal(of(s.checkerChanged(0, 0, false), 'quorum').length, 0); // 3: not < 2
  assert.equal(of(s.checkerChanged(1, 0, false), 'quorum').length, 0); // 2: not < 2
  const lost = s.checkerChanged(2, 0, false); // 1 < 2
  assert.deepEqual(of(lost, 'quorum').map((e) => [e.change.up, e.change.sorryServerActive, e.change.aliveWeight]), [[false, true, 1]]);
  assert.deepEqual(of(lost, 'script').map((e) => e.command), ['/q/down']);
  assert.equal(of(s.checkerChanged(2, 0, true), 'quorum').length, 0); // 2 < 4
  assert.equal(of(s.checkerChanged(1, 0, true), 'quorum').length, 0); // 3 < 4
  const gained = s.checkerChanged(0, 0, true); // 4 >= 4
  assert.deepEqual(of(gained, 'quorum').map((e) => [e.change.up, e.change.sorryServerActive]), [[true, false]]);
  assert.deepEqual(of(gained, 'script').map((e) => e.command), ['/q/up']);
});

test('quorum is clamped to the sum of weights and hysteresis below quorum', () => {
  const s = new VirtualServerState(vs([rs('a:80', 1, [tcp()])], { quorum: 10, hysteresis: 20 }));
  assert.equal(s.quorum, 1);
  assert.equal(s.hysteresis, 0);
  assert.equal(s.hasQuorum, true);
  assert.deepEqual(of(s.checkerChanged(0, 0, false), 'quorum').map((e) => e.change.up), [false]);
});

test('smtp_alert on a real server produces an alert naming it', () => {
  const s = new VirtualServerState(vs([rs('a:80', 1, [tcp()], { smtpAlert: true })]));
  const alerts = of(s.checkerChanged(0, 0, false), 'alert');
  assert.equal(alerts.length, 1);
  assert.match(alerts[0]?.subject ?? '', /Realserver \[a:80\] of virtual server \[10\.0\.0\.1:80\] - DOWN/);
});
