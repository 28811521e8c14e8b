// Routes: struct rtmsg (12 bytes) + RTA_ attributes.
//   u8 family, u8 dst_len, u8 src_len, u8 tos, u8 table, u8 protocol, u8 scope, u8 type, u32 flags
import { AttributeEncoder, Attributes } from '../netlink/attributes.js';
import { AF_INET, afOf, bytesToIp, familyOf, ipToBytes, parsePrefix, type IpFamily } from '../ip-bytes.js';
import { ROUTE_TYPES, RouteFlag, RouteProtocol, RtaAttr, Scope, Table, type RouteType, type ScopeName } from './constants.js';
import { scopeName } from './address.js';

export const RTMSG_LEN = 12;

export type RouteProtocolName = keyof typeof RouteProtocol;

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
  if (family === 4 && type === 'unicast' && !s.gateway) return Scope.link;
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
  return Buffer.concat([h, e.finish()]);
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
  return r;
}
