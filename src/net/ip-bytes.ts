// IP addresses between text and the bytes netlink carries (network order), and prefixes.
// Text out is what `ip` prints: dotted quads, and RFC 5952 compressed IPv6.
import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 4 | 6;

export const AF_INET = 2;
export const AF_INET6 = 10;

export function familyOf(addr: string): IpFamily {
  if (isIPv4(addr)) return 4;
  if (isIPv6(addr)) return 6;
  throw new Error(`"${addr}" is not an IPv4 or IPv6 address`);
}

export function afOf(family: IpFamily): number {
  return family === 4 ? AF_INET : AF_INET6;
}

/** Dotted quad to 4 bytes in one pass, or undefined when `addr` is not one (VIP batches and the VRRP codec are hot). */
export function ipv4Bytes(addr: string): Buffer | undefined {
  const out = Buffer.allocUnsafe(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= addr.length; i++) {
    const c = i < addr.length ? addr.charCodeAt(i) : 46; // a final '.'
    if (c >= 48 && c <= 57) {
      // No leading zeros ("010" is not an address to Node either), at most 255.
      if (digits > 0 && value === 0) return undefined;
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return undefined;
    } else if (c === 46) {
      if (digits === 0 || part > 3) return undefined;
      out[part++] = value;
      value = 0;
      digits = 0;
    } else {
      return undefined;
    }
  }
  return part === 4 ? out : undefined;
}

export function ipToBytes(addr: string): Buffer {
  const quad = ipv4Bytes(addr);
  if (quad) return quad;
  const fam = familyOf(addr);
  if (fam === 4) return Buffer.from(addr.split('.').map(Number));
  // Expand an embedded dotted quad, then the "::".
  let text = addr;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text = text.slice(0, v4.index) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  const groups = tail !== undefined ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export function bytesToIp(b: Buffer): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) throw new Error(`an IP address has 4 or 16 bytes, not ${b.length}`);
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(i * 2));
  // IPv4-mapped addresses print with a dotted tail, as ip(8) does.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  // RFC 5952: compress the longest run (first of equals) of two or more zero groups.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export interface Prefix {
  address: string;
  prefixLength: number;
  family: IpFamily;
}

/** "10.0.0.1/24" -> address and length; no "/N" means a host prefix (/32, /128). */
export function parsePrefix(text: string): Prefix {
  const [addr, len, extra] = text.split('/');
  if (addr === undefined || extra !== undefined) throw new Error(`"${text}" is not ADDRESS[/PREFIX]`);
  const family = ipv4Bytes(addr) ? 4 : familyOf(addr);
  const max = family === 4 ? 32 : 128;
  if (len === undefined) return { address: addr, prefixLength: max, family };
  const n = /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(n >= 0 && n <= max)) throw new Error(`"${text}": prefix length must be 0..${max}`);
  return { address: addr, prefixLength: n, family };
}

export function formatPrefix(p: { address: string; prefixLength: number }): string {
  return `${p.address}/${p.prefixLength}`;
}

/** The IPv4 broadcast address of a prefix ("ip addr add ... brd +"). */
export function ipv4Broadcast(address: string, prefixLength: number): string {
  const v = ipToBytes(address).readUInt32BE(0);
  const host = prefixLength >= 32 ? 0 : 0xffffffff >>> prefixLength;
  const b = Buffer.alloc(4);
  b.writeUInt32BE((v | host) >>> 0);
  return bytesToIp(b);
}

export function macToBytes(mac: string): Buffer {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) throw new Error(`"${mac}" is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

export function bytesToMac(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}
