// IPVS generic-netlink messages: pure encoders (desired entries -> genl payload) and
// decoders (kernel replies -> entries). The netlink header and the family id are added by
// the connection; a payload here is the 4-byte genl header plus attributes.
import type { AddressFamily, DestinationEntry, Forwarding, Protocol, ServiceKey, TunnelChecksum } from '../desired.js';
import { SCHEDULERS, type Scheduler } from '../desired.js';
import { AttributeEncoder, Attributes } from '../nla.js';
import { addressToBytes, bytesToAddress, maskToPrefix, prefixToMask } from '../ip.js';
import { writeIpv4 } from '../../net/ip-bytes.js';
import type { ServiceSettings } from '../reconciler.js';
import {
  AF_INET,
  AF_INET6,
  CmdAttr,
  DaemonAttr,
  DaemonState,
  DestAttr,
  FWD_MASK,
  FwdMethod,
  InfoAttr,
  IpvsCmd,
  IPPROTO,
  IPVS_GENL_VERSION,
  StatsAttr,
  SvcAttr,
  SvcFlag,
  TunFlag,
  TunType,
} from './constants.js';

export class IpvsDecodeError extends Error {
  override name = 'IpvsDecodeError';
}

/** genl header (command, version, reserved) followed by the attributes. */
export function genlPayload(cmd: number, attrs: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(4 + attrs.length);
  out.writeUInt8(cmd, 0);
  out.writeUInt8(IPVS_GENL_VERSION, 1);
  out.writeUInt16LE(0, 2);
  attrs.copy(out, 4);
  return out;
}

/** Splits a genl payload into its command and attributes. */
export function parseGenl(payload: Buffer): { cmd: number; attrs: Attributes } {
  if (payload.length < 4) throw new IpvsDecodeError(`generic netlink payload of ${payload.length} bytes has no header`);
  return { cmd: payload.readUInt8(0), attrs: Attributes.decode(payload.subarray(4)) };
}

const afNumber = (f: AddressFamily): number => (f === 'inet' ? AF_INET : AF_INET6);

function afName(n: number | undefined, what: string): AddressFamily {
  if (n === AF_INET) return 'inet';
  if (n === AF_INET6) return 'inet6';
  throw new IpvsDecodeError(`${what}: address family ${n ?? 'missing'} is neither AF_INET nor AF_INET6`);
}

/**
 * An address attribute: the kernel stores addresses in a 16-byte union, IPv4 in the first four
 * bytes. Parsed straight into the message (no buffer per address: 22,000 at start for a
 * 1,000 x 10 table).
 */
function putInetAddr(e: AttributeEncoder, type: number, family: AddressFamily, address: string): void {
  const at = e.value(type, 16);
  if (family === 'inet' && writeIpv4(address, e.buffer, at)) return;
  // IPv6, or not an address at all (addressToBytes throws, naming it).
  addressToBytes(family, address).copy(e.buffer, at);
}

/** A message's encoder, with room before the attributes for the genl header genlMessage writes. */
function genlEncoder(): AttributeEncoder {
  return new AttributeEncoder(128, 4);
}

/** The message genlEncoder built, its genl header written in the room left for it. */
function genlMessage(cmd: number, e: AttributeEncoder): Buffer {
  const out = e.take();
  out.writeUInt8(cmd, 0);
  out.writeUInt8(IPVS_GENL_VERSION, 1);
  out.writeUInt16LE(0, 2);
  return out;
}

// ---------------------------------------------------------------- services

/** The attributes naming a service (enough for DEL_SERVICE and for a destination's parent). */
function putServiceKey(e: AttributeEncoder, key: ServiceKey): void {
  e.u16(SvcAttr.AF, afNumber(key.family));
  if (key.kind === 'fwmark') {
    e.u32(SvcAttr.FWMARK, key.fwmark);
  } else {
    e.u16(SvcAttr.PROTOCOL, IPPROTO[key.protocol]);
    putInetAddr(e, SvcAttr.ADDR, key.family, key.address);
    e.u16be(SvcAttr.PORT, key.port);
  }
}

