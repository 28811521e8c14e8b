// Pure parts of the VRRP service: route/rule mapping, dumps; and the script runner on real
// processes (no shell, timeout kill, one run per interval however many instances).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routeChange, ruleSpec, tableNumber } from '../../../src/vrrp/iproute.js';
import { ScriptRunner } from '../../../src/vrrp/track/scripts.js';
import { formatStats, formatJson } from '../../../src/vrrp/service-dump.js';
import type { RouteEntry, RuleEntry, VrrpScript } from '../../../src/config/model.js';

const loc = { file: 'k.conf', line: 1 };

test('routes and rules map to rtnetlink, tables by name or number', () => {
  assert.equal(tableNumber('main'), 254);
  assert.equal(tableNumber('100'), 100);
  assert.equal(tableNumber('web', { web: 7 }), 7);
  assert.equal(tableNumber('nope'), 'unknown');
  const r: RouteEntry = { loc, type: 'unicast', dst: { address: '10.9.0.0', prefixLen: 16, family: 4 } as RouteEntry['dst'], via: { address: '10.0.0.254', family: 4 } as NonNullable<RouteEntry['via']>, dev: 'eth0', table: '100', metric: 5, onlink: false, nexthops: [], options: {}, mode: 'add', noTrack: false };
  assert.deepEqual(routeChange(r), { ok: true, value: { destination: '10.9.0.0/16', family: 4, protocol: 'keepalived', table: 100, metric: 5, gateway: '10.0.0.254', device: 'eth0' } });
  const bad = routeChange({ ...r, table: 'nope' });
  assert.equal(bad.ok, false);
  const rule: RuleEntry = { loc, family: 4, not: false, from: { address: '10.0.0.100', prefixLen: 32, family: 4 } as NonNullable<RuleEntry['from']>, priority: 100, table: 'main', options: {}, noTrack: false };
  assert.deepEqual(ruleSpec(rule), { ok: true, value: { family: 4, from: '10.0.0.100/32', priority: 100, table: 254 } });
});

function script(argv: string[], extra: Partial<VrrpScript> = {}): VrrpScript {
  return { name: 's', loc, script: { command: argv.join(' '), argv }, intervalUs: 100_000, timeoutUs: 1_000_000, weight: 0, weightReverse: false, rise: 1, fall: 1, initFail: false, ...extra };
}

test('script runner: a script that overruns its timeout is killed and counts as failed', async () => {
  const logs: string[] = [];
  const changes: boolean[] = [];
  const r = new ScriptRunner({ log: (l) => logs.push(l), onChange: (_n, ok) => changes.push(ok) });
  r.add(script(['/bin/sleep', '5'], { timeoutUs: 200_000, intervalUs: 10_000_000 }));
  try {
    const deadline = Date.now() + 5000;
    while (!logs.some((l) => l.includes('failed')) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(logs, ['VRRP_Script(s) failed (timed out)']);
    assert.deepEqual(changes, [true, false]);
  } finally {
    r.stop();
  }
});

test('script runner: arguments reach the program as they are (no shell), it runs again at its interval, once however many instances track it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-script-'));
  const out = join(dir, 'out');
  // `;` and `$(...)` would do something in a shell; here they are plain arguments.
  const changes: boolean[] = [];
  const r = new ScriptRunner({ log: () => undefined, onChange: (_n, ok) => changes.push(ok) });
  // A generous timeout: a Node start-up on a loaded machine can take over a second, and a
  // timed-out run would count as a failure this test is not about.
  r.add(script([process.execPath, '-e', `require('fs').appendFileSync(${JSON.stringify(out)}, JSON.stringify(process.argv.slice(1)) + '\\n')`, 'a;b', '$(touch x)'], { intervalUs: 200_000, timeoutUs: 30_000_000 }));
  // Adding it again (a second instance tracking the same script) does not start a second
  // runner: /bin/false would report a failure.
  r.add(script(['/bin/false']));
  const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n') : []);
  try {
    const deadline = Date.now() + 10_000;
    while (lines().length < 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  } finally {
    r.stop();
  }
  const got = lines();
  rmSync(dir, { recursive: true, force: true });
  assert.ok(got.length >= 2, 'the script runs again at its interval');
  assert.deepEqual(JSON.parse(got[0]!), ['a;b', '$(touch x)']);
  assert.deepEqual(changes, [true]);
});

test('stats and json dumps in keepalived layout', () => {
  const model = { name: 'VI_1', vrid: 51, priority: 100, version: 2, advertIntUs: 1_000_000, garp: { masterDelayUs: 5e6, masterRepeat: 5, masterRefreshUs: 0, masterRefreshRepeat: 1, lowerPrioDelayUs: 5e6, lowerPrioRepeat: 5 }, notify: {}, virtualIpaddress: [], virtualIpaddressExcluded: [], trackInterfaces: [], trackScripts: [], trackProcesses: [] } as unknown as Parameters<typeof formatStats>[0][number]['model'];
  const stats = { advertRcvd: 3, advertSent: 7, becomeMaster: 1, releaseMaster: 0, priZeroRcvd: 0, priZeroSent: 1, packetLenErr: 0, ipTtlErr: 0, versErr: 0, invalidAuthtype: 0, authtypeMismatch: 0, authFailure: 0, invalidTypeRcvd: 0, chkErr: 0, addrListErr: 0, droppedAdverts: 0 };
  const view = { model, status: { name: 'VI_1', vrid: 51, family: 'inet' as const, state: 'MASTER' as const, effectivePriority: 100, masterAddress: null, vipsSet: true, faults: [], stats }, lastTransition: 1.5 };
  const text = formatStats([view]);
  assert.ok(text.startsWith('VRRP Instance: VI_1\n  Advertisements:\n    Received: 3\n    Sent: 7\n  Became master: 1\n'), text);
  assert.ok(text.endsWith('  Priority Zero:\n    Received: 0\n    Sent: 1\n'), text);
  const json = JSON.parse(formatJson([view])) as { data: Record<string, unknown>; stats: Record<string, unknown> }[];
  assert.equal(json[0]!.data.iname, 'VI_1');
  assert.equal(json[0]!.data.state, 2);
  assert.equal(json[0]!.data.vipset, true);
  assert.equal(json[0]!.stats.advert_sent, 7);
});
