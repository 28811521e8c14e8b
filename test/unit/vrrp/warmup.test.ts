// The start-up warm-up (src/vrrp/warmup.ts): one stand-in per kind of configured instance,
// taken through takeover, preemption, priority-0 handover and stop on fakes only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { warmUpFailover, warmupSpecs } from '../../../src/vrrp/warmup.js';
import type { VrrpInstanceSpec } from '../../../src/vrrp/spec.js';

function spec(over: Partial<VrrpInstanceSpec> = {}): VrrpInstanceSpec {
  return { name: 'VI_1', vrid: 51, interface: 'eth0', priority: 150, advertIntSec: 1, vips: [{ address: '10.0.0.100', prefixLength: 24 }], sourceAddress: '10.0.0.1', ...over };
}

test('warm-up: one stand-in per kind of instance, on documentation addresses only', () => {
  const ws = warmupSpecs([
    spec(),
    spec({ name: 'VI_2', vrid: 52 }), // same kind as VI_1
    spec({ name: 'VI_3', version: 3, advertIntSec: 0.05 }),
    spec({ name: 'VI_4', vips: [{ address: 'fd00::100', prefixLength: 64 }], sourceAddress: 'fe80::1' }),
    spec({ name: 'VI_5', auth: { type: 'pass', password: 'secret' } }),
    spec({ name: 'VI_6', unicastPeers: [{ address: '10.0.0.2' }] }),
  ]);
  assert.deepEqual(ws.map((w) => `${w.version}/${w.family}/${w.auth?.type ?? 'none'}/${w.unicastPeers ? 'u' : 'm'}`), [
    '2/inet/none/m', '3/inet/none/m', '3/inet6/none/m', '2/inet/pass/m', '2/inet/none/u',
  ]);
  for (const w of ws) {
    assert.equal(w.interface, 'warm0');
    for (const a of [w.sourceAddress, ...w.vips.map((v) => v.address), ...(w.unicastPeers ?? []).map((p) => p.address)]) {
      assert.match(a ?? '', /^(192\.0\.2\.|2001:db8:|fe80::)/, `${a} is not a documentation or link-local address`);
    }
  }
  assert.equal(ws[1]?.advertIntSec, 0.05);
});

test('warm-up: each stand-in goes through takeover, preemption, a priority-0 handover and stop', async () => {
  const seen = await warmUpFailover([
    spec(),
    spec({ name: 'VI_3', version: 3, advertIntSec: 0.01 }),
    spec({ name: 'VI_4', vips: [{ address: 'fd00::100', prefixLength: 64 }], sourceAddress: 'fe80::1' }),
    spec({ name: 'VI_5', auth: { type: 'ah', password: 'secret' } }),
    spec({ name: 'VI_6', version: 3, unicastPeers: [{ address: '10.0.0.2' }] }),
  ]);
  assert.equal(seen.length, 5);
  for (const states of seen) assert.deepEqual(states, ['BACKUP', 'MASTER', 'BACKUP', 'MASTER', 'STOP']);
});

test('warm-up: nothing configured, nothing run; at most eight kinds', async () => {
  assert.deepEqual(await warmUpFailover([]), []);
  const many = [2, 3].flatMap((version) => ['none', 'pass', 'ah'].flatMap((auth) => [false, true].map((u) => spec({
    version: version as 2 | 3,
    ...(auth === 'none' ? {} : { auth: { type: auth as 'pass' | 'ah', password: 'x' } }),
    ...(u ? { unicastPeers: [{ address: '10.0.0.2' }] } : {}),
  }))));
  assert.equal(warmupSpecs(many).length, 6 + 2); // v3 ignores auth: 6 kinds of v2, 2 of v3
  assert.ok(warmupSpecs([...many, spec({ vips: [{ address: 'fd00::1' }] })]).length <= 8);
});