export function serviceFlags(s: ServiceSettings): number {
  let f = 0;
  if (s.persistence) f |= SvcFlag.PERSISTENT;
  if (s.onePacket) f |= SvcFlag.ONEPACKET;
  if (s.schedulerFlags.flag1) f |= SvcFlag.SCHED1;
  if (s.schedulerFlags.flag2) f |= SvcFlag.SCHED2;
  if (s.schedulerFlags.flag3) f |= SvcFlag.SCHED3;
  return f;
}

/** Every attribute of a service: NEW_SERVICE and SET_SERVICE both need the full set. */
function putService(e: AttributeEncoder, s: ServiceSettings): void {
  putServiceKey(e, s.key);
  e.string(SvcAttr.SCHED_NAME, s.scheduler);
  const flags = e.value(SvcAttr.FLAGS, 8);
  e.buffer.writeUInt32LE(serviceFlags(s), flags);
  e.buffer.writeUInt32LE(0xffffffff, flags + 4); // mask: we own every flag
  e.u32(SvcAttr.TIMEOUT, s.persistence?.timeout ?? 0);
  if (s.key.family === 'inet') e.u32be(SvcAttr.NETMASK, prefixToMask(s.persistence?.prefixLength ?? 32));
  else e.u32(SvcAttr.NETMASK, s.persistence?.prefixLength ?? 128);
  if (s.persistence?.engine) e.string(SvcAttr.PE_NAME, s.persistence.engine);
}

export function encodeNewService(s: ServiceSettings): Buffer {
  return genlMessage(IpvsCmd.NEW_SERVICE, genlEncoder().nested(CmdAttr.SERVICE, (e) => putService(e, s)));
}

export function encodeSetService(s: ServiceSettings): Buffer {
  return genlMessage(IpvsCmd.SET_SERVICE, genlEncoder().nested(CmdAttr.SERVICE, (e) => putService(e, s)));
}

export function encodeDelService(key: ServiceKey): Buffer {
  return genlMessage(IpvsCmd.DEL_SERVICE, genlEncoder().nested(CmdAttr.SERVICE, (e) => putServiceKey(e, key)));
}

/** GET_SERVICE as a dump (every service); the caller sets NLM_F_DUMP. */
export function encodeGetServices(): Buffer {
  return genlPayload(IpvsCmd.GET_SERVICE);
}

export interface IpvsStats {
  conns: bigint;
  inPackets: bigint;
  outPackets: bigint;
  inBytes: bigint;
  outBytes: bigint;
  cps: bigint;
  inPps: bigint;
  outPps: bigint;
  inBps: bigint;
  outBps: bigint;
}

function decodeStats(a: Attributes | undefined, wide: boolean): IpvsStats | undefined {
  if (!a) return undefined;
  const n = (t: number): bigint => (wide ? (a.u64(t) ?? 0n) : BigInt(a.u32(t) ?? 0));
  const bytes = (t: number): bigint => a.u64(t) ?? 0n;
  return {
    conns: n(StatsAttr.CONNS),
    inPackets: n(StatsAttr.INPKTS),
    outPackets: n(StatsAttr.OUTPKTS),
    inBytes: bytes(StatsAttr.INBYTES),
    outBytes: bytes(StatsAttr.OUTBYTES),
    cps: n(StatsAttr.CPS),
    inPps: n(StatsAttr.INPPS),
    outPps: n(StatsAttr.OUTPPS),
    inBps: n(StatsAttr.INBPS),
    outBps: n(StatsAttr.OUTBPS),
  };
}

function statsOf(a: Attributes, stats64: number, stats32: number): IpvsStats | undefined {
  return decodeStats(a.nested(stats64), true) ?? decodeStats(a.nested(stats32), false);
}

export interface DecodedService {
  service: ServiceSettings;
  stats?: IpvsStats;
}

const PROTOCOL_BY_NUMBER = new Map<number, Protocol>([
  [IPPROTO.tcp, 'tcp'],
  [IPPROTO.udp, 'udp'],
  [IPPROTO.sctp, 'sctp'],
]);

/** The service a message names (its SERVICE attribute's key part). */
export function decodeServiceKey(payload: Buffer): ServiceKey {
  const a = parseGenl(payload).attrs.nested(CmdAttr.SERVICE);
  if (!a) throw new IpvsDecodeError('message without a service attribute');
  return serviceKeyOf(a);
}

