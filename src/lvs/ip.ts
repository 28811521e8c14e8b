// IP address text <-> bytes for the LVS codecs.
import { canonicalAddress, expandIpv6, type AddressFamily } from './desired.js';

export function familyOf(address: string): AddressFamily {
  return address.includes(':') ? 'inet6' : 'inet';
}

/** 4 bytes for IPv4, 16 for IPv6. Throws on text that is not an address of that family. */
export function addressToBytes(family: AddressFamily, address: string): Buffer {
  if (family === 'inet') {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
    const b = m?.slice(1, 5).map(Number);
    if (!b || b.some((x) => x > 255)) throw new Error(`"${address}" is not an IPv4 address`);
    return Buffer.from(b);
  }
  const words = expandIpv6(address);
  if (!words) throw new Error(`"${address}" is not an IPv6 address`);
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

export function bytesToAddress(family: AddressFamily, b: Buffer): string {
  if (family === 'inet') return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const words: string[] = [];
  for (let i = 0; i < 8; i++) words.push(b.readUInt16BE(i * 2).toString(16));
  return canonicalAddress(words.join(':'));
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
