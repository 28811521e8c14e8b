// IP address text <-> bytes for the VRRP codec. Node has net.isIP but no conversion to
// bytes; VRRP packets carry raw 4- or 16-byte addresses, and the state machine compares
// them numerically (keepalived breaks equal-priority ties by the higher source address).

import { ipv4Bytes } from '../net/ip-bytes.js';

export type AddressFamily = 'inet' | 'inet6';

/** Parses dotted-quad IPv4 text (ip-bytes' one-pass parser); undefined if it is not one. */
export function parseIPv4(text: string): Buffer | undefined {
  return ipv4Bytes(text);
}

export function formatIPv4(b: Buffer, offset = 0): string {
  return `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`;
}

/** Parses IPv6 text (with :: compression and an optional dotted IPv4 tail). */
export function parseIPv6(text: string): Buffer | undefined {
  let s = text;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  if (s.length === 0 || s.length > 45) return undefined;
  const out = Buffer.alloc(16);
  let tailV4: Buffer | undefined;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > 0) {
    tailV4 = parseIPv4(s.slice(lastColon + 1));
    if (!tailV4) return undefined;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    const vals: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      vals.push(parseInt(g, 16));
    }
    return vals;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl));
    const tail = parseGroups(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(s);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  if (tailV4) tailV4.copy(out, 12);
  return out;
}

/** RFC 5952 canonical text (lower case, longest run of 2+ zero groups compressed). */
export function formatIPv6(b: Buffer, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(offset + i * 2));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
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
