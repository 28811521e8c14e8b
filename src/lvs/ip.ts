// IP address text <-> bytes for the LVS codecs.
import { bytesToIp, ipv4Bytes, ipv6Bytes } from '../net/ip-bytes.js';
import type { AddressFamily } from './desired.js';

export function familyOf(address: string): AddressFamily {
  return address.includes(':') ? 'inet6' : 'inet';
}

/** 4 bytes for IPv4, 16 for IPv6. Throws on text that is not an address of that family. */
export function addressToBytes(family: AddressFamily, address: string): Buffer {
  const b = family === 'inet' ? ipv4Bytes(address) : ipv6Bytes(address);
  if (!b) throw new Error(`"${address}" is not an ${family === 'inet' ? 'IPv4' : 'IPv6'} address`);
  return b;
}

export function bytesToAddress(family: AddressFamily, b: Buffer): string {
  return bytesToIp(b.subarray(0, family === 'inet' ? 4 : 16));
}

/** The IPv4 netmask of a prefix length, as a 32-bit number. */
export function prefixToMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The prefix length of an IPv4 netmask; undefined when its ones are not contiguous. */
export function maskToPrefix(mask: number): number | undefined {
  const m = mask >>> 0;
  let n = 0;
  while (n < 32 && (m & (0x80000000 >>> n)) !== 0) n++;
  return prefixToMask(n) === m ? n : undefined;
}
