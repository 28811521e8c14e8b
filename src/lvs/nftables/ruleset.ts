// The nftables data plane for NAT virtual services, as a pure generator of nf_tables
// messages. One table of our own (inet family, default "keepalived_ts"):
//
//   chain prerouting / output (type nat, priority dstnat):
//     meta mark vmap @fwmark                               fwmark services first, as IPVS does
//     ip daddr . meta l4proto . th dport vmap @svc4        address services
//     ip daddr . meta l4proto vmap @svc4any                port 0 ("all ports") services
//     (the same two for IPv6: @svc6, @svc6any)
//   chain vs_<service>: picks a real server and DNATs to it
//     dnat to numgen inc mod S (rr, wrr) | jhash ip saddr mod S (sh, mh) map @rs_<service>
//                                                      (slot -> address . port)
//   with persistence, one chain per real server instead (nft cannot express "remember the
//   result of a map lookup"):
//     ip saddr & mask @pe_<service>__<rs> goto vs_<service>__<rs>   (one rule per server)
//     numgen inc mod S | jhash ... vmap @rs_<service>                (slot -> goto)
//   chain vs_<service>__<rs>: update @pe_<service>__<rs> { ip saddr & mask }; dnat to <rs>
//
// Weights become slots: S slots shared in proportion to the weights (exactly, when the
// reduced weights add up to at most MAX_SLOTS). A server at weight 0 holds no slot and is
// skipped by the persistence checks: it gets no new connections while conntrack keeps its
// established ones, like IPVS's weight 0. A change to one service rewrites only that
// service's chains and maps. Every rule is one nft can print (`nft list ruleset`).
import { createHash } from 'node:crypto';
import { serviceKeyString, type DestinationEntry, type ServiceEntry, type ServiceKey } from '../desired.js';
import { addressToBytes, prefixToMask } from '../ip.js';
import { IPPROTO } from '../ipvs/constants.js';
import { MetaKey, NFT_DATA_VERDICT, NFT_TYPE_BITS, NfHook, NfProto, NftType, NumgenType, PayloadBase, Reg, SetFlag, Verdict } from '../../net/nftables/constants.js';
import * as m from '../../net/nftables/messages.js';
import type { NftMessage } from '../../net/nftables/messages.js';

export const DEFAULT_TABLE = 'keepalived_ts';
const F = NfProto.INET;
const MAX_SLOTS = 256;
const DSTNAT_PRIORITY = -100;

/** Schedulers nftables can express: a counter (rr, wrr) or a hash of the client address (sh, mh). */
const SUPPORTED_SCHEDULERS = new Set(['rr', 'wrr', 'sh', 'mh']);

const r32 = (n: number): number => Reg.R32_00 + n;
const concat = (...types: number[]): number => types.reduce((acc, t) => (acc << NFT_TYPE_BITS) | t, 0);

export function serviceWords(k: ServiceKey): string {
  return k.kind === 'fwmark' ? `fwmark_${k.fwmark}_${k.family}` : `${k.protocol}_${k.address}_${k.port}`;
}

export function chainName(k: ServiceKey): string {
  return `vs_${serviceWords(k)}`;
}
const slotMapName = (k: ServiceKey): string => `rs_${serviceWords(k)}`;

/** What this data plane cannot do for these services, one sentence per problem naming the option. */
export function nftablesRefusals(services: readonly ServiceEntry[]): string[] {
  const out: string[] = [];
  const tail = 'with lvs_backend nftables; use lvs_backend ipvs';
  for (const s of services) {
    const vs = `virtual server ${serviceKeyString(s.key)}`;
    if (!SUPPORTED_SCHEDULERS.has(s.scheduler)) out.push(`${vs}: lb_algo ${s.scheduler} is not possible ${tail} (nftables supports rr, wrr, sh, mh)`);
    if (s.onePacket) out.push(`${vs}: ops (one-packet scheduling) is not possible ${tail}`);
    if (s.schedulerFlags.flag1 || s.schedulerFlags.flag2 || s.schedulerFlags.flag3) out.push(`${vs}: scheduler flags (sh-port, sh-fallback, mh-port, mh-fallback, flag-N) are not possible ${tail}`);
    if (s.persistence?.engine) out.push(`${vs}: persistence_engine ${s.persistence.engine} is not possible ${tail}`);
    for (const d of s.destinations) {
      const rs = `${vs} real server [${d.address}]:${d.port}`;
      if (d.forwarding.method !== 'nat') out.push(`${rs}: lb_kind ${d.forwarding.method.toUpperCase()} is not possible ${tail} (nftables does NAT only)`);
      if (d.upperThreshold || d.lowerThreshold) out.push(`${rs}: uthreshold/lthreshold are not possible ${tail}`);
      if (d.family !== s.key.family) out.push(`${rs}: an ${d.family === 'inet' ? 'IPv4' : 'IPv6'} real server behind an ${s.key.family === 'inet' ? 'IPv4' : 'IPv6'} service needs lb_kind TUN ${tail}`);
    }
  }
  return out;
}

