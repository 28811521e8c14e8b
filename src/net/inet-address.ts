// Family-checked address conversions for the socket layer and the ARP/NDP encoders, on top
// of ip-bytes.ts (which netlink uses): these reject the wrong family, accept an IPv6 %zone,
// and read from an offset inside a packet.
import { isIPv4, isIPv6 } from 'node:net';
import { bytesToIp, ipToBytes as anyIpToBytes } from './ip-bytes.js';

export { macToBytes, bytesToMac } from './ip-bytes.js';

/** 4 bytes for dotted-quad text; throws on anything else. */
export function ipv4ToBytes(text: string): Buffer {
  if (!isIPv4(text)) throw new Error(`"${text}" is not an IPv4 address`);
  return anyIpToBytes(text);
}

/** 16 bytes for IPv6 text (with "::" and an optional dotted IPv4 tail; a %zone is dropped). */
export function ipv6ToBytes(text: string): Buffer {
  const bare = text.split('%')[0] ?? '';
  if (!isIPv6(bare)) throw new Error(`"${text}" is not an IPv6 address`);
  return anyIpToBytes(bare);
}

/** Bytes of either family, chosen by the text. */
export function ipToBytes(text: string): Buffer {
  return isIPv4(text) ? ipv4ToBytes(text) : ipv6ToBytes(text);
}

export function bytesToIpv4(b: Buffer, offset = 0): string {
  return bytesToIp(b.subarray(offset, offset + 4));
}

/** RFC 5952 text, as `ip` prints it. */
export function bytesToIpv6(b: Buffer, offset = 0): string {
  return bytesToIp(b.subarray(offset, offset + 16));
}
