// Tracking arithmetic (inventory §4.1.6): weights, reverse, FAULT for weight 0, track_file
// value x weight, the vrrp_script rise/fall counter, and the table that feeds the router.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeTracking, contribution, initialScriptCounter, scriptResult, type ScriptCounter } from '../../../src/vrrp/track/priority.js';
import { TrackingTable } from '../../../src/vrrp/track/tracking.js';
import { genericNotifyArgv, fifoLine } from '../../../src/vrrp/notify/notifier.js';
import { lookupIds } from '../../../src/vrrp/track/run-as.js';

const up = { kind: 'status', ok: true } as const;
const down = { kind: 'status', ok: false } as const;

test('status trackers: weight 0 faults, positive adds while OK, negative subtracts while failed, reverse inverts', () => {
  assert.equal(contribution({ key: 'a', weight: 0, reverse: false, reading: down }), 'fault');
  assert.equal(contribution({ key: 'a', weight: 0, reverse: false, reading: up }), 0);
  assert.equal(contribution({ key: 'a', weight: 0, reverse: true, reading: up }), 'fault');
  assert.equal(contribution({ key: 'a', weight: 0, reverse: true, reading: down }), 0);
  assert.equal(contribution({ key: 'a', weight: 20, reverse: false, reading: up }), 20);
  assert.equal(contribution({ key: 'a', weight: 20, reverse: false, reading: down }), 0);
  assert.equal(contribution({ key: 'a', weight: 20, reverse: true, reading: up }), -20);
  assert.equal(contribution({ key: 'a', weight: -30, reverse: false, reading: down }), -30);
  assert.equal(contribution({ key: 'a', weight: -30, reverse: false, reading: up }), 0);
  assert.equal(contribution({ key: 'a', weight: -30, reverse: true, reading: down }), 30);
});

test('track_file: value x weight, weight 0 faults on non-zero, <= -254 faults', () => {
  assert.equal(contribution({ key: 'f', weight: 1, reverse: false, reading: { kind: 'value', value: -10 } }), -10);
  assert.equal(contribution({ key: 'f', weight: 2, reverse: true, reading: { kind: 'value', value: 5 } }), -10);
  assert.equal(contribution({ key: 'f', weight: 0, reverse: false, reading: { kind: 'value', value: 3 } }), 'fault');
  assert.equal(contribution({ key: 'f', weight: 0, reverse: false, reading: { kind: 'value', value: 0 } }), 0);
  assert.equal(contribution({ key: 'f', weight: 1, reverse: false, reading: { kind: 'value', value: -254 } }), 'fault');
  assert.equal(contribution({ key: 'f', weight: 1, reverse: false, reading: { kind: 'value', value: 1000 } }), 253);
});

test('computeTracking sums contributions and lists faults', () => {
  const r = computeTracking(100, [
    { key: 'interface eth1', weight: -20, reverse: false, reading: down },
    { key: 'script chk', weight: 10, reverse: false, reading: up },
    { key: 'script dead', weight: 0, reverse: false, reading: down },
  ]);
  assert.deepEqual(r, { total: 90, faults: ['script dead'] });
});

function run(rise: number, fall: number, initFail: boolean, results: boolean[]): { ok: boolean[]; changes: number } {
  let c: ScriptCounter = initialScriptCounter(rise, initFail);
  const ok: boolean[] = [];
  let changes = 0;
  for (const r of results) {
    const x = scriptResult(c, r, rise, fall);
    c = x.counter;
    if (x.changed) changes++;
    ok.push(c.ok);
  }
  return { ok, changes };
}

test('vrrp_script rise/fall: the first result decides, then rise successes / fall failures flip it', () => {
  assert.deepEqual(run(2, 3, false, [false]).ok, [false]);
  assert.deepEqual(run(2, 3, false, [true]).ok, [true]);
  // OK, then two failures are not enough with fall 3; the third flips it.
  assert.deepEqual(run(2, 3, false, [true, false, false, false]).ok, [true, true, true, false]);
  // Failed, then rise 2 successes needed.
  assert.deepEqual(run(2, 3, false, [false, true, true]).ok, [false, false, true]);
  // A failure in the middle of a rise restarts it.
  assert.deepEqual(run(3, 1, false, [false, true, true, false, true, true, true]).ok, [false, false, false, false, false, false, true]);
});

test('vrrp_script init_fail: starts failed, needs rise successes', () => {
  const r = run(2, 2, true, [true, true]);
  assert.deepEqual(r.ok, [false, true]);
  assert.equal(r.changes, 1);
  assert.equal(initialScriptCounter(2, true).ok, false);
});

test('TrackingTable: one reading fans out to every instance; only changes reach the router', () => {
  const calls: string[] = [];
  const t = new TrackingTable({
    setPriority: (i, total) => { calls.push(`prio ${i} ${total}`); return true; },
    setFault: (i, reason, active) => { calls.push(`fault ${i} ${reason} ${active}`); return true; },
  }, () => undefined);
  t.add('VI_1', 100, 'script chk', { reverse: false }, -30);
  t.add('VI_2', 150, 'script chk', { weight: 0, reverse: false }, -30);
  t.add('VI_OWN', 255, 'script chk', { reverse: false }, -30);
  t.applyAll();
  assert.deepEqual(calls, ['prio VI_1 100', 'prio VI_2 150']);
  calls.length = 0;
  t.update('script chk', down);
  // The owner's weighted tracker was refused: it is not affected.
  assert.deepEqual(calls, ['prio VI_1 70', 'fault VI_2 tracker:script chk true']);
  calls.length = 0;
  t.update('script chk', down);
  assert.deepEqual(calls, []);
  t.update('script chk', up);
  assert.deepEqual(calls, ['prio VI_1 100', 'fault VI_2 tracker:script chk false']);
  assert.deepEqual(t.faultsOf('VI_2'), []);
});

test('notify: generic script argv and FIFO line in keepalived form, names never go through a shell', () => {
  const script = { command: '/bin/notify.sh arg', argv: ['/bin/notify.sh', 'arg'] };
  assert.deepEqual(genericNotifyArgv(script, 'INSTANCE', 'VI_1; rm -rf /', 'MASTER', 100), ['/bin/notify.sh', 'arg', 'INSTANCE', 'VI_1; rm -rf /', 'MASTER', '100']);
  assert.equal(fifoLine('INSTANCE', 'VI_1', 'MASTER', 100), 'INSTANCE "VI_1" MASTER 100\n');
  assert.equal(fifoLine('GROUP', 'G1', 'BACKUP', 0), 'GROUP "G1" BACKUP 0\n');
});

test('run-as: users and groups by name or number', () => {
  const passwd = [['root', 'x', '0', '0'], ['nobody', 'x', '65534', '65534']];
  const groups = [['root', 'x', '0'], ['nogroup', 'x', '65534'], ['adm', 'x', '4']];
  assert.deepEqual(lookupIds(passwd, groups, 'nobody'), { uid: 65534, gid: 65534 });
  assert.deepEqual(lookupIds(passwd, groups, 'nobody', 'adm'), { uid: 65534, gid: 4 });
  assert.deepEqual(lookupIds(passwd, groups, '1234', '55'), { uid: 1234, gid: 55 });
  assert.equal(lookupIds(passwd, groups, 'ghost'), undefined);
  assert.equal(lookupIds(passwd, groups, 'nobody', 'ghosts'), undefined);
});
