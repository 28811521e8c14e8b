// Routes: struct rtmsg (12 bytes) + RTA_ attributes.
//   u8 family, u8 dst_len, u8 src_len, u8 tos, u8 table, u8 protocol, u8 scope, u8 type, u32 flags
import { AttributeEncoder, Attributes } from '../netlink/attributes.js';
import { NLA_F_NESTED } from '../netlink/constants.js';
import { AF_INET, afOf, bytesToIp, familyOf, ipToBytes, parsePrefix, type IpFamily } from '../ip-bytes.js';
import { ROUTE_TYPES, RTAX_FEATURE_ECN, RouteFlag, RouteMetric, RoutePreference, RouteProtocol, RtaAttr, Scope, Table, type RouteType, type ScopeName } from './constants.js';
import { scopeName } from './address.js';

export const RTMSG_LEN = 12;

export type RouteProtocolName = keyof typeof RouteProtocol;
export type RoutePreferenceName = keyof typeof RoutePreference;

/** Numeric route metrics, by ip(8)'s names. */
export type NumericMetricName = Exclude<keyof typeof RouteMetric, 'lock' | 'congctl' | 'features'>;

export interface RouteMetrics extends Partial<Record<NumericMetricName, number>> {
  /** Congestion control algorithm ("congctl cubic"). */
  congctl?: string;
  /** "features ecn". */
  ecn?: boolean;
  /** Metrics given with "lock" (the kernel will not change them from path discovery). */
  locked?: NumericMetricName[];
}

/** One path of a multipath route ("nexthop via ... dev ... weight N"). */
export interface Nexthop {
  gateway?: string;
  /** Interface index. */
  device?: number;
  /** 1..256; the kernel stores weight - 1. */
  weight?: number;
  onlink?: boolean;
}

export interface RouteSpec {
  /** "10.1.0.0/16", "fd00:1::/64", or "default" (then `family` says which). */
  destination: string;
  family?: IpFamily;
  type?: RouteType;
  /** Table number; main (254) by default. */
  table?: number;
  /** RTA_PRIORITY ("metric"). */
  metric?: number;
  /** Preferred source address (ip route's "src"). */
  source?: string;
  gateway?: string;
  /** Output interface index. */
  device?: number;
  scope?: ScopeName;
  protocol?: RouteProtocolName | number;
  tos?: number;
  /** Gateway is on-link even if no prefix covers it. */
  onlink?: boolean;
  metrics?: RouteMetrics;
  /** Several paths instead of one gateway/device. */
  nexthops?: Nexthop[];
  /** "realms FROM/TO" as the u32 the kernel keeps: FROM << 16 | TO. */
  realms?: number;
  /** IPv6 router preference. */
  preference?: RoutePreferenceName;
  /** Seconds until the kernel removes the route (IPv6). */
  expires?: number;
}

export interface Route {
  family: IpFamily;
  /** "10.1.0.0/16" or "default". */
  destination: string;
  type: RouteType;
  table: number;
  protocol: RouteProtocolName | number;
  scope: ScopeName | number;
  tos: number;
  metric?: number;
  source?: string;
  gateway?: string;
  device?: number;
  flags: number;
  onlink: boolean;
  metrics?: RouteMetrics;
  nexthops?: Nexthop[];
  realms?: number;
  preference?: RoutePreferenceName;
}

function protocolNumber(p: RouteProtocolName | number | undefined, fallback: number): number {
  if (p === undefined) return fallback;
  return typeof p === 'number' ? p : RouteProtocol[p];
}

function protocolName(n: number): RouteProtocolName | number {
  return (Object.keys(RouteProtocol) as RouteProtocolName[]).find((k) => RouteProtocol[k] === n) ?? n;
}

function destinationOf(s: RouteSpec): { family: IpFamily; bytes: Buffer | undefined; len: number } {
  if (s.destination === 'default') {
    const family = s.family ?? (s.gateway ? familyOf(s.gateway) : 4);
    return { family, bytes: undefined, len: 0 };
  }
  const p = parsePrefix(s.destination);
  return { family: p.family, bytes: ipToBytes(p.address), len: p.prefixLength };
}