function serviceKeyOf(a: Attributes): ServiceKey {
  const family = afName(a.u16(SvcAttr.AF), 'service');
  const fwmark = a.u32(SvcAttr.FWMARK) ?? 0;
  if (fwmark !== 0) return { kind: 'fwmark', family, fwmark };
  const protoNum = a.u16(SvcAttr.PROTOCOL);
  const protocol = protoNum === undefined ? undefined : PROTOCOL_BY_NUMBER.get(protoNum);
  const addr = a.get(SvcAttr.ADDR);
  const port = a.u16be(SvcAttr.PORT);
  if (!protocol || !addr || addr.length < (family === 'inet' ? 4 : 16) || port === undefined) {
    throw new IpvsDecodeError(`service: protocol ${protoNum ?? 'missing'}, address or port missing`);
  }
  return { kind: 'addr', family, protocol, address: bytesToAddress(family, addr), port };
}

/** One service from a GET_SERVICE reply (the payload of one message). */
export function decodeService(payload: Buffer): DecodedService {
  const { attrs } = parseGenl(payload);
  const a = attrs.nested(CmdAttr.SERVICE);
  if (!a) throw new IpvsDecodeError('service reply without a service attribute');
  const key = serviceKeyOf(a);
  const family = key.family;
  const schedName = a.string(SvcAttr.SCHED_NAME) ?? '';
  if (!(SCHEDULERS as readonly string[]).includes(schedName)) throw new IpvsDecodeError(`service ${schedName}: unknown scheduler "${schedName}"`);
  const flagsBuf = a.get(SvcAttr.FLAGS);
  const flags = flagsBuf && flagsBuf.length >= 4 ? flagsBuf.readUInt32LE(0) : 0;
  const service: ServiceSettings = {
    key,
    scheduler: schedName as Scheduler,
    schedulerFlags: { flag1: (flags & SvcFlag.SCHED1) !== 0, flag2: (flags & SvcFlag.SCHED2) !== 0, flag3: (flags & SvcFlag.SCHED3) !== 0 },
    onePacket: (flags & SvcFlag.ONEPACKET) !== 0,
  };
  if (flags & SvcFlag.PERSISTENT) {
    const netmask = family === 'inet' ? maskToPrefix(a.u32be(SvcAttr.NETMASK) ?? 0xffffffff) : a.u32(SvcAttr.NETMASK);
    service.persistence = { timeout: a.u32(SvcAttr.TIMEOUT) ?? 0, prefixLength: netmask ?? (family === 'inet' ? 32 : 128) };
    const pe = a.string(SvcAttr.PE_NAME);
    if (pe) service.persistence.engine = pe;
  }
  const out: DecodedService = { service };
  const stats = statsOf(a, SvcAttr.STATS64, SvcAttr.STATS);
  if (stats) out.stats = stats;
  return out;
}

// ---------------------------------------------------------------- destinations

const CHECKSUM_FLAG: Record<TunnelChecksum, number> = { nocsum: TunFlag.NOCSUM, csum: TunFlag.CSUM, remcsum: TunFlag.REMCSUM };

function forwardingNumber(f: Forwarding): number {
  return f.method === 'nat' ? FwdMethod.MASQ : f.method === 'dr' ? FwdMethod.DROUTE : FwdMethod.TUNNEL;
}

type DestinationId = Pick<DestinationEntry, 'family' | 'address' | 'port'>;

function putDestinationId(e: AttributeEncoder, d: DestinationId): void {
  putInetAddr(e, DestAttr.ADDR, d.family, d.address);
  e.u16be(DestAttr.PORT, d.port);
  e.u16(DestAttr.ADDR_FAMILY, afNumber(d.family));
}

function putDestination(e: AttributeEncoder, d: DestinationEntry): void {
  putDestinationId(e, d);
  e.u32(DestAttr.FWD_METHOD, forwardingNumber(d.forwarding));
  e.u32(DestAttr.WEIGHT, d.weight);
  e.u32(DestAttr.U_THRESH, d.upperThreshold);
  e.u32(DestAttr.L_THRESH, d.lowerThreshold);
  if (d.forwarding.method === 'tun') {
    const t = d.forwarding.encap;
    e.u8(DestAttr.TUN_TYPE, t.type === 'ipip' ? TunType.IPIP : t.type === 'gue' ? TunType.GUE : TunType.GRE);
    if (t.type === 'gue') e.u16be(DestAttr.TUN_PORT, t.port);
    if (t.type !== 'ipip') e.u16(DestAttr.TUN_FLAGS, CHECKSUM_FLAG[t.checksum]);
  }
}