/** Weighted slots: which destination (index) each of S slots goes to. Empty when no weight. */
export function slots(weights: readonly number[], fixedSize?: number): number[] {
  const live = weights.map((w, i) => [w, i] as const).filter(([w]) => w > 0);
  if (live.length === 0) return [];
  const g = live.reduce((acc, [w]) => gcd(acc, w), 0);
  const reduced = live.map(([w, i]) => [w / g, i] as const);
  const total = reduced.reduce((n, [w]) => n + w, 0);
  let counts: Array<readonly [number, number]>;
  if (fixedSize === undefined && total <= MAX_SLOTS) counts = reduced;
  else if (fixedSize !== undefined && fixedSize % total === 0) counts = reduced.map(([w, i]) => [(w * fixedSize) / total, i] as const);
  else {
    // Largest remainder, every live server keeps at least one slot.
    const size = Math.max(fixedSize ?? MAX_SLOTS, live.length);
    const exact = reduced.map(([w, i]) => [(w * size) / total, i] as const);
    const base = exact.map(([x, i]) => [Math.max(1, Math.floor(x)), i] as const);
    let left = size - base.reduce((n, [c]) => n + c, 0);
    const order = exact.map(([x], j) => [x - Math.floor(x), j] as const).sort((a, b) => b[0] - a[0]);
    const c = base.map(([n, i]) => [n, i] as [number, number]);
    for (const [, j] of order) {
      if (left <= 0) break;
      c[j]![0]++;
      left--;
    }
    counts = c;
  }
  // Interleave, so that a counter walks the servers in turn rather than in blocks.
  const out: number[] = [];
  const remaining = counts.map(([n, i]) => ({ n, i, credit: 0 }));
  const sum = remaining.reduce((n, r) => n + r.n, 0);
  for (let k = 0; k < sum; k++) {
    for (const r of remaining) r.credit += r.n;
    let best = remaining[0]!;
    for (const r of remaining) if (r.credit > best.credit) best = r;
    best.credit -= sum;
    out.push(best.i);
  }
  return out;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

const u32le = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};
const padded = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
const port16 = (p: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(p);
  return b;
};

const withPort = (k: ServiceKey): boolean => k.kind === 'addr' && k.port !== 0;
const addrLen = (k: ServiceKey): number => (k.family === 'inet' ? 4 : 16);

/** The dispatch map a service lives in, and its key there. */
function dispatchOf(k: ServiceKey): { map: string; key: Buffer } {
  if (k.kind === 'fwmark') return { map: 'fwmark', key: u32le(k.fwmark) };
  const a = addressToBytes(k.family, k.address);
  const proto = padded(Buffer.from([IPPROTO[k.protocol]]));
  const fam = k.family === 'inet' ? '4' : '6';
  if (k.port === 0) return { map: `svc${fam}any`, key: Buffer.concat([a, proto]) };
  return { map: `svc${fam}`, key: Buffer.concat([a, proto, padded(port16(k.port))]) };
}

function seedOf(k: ServiceKey): number {
  return createHash('sha256').update(serviceKeyString(k)).digest().readUInt32LE(0);
}

