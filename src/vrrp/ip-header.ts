// The IPv4 header keepalived builds itself (IP_HDRINCL) for VRRP adverts: TOS 0xC0
// (network control), no DF, TTL 255 (or unicast_ttl), id from a per-instance counter,
// protocol 112 or 51 (AH). Pure functions: the socket adapter only sends the bytes.

import { formatIPv4, parseIPv4 } from './addr.js';
import { internetChecksum } from './checksum.js';

export interface Ipv4Header {
  version: number;
  /** Header length in bytes (IHL × 4). */
  headerLength: number;
  tos: number;
  totalLength: number;
  id: number;
  /** Flags (3 bits) and fragment offset (13 bits) as on the wire. */
  flagsFragment: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: string;
  dst: string;
}

export const IPV4_HEADER_LENGTH = 20;
export const VRRP_TOS = 0xc0;
export const VRRP_TTL = 255;

export interface Ipv4HeaderFields {
  tos?: number;
  totalLength: number;
  id: number;
  flagsFragment?: number;
  ttl: number;
  protocol: number;
  src: string;
  dst: string;
}

/** A 20-byte IPv4 header with its checksum filled in (as the kernel does for IP_HDRINCL). */
export function encodeIpv4Header(f: Ipv4HeaderFields, withChecksum = true): Buffer {
  const b = Buffer.alloc(IPV4_HEADER_LENGTH);
  b[0] = 0x45;
  b[1] = f.tos ?? VRRP_TOS;
  b.writeUInt16BE(f.totalLength, 2);
  b.writeUInt16BE(f.id & 0xffff, 4);
  b.writeUInt16BE(f.flagsFragment ?? 0, 6);
  b[8] = f.ttl;
  b[9] = f.protocol;
  (parseIPv4(f.src) ?? Buffer.alloc(4)).copy(b, 12);
  (parseIPv4(f.dst) ?? Buffer.alloc(4)).copy(b, 16);
  if (withChecksum) b.writeUInt16BE(internetChecksum(b), 10);
  return b;
}

export type Ipv4HeaderError = 'too-short' | 'not-ipv4' | 'bad-header-length';

/** Reads the fixed part of an IPv4 header; options are skipped via headerLength. */
export function decodeIpv4Header(buf: Buffer): { ok: true; header: Ipv4Header } | { ok: false; error: Ipv4HeaderError } {
  if (buf.length < IPV4_HEADER_LENGTH) return { ok: false, error: 'too-short' };
  const b0 = buf[0]!;
  if (b0 >> 4 !== 4) return { ok: false, error: 'not-ipv4' };
  const headerLength = (b0 & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LENGTH) return { ok: false, error: 'bad-header-length' };
  if (buf.length < headerLength) return { ok: false, error: 'too-short' };
  return {
    ok: true,
    header: {
      version: 4,
      headerLength,
      tos: buf[1]!,
      totalLength: buf.readUInt16BE(2),
      id: buf.readUInt16BE(4),
      flagsFragment: buf.readUInt16BE(6),
      ttl: buf[8]!,
      protocol: buf[9]!,
      checksum: buf.readUInt16BE(10),
      src: formatIPv4(buf, 12),
      dst: formatIPv4(buf, 16),
    },
  };
}
