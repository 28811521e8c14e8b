// VRRPv2 authentication (RFC 2338 §5.3.6, kept by keepalived although RFC 3768 dropped it):
// type 0 none, 1 simple text password (8 bytes, zero padded), 2 IPsec AH.
//
// AH as keepalived does it (inventory §4.1.13, checked byte for byte against
// v2-ah.pcap): a 24-byte AH header {next header 112, payload length 4, reserved 0,
// SPI = source IPv4 address, sequence number, 12-byte ICV} between the IPv4 header and the
// VRRP PDU. ICV = HMAC-MD5 truncated to 96 bits, keyed with the 8-byte padded password,
// over the IPv4 header with TOS, flags/fragment and header checksum zeroed (and TTL
// zeroed too for unicast), then the AH header with a zero ICV, then the VRRP PDU.

import { createHmac, timingSafeEqual } from 'node:crypto';

export const VRRP_AUTH_NONE = 0;
export const VRRP_AUTH_PASS = 1;
export const VRRP_AUTH_AH = 2;
export const VRRP_AUTH_DATA_LENGTH = 8;
export const AH_HEADER_LENGTH = 24;
export const AH_ICV_LENGTH = 12;
/** AH payload length for a 96-bit ICV, in 32-bit words minus 2 (RFC 2402 §2.2). */
export const AH_PAYLOAD_LEN = 4;

export type VrrpAuth =
  | { type: 'none' }
  | { type: 'pass'; password: string }
  | { type: 'ah'; password: string };

export function authTypeCode(auth: VrrpAuth): number {
  return auth.type === 'none' ? VRRP_AUTH_NONE : auth.type === 'pass' ? VRRP_AUTH_PASS : VRRP_AUTH_AH;
}

/** The 8 key/password bytes: the first 8 bytes of the configured string, zero padded. */
export function authDataBytes(password: string): Buffer {
  const b = Buffer.alloc(VRRP_AUTH_DATA_LENGTH);
  Buffer.from(password, 'utf8').copy(b, 0, 0, VRRP_AUTH_DATA_LENGTH);
  return b;
}

/** Constant-time comparison of the 8 received auth bytes with ours. */
export function passwordMatches(received: Buffer, password: string): boolean {
  const ours = authDataBytes(password);
  return received.length === ours.length && timingSafeEqual(received, ours);
}

export interface AhHeader {
  nextHeader: number;
  payloadLen: number;
  reserved: number;
  /** Security Parameter Index; keepalived puts the sender's IPv4 address here. */
  spi: number;
  seq: number;
  icv: Buffer;
}

export function encodeAhHeader(ah: AhHeader): Buffer {
  const b = Buffer.alloc(AH_HEADER_LENGTH);
  b[0] = ah.nextHeader;
  b[1] = ah.payloadLen;
  b.writeUInt16BE(ah.reserved, 2);
  b.writeUInt32BE(ah.spi >>> 0, 4);
  b.writeUInt32BE(ah.seq >>> 0, 8);
  ah.icv.copy(b, 12, 0, AH_ICV_LENGTH);
  return b;
}

export function decodeAhHeader(buf: Buffer, offset: number): AhHeader | undefined {
  if (buf.length < offset + AH_HEADER_LENGTH) return undefined;
  return {
    nextHeader: buf[offset]!,
    payloadLen: buf[offset + 1]!,
    reserved: buf.readUInt16BE(offset + 2),
    spi: buf.readUInt32BE(offset + 4),
    seq: buf.readUInt32BE(offset + 8),
    icv: Buffer.from(buf.subarray(offset + 12, offset + 24)),
  };
}

/**
 * The 12-byte ICV for an IPv4 datagram laid out as [IP header][AH][VRRP]. `datagram` is
 * not modified; mutable fields and the ICV are zeroed in a copy.
 */
export function computeAhIcv(datagram: Buffer, ipHeaderLength: number, password: string, unicast: boolean): Buffer {
  const copy = Buffer.from(datagram);
  copy[1] = 0; // TOS
  copy.writeUInt16BE(0, 6); // flags + fragment offset
  copy.writeUInt16BE(0, 10); // header checksum
  if (unicast) copy[8] = 0; // TTL changes hop by hop when routed
  copy.fill(0, ipHeaderLength + 12, ipHeaderLength + AH_HEADER_LENGTH);
  const mac = createHmac('md5', authDataBytes(password)).update(copy).digest();
  return mac.subarray(0, AH_ICV_LENGTH);
}

export function ahIcvMatches(datagram: Buffer, ipHeaderLength: number, password: string, unicast: boolean): boolean {
  if (datagram.length < ipHeaderLength + AH_HEADER_LENGTH) return false;
  const expected = computeAhIcv(datagram, ipHeaderLength, password, unicast);
  const got = datagram.subarray(ipHeaderLength + 12, ipHeaderLength + AH_HEADER_LENGTH);
  return timingSafeEqual(expected, got);
}
