// keepalived's config-derived rules applied when a VrrpInstanceSpec becomes an FsmConfig.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseSpec, type VrrpInstanceSpec } from '../../../src/vrrp/spec.js';

const base: VrrpInstanceSpec = { name: 'VI_1', vrid: 51, interface: 'eth0', vips: [{ address: '10.0.0.100' }] };

test('defaults: v2, priority 100, BACKUP, 1 s adverts, accept, GARP 5 + 5 after 5 s', () => {
  const r = normaliseSpec(base);
  assert.ok(r.ok);
  assert.equal(r.config.version, 2);
  assert.equal(r.config.basePriority, 100);
  assert.equal(r.config.wantMaster, false);
  assert.equal(r.config.advertIntUs, 1_000_000);
  assert.equal(r.config.accept, true);
  assert.deepEqual([r.config.garp.masterRepeat, r.config.garp.masterDelayUs], [5, 5_000_000]);
});

test('state MASTER without priority means priority 255; IPv6 forces v3 and drops auth', () => {
  const r = normaliseSpec({ ...base, initialState: 'MASTER' });
  assert.ok(r.ok && r.config.basePriority === 255 && r.config.wantMaster);
  const v6 = normaliseSpec({ ...base, version: 2, vips: [{ address: 'fe80::1' }], auth: { type: 'pass', password: 'x' } });
  assert.ok(v6.ok);
  assert.equal(v6.config.version, 3);
  assert.equal(v6.config.family, 'inet6');
  assert.deepEqual(v6.config.auth, { type: 'none' });
  assert.ok(v6.warnings.some((w) => w.includes('version 3')));
});

test('advert_int rounding: v2 whole seconds, v3 centiseconds', () => {
  const v2 = normaliseSpec({ ...base, advertIntSec: 1.4 });
  assert.ok(v2.ok && v2.config.advertIntUs === 1_000_000);
  const v3 = normaliseSpec({ ...base, version: 3, advertIntSec: 0.123 });
  assert.ok(v3.ok && v3.config.advertIntUs === 120_000);
});

test('nopreempt is cleared for the owner; preempt_delay is cleared with nopreempt', () => {
  const owner = normaliseSpec({ ...base, priority: 255, nopreempt: true });
  assert.ok(owner.ok && !owner.config.nopreempt);
  const both = normaliseSpec({ ...base, nopreempt: true, preemptDelaySec: 5 });
  assert.ok(both.ok && both.config.nopreempt && both.config.preemptDelayUs === 0);
});

test('strict mode: no unicast, owner ignores adverts, lower_prio_no_advert, no accept for non-owners, auth ignored', () => {
  const uni = normaliseSpec({ ...base, strict: true, unicastPeers: [{ address: '10.0.0.2' }] });
  assert.equal(uni.ok, false);
  const r = normaliseSpec({ ...base, strict: true, priority: 150, initialState: 'MASTER', auth: { type: 'pass', password: 'p' }, preemptDelaySec: 3, higherPrioSendAdvert: true });
  assert.ok(r.ok);
  assert.equal(r.config.wantMaster, false);
  assert.equal(r.config.accept, false);
  assert.equal(r.config.lowerPrioNoAdvert, true);
  assert.equal(r.config.higherPrioSendAdvert, false);
  assert.equal(r.config.ownerIgnoreAdverts, true);
  assert.equal(r.config.preemptDelayUs, 0);
  assert.equal(r.config.garp.lowerPrioRepeat, 0);
  assert.deepEqual(r.config.auth, { type: 'none' });
});

test('bad input is explained, not thrown', () => {
  const r = normaliseSpec({ ...base, vrid: 0, priority: 300, vips: [{ address: 'fe80::1' }, { address: '10.0.0.1' }] });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.ok(r.errors.some((e) => e.includes('virtual_router_id')));
    assert.ok(r.errors.some((e) => e.includes('priority 300')));
    assert.ok(r.errors.some((e) => e.includes('10.0.0.1')));
  }
});
