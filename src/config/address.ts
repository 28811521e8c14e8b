// IP address and prefix parsing shared by the config layer and everyone who reads the model.
// Addresses are kept as canonical strings (dotted quad; RFC 5952 text for IPv6) so that two
// spellings of one address compare equal and the model stays plain JSON.
import { bytesToIp, ipv6Bytes as ipv6BytesOrUndefined } from '../net/ip-bytes.js';

export type IpFamily = 4 | 6;

/** A validated address in canonical text form. */
export interface IpAddress {
  family: IpFamily;
  address: string;
  /** IPv6 zone (`fe80::1%eth0`), when one was written. */
  zone?: string;
}

/** A validated address with a prefix length (host bits are kept as written, like ip(8)). */
export interface IpPrefix extends IpAddress {
  prefixLen: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** The 16 bytes of a canonical or non-canonical IPv6 address text (which must be valid). */
export function ipv6Bytes(text: string): number[] {
  return [...(ipv6BytesOrUndefined(text) ?? Buffer.alloc(16))];
}

/** The 4 bytes of a dotted quad. */
export function ipv4Bytes(text: string): number[] {
  const v = ipv4Value(text);
  if (v < 0) return text.split('.').map(Number);
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/**
 * The 32-bit value of a strict dotted quad (what node:net isIPv4 accepts: four decimal
 * octets 0..255, no leading zeros), or -1. Hand-written: the regex behind isIPv4 and a
 * split per address dominated large configs.
 */
export function ipv4Value(text: string): number {
  const n = text.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      dots++;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1; // leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

/** Bytes of an address in network order (4 or 16). */
export function addressBytes(a: IpAddress): number[] {
  return a.family === 4 ? ipv4Bytes(a.address) : ipv6Bytes(a.address);
}

/** Text of an address from its network-order bytes (4 or 16 of them). */
export function formatAddressBytes(bytes: number[]): string {
  return bytesToIp(Buffer.from(bytes));
}

/** Parse one IPv4 or IPv6 address (IPv6 may carry `%zone`). Leading zeros in IPv4 octets are refused. */
export function parseIpAddress(text: string): Parsed<IpAddress> {
  if (ipv4Value(text) >= 0) return ok({ family: 4, address: text });
  let addr = text;
  let zone: string | undefined;
  const pct = text.indexOf('%');
  if (pct >= 0) {
    addr = text.slice(0, pct);
    zone = text.slice(pct + 1);
    if (zone === '') return fail(`invalid address '${text}': empty zone`);
  }
  const v6 = ipv6BytesOrUndefined(addr);
  if (v6) {
    const value: IpAddress = { family: 6, address: bytesToIp(v6) };
    if (zone !== undefined) value.zone = zone;
    return ok(value);
  }
  return fail(`invalid IP address '${text}'`);
}

/**
 * Parse `ADDR[/LEN]`; without `/LEN` the prefix is the full host length (/32 or /128),
 * as keepalived does for VIPs.
 */
export function parseIpPrefix(text: string, opts: { requireLength?: boolean } = {}): Parsed<IpPrefix> {
  const slash = text.indexOf('/');
  const a = parseIpAddress(slash < 0 ? text : text.slice(0, slash));
  if (!a.ok) return a;
  const max = a.value.family === 4 ? 32 : 128;
  if (slash < 0) {
    if (opts.requireLength) return fail(`'${text}' needs a prefix length`);
    return ok(withPrefixLen(a.value, max));
  }
  const lenText = text.slice(slash + 1);
  const len = prefixLength(lenText);
  if (len < 0 || len > max) {
    return fail(`invalid prefix length '${lenText}' in '${text}' (0..${max})`);
  }
  return ok(withPrefixLen(a.value, len));
}

/** `{ ...a, prefixLen }` spelled out (same keys, same order): V8's object spread is slow here. */
function withPrefixLen(a: IpAddress, prefixLen: number): IpPrefix {
  return a.zone === undefined ? { family: a.family, address: a.address, prefixLen } : { family: a.family, address: a.address, zone: a.zone, prefixLen };
}

/** 1 to 3 decimal digits as a number, else -1. */
function prefixLength(text: string): number {
  const n = text.length;
  if (n < 1 || n > 3) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** `address/len` text of a prefix. */
export function formatPrefix(p: IpPrefix): string {
  return `${p.address}/${p.prefixLen}`;
}

/** The network address of a prefix (host bits cleared), canonical text. */
export function networkOf(p: IpPrefix): string {
  const bytes = addressBytes(p);
  let bits = p.prefixLen;
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits));
    bytes[i] = (bytes[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
    bits -= 8;
  }
  return formatAddressBytes(bytes);
}

export function isIpv6LinkLocal(a: IpAddress): boolean {
  if (a.family !== 6) return false;
  const b = ipv6Bytes(a.address);
  return b[0] === 0xfe && ((b[1] ?? 0) & 0xc0) === 0x80;
}

export function isMulticast(a: IpAddress): boolean {
  if (a.family === 4) return (ipv4Value(a.address) >>> 28) === 0xe;
  return ipv6Bytes(a.address)[0] === 0xff;
}

/** A string equal for two addresses exactly when compareAddresses says they are equal. */
export function addressKey(a: IpAddress): string {
  if (a.family === 4) {
    const v = ipv4Value(a.address);
    if (v >= 0) return `4:${v}`;
  }
  return `${a.family}:${addressBytes(a).join('.')}`;
}

/** Compare two addresses numerically (IPv4 before IPv6). */
export function compareAddresses(a: IpAddress, b: IpAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.address === b.address) return 0;
  if (a.family === 4) {
    const va = ipv4Value(a.address);
    const vb = ipv4Value(b.address);
    if (va >= 0 && vb >= 0) return va - vb;
  }
  const x = addressBytes(a);
  const y = addressBytes(b);
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Add `n` to an address (used by virtual_server_group ranges). */
export function addToAddress(a: IpAddress, n: number): IpAddress {
  const bytes = addressBytes(a);
  let carry = n;
  for (let i = bytes.length - 1; i >= 0 && carry > 0; i--) {
    const v = (bytes[i] ?? 0) + carry;
    bytes[i] = v & 0xff;
    carry = Math.floor(v / 256);
  }
  return { family: a.family, address: formatAddressBytes(bytes) };
}

/** Parse a port number 1..65535 (keepalived treats 0 as absent: callers decide). */
export function parsePort(text: string): Parsed<number> {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) return fail(`invalid port '${text}' (0..65535)`);
  return ok(Number(text));
}
