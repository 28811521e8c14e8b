// Replays a conformance fixture (test/fixtures/vrrp-conformance/*.json) through the pure
// state machine: events in, actions and state out. Adverts in fixtures are given as
// fields and go through the real codec (encode, decode, receive checks), so a fixture
// exercises the same path as a packet from the wire.

import { createFsm, type FsmAction, type FsmEvent, type FsmState, type TimerName, type FaultReason } from '../../src/vrrp/fsm.js';
import { normaliseSpec, type VrrpInstanceSpec } from '../../src/vrrp/spec.js';
import { decodeAdvert, encodeIpv4Advert, encodeIpv6Advert, IPV4_VRRP_GROUP, IPV6_VRRP_GROUP } from '../../src/vrrp/codec.js';
import type { VrrpAuth } from '../../src/vrrp/auth.js';
import { advertIntervalField } from '../../src/vrrp/timers.js';

export interface AdvertInput {
  type: 'advert';
  src: string;
  priority: number;
  dst?: string;
  vrid?: number;
  version?: 2 | 3;
  advertInterval?: number;
  addresses?: string[];
  ttl?: number;
  auth?: VrrpAuth;
  /** Flip a byte of the checksum after encoding. */
  corrupt?: 'checksum';
}

export type FixtureEvent =
  | AdvertInput
  | { type: 'start' }
  | { type: 'timer'; timer: TimerName; mayBecomeMaster?: boolean }
  | { type: 'sync'; to: 'MASTER' | 'BACKUP' | 'FAULT' }
  | { type: 'fault'; reason: FaultReason; active: boolean; holdFault?: boolean }
  | { type: 'priority'; total: number }
  | { type: 'vip-deleted' }
  | { type: 'shutdown' };

export interface FixtureStep {
  at: number;
  event: FixtureEvent;
  note?: string;
  state?: FsmState['state'];
  /** Exact list of actions. */
  actions?: FsmAction[];
  /** Actions that must appear (in this order, others may be interleaved). */
  includes?: FsmAction[];
  /** Action types that must not appear. */
  excludesTypes?: FsmAction['type'][];
  deadline?: number | null;
  effectivePriority?: number;
  stats?: Partial<FsmState['stats']>;
  /** The adverts this step puts on the wire, hex (IPv4: whole datagrams; IPv6: VRRP PDUs). */
  packets?: string[];
}

export interface Fixture {
  rule: string;
  description?: string;
  /** Record (and check) the bytes of every advert, not only the actions. */
  recordPackets?: boolean;
  spec: VrrpInstanceSpec;
  steps: FixtureStep[];
}

export interface StepOutcome {
  step: FixtureStep;
  state: FsmState;
  actions: FsmAction[];
  packets: string[];
}

export function fixtureEventToFsm(f: Fixture, ev: FixtureEvent, version: 2 | 3, family: 'inet' | 'inet6', advertIntUs: number, auth: VrrpAuth, vips: string[], ourSource: string | undefined, unicast: boolean): FsmEvent {
  if (ev.type !== 'advert') return ev;
  const v = ev.version ?? version;
  const fields = {
    version: v, family, vrid: ev.vrid ?? f.spec.vrid, priority: ev.priority,
    advertInterval: ev.advertInterval ?? advertIntervalField(v, advertIntUs), addresses: ev.addresses ?? vips, auth: ev.auth ?? auth,
  };
  const dst = ev.dst ?? (unicast ? (ourSource ?? '0.0.0.0') : family === 'inet' ? IPV4_VRRP_GROUP : IPV6_VRRP_GROUP);
  const bytes = family === 'inet'
    ? encodeIpv4Advert(fields, { src: ev.src, dst, id: 1, ttl: ev.ttl ?? 255, unicast })
    : encodeIpv6Advert(fields, { src: ev.src, dst });
  if (ev.corrupt === 'checksum') {
    const at = family === 'inet' ? bytes.length - (v === 2 ? 8 : 0) - 4 * fields.addresses.length - 2 : 7;
    bytes[at] = bytes[at]! ^ 0xff;
  }
  const d = decodeAdvert(family, bytes);
  if (!d.ok) throw new Error(`fixture advert does not decode: ${d.error}`);
  return { type: 'packet', advert: d.advert, meta: { src: ev.src, dst, ttl: ev.ttl ?? 255 } };
}

export function runFixture(f: Fixture): StepOutcome[] {
  const norm = normaliseSpec(f.spec);
  if (!norm.ok) throw new Error(`fixture spec invalid: ${norm.errors.join('; ')}`);
  const c = norm.config;
  const fsm = createFsm(c);
  let state = fsm.initial();
  const out: StepOutcome[] = [];
  let ipId = 0;
  for (const step of f.steps) {
    const ev = fixtureEventToFsm(f, step.event, c.version, c.family, c.advertIntUs, c.auth, c.vips, c.sourceAddress, c.unicast);
    const r = fsm.step(state, ev, step.at);
    state = r.state;
    // What the runtime would send for each send-advert action (as src/vrrp/instance.ts does).
    const packets: string[] = [];
    for (const a of r.actions) {
      if (a.type !== 'send-advert') continue;
      ipId++;
      const fields = { version: c.version, family: c.family, vrid: c.vrid, priority: a.priority, advertInterval: advertIntervalField(c.version, c.advertIntUs), addresses: c.vips, auth: c.auth };
      const src = c.sourceAddress ?? '0.0.0.0';
      for (const dst of c.unicast ? c.peers.map((p) => p.address) : [c.family === 'inet' ? IPV4_VRRP_GROUP : IPV6_VRRP_GROUP]) {
        const bytes = c.family === 'inet'
          ? encodeIpv4Advert(fields, { src, dst, id: ipId, ahSeq: ipId, unicast: c.unicast, v3ChecksumAsV2: c.v3ChecksumAsV2 })
          : encodeIpv6Advert(fields, { src, dst });
        packets.push(bytes.toString('hex'));
      }
    }
    out.push({ step, state, actions: r.actions, packets });
  }
  return out;
}
