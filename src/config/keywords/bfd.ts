// bfd_instance NAME { ... }: a BFD session, run by the BFD child (src/bfd/).
import type { SourceLoc } from '../ast.js';
import type { BfdInstance } from '../model.js';
import { defineBlock, type KeywordDef, type Kw } from './engine.js';
import { bareFlag, flag, intKw } from './common.js';

export function newBfdInstance(name: string, loc: SourceLoc): BfdInstance {
  return {
    name, loc, minRxUs: 10_000, minTxUs: 10_000, idleTxUs: 1_000_000, multiplier: 5, passive: false, maxHops: 0,
    multihop: false, weight: 0, weightReverse: false, sendTo: { vrrp: true, checker: true },
  };
}

function msKw(name: string, doc: string, set: (t: BfdInstance, us: number) => void, def: string, minMs = 1): KeywordDef<BfdInstance> {
  return {
    name, syntax: 'MILLISECONDS', default: def, doc,
    handle: (kw: Kw, t: BfdInstance) => { if (!kw.count(1)) return; const v = kw.timerUs(0, minMs * 1000, 3_600_000_000, 'ms'); if (v !== undefined) set(t, v); },
  };
}

function ipKw(name: string, doc: string, set: (t: BfdInstance, a: NonNullable<BfdInstance['neighborIp']>) => void, aliases: string[] = []): KeywordDef<BfdInstance> {
  return { name, syntax: 'ADDRESS', doc, aliases, handle: (kw: Kw, t: BfdInstance) => { if (!kw.count(1)) return; const a = kw.ip(0); if (a) set(t, a); } };
}

export const bfdInstanceBlock = defineBlock<BfdInstance>('bfd_instance NAME', 'A BFD session (RFC 5880/5881), run by the BFD child.', [
  ipKw('neighbor_ip', 'Peer address (required).', (t, a) => { t.neighborIp = a; }, ['neighbour_ip']),
  ipKw('source_ip', 'Local address.', (t, a) => { t.sourceIp = a; }),
  msKw('min_rx', 'Required minimum receive interval.', (t, v) => { t.minRxUs = v; }, '10'),
  msKw('min_tx', 'Desired minimum transmit interval.', (t, v) => { t.minTxUs = v; }, '10'),
  // keepalived's range starts at 1000 (RFC 5880 §6.8.3: at least 1 s while not Up).
  msKw('idle_tx', 'Transmit interval while down (at least 1000).', (t, v) => { t.idleTxUs = v; }, '1000', 1000),
  intKw('multiplier', 1, 255, 'Detection multiplier.', (t, v) => { t.multiplier = v; }, { default: '5' }),
  bareFlag('passive', 'Do not initiate the session.', (t) => { t.passive = true; }),
  intKw('ttl', 1, 255, 'IPv4 TTL of packets.', (t, v) => { t.ttl = v; }, { default: '255' }),
  intKw('hoplimit', 1, 255, 'IPv6 hop limit of packets.', (t, v) => { t.hoplimit = v; }, { default: '64' }),
  intKw('max_hops', 0, 255, 'Maximum hops of received packets (255: no check).', (t, v) => { t.maxHops = v; }, { default: '0' }),
  flag('multihop', 'RFC 5883 multihop (UDP port 4784).', (t, v) => { t.multihop = v; }, { since: '2.2.8' }),
  {
    name: 'weight', syntax: '-253..253 [reverse]', default: '0', doc: 'Default tracking weight for VRRP.',
    handle: (kw: Kw, t: BfdInstance) => {
      if (!kw.count(1, 2)) return;
      const v = kw.int(0, -253, 253);
      if (v === undefined) return;
      t.weight = v;
      if (kw.args[1] === 'reverse') t.weightReverse = true;
      else if (kw.args[1] !== undefined) kw.error(`weight: unexpected '${kw.args[1]}'`);
    },
  },
  bareFlag('vrrp', 'Send events only to the VRRP process.', (t) => { t.sendTo = { vrrp: true, checker: false }; }),
  bareFlag('checker', 'Send events only to the checker process.', (t) => { t.sendTo = { vrrp: false, checker: true }; }),
]);