/**
 * A service key's attributes, encoded once per key object: the reconciler names a service by
 * the same object in each of its destinations' operations (ten per service in a 1,000 x 10
 * table). Keys are never changed in place.
 */
const serviceKeyBytes = new WeakMap<ServiceKey, Buffer>();

function serviceKeyAttrs(key: ServiceKey): Buffer {
  let b = serviceKeyBytes.get(key);
  if (!b) {
    const e = new AttributeEncoder(48);
    putServiceKey(e, key);
    serviceKeyBytes.set(key, (b = e.finish()));
  }
  return b;
}

function destMessage(cmd: number, service: ServiceKey, put: (e: AttributeEncoder) => void): Buffer {
  return genlMessage(
    cmd,
    genlEncoder()
      .nested(CmdAttr.SERVICE, (e) => e.raw(serviceKeyAttrs(service)))
      .nested(CmdAttr.DEST, put),
  );
}

export function encodeNewDest(service: ServiceKey, d: DestinationEntry): Buffer {
  return destMessage(IpvsCmd.NEW_DEST, service, (e) => putDestination(e, d));
}

export function encodeSetDest(service: ServiceKey, d: DestinationEntry): Buffer {
  return destMessage(IpvsCmd.SET_DEST, service, (e) => putDestination(e, d));
}

export function encodeDelDest(service: ServiceKey, d: DestinationId): Buffer {
  return destMessage(IpvsCmd.DEL_DEST, service, (e) => putDestinationId(e, d));
}

/** GET_DEST dump of one service's destinations. */
export function encodeGetDests(service: ServiceKey): Buffer {
  return genlMessage(IpvsCmd.GET_DEST, genlEncoder().nested(CmdAttr.SERVICE, (e) => putServiceKey(e, service)));
}

export interface DecodedDestination {
  destination: DestinationEntry;
  activeConns: number;
  inactiveConns: number;
  persistentConns: number;
  stats?: IpvsStats;
}

const CHECKSUM_BY_FLAG = (flags: number): TunnelChecksum => (flags & TunFlag.REMCSUM ? 'remcsum' : flags & TunFlag.CSUM ? 'csum' : 'nocsum');

/** One destination from a GET_DEST reply; `serviceFamily` is used when the kernel omits the dest's own. */
export function decodeDestination(payload: Buffer, serviceFamily: AddressFamily): DecodedDestination {
  const { attrs } = parseGenl(payload);
  const a = attrs.nested(CmdAttr.DEST);
  if (!a) throw new IpvsDecodeError('destination reply without a destination attribute');
  const famNum = a.u16(DestAttr.ADDR_FAMILY);
  const family = famNum === undefined ? serviceFamily : afName(famNum, 'destination');
  const addr = a.get(DestAttr.ADDR);
  const port = a.u16be(DestAttr.PORT);
  if (!addr || addr.length < (family === 'inet' ? 4 : 16) || port === undefined) throw new IpvsDecodeError('destination: address or port missing');
  const fwd = (a.u32(DestAttr.FWD_METHOD) ?? 0) & FWD_MASK;
  let forwarding: Forwarding;
  if (fwd === FwdMethod.MASQ) forwarding = { method: 'nat' };
  else if (fwd === FwdMethod.DROUTE) forwarding = { method: 'dr' };
  else if (fwd === FwdMethod.TUNNEL) {
    const type = a.u8(DestAttr.TUN_TYPE) ?? TunType.IPIP;
    const csum = CHECKSUM_BY_FLAG(a.u16(DestAttr.TUN_FLAGS) ?? 0);
    forwarding =
      type === TunType.GUE
        ? { method: 'tun', encap: { type: 'gue', port: a.u16be(DestAttr.TUN_PORT) ?? 0, checksum: csum } }
        : type === TunType.GRE
          ? { method: 'tun', encap: { type: 'gre', checksum: csum } }
          : { method: 'tun', encap: { type: 'ipip' } };
  } else throw new IpvsDecodeError(`destination: forwarding method ${fwd} is not NAT, DR or TUN`);
  const out: DecodedDestination = {
    destination: {
      family,
      address: bytesToAddress(family, addr),
      port,
      weight: a.u32(DestAttr.WEIGHT) ?? 0,
      forwarding,
      upperThreshold: a.u32(DestAttr.U_THRESH) ?? 0,
      lowerThreshold: a.u32(DestAttr.L_THRESH) ?? 0,
    },
    activeConns: a.u32(DestAttr.ACTIVE_CONNS) ?? 0,
    inactiveConns: a.u32(DestAttr.INACT_CONNS) ?? 0,
    persistentConns: a.u32(DestAttr.PERSIST_CONNS) ?? 0,
  };
  const stats = statsOf(a, DestAttr.STATS64, DestAttr.STATS);
  if (stats) out.stats = stats;
  return out;
}