/** ip(8)'s default scope: host for local routes, link for IPv4 device routes, else global. */
function defaultScope(s: RouteSpec, family: IpFamily, type: RouteType): number {
  if (type === 'local') return Scope.host;
  if (family === 4 && type === 'unicast' && !s.gateway && !s.nexthops?.some((n) => n.gateway)) return Scope.link;
  return Scope.global;
}

function encode(s: RouteSpec, forDelete: boolean): Buffer {
  const d = destinationOf(s);
  const table = s.table ?? Table.main;
  const type = s.type ?? 'unicast';
  const h = Buffer.alloc(RTMSG_LEN);
  h.writeUInt8(afOf(d.family), 0);
  h.writeUInt8(d.len, 1);
  h.writeUInt8(0, 2);
  h.writeUInt8(s.tos ?? 0, 3);
  h.writeUInt8(table < 256 ? table : Table.unspec, 4);
  // On delete, zero means "any" for protocol and type, and scope nowhere means any scope.
  h.writeUInt8(forDelete ? protocolNumber(s.protocol, 0) : protocolNumber(s.protocol, RouteProtocol.boot), 5);
  h.writeUInt8(s.scope !== undefined ? Scope[s.scope] : forDelete ? Scope.nowhere : defaultScope(s, d.family, type), 6);
  h.writeUInt8(forDelete && s.type === undefined ? 0 : ROUTE_TYPES.indexOf(type), 7);
  h.writeUInt32LE(s.onlink ? RouteFlag.ONLINK : 0, 8);
  const e = new AttributeEncoder();
  if (d.bytes) e.bytes(RtaAttr.DST, d.bytes);
  e.u32(RtaAttr.TABLE, table);
  if (s.metric !== undefined) e.u32(RtaAttr.PRIORITY, s.metric);
  if (s.source) e.bytes(RtaAttr.PREFSRC, ipToBytes(s.source));
  if (s.gateway) e.bytes(RtaAttr.GATEWAY, ipToBytes(s.gateway));
  if (s.device !== undefined) e.u32(RtaAttr.OIF, s.device);
  if (s.realms !== undefined) e.u32(RtaAttr.FLOW, s.realms);
  if (s.preference !== undefined) e.u8(RtaAttr.PREF, RoutePreference[s.preference]);
  if (s.expires !== undefined) e.u32(RtaAttr.EXPIRES, s.expires);
  if (s.metrics && !forDelete) {
    const metrics = encodeMetrics(s.metrics);
    if (metrics.length > 0) e.bytes(RtaAttr.METRICS, metrics, NLA_F_NESTED);
  }
  if (s.nexthops?.length) e.bytes(RtaAttr.MULTIPATH, encodeNexthops(s.nexthops));
  return Buffer.concat([h, e.finish()]);
}

const NUMERIC_METRICS = (Object.keys(RouteMetric) as Array<keyof typeof RouteMetric>).filter(
  (k): k is NumericMetricName => k !== 'lock' && k !== 'congctl' && k !== 'features',
);

function encodeMetrics(m: RouteMetrics): Buffer {
  const e = new AttributeEncoder();
  const locked = (m.locked ?? []).reduce((bits, k) => bits | (1 << RouteMetric[k]), 0);
  if (locked) e.u32(RouteMetric.lock, locked);
  for (const k of NUMERIC_METRICS) {
    const v = m[k];
    if (v !== undefined) e.u32(RouteMetric[k], v);
  }
  if (m.ecn) e.u32(RouteMetric.features, RTAX_FEATURE_ECN);
  if (m.congctl) e.string(RouteMetric.congctl, m.congctl);
  return e.finish();
}

function decodeMetrics(b: Buffer): RouteMetrics {
  const a = Attributes.decode(b);
  const m: RouteMetrics = {};
  for (const k of NUMERIC_METRICS) {
    const v = a.u32(RouteMetric[k]);
    if (v !== undefined) m[k] = v;
  }
  const lock = a.u32(RouteMetric.lock) ?? 0;
  const locked = NUMERIC_METRICS.filter((k) => (lock & (1 << RouteMetric[k])) !== 0);
  if (locked.length) m.locked = locked;
  if ((a.u32(RouteMetric.features) ?? 0) & RTAX_FEATURE_ECN) m.ecn = true;
  const cc = a.string(RouteMetric.congctl);
  if (cc) m.congctl = cc;
  return m;
}

// struct rtnexthop: u16 len (header + its attributes), u8 flags, u8 hops (weight - 1), i32 ifindex.
const RTNH_LEN = 8;

