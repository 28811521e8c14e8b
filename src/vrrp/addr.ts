// IP address text <-> bytes for the VRRP codec. Node has net.isIP but no conversion to
// bytes; VRRP packets carry raw 4- or 16-byte addresses, and the state machine compares
// them numerically (keepalived breaks equal-priority ties by the higher source address).

import { bytesToIp, ipv4Bytes, ipv6Bytes } from '../net/ip-bytes.js';

export type AddressFamily = 'inet' | 'inet6';

/** Parses dotted-quad IPv4 text (ip-bytes' one-pass parser); undefined if it is not one. */
export function parseIPv4(text: string): Buffer | undefined {
  return ipv4Bytes(text);
}

export function formatIPv4(b: Buffer, offset = 0): string {
  return `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`;
}

/** Parses IPv6 text (with :: compression, an optional dotted IPv4 tail and %zone, dropped). */
export function parseIPv6(text: string): Buffer | undefined {
  const pct = text.indexOf('%');
  return ipv6Bytes(pct < 0 ? text : text.slice(0, pct));
}

/** RFC 5952 text, as glibc's inet_ntop (and so keepalived) prints it. */
export function formatIPv6(b: Buffer, offset = 0): string {
  return bytesToIp(b.subarray(offset, offset + 16));
}

export function parseAddress(family: AddressFamily, text: string): Buffer | undefined {
  return family === 'inet' ? parseIPv4(text) : parseIPv6(text);
}

export function formatAddress(family: AddressFamily, b: Buffer, offset = 0): string {
  return family === 'inet' ? formatIPv4(b, offset) : formatIPv6(b, offset);
}

export function addressLength(family: AddressFamily): 4 | 16 {
  return family === 'inet' ? 4 : 16;
}

/** Numeric comparison of two addresses of one family: <0, 0, >0 (like memcmp). */
export function compareAddresses(family: AddressFamily, a: string, b: string): number {
  const ab = parseAddress(family, a);
  const bb = parseAddress(family, b);
  if (!ab || !bb) return 0;
  return Buffer.compare(ab, bb);
}

/** Normalises address text (so "FE80:0::13" and "fe80::13" compare equal as strings). */
export function canonicalAddress(family: AddressFamily, text: string): string | undefined {
  const b = parseAddress(family, text);
  return b ? formatAddress(family, b) : undefined;
}

export function isMulticast(family: AddressFamily, text: string): boolean {
  const b = parseAddress(family, text);
  if (!b) return false;
  return family === 'inet' ? ((b[0] ?? 0) & 0xf0) === 0xe0 : b[0] === 0xff;
}