// ---------------------------------------------------------------- sync daemon, timeouts, info

export interface SyncDaemonConfig {
  state: 'master' | 'backup';
  interface: string;
  syncId: number;
  /** UDP payload size (IPVS default 1472 minus headers). */
  maxLength?: number;
  group?: string;
  port?: number;
  ttl?: number;
}

export function encodeNewDaemon(d: SyncDaemonConfig): Buffer {
  return genlPayload(
    IpvsCmd.NEW_DAEMON,
    new AttributeEncoder()
      .nested(CmdAttr.DAEMON, (e) => {
        e.u32(DaemonAttr.STATE, d.state === 'master' ? DaemonState.MASTER : DaemonState.BACKUP);
        e.string(DaemonAttr.MCAST_IFN, d.interface);
        e.u32(DaemonAttr.SYNC_ID, d.syncId);
        if (d.maxLength !== undefined) e.u16(DaemonAttr.SYNC_MAXLEN, d.maxLength);
        if (d.group !== undefined) {
          if (d.group.includes(':')) e.bytes(DaemonAttr.MCAST_GROUP6, addressToBytes('inet6', d.group));
          else e.bytes(DaemonAttr.MCAST_GROUP, addressToBytes('inet', d.group));
        }
        // The sync port is host byte order here, unlike service and tunnel ports.
        if (d.port !== undefined) e.u16(DaemonAttr.MCAST_PORT, d.port);
        if (d.ttl !== undefined) e.u8(DaemonAttr.MCAST_TTL, d.ttl);
      })
      .finish(),
  );
}

export function encodeDelDaemon(state: 'master' | 'backup'): Buffer {
  return genlPayload(IpvsCmd.DEL_DAEMON, new AttributeEncoder().nested(CmdAttr.DAEMON, (e) => e.u32(DaemonAttr.STATE, state === 'master' ? DaemonState.MASTER : DaemonState.BACKUP)).finish());
}

export function encodeGetDaemons(): Buffer {
  return genlPayload(IpvsCmd.GET_DAEMON);
}

export function decodeDaemon(payload: Buffer): SyncDaemonConfig {
  const { attrs } = parseGenl(payload);
  const a = attrs.nested(CmdAttr.DAEMON);
  if (!a) throw new IpvsDecodeError('daemon reply without a daemon attribute');
  const state = a.u32(DaemonAttr.STATE);
  const out: SyncDaemonConfig = {
    state: state === DaemonState.MASTER ? 'master' : 'backup',
    interface: a.string(DaemonAttr.MCAST_IFN) ?? '',
    syncId: a.u32(DaemonAttr.SYNC_ID) ?? 0,
  };
  const maxLen = a.u16(DaemonAttr.SYNC_MAXLEN);
  if (maxLen !== undefined) out.maxLength = maxLen;
  const g4 = a.get(DaemonAttr.MCAST_GROUP);
  const g6 = a.get(DaemonAttr.MCAST_GROUP6);
  if (g6 && g6.length === 16 && g6.some((b) => b !== 0)) out.group = bytesToAddress('inet6', g6);
  else if (g4 && g4.length === 4) out.group = bytesToAddress('inet', g4);
  const port = a.u16(DaemonAttr.MCAST_PORT);
  if (port !== undefined) out.port = port;
  const ttl = a.u8(DaemonAttr.MCAST_TTL);
  if (ttl !== undefined) out.ttl = ttl;
  return out;
}

