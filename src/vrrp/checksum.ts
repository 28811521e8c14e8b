// The VRRP checksum: which pseudo-header (if any) goes under the Internet checksum of
// src/net/checksum.ts.
//
// keepalived's rules (inventory §4.1.2): v2 sums the VRRP PDU including the 8 auth bytes
// and no pseudo-header; v3 over IPv4 adds the IPv4 pseudo-header built from the real
// destination in the IP header (the unicast peer when unicast), unless
// `v3_checksum_as_v2` asks for RFC 9568's no-pseudo-header form; v3 over IPv6 uses the
// standard IPv6 pseudo-header (the kernel computes it on keepalived's socket).

import { internetChecksum } from '../net/checksum.js';
import { IPPROTO_VRRP } from '../net/constants.js';
import { parseIPv4, parseIPv6 } from './addr.js';

export function ipv4PseudoHeader(src: string, dst: string, protocol: number, length: number): Buffer {
  const b = Buffer.alloc(12);
  (parseIPv4(src) ?? Buffer.alloc(4)).copy(b, 0);
  (parseIPv4(dst) ?? Buffer.alloc(4)).copy(b, 4);
  b[8] = 0;
  b[9] = protocol;
  b.writeUInt16BE(length, 10);
  return b;
}

export function ipv6PseudoHeader(src: string, dst: string, nextHeader: number, length: number): Buffer {
  const b = Buffer.alloc(40);
  (parseIPv6(src) ?? Buffer.alloc(16)).copy(b, 0);
  (parseIPv6(dst) ?? Buffer.alloc(16)).copy(b, 16);
  b.writeUInt32BE(length, 32);
  b[39] = nextHeader;
  return b;
}

/** How a VRRP PDU's checksum is computed. */
export type ChecksumMode =
  | { kind: 'plain' } // v2, and v3 with v3_checksum_as_v2
  | { kind: 'ipv4-pseudo'; src: string; dst: string }
  | { kind: 'ipv6-pseudo'; src: string; dst: string };

/** The checksum of `pdu` (whose checksum field must be zero or is skipped). */
export function vrrpChecksum(pdu: Buffer, mode: ChecksumMode): number {
  const body = Buffer.from(pdu);
  if (body.length >= 8) body.writeUInt16BE(0, 6);
  switch (mode.kind) {
    case 'plain':
      return internetChecksum(body);
    case 'ipv4-pseudo':
      return internetChecksum(ipv4PseudoHeader(mode.src, mode.dst, IPPROTO_VRRP, body.length), body);
    case 'ipv6-pseudo':
      return internetChecksum(ipv6PseudoHeader(mode.src, mode.dst, IPPROTO_VRRP, body.length), body);
  }
}

/** True when `pdu` (checksum field included) sums to zero under `mode`. */
export function verifyVrrpChecksum(pdu: Buffer, mode: ChecksumMode): boolean {
  switch (mode.kind) {
    case 'plain':
      return internetChecksum(pdu) === 0;
    case 'ipv4-pseudo':
      return internetChecksum(ipv4PseudoHeader(mode.src, mode.dst, IPPROTO_VRRP, pdu.length), pdu) === 0;
    case 'ipv6-pseudo':
      return internetChecksum(ipv6PseudoHeader(mode.src, mode.dst, IPPROTO_VRRP, pdu.length), pdu) === 0;
  }
}