function encodeNexthops(hops: Nexthop[]): Buffer {
  return Buffer.concat(
    hops.map((n) => {
      const attrs = n.gateway ? new AttributeEncoder().bytes(RtaAttr.GATEWAY, ipToBytes(n.gateway)).finish() : Buffer.alloc(0);
      const h = Buffer.alloc(RTNH_LEN);
      h.writeUInt16LE(RTNH_LEN + attrs.length, 0);
      h.writeUInt8(n.onlink ? RouteFlag.ONLINK : 0, 2);
      h.writeUInt8(Math.max(0, Math.min(255, (n.weight ?? 1) - 1)), 3);
      h.writeInt32LE(n.device ?? 0, 4);
      return Buffer.concat([h, attrs]);
    }),
  );
}

function decodeNexthops(b: Buffer): Nexthop[] {
  const out: Nexthop[] = [];
  let off = 0;
  while (off + RTNH_LEN <= b.length) {
    const len = b.readUInt16LE(off);
    if (len < RTNH_LEN || off + len > b.length) break;
    const n: Nexthop = { weight: b.readUInt8(off + 3) + 1 };
    const dev = b.readInt32LE(off + 4);
    if (dev) n.device = dev;
    if (b.readUInt8(off + 2) & RouteFlag.ONLINK) n.onlink = true;
    const gw = Attributes.decode(b.subarray(off + RTNH_LEN, off + len)).get(RtaAttr.GATEWAY);
    if (gw) n.gateway = bytesToIp(gw);
    out.push(n);
    off += (len + 3) & ~3;
  }
  return out;
}

export function encodeNewRoute(s: RouteSpec): Buffer {
  return encode(s, false);
}

export function encodeDelRoute(s: RouteSpec): Buffer {
  return encode(s, true);
}

export function encodeDumpRoutes(family?: IpFamily): Buffer {
  const h = Buffer.alloc(RTMSG_LEN);
  h.writeUInt8(family === undefined ? 0 : afOf(family), 0);
  return h;
}

export function decodeRoute(payload: Buffer): Route {
  if (payload.length < RTMSG_LEN) throw new Error(`rtmsg needs ${RTMSG_LEN} bytes, got ${payload.length}`);
  const family: IpFamily = payload.readUInt8(0) === AF_INET ? 4 : 6;
  const dstLen = payload.readUInt8(1);
  const a = Attributes.decode(payload.subarray(RTMSG_LEN));
  const dst = a.get(RtaAttr.DST);
  const flags = payload.readUInt32LE(8);
  const r: Route = {
    family,
    destination: dst ? `${bytesToIp(dst)}/${dstLen}` : dstLen === 0 ? 'default' : `${family === 4 ? '0.0.0.0' : '::'}/${dstLen}`,
    type: ROUTE_TYPES[payload.readUInt8(7)] ?? 'unspec',
    table: a.u32(RtaAttr.TABLE) ?? payload.readUInt8(4),
    protocol: protocolName(payload.readUInt8(5)),
    scope: scopeName(payload.readUInt8(6)),
    tos: payload.readUInt8(3),
    flags,
    onlink: (flags & RouteFlag.ONLINK) !== 0,
  };
  const metric = a.u32(RtaAttr.PRIORITY);
  if (metric !== undefined) r.metric = metric;
  const src = a.get(RtaAttr.PREFSRC);
  if (src) r.source = bytesToIp(src);
  const gw = a.get(RtaAttr.GATEWAY);
  if (gw) r.gateway = bytesToIp(gw);
  const oif = a.u32(RtaAttr.OIF);
  if (oif !== undefined) r.device = oif;
  const metrics = a.get(RtaAttr.METRICS);
  if (metrics) {
    const m = decodeMetrics(metrics);
    if (Object.keys(m).length) r.metrics = m;
  }
  const mp = a.get(RtaAttr.MULTIPATH);
  if (mp) r.nexthops = decodeNexthops(mp);
  const flow = a.u32(RtaAttr.FLOW);
  if (flow !== undefined) r.realms = flow;
  const pref = a.u8(RtaAttr.PREF);
  const prefName = (Object.keys(RoutePreference) as RoutePreferenceName[]).find((k) => RoutePreference[k] === pref);
  if (prefName) r.preference = prefName;
  return r;
}