/** The base: table, the two nat chains, the dispatch maps and their lookups. Assumes no table. */
export function baseMessages(table: string): NftMessage[] {
  const out: NftMessage[] = [m.newTable(F, table)];
  let id = 1;
  // Concatenated keys need no CONCAT flag for hash sets (that flag is for interval concatenations).
  const vmap = (name: string, keyType: number, keyLen: number) =>
    m.newSet(F, table, { name, flags: SetFlag.MAP, keyType, keyLen, dataType: NFT_DATA_VERDICT, dataLen: 0, id: id++ });
  out.push(
    m.newSet(F, table, { name: 'fwmark', flags: SetFlag.MAP, keyType: NftType.MARK, keyLen: 4, dataType: NFT_DATA_VERDICT, dataLen: 0, id: id++, hostOrderKey: true }),
    vmap('svc4', concat(NftType.IPADDR, NftType.INET_PROTOCOL, NftType.INET_SERVICE), 12),
    vmap('svc4any', concat(NftType.IPADDR, NftType.INET_PROTOCOL), 8),
    vmap('svc6', concat(NftType.IP6ADDR, NftType.INET_PROTOCOL, NftType.INET_SERVICE), 24),
    vmap('svc6any', concat(NftType.IP6ADDR, NftType.INET_PROTOCOL), 20),
  );
  const e = m.expr;
  for (const [chain, hooknum] of [
    ['prerouting', NfHook.PRE_ROUTING],
    ['output', NfHook.LOCAL_OUT],
  ] as const) {
    out.push(m.newChain(F, table, chain, { type: 'nat', hooknum, priority: DSTNAT_PRIORITY }));
    out.push(m.newRule(F, table, chain, [e.meta(MetaKey.MARK, r32(0)), e.lookup('fwmark', r32(0), Reg.VERDICT)], 'fwmark services'));
    for (const [fam, off, len] of [
      [NfProto.IPV4, 16, 4],
      [NfProto.IPV6, 24, 16],
    ] as const) {
      const f = fam === NfProto.IPV4 ? '4' : '6';
      const words = len / 4;
      const head = [e.meta(MetaKey.NFPROTO, r32(0)), e.cmpEq(r32(0), Buffer.from([fam])), e.payload(PayloadBase.NETWORK, off, len, r32(0)), e.meta(MetaKey.L4PROTO, r32(words))];
      out.push(m.newRule(F, table, chain, [...head, e.payload(PayloadBase.TRANSPORT, 2, 2, r32(words + 1)), e.lookup(`svc${f}`, r32(0), Reg.VERDICT)], `IPv${f} services`));
      out.push(m.newRule(F, table, chain, [...head, e.lookup(`svc${f}any`, r32(0), Reg.VERDICT)], `IPv${f} all-port services`));
    }
  }
  return out;
}

let setIds = 1000;

const destWords = (d: { address: string; port: number }): string => `${d.address}_${d.port}`;
const destChainName = (k: ServiceKey, d: { address: string; port: number }): string => `${chainName(k)}__${destWords(d)}`;
const affinitySetName = (k: ServiceKey, d: { address: string; port: number }): string => `pe_${serviceWords(k)}__${destWords(d)}`;

/** `meta nfproto ipv4|ipv6`: always true here (dispatch is per family), but it lets nft print `ip saddr`. */
function familyCheck(k: ServiceKey): m.Expr[] {
  return [m.expr.meta(MetaKey.NFPROTO, Reg.R4), m.expr.cmpEq(Reg.R4, Buffer.from([k.family === 'inet' ? NfProto.IPV4 : NfProto.IPV6]))];
}

/** The client address (masked to the persistence granularity) into REG_4. */
function clientKey(s: ServiceEntry): m.Expr[] {
  const k = s.key;
  const alen = addrLen(k);
  const x = [...familyCheck(k), m.expr.payload(PayloadBase.NETWORK, k.family === 'inet' ? 12 : 8, alen, Reg.R4)];
  const p = s.persistence;
  if (p && p.prefixLength < alen * 8) {
    const mask = Buffer.alloc(alen);
    if (alen === 4) mask.writeUInt32BE(prefixToMask(p.prefixLength));
    else for (let bit = 0; bit < p.prefixLength; bit++) mask[bit >> 3] = mask[bit >> 3]! | (0x80 >> (bit & 7));
    x.push(m.expr.mask(Reg.R4, mask));
  }
  return x;
}

/** A real server's own chain: remember the client (persistence), then DNAT to it. */
function addDestinationMessages(table: string, s: ServiceEntry, d: DestinationEntry): NftMessage[] {
  const k = s.key;
  const e = m.expr;
  const out: NftMessage[] = [];
  const chain = destChainName(k, d);
  out.push(m.newChain(F, table, chain));
  const body: m.Expr[] = [];
  if (s.persistence) {
    const aff = affinitySetName(k, d);
    out.push(m.newSet(F, table, { name: aff, flags: SetFlag.TIMEOUT | SetFlag.EVAL, keyType: k.family === 'inet' ? NftType.IPADDR : NftType.IP6ADDR, keyLen: addrLen(k), timeoutMs: s.persistence.timeout * 1000, id: setIds++ }));
    body.push(...clientKey(s), e.dynsetUpdate(aff, Reg.R4, s.persistence.timeout * 1000));
  }
  const fam = k.family === 'inet' ? NfProto.IPV4 : NfProto.IPV6;
  body.push(e.immediate(Reg.R1, addressToBytes(k.family, d.address)));
  if (withPort(k)) body.push(e.immediate(r32(addrLen(k) / 4), port16(d.port)));
  body.push(e.dnat(fam, Reg.R1, withPort(k) ? r32(addrLen(k) / 4) : undefined));
  out.push(m.newRule(F, table, chain, body, `real server [${d.address}]:${d.port}`));
  return out;
}

