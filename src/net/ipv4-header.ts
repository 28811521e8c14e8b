// The IPv4 header of a VRRP advert, built by us (IP_HDRINCL) as keepalived builds it:
// TOS 0xC0 (network control), DF clear, TTL 255 (or unicast_ttl), a per-instance id
// counter that starts at 1 and skips 0, protocol 112 (or 51 for AH). Pure functions; the
// same bytes are what an AH ICV is computed over.
import { IPPROTO_VRRP } from './constants.js';
import { internetChecksum } from './checksum.js';
import { bytesToIpv4, ipv4ToBytes } from './inet-address.js';

export const IPV4_HEADER_LENGTH = 20;
export const VRRP_IPV4_TOS = 0xc0;
export const VRRP_TTL = 255;

export interface Ipv4HeaderFields {
  src: string;
  dst: string;
  /** Bytes after the header. */
  payloadLength: number;
  id: number;
  ttl?: number;
  protocol?: number;
  tos?: number;
  dontFragment?: boolean;
}

/** A 20-byte header with total length and checksum filled in. */
export function encodeIpv4Header(f: Ipv4HeaderFields): Buffer {
  const b = Buffer.alloc(IPV4_HEADER_LENGTH);
  b[0] = 0x45; // version 4, 5 words
  b[1] = f.tos ?? VRRP_IPV4_TOS;
  b.writeUInt16BE(IPV4_HEADER_LENGTH + f.payloadLength, 2);
  b.writeUInt16BE(f.id & 0xffff, 4);
  b.writeUInt16BE(f.dontFragment ? 0x4000 : 0, 6);
  b[8] = f.ttl ?? VRRP_TTL;
  b[9] = f.protocol ?? IPPROTO_VRRP;
  ipv4ToBytes(f.src).copy(b, 12);
  ipv4ToBytes(f.dst).copy(b, 16);
  b.writeUInt16BE(internetChecksum(b), 10);
  return b;
}

/** The id after `id`: keepalived's counter wraps from 65535 to 1, never sending 0. */
export function nextIpv4Id(id: number): number {
  return id >= 0xffff ? 1 : id + 1;
}

export interface Ipv4Header {
  headerLength: number;
  tos: number;
  totalLength: number;
  id: number;
  dontFragment: boolean;
  ttl: number;
  protocol: number;
  src: string;
  dst: string;
}

/** Why bytes are not a usable IPv4 header (the VRRP decoder passes these on as its own). */
export type Ipv4HeaderError = 'too-short' | 'not-ipv4' | 'bad-header-length';

/** The header at the start of a received datagram, or a reason it is not a usable one. */
export function decodeIpv4Header(b: Buffer): { header: Ipv4Header } | { error: string; reason: Ipv4HeaderError } {
  if (b.length < IPV4_HEADER_LENGTH) return { error: `IPv4 packet too short (${b.length} bytes)`, reason: 'too-short' };
  if (b[0]! >> 4 !== 4) return { error: `not IPv4 (version ${b[0]! >> 4})`, reason: 'not-ipv4' };
  const headerLength = (b[0]! & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LENGTH) return { error: `bad IPv4 header length ${headerLength}`, reason: 'bad-header-length' };
  if (headerLength > b.length) return { error: `IPv4 packet too short for its ${headerLength}-byte header (${b.length} bytes)`, reason: 'too-short' };
  return {
    header: {
      headerLength,
      tos: b[1]!,
      totalLength: b.readUInt16BE(2),
      id: b.readUInt16BE(4),
      dontFragment: (b.readUInt16BE(6) & 0x4000) !== 0,
      ttl: b[8]!,
      protocol: b[9]!,
      src: bytesToIpv4(b, 12),
      dst: bytesToIpv4(b, 16),
    },
  };
}
