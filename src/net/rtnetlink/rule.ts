// Policy routing rules: struct fib_rule_hdr (12 bytes) + FRA_ attributes.
//   u8 family, u8 dst_len, u8 src_len, u8 tos, u8 table, u8 res1, u8 res2, u8 action, u32 flags
import { AttributeEncoder, Attributes } from '../netlink/attributes.js';
import { AF_INET, afOf, bytesToIp, ipToBytes, parsePrefix, type IpFamily } from '../ip-bytes.js';
import { FraAttr, RULE_ACTIONS, RuleFlag, Table, type RuleAction } from './constants.js';

export const FIB_RULE_HDR_LEN = 12;

export interface RuleSpec {
  /** Needed when neither `from` nor `to` says it. */
  family?: IpFamily;
  /** Source prefix ("from 10.0.0.0/8"). */
  from?: string;
  /** Destination prefix ("to 192.168.0.0/16"). */
  to?: string;
  priority?: number;
  /** Table to look up; main by default for action lookup. */
  table?: number;
  /** lookup (default), goto, nop, blackhole, unreachable, prohibit. */
  action?: Exclude<RuleAction, 'unspec' | 'res3' | 'res4'>;
  /** Target priority of action goto. */
  goto?: number;
  /** Input interface name. */
  iif?: string;
  /** Output interface name. */
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  tos?: number;
  /** "not": the rule matches what its selectors do not. */
  invert?: boolean;
  suppressPrefixLength?: number;
  suppressIfgroup?: number;
  protocol?: number;
  /** "realms FROM/TO" as the u32 the kernel keeps: FROM << 16 | TO. */
  realms?: number;
  l3mdev?: boolean;
  uidRange?: { start: number; end: number };
  ipProto?: number;
  sportRange?: { start: number; end: number };
  dportRange?: { start: number; end: number };
}

export interface Rule extends RuleSpec {
  family: IpFamily;
  priority: number;
  table: number;
  action: NonNullable<RuleSpec['action']>;
  invert: boolean;
}

function familyOfSpec(s: RuleSpec): IpFamily {
  if (s.from) return parsePrefix(s.from).family;
  if (s.to) return parsePrefix(s.to).family;
  return s.family ?? 4;
}

function range(r: { start: number; end: number }, bytes: 2 | 4): Buffer {
  const b = Buffer.alloc(bytes * 2);
  if (bytes === 2) {
    b.writeUInt16LE(r.start, 0);
    b.writeUInt16LE(r.end, 2);
  } else {
    b.writeUInt32LE(r.start, 0);
    b.writeUInt32LE(r.end, 4);
  }
  return b;
}

function encode(s: RuleSpec, forDelete: boolean): Buffer {
  const family = familyOfSpec(s);
  const from = s.from ? parsePrefix(s.from) : undefined;
  const to = s.to ? parsePrefix(s.to) : undefined;
  for (const p of [from, to]) {
    if (p && p.family !== family) throw new Error(`rule mixes IPv4 and IPv6 prefixes (${s.from ?? ''} ${s.to ?? ''})`);
  }
  const action = s.action ?? (s.goto !== undefined ? 'goto' : forDelete && s.table === undefined ? 'unspec' : 'lookup');
  const table = s.table ?? (action === 'lookup' && !forDelete ? Table.main : 0);
  const h = Buffer.alloc(FIB_RULE_HDR_LEN);
  h.writeUInt8(afOf(family), 0);
  h.writeUInt8(to?.prefixLength ?? 0, 1);
  h.writeUInt8(from?.prefixLength ?? 0, 2);
  h.writeUInt8(s.tos ?? 0, 3);
  h.writeUInt8(table < 256 ? table : Table.unspec, 4);
  h.writeUInt8(RULE_ACTIONS.indexOf(action), 7);
  h.writeUInt32LE(s.invert ? RuleFlag.INVERT : 0, 8);
  const e = new AttributeEncoder();
  if (to) e.bytes(FraAttr.DST, ipToBytes(to.address));
  if (from) e.bytes(FraAttr.SRC, ipToBytes(from.address));
  if (s.priority !== undefined) e.u32(FraAttr.PRIORITY, s.priority);
  if (table !== 0) e.u32(FraAttr.TABLE, table);
  if (s.goto !== undefined) e.u32(FraAttr.GOTO, s.goto);
  if (s.iif !== undefined) e.string(FraAttr.IIFNAME, s.iif);
  if (s.oif !== undefined) e.string(FraAttr.OIFNAME, s.oif);
  if (s.fwmark !== undefined) e.u32(FraAttr.FWMARK, s.fwmark);
  if (s.fwmask !== undefined) e.u32(FraAttr.FWMASK, s.fwmask);
  if (s.suppressPrefixLength !== undefined) e.u32(FraAttr.SUPPRESS_PREFIXLEN, s.suppressPrefixLength);
  if (s.suppressIfgroup !== undefined) e.u32(FraAttr.SUPPRESS_IFGROUP, s.suppressIfgroup);
  if (s.protocol !== undefined) e.u8(FraAttr.PROTOCOL, s.protocol);
  if (s.realms !== undefined) e.u32(FraAttr.FLOW, s.realms);
  if (s.l3mdev) e.u8(FraAttr.L3MDEV, 1);
  if (s.uidRange) e.bytes(FraAttr.UID_RANGE, range(s.uidRange, 4));
  if (s.ipProto !== undefined) e.u8(FraAttr.IP_PROTO, s.ipProto);
  if (s.sportRange) e.bytes(FraAttr.SPORT_RANGE, range(s.sportRange, 2));
  if (s.dportRange) e.bytes(FraAttr.DPORT_RANGE, range(s.dportRange, 2));
  return Buffer.concat([h, e.finish()]);
}

