// IP addresses between text and the bytes netlink carries (network order), and prefixes.
// Text out is what `ip` prints: dotted quads, and RFC 5952 compressed IPv6.

export type IpFamily = 4 | 6;

export const AF_INET = 2;
export const AF_INET6 = 10;

export function familyOf(addr: string): IpFamily {
  if (ipv4Bytes(addr)) return 4;
  if (ipv6Bytes(stripZone(addr))) return 6;
  throw new Error(`"${addr}" is not an IPv4 or IPv6 address`);
}

export function afOf(family: IpFamily): number {
  return family === 4 ? AF_INET : AF_INET6;
}

/** Dotted quad to 4 bytes in one pass, or undefined when `addr` is not one (VIP batches and the VRRP codec are hot). */
export function ipv4Bytes(addr: string): Buffer | undefined {
  const out = Buffer.allocUnsafe(4);
  return writeIpv4(addr, out, 0) ? out : undefined;
}

/**
 * Writes a dotted quad's 4 bytes into `out` at `at`, in place (the IPVS encoder writes
 * 11,000 addresses into its messages at start); false, with `out` partly written, when
 * `addr` is not one.
 */
export function writeIpv4(addr: string, out: Buffer, at: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= addr.length; i++) {
    const c = i < addr.length ? addr.charCodeAt(i) : 46; // a final '.'
    if (c >= 48 && c <= 57) {
      // No leading zeros ("010" is not an address to Node either), at most 255.
      if (digits > 0 && value === 0) return false;
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return false;
    } else if (c === 46) {
      if (digits === 0 || part > 3) return false;
      out[at + part++] = value;
      value = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  return part === 4;
}

/**
 * IPv6 text to 16 bytes, or undefined when `text` is not one: "::" compression, an optional
 * dotted IPv4 tail, no zone (callers strip "%zone" first). The only IPv6 parser in the code.
 */
export function ipv6Bytes(text: string): Buffer | undefined {
  const n = text.length;
  if (n < 2 || n > 45) return undefined;
  const groups: number[] = [];
  let gap = -1; // index in `groups` where "::" stands
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return undefined;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    let j = i;
    let value = 0;
    while (j < n && j - i < 5) {
      const c = text.charCodeAt(j);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0) break;
      value = value * 16 + d;
      j++;
    }
    if (j < n && text.charCodeAt(j) === 46) {
      // The dotted IPv4 tail: the last 32 bits.
      const quad = ipv4Bytes(text.slice(i));
      if (!quad || groups.length > 6) return undefined;
      groups.push((quad[0]! << 8) | quad[1]!, (quad[2]! << 8) | quad[3]!);
      i = n;
      break;
    }
    if (j === i || j - i > 4) return undefined;
    groups.push(value);
    if (j === n) {
      i = n;
      break;
    }
    if (text.charCodeAt(j) !== 58) return undefined;
    if (j + 1 < n && text.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return undefined;
      gap = groups.length;
      i = j + 2;
    } else {
      if (j + 1 === n) return undefined; // a trailing single ':'
      i = j + 1;
    }
  }
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return undefined;
  const out = Buffer.alloc(16);
  const tail = gap < 0 ? 0 : groups.length - gap;
  for (let g = 0; g < groups.length; g++) {
    const at = gap >= 0 && g >= gap ? 8 - tail + (g - gap) : g;
    out.writeUInt16BE(groups[g]!, at * 2);
  }
  return out;
}

/** Bytes of either family (a "%zone" is dropped); throws on text that is not an address. */
export function ipToBytes(addr: string): Buffer {
  const bytes = ipv4Bytes(addr) ?? ipv6Bytes(stripZone(addr));
  if (!bytes) throw new Error(`"${addr}" is not an IPv4 or IPv6 address`);
  return bytes;
}

/** Bytes of either family, or undefined (a "%zone" is dropped). */
export function ipBytesOrUndefined(addr: string): Buffer | undefined {
  return ipv4Bytes(addr) ?? ipv6Bytes(stripZone(addr));
}

function stripZone(addr: string): string {
  const pct = addr.indexOf('%');
  return pct < 0 ? addr : addr.slice(0, pct);
}

/** Address text as `ip` and glibc's inet_ntop print it, or undefined when `addr` is not one. */
export function canonicalIp(addr: string): string | undefined {
  const b = ipBytesOrUndefined(addr);
  return b ? bytesToIp(b) : undefined;
}

export function bytesToIp(b: Buffer): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) throw new Error(`an IP address has 4 or 16 bytes, not ${b.length}`);
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(i * 2));
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
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses print with a
  // dotted tail, as glibc's inet_ntop (and so ip(8) and keepalived) prints them.
  if (bestStart === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
    return `::${bestLen === 5 ? 'ffff:' : ''}${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
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
