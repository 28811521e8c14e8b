// Random event sequences through the state machine: it never throws, and the invariants a
// user relies on hold after every step (VIPs installed only while MASTER, a timer armed
// exactly in BACKUP/MASTER, priority within bounds, FAULT iff a fault is active).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../lib/prng.js';
import { createFsm, type FsmEvent, type FaultReason } from '../../../src/vrrp/fsm.js';
import { normaliseSpec, type VrrpInstanceSpec } from '../../../src/vrrp/spec.js';
import { decodeAdvert, encodeIpv4Advert } from '../../../src/vrrp/codec.js';

test('10,000 random steps on each of 30 random instances keep the invariants', () => {
  const r = new Prng(0xa11ce);
  for (let run = 0; run < 30; run++) {
    const version = r.pick([2, 3] as const);
    const spec: VrrpInstanceSpec = {
      name: 'R', vrid: 7, version, interface: 'eth0', priority: r.pick([1, 50, 100, 200, 254, 255]),
      initialState: r.pick(['MASTER', 'BACKUP'] as const), advertIntSec: version === 2 ? 1 : r.pick([0.05, 0.5, 1]),
      vips: [{ address: '10.1.0.1' }], sourceAddress: '10.1.0.5', nopreempt: r.next() < 0.3, preemptDelaySec: r.next() < 0.3 ? 2 : 0,
      lowerPrioNoAdvert: r.next() < 0.5, higherPrioSendAdvert: r.next() < 0.5, accept: r.next() < 0.5, strict: r.next() < 0.2,
      startupDelaySec: r.next() < 0.2 ? 1 : 0, dontTrackPrimary: r.next() < 0.3,
    };
    const norm = normaliseSpec(spec);
    assert.ok(norm.ok);
    const fsm = createFsm(norm.config);
    let st = fsm.initial();
    let now = 0;
    const reasons: FaultReason[] = ['interface', 'tracker', 'no-source-ip'];
    for (let i = 0; i < 10_000; i++) {
      now += r.int(0, 400_000);
      let ev: FsmEvent;
      const k = r.int(0, 9);
      if (i === 0) ev = { type: 'start' };
      else if (k <= 3) {
        const data = encodeIpv4Advert({ version, family: 'inet', vrid: 7, priority: r.pick([0, 1, 100, 150, 255, r.int(0, 255)]), advertInterval: version === 2 ? 1 : r.pick([5, 50, 100]), addresses: ['10.1.0.1'] },
          { src: `10.1.0.${r.int(1, 9)}`, dst: '224.0.0.18', id: 1 });
        const d = decodeAdvert('inet', data);
        assert.ok(d.ok);
        ev = { type: 'packet', advert: d.advert, meta: { src: d.advert.ip!.src, dst: '224.0.0.18', ttl: 255 } };
      } else if (k <= 6) ev = { type: 'timer', timer: st.deadline !== null && r.next() < 0.8 ? 'main' : r.pick(['garp-delay', 'garp-refresh', 'rogue-owner'] as const) };
      else if (k === 7) ev = { type: 'fault', reason: r.pick(reasons), active: r.next() < 0.5 };
      else if (k === 8) ev = { type: 'priority', total: r.int(-50, 300) };
      else ev = r.next() < 0.02 ? { type: 'shutdown' } : { type: 'vip-deleted' };
      if (ev.type === 'timer' && ev.timer === 'main' && st.deadline !== null) now = Math.max(now, st.deadline);
      const out = fsm.step(st, ev, now);
      st = out.state;
      const where = `run ${run} step ${i} ${ev.type}`;
      assert.equal(st.vipsSet, st.state === 'MASTER', `${where}: VIPs iff MASTER (${st.state})`);
      if (!st.stopped) assert.equal(st.deadline !== null, st.state === 'BACKUP' || st.state === 'MASTER', `${where}: timer armed`);
      assert.ok(st.effectivePriority >= 1 && st.effectivePriority <= 255, where);
      if (st.state !== 'INIT') assert.equal(st.state === 'FAULT', st.faults.length > 0, `${where}: FAULT iff faults ${JSON.stringify(st.faults)}`);
      for (const a of out.actions) if (a.type === 'send-advert') assert.ok(a.priority >= 0 && a.priority <= 255);
      if (st.stopped) break;
    }
  }
});