function deleteDestinationMessages(table: string, s: ServiceEntry, d: DestinationEntry): NftMessage[] {
  const chain = destChainName(s.key, d);
  const out = [m.flushChain(F, table, chain), m.delChain(F, table, chain)];
  if (s.persistence) out.push(m.delSet(F, table, affinitySetName(s.key, d)));
  return out;
}

/**
 * Slots of a service without persistence: a fixed number, so that a checker event only
 * rewrites map elements (no rule, no verdict: the kernel then need not re-validate the whole
 * table, which costs as much as the table is large). 120 divides evenly among 1..6, 8, 10,
 * 12, 15 equal servers and keeps other ratios within a few percent.
 */
export const FIXED_SLOTS = 120;

/** Everything a new service needs: slot map, chains, rules and its dispatch element. */
export function addServiceMessages(table: string, s: ServiceEntry): NftMessage[] {
  const k = s.key;
  const out: NftMessage[] = [];
  if (s.persistence) {
    out.push(m.newSet(F, table, { name: slotMapName(k), flags: SetFlag.MAP, keyType: NftType.MARK, keyLen: 4, dataType: NFT_DATA_VERDICT, dataLen: 0, id: setIds++, hostOrderKey: true }));
  } else {
    const dataType = withPort(k) ? concat(k.family === 'inet' ? NftType.IPADDR : NftType.IP6ADDR, NftType.INET_SERVICE) : k.family === 'inet' ? NftType.IPADDR : NftType.IP6ADDR;
    out.push(m.newSet(F, table, { name: slotMapName(k), flags: SetFlag.MAP, keyType: NftType.MARK, keyLen: 4, dataType, dataLen: addrLen(k) + (withPort(k) ? 4 : 0), id: setIds++, hostOrderKey: true }));
  }
  out.push(m.newChain(F, table, chainName(k)));
  if (s.persistence) for (const d of uniqueDestinations(s)) out.push(...addDestinationMessages(table, s, d));
  out.push(...serviceRules(table, s), ...slotElements(table, s));
  const disp = dispatchOf(k);
  out.push(m.newElements(F, table, disp.map, [{ key: disp.key, data: { verdict: Verdict.GOTO, chain: chainName(k) } }]));
  return out;
}

/**
 * The service's destinations once each, in address order: what we write depends on the set
 * of servers and their weights only, not on the order they were added in, so a table read
 * back compares equal to the configuration after any sequence of checker events.
 */
function uniqueDestinations(s: ServiceEntry): DestinationEntry[] {
  const seen = new Set<string>();
  return s.destinations
    .filter((d) => {
      const w = destWords(d);
      if (seen.has(w)) return false;
      seen.add(w);
      return true;
    })
    .sort((a, b) => (destWords(a) < destWords(b) ? -1 : destWords(a) > destWords(b) ? 1 : 0));
}

function slotsOf(s: ServiceEntry): number[] {
  return slots(
    uniqueDestinations(s).map((d) => d.weight),
    s.persistence ? undefined : FIXED_SLOTS,
  );
}

