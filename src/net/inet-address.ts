// IP and MAC addresses between text and network-order bytes, for the socket layer and
// the ARP/NDP encoders. Node validates addresses (net.isIPv4/isIPv6) but cannot turn them
// into bytes. Text out is what `ip` prints: dotted quads and RFC 5952 compressed IPv6.
import { isIPv4, isIPv6 } from 'node:net';

/** 4 bytes for dotted-quad text; throws on anything else. */
export function ipv4ToBytes(text: string): Buffer {
  if (!isIPv4(text)) throw new Error(`"${text}" is not an IPv4 address`);
  return Buffer.from(text.split('.').map(Number));
}

/** 16 bytes for IPv6 text (with "::" and an optional dotted IPv4 tail; a %zone is dropped). */
export function ipv6ToBytes(text: string): Buffer {
  const bare = text.split('%')[0] ?? '';
  if (!isIPv6(bare)) throw new Error(`"${text}" is not an IPv6 address`);
  let s = bare;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = s.split('::');
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length > 1 && halves[1] ? halves[1].split(':') : [];
  const groups = halves.length > 1 ? [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** Bytes of either family, chosen by the text. */
export function ipToBytes(text: string): Buffer {
  return isIPv4(text) ? ipv4ToBytes(text) : ipv6ToBytes(text);
}

export function bytesToIpv4(b: Buffer, offset = 0): string {
  return `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`;
}

/** RFC 5952 text: lower case, the longest run (first of equals) of 2+ zero groups as "::". */
export function bytesToIpv6(b: Buffer, offset = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(offset + i * 2));
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `::ffff:${bytesToIpv4(b, offset + 12)}`;
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function macToBytes(mac: string): Buffer {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) throw new Error(`"${mac}" is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

export function bytesToMac(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}
