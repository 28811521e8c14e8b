// Interface addresses: struct ifaddrmsg (8 bytes) + IFA_ attributes.
//   u8 family, u8 prefixlen, u8 flags (low 8 bits; IFA_FLAGS has all 32), u8 scope, u32 index
import { AttributeEncoder, Attributes } from '../netlink/attributes.js';
import { AF_INET, afOf, bytesToIp, ipToBytes, ipv4Broadcast, parsePrefix, type IpFamily } from '../ip-bytes.js';
import { AddressFlag, IfaAttr, Scope, type AddressFlagName, type ScopeName } from './constants.js';

export const IFADDRMSG_LEN = 8;

/** What to add or delete. */
export interface AddressSpec {
  /** "10.0.0.1/24", "fd00::1/64"; no prefix means /32 or /128. */
  address: string;
  /** Interface index. */
  index: number;
  /** "+" computes it from the prefix, as `ip addr add ... brd +`. IPv4 only. */
  broadcast?: string;
  /** IPv4 label ("eth0:vip"); must start with the interface name. */
  label?: string;
  scope?: ScopeName;
  /** Peer address for point-to-point ("peer ADDR"). */
  peer?: string;
  flags?: AddressFlagName[];
  /** Seconds; undefined means forever. keepalived sets 0 for IPv6 /128 VIPs (deprecated at once). */
  preferredLifetime?: number;
  validLifetime?: number;
}

export interface Address {
  family: IpFamily;
  index: number;
  /** The interface's own address (IFA_LOCAL, else IFA_ADDRESS). */
  address: string;
  prefixLength: number;
  peer?: string;
  broadcast?: string;
  label?: string;
  scope: ScopeName | number;
  flags: AddressFlagName[];
  /** Seconds, 0xffffffff = forever. */
  preferredLifetime?: number;
  validLifetime?: number;
}

const FOREVER = 0xffffffff;

export function scopeName(n: number): ScopeName | number {
  return (Object.keys(Scope) as ScopeName[]).find((k) => Scope[k] === n) ?? n;
}

export function flagNames(bits: number): AddressFlagName[] {
  return (Object.keys(AddressFlag) as AddressFlagName[]).filter((k) => (bits & AddressFlag[k]) !== 0);
}

function flagBits(names: readonly AddressFlagName[] | undefined): number {
  return (names ?? []).reduce((n, f) => n | AddressFlag[f], 0);
}

function header(family: IpFamily | undefined, prefixLength: number, flags: number, scope: number, index: number): Buffer {
  const b = Buffer.alloc(IFADDRMSG_LEN);
  b.writeUInt8(family === undefined ? 0 : afOf(family), 0);
  b.writeUInt8(prefixLength, 1);
  b.writeUInt8(flags & 0xff, 2);
  b.writeUInt8(scope, 3);
  b.writeUInt32LE(index, 4);
  return b;
}

/** RTM_NEWADDR payload, carrying what `ip addr add` would. */
export function encodeNewAddress(s: AddressSpec): Buffer {
  const p = parsePrefix(s.address);
  const flags = flagBits(s.flags);
  const local = ipToBytes(p.address);
  const e = new AttributeEncoder().bytes(IfaAttr.LOCAL, local);
  e.bytes(IfaAttr.ADDRESS, s.peer ? ipToBytes(s.peer) : local);
  if (s.broadcast !== undefined) {
    if (p.family !== 4) throw new Error(`${s.address}: a broadcast address is IPv4 only`);
    e.bytes(IfaAttr.BROADCAST, ipToBytes(s.broadcast === '+' ? ipv4Broadcast(p.address, p.prefixLength) : s.broadcast));
  }
  if (s.label !== undefined) e.string(IfaAttr.LABEL, s.label);
  if (flags > 0) e.u32(IfaAttr.FLAGS, flags);
  if (s.preferredLifetime !== undefined || s.validLifetime !== undefined) {
    const ci = Buffer.alloc(16);
    ci.writeUInt32LE(s.preferredLifetime ?? FOREVER, 0);
    ci.writeUInt32LE(s.validLifetime ?? FOREVER, 4);
    e.bytes(IfaAttr.CACHEINFO, ci);
  }
  return Buffer.concat([header(p.family, p.prefixLength, flags, Scope[s.scope ?? 'global'], s.index), e.finish()]);
}

/** RTM_DELADDR payload: the kernel matches the local address and prefix length. */
export function encodeDelAddress(s: Pick<AddressSpec, 'address' | 'index' | 'peer'>): Buffer {
  const p = parsePrefix(s.address);
  const local = ipToBytes(p.address);
  const e = new AttributeEncoder().bytes(IfaAttr.LOCAL, local);
  e.bytes(IfaAttr.ADDRESS, s.peer ? ipToBytes(s.peer) : local);
  return Buffer.concat([header(p.family, p.prefixLength, 0, 0, s.index), e.finish()]);
}

/** RTM_GETADDR dump request, optionally for one family. */
export function encodeDumpAddresses(family?: IpFamily): Buffer {
  return header(family, 0, 0, 0, 0);
}

export function decodeAddress(payload: Buffer): Address {
  if (payload.length < IFADDRMSG_LEN) throw new Error(`ifaddrmsg needs ${IFADDRMSG_LEN} bytes, got ${payload.length}`);
  const family: IpFamily = payload.readUInt8(0) === AF_INET ? 4 : 6;
  const a = Attributes.decode(payload.subarray(IFADDRMSG_LEN));
  const local = a.get(IfaAttr.LOCAL);
  const addr = a.get(IfaAttr.ADDRESS);
  const mine = local ?? addr;
  if (!mine) throw new Error('address message without IFA_LOCAL or IFA_ADDRESS');
  const out: Address = {
    family,
    index: payload.readUInt32LE(4),
    address: bytesToIp(mine),
    prefixLength: payload.readUInt8(1),
    scope: scopeName(payload.readUInt8(3)),
    flags: flagNames(a.u32(IfaAttr.FLAGS) ?? payload.readUInt8(2)),
  };
  if (local && addr && !local.equals(addr)) out.peer = bytesToIp(addr);
  const brd = a.get(IfaAttr.BROADCAST);
  if (brd) out.broadcast = bytesToIp(brd);
  const label = a.string(IfaAttr.LABEL);
  if (label) out.label = label;
  const ci = a.get(IfaAttr.CACHEINFO);
  if (ci && ci.length >= 8) {
    out.preferredLifetime = ci.readUInt32LE(0);
    out.validLifetime = ci.readUInt32LE(4);
  }
  return out;
}