/** Connection timeouts in seconds; 0 leaves a value unchanged (the kernel's rule). */
export interface IpvsTimeouts {
  tcp: number;
  tcpFin: number;
  udp: number;
}

export function encodeSetTimeouts(t: Partial<IpvsTimeouts>): Buffer {
  const e = new AttributeEncoder();
  e.u32(CmdAttr.TIMEOUT_TCP, t.tcp ?? 0);
  e.u32(CmdAttr.TIMEOUT_TCP_FIN, t.tcpFin ?? 0);
  e.u32(CmdAttr.TIMEOUT_UDP, t.udp ?? 0);
  return genlPayload(IpvsCmd.SET_CONFIG, e.finish());
}

export function encodeGetConfig(): Buffer {
  return genlPayload(IpvsCmd.GET_CONFIG);
}

export function decodeTimeouts(payload: Buffer): IpvsTimeouts {
  const { attrs } = parseGenl(payload);
  return { tcp: attrs.u32(CmdAttr.TIMEOUT_TCP) ?? 0, tcpFin: attrs.u32(CmdAttr.TIMEOUT_TCP_FIN) ?? 0, udp: attrs.u32(CmdAttr.TIMEOUT_UDP) ?? 0 };
}

export function encodeGetInfo(): Buffer {
  return genlPayload(IpvsCmd.GET_INFO);
}

export function decodeInfo(payload: Buffer): { version: string; connectionTableSize: number } {
  const { attrs } = parseGenl(payload);
  const v = attrs.u32(InfoAttr.VERSION) ?? 0;
  return { version: `${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff}`, connectionTableSize: attrs.u32(InfoAttr.CONN_TAB_SIZE) ?? 0 };
}

export function encodeFlush(): Buffer {
  return genlPayload(IpvsCmd.FLUSH);
}

// ---------------------------------------------------------------- kernel-side encoders (fakes)

/** A GET_SERVICE reply as the kernel writes it: used by the fake kernel and the tests. */
export function encodeServiceReply(s: ServiceSettings, extraFlags = SvcFlag.HASHED): Buffer {
  const payload = encodeNewService(s);
  // Same attributes as NEW_SERVICE, but the kernel also reports the hashed flag.
  const out = Buffer.from(payload);
  out.writeUInt8(IpvsCmd.NEW_SERVICE, 0);
  const flagsAt = findAttribute(out.subarray(4), [CmdAttr.SERVICE, SvcAttr.FLAGS]);
  if (flagsAt !== undefined) out.writeUInt32LE((out.readUInt32LE(4 + flagsAt) | extraFlags) >>> 0, 4 + flagsAt);
  return out;
}

export function encodeDestReply(d: DestinationEntry, conns = { active: 0, inactive: 0, persistent: 0 }): Buffer {
  return genlPayload(
    IpvsCmd.NEW_DEST,
    new AttributeEncoder()
      .nested(CmdAttr.DEST, (e) => {
        putDestination(e, d);
        e.u32(DestAttr.ACTIVE_CONNS, conns.active);
        e.u32(DestAttr.INACT_CONNS, conns.inactive);
        e.u32(DestAttr.PERSIST_CONNS, conns.persistent);
      })
      .finish(),
  );
}

/** Offset of the value of a nested attribute path inside an attribute run. */
function findAttribute(buf: Buffer, path: number[]): number | undefined {
  let off = 0;
  let base = 0;
  let end = buf.length;
  for (let depth = 0; depth < path.length; depth++) {
    let found = false;
    off = base;
    while (off + 4 <= end) {
      const len = buf.readUInt16LE(off);
      const type = buf.readUInt16LE(off + 2) & 0x3fff;
      if (len < 4) return undefined;
      if (type === path[depth]) {
        base = off + 4;
        end = off + len;
        found = true;
        break;
      }
      off += (len + 3) & ~3;
    }
    if (!found) return undefined;
  }
  return base;
}