/** The service chain's rules (the chain exists and is empty). */
function serviceRules(table: string, s: ServiceEntry): NftMessage[] {
  const k = s.key;
  const e = m.expr;
  const out: NftMessage[] = [];
  const dests = uniqueDestinations(s);
  const name = serviceKeyString(k);
  const alen = addrLen(k);
  if (s.persistence) {
    // A client seen recently goes back to its server, as long as that server takes new connections.
    for (const d of dests) {
      if (d.weight <= 0) continue;
      out.push(m.newRule(F, table, chainName(k), [...clientKey(s), e.lookup(affinitySetName(k, d), Reg.R4), e.verdict(Verdict.GOTO, destChainName(k, d))], `${name}: persistent clients of [${d.address}]:${d.port}`));
    }
  }
  const size = s.persistence ? slotsOf(s).length : FIXED_SLOTS;
  if (size === 0) return out; // nobody takes new connections: the packet goes on untouched
  const pick =
    s.scheduler === 'sh' || s.scheduler === 'mh'
      ? [...familyCheck(k), e.payload(PayloadBase.NETWORK, k.family === 'inet' ? 12 : 8, alen, Reg.R4), e.jhash(Reg.R4, alen, size, seedOf(k), r32(8))]
      : [e.numgen(NumgenType.INC, size, r32(8))];
  if (s.persistence) {
    out.push(m.newRule(F, table, chainName(k), [...pick, e.lookup(slotMapName(k), r32(8), Reg.VERDICT)], `${name}: ${s.scheduler}`));
  } else {
    // A slot with no element (no server up) makes the lookup fail: no DNAT.
    const fam = k.family === 'inet' ? NfProto.IPV4 : NfProto.IPV6;
    out.push(m.newRule(F, table, chainName(k), [...pick, e.lookup(slotMapName(k), r32(8), Reg.R1), e.dnat(fam, Reg.R1, withPort(k) ? r32(alen / 4) : undefined)], `${name}: ${s.scheduler}`));
  }
  return out;
}

/** The slot map's elements (the map exists and is empty). */
function slotElements(table: string, s: ServiceEntry): NftMessage[] {
  const k = s.key;
  const dests = uniqueDestinations(s);
  const slotOf = slotsOf(s);
  if (slotOf.length === 0) return [];
  const data = (d: DestinationEntry): m.ElementData =>
    s.persistence ? { verdict: Verdict.GOTO, chain: destChainName(k, d) } : { value: withPort(k) ? Buffer.concat([addressToBytes(k.family, d.address), padded(port16(d.port))]) : addressToBytes(k.family, d.address) };
  return [m.newElements(F, table, slotMapName(k), slotOf.map((i, slot) => ({ key: u32le(slot), data: data(dests[i]!) })))];
}

export function deleteServiceMessages(table: string, s: ServiceEntry): NftMessage[] {
  const k = s.key;
  const disp = dispatchOf(k);
  return [
    m.delElements(F, table, disp.map, [disp.key]),
    m.flushChain(F, table, chainName(k)),
    m.flushSet(F, table, slotMapName(k)),
    m.delSet(F, table, slotMapName(k)),
    ...(s.persistence ? uniqueDestinations(s).flatMap((d) => deleteDestinationMessages(table, s, d)) : []),
    m.delChain(F, table, chainName(k)),
  ];
}

const samePersistence = (a: ServiceEntry, b: ServiceEntry): boolean => JSON.stringify(a.persistence ?? null) === JSON.stringify(b.persistence ?? null);

/**
 * Rewrites a service in place. Without persistence a weight or membership change only
 * replaces the slot map's elements. With persistence the chain is rewritten too; servers
 * that left lose their chains; a server that stops taking connections forgets its clients.
 */
export function changeServiceMessages(table: string, before: ServiceEntry, after: ServiceEntry): NftMessage[] {
  if (!samePersistence(before, after)) return [...deleteServiceMessages(table, before), ...addServiceMessages(table, after)];
  const k = after.key;
  if (!after.persistence) {
    const out = [];
    if (before.scheduler !== after.scheduler) out.push(m.flushChain(F, table, chainName(k)), ...serviceRules(table, after));
    out.push(m.flushSet(F, table, slotMapName(k)), ...slotElements(table, after));
    return out;
  }
  const out = [m.flushChain(F, table, chainName(k)), m.flushSet(F, table, slotMapName(k))];
  const was = new Map(uniqueDestinations(before).map((d) => [destWords(d), d]));
  const now = new Map(uniqueDestinations(after).map((d) => [destWords(d), d]));
  for (const [w, d] of was) if (!now.has(w)) out.push(...deleteDestinationMessages(table, before, d));
  for (const [w, d] of now) {
    const old = was.get(w);
    if (!old) out.push(...addDestinationMessages(table, after, d));
    else if (d.weight <= 0 && old.weight > 0) out.push(m.flushSet(F, table, affinitySetName(k, d)));
  }
  out.push(...serviceRules(table, after), ...slotElements(table, after));
  return out;
}

/** The whole table from nothing: delete whatever is there (create first, so the delete cannot fail). */
export function fullMessages(table: string, services: readonly ServiceEntry[]): NftMessage[] {
  return [m.newTable(F, table), m.delTable(F, table), ...baseMessages(table), ...services.flatMap((s) => addServiceMessages(table, s))];
}

export function removeTableMessages(table: string): NftMessage[] {
  return [m.newTable(F, table), m.delTable(F, table)];
}