export function encodeNewRule(s: RuleSpec): Buffer {
  return encode(s, false);
}

export function encodeDelRule(s: RuleSpec): Buffer {
  return encode(s, true);
}

export function encodeDumpRules(family?: IpFamily): Buffer {
  const h = Buffer.alloc(FIB_RULE_HDR_LEN);
  h.writeUInt8(family === undefined ? 0 : afOf(family), 0);
  return h;
}

export function decodeRule(payload: Buffer): Rule {
  if (payload.length < FIB_RULE_HDR_LEN) throw new Error(`fib_rule_hdr needs ${FIB_RULE_HDR_LEN} bytes, got ${payload.length}`);
  const family: IpFamily = payload.readUInt8(0) === AF_INET ? 4 : 6;
  const a = Attributes.decode(payload.subarray(FIB_RULE_HDR_LEN));
  const action = RULE_ACTIONS[payload.readUInt8(7)] ?? 'unspec';
  const r: Rule = {
    family,
    priority: a.u32(FraAttr.PRIORITY) ?? 0,
    table: a.u32(FraAttr.TABLE) ?? payload.readUInt8(4),
    action: action === 'unspec' || action === 'res3' || action === 'res4' ? 'nop' : action,
    invert: (payload.readUInt32LE(8) & RuleFlag.INVERT) !== 0,
  };
  const dst = a.get(FraAttr.DST);
  if (dst) r.to = `${bytesToIp(dst)}/${payload.readUInt8(1)}`;
  const src = a.get(FraAttr.SRC);
  if (src) r.from = `${bytesToIp(src)}/${payload.readUInt8(2)}`;
  const tos = payload.readUInt8(3);
  if (tos) r.tos = tos;
  const gotoTarget = a.u32(FraAttr.GOTO);
  if (gotoTarget !== undefined) r.goto = gotoTarget;
  const iif = a.string(FraAttr.IIFNAME);
  if (iif) r.iif = iif;
  const oif = a.string(FraAttr.OIFNAME);
  if (oif) r.oif = oif;
  const mark = a.u32(FraAttr.FWMARK);
  if (mark !== undefined) r.fwmark = mark;
  const mask = a.u32(FraAttr.FWMASK);
  if (mask !== undefined) r.fwmask = mask;
  const spl = a.u32(FraAttr.SUPPRESS_PREFIXLEN);
  if (spl !== undefined && spl !== 0xffffffff) r.suppressPrefixLength = spl;
  const sig = a.u32(FraAttr.SUPPRESS_IFGROUP);
  if (sig !== undefined && sig !== 0xffffffff) r.suppressIfgroup = sig;
  const proto = a.u8(FraAttr.PROTOCOL);
  if (proto !== undefined) r.protocol = proto;
  const flow = a.u32(FraAttr.FLOW);
  if (flow !== undefined) r.realms = flow;
  if (a.u8(FraAttr.L3MDEV)) r.l3mdev = true;
  const uid = a.get(FraAttr.UID_RANGE);
  if (uid && uid.length >= 8) r.uidRange = { start: uid.readUInt32LE(0), end: uid.readUInt32LE(4) };
  const ipp = a.u8(FraAttr.IP_PROTO);
  if (ipp !== undefined) r.ipProto = ipp;
  const sp = a.get(FraAttr.SPORT_RANGE);
  if (sp && sp.length >= 4) r.sportRange = { start: sp.readUInt16LE(0), end: sp.readUInt16LE(2) };
  const dp = a.get(FraAttr.DPORT_RANGE);
  if (dp && dp.length >= 4) r.dportRange = { start: dp.readUInt16LE(0), end: dp.readUInt16LE(2) };
  return r;
}
