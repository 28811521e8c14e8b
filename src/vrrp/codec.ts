// VRRP advertisement codec: VRRPv2 (RFC 3768, with RFC 2338 auth as keepalived keeps it)
// and VRRPv3 (RFC 5798 / RFC 9568), IPv4 and IPv6. Byte-exact with keepalived 2.2.7's
// captures (test/unit/vrrp/codec-pcap.test.ts).
//
// IPv4 adverts are whole datagrams (keepalived sends with IP_HDRINCL and receives the IP
// header on its raw socket); IPv6 adverts are the VRRP PDU only (the kernel owns the
// IPv6 header; hop limit and destination come as ancillary data).
//
// Decoding never throws: structural problems come back as a `DecodeError`; the checks that
// depend on an instance's configuration are in receive-check.ts.

import { addressLength, formatAddress, parseAddress, type AddressFamily } from './addr.js';
import {
  AH_HEADER_LENGTH,
  AH_PAYLOAD_LEN,
  VRRP_AUTH_AH,
  VRRP_AUTH_DATA_LENGTH,
  authDataBytes,
  authTypeCode,
  computeAhIcv,
  decodeAhHeader,
  encodeAhHeader,
  type AhHeader,
  type VrrpAuth,
} from './auth.js';
import { IPPROTO_AH, IPPROTO_VRRP } from '../net/constants.js';
import { vrrpChecksum, type ChecksumMode } from './checksum.js';
import { IPV4_HEADER_LENGTH, VRRP_TTL, decodeIpv4Header, encodeIpv4Header, type Ipv4Header } from '../net/ipv4-header.js';

export type VrrpVersion = 2 | 3;
export const VRRP_TYPE_ADVERTISEMENT = 1;
export const VRRP_HEADER_LENGTH = 8;
export const IPV4_VRRP_GROUP = '224.0.0.18';
export const IPV6_VRRP_GROUP = 'ff02::12';

/** The fields of one VRRP PDU. */
export interface VrrpPdu {
  version: number;
  type: number;
  vrid: number;
  priority: number;
  /** The address count field as sent (may disagree with `addresses.length` when decoding a short packet). */
  naddr: number;
  /** v2: seconds (8 bits). v3: centiseconds (12 bits). */
  advertInterval: number;
  /** v2 only: auth type code (0 none, 1 PASS, 2 AH). */
  authType?: number;
  /** v3 only: the 4 reserved bits before Max Adver Int. */
  reserved?: number;
  checksum: number;
  addresses: string[];
  /** v2 over IPv4 only: the 8 authentication data bytes. */
  authData?: Buffer;
}

/** What is needed to build an advertisement. */
export interface AdvertFields {
  version: VrrpVersion;
  family: AddressFamily;
  vrid: number;
  priority: number;
  /** v2: whole seconds; v3: centiseconds. */
  advertInterval: number;
  addresses: string[];
  /** v2/IPv4 only; ignored otherwise (keepalived ignores authentication for v3). */
  auth?: VrrpAuth;
}

/** Length of the VRRP PDU for `naddr` addresses. */
export function vrrpPduLength(version: number, family: AddressFamily, naddr: number): number {
  return VRRP_HEADER_LENGTH + naddr * addressLength(family) + (version === 2 && family === 'inet' ? VRRP_AUTH_DATA_LENGTH : 0);
}

/**
 * The VRRP PDU bytes. The checksum is computed with `checksum`; pass `undefined` to leave
 * it zero (IPv6 when the kernel fills it in via IPV6_CHECKSUM).
 */
export function encodeVrrpPdu(f: AdvertFields, checksum: ChecksumMode | undefined): Buffer {
  const alen = addressLength(f.family);
  const b = Buffer.alloc(vrrpPduLength(f.version, f.family, f.addresses.length));
  b[0] = (f.version << 4) | VRRP_TYPE_ADVERTISEMENT;
  b[1] = f.vrid;
  b[2] = f.priority;
  b[3] = f.addresses.length;
  const v2auth = f.version === 2 && f.family === 'inet' ? (f.auth ?? { type: 'none' }) : { type: 'none' as const };
  if (f.version === 2) {
    b[4] = authTypeCode(v2auth);
    b[5] = f.advertInterval & 0xff;
  } else {
    b.writeUInt16BE(f.advertInterval & 0x0fff, 4);
  }
  f.addresses.forEach((a, i) => {
    (parseAddress(f.family, a) ?? Buffer.alloc(alen)).copy(b, VRRP_HEADER_LENGTH + i * alen);
  });
  if (f.version === 2 && f.family === 'inet' && v2auth.type === 'pass') {
    authDataBytes(v2auth.password).copy(b, VRRP_HEADER_LENGTH + f.addresses.length * alen);
  }
  if (checksum) b.writeUInt16BE(vrrpChecksum(b, checksum), 6);
  return b;
}

export interface Ipv4AdvertOptions {
  src: string;
  /** 224.0.0.18 (or mcast_dst_ip) for multicast, the peer's address for unicast. */
  dst: string;
  /** IPv4 identification; keepalived counts per instance from 1, skipping 0. */
  id: number;
  ttl?: number;
  /** v3 only: omit the IPv4 pseudo-header (keepalived's v3_checksum_as_v2, RFC 9568). */
  v3ChecksumAsV2?: boolean;
  /** AH only: the sequence number to send (keepalived starts at 1). */
  ahSeq?: number;
  /** AH only: zero the TTL in the ICV (keepalived does for unicast). */
  unicast?: boolean;
  /** v3: the pseudo-header's destination when not `dst` (the pre-1.3.6 unicast checksum: the multicast group). */
  checksumDst?: string;
}

/** The checksum mode keepalived uses for an IPv4 advert. */
export function ipv4ChecksumMode(version: number, src: string, dst: string, v3ChecksumAsV2: boolean): ChecksumMode {
  return version === 3 && !v3ChecksumAsV2 ? { kind: 'ipv4-pseudo', src, dst } : { kind: 'plain' };
}

/** A whole IPv4 datagram carrying the advert (with AH when auth is AH), ready for IP_HDRINCL. */
export function encodeIpv4Advert(f: AdvertFields, o: Ipv4AdvertOptions): Buffer {
  const pdu = encodeVrrpPdu({ ...f, family: 'inet' }, ipv4ChecksumMode(f.version, o.src, o.checksumDst ?? o.dst, o.v3ChecksumAsV2 ?? false));
  const ah = f.version === 2 && f.auth?.type === 'ah' ? f.auth : undefined;
  const ip = encodeIpv4Header({
    payloadLength: (ah ? AH_HEADER_LENGTH : 0) + pdu.length,
    id: o.id,
    ttl: o.ttl ?? VRRP_TTL,
    protocol: ah ? IPPROTO_AH : IPPROTO_VRRP,
    src: o.src,
    dst: o.dst,
  });
  if (!ah) return Buffer.concat([ip, pdu]);
  const spi = (parseAddress('inet', o.src) ?? Buffer.alloc(4)).readUInt32BE(0);
  const ahHeader = encodeAhHeader({ nextHeader: IPPROTO_VRRP, payloadLen: AH_PAYLOAD_LEN, reserved: 0, spi, seq: o.ahSeq ?? 1, icv: Buffer.alloc(12) });
  const datagram = Buffer.concat([ip, ahHeader, pdu]);
  computeAhIcv(datagram, IPV4_HEADER_LENGTH, ah.password, o.unicast ?? false).copy(datagram, IPV4_HEADER_LENGTH + 12);
  return datagram;
}

export interface Ipv6AdvertOptions {
  src: string;
  dst: string;
  /** Compute the checksum here (true) or leave zero for the kernel's IPV6_CHECKSUM (false). */
  checksum?: boolean;
}

/** The VRRPv3 PDU for IPv6 (the kernel adds the IPv6 header). */
export function encodeIpv6Advert(f: AdvertFields, o: Ipv6AdvertOptions): Buffer {
  return encodeVrrpPdu({ ...f, family: 'inet6', version: 3 }, o.checksum === false ? undefined : { kind: 'ipv6-pseudo', src: o.src, dst: o.dst });
}

export type DecodeError =
  | 'too-short' // fewer bytes than the IP (+AH) + 8-byte VRRP header
  | 'not-ipv4'
  | 'bad-header-length'
  | 'not-vrrp'; // IPv4 protocol is neither 112 nor 51

/** A received advert, decoded but not yet judged against an instance. */
export interface DecodedAdvert {
  family: AddressFamily;
  /** IPv4 only. */
  ip?: Ipv4Header;
  /** IPv4 with AH only. */
  ah?: AhHeader;
  vrrp: VrrpPdu;
  /** Offset of the VRRP PDU in `bytes`. */
  vrrpOffset: number;
  /** The bytes as received (IPv4: from the IP header; IPv6: the VRRP PDU). */
  bytes: Buffer;
}

export type DecodeResult = { ok: true; advert: DecodedAdvert } | { ok: false; error: DecodeError };

function decodePdu(buf: Buffer, offset: number, family: AddressFamily): VrrpPdu {
  const version = buf[offset]! >> 4;
  const naddr = buf[offset + 3]!;
  const alen = addressLength(family);
  const addresses: string[] = [];
  for (let i = 0; i < naddr; i++) {
    const at = offset + VRRP_HEADER_LENGTH + i * alen;
    if (at + alen > buf.length) break;
    addresses.push(formatAddress(family, buf, at));
  }
  const pdu: VrrpPdu = {
    version,
    type: buf[offset]! & 0x0f,
    vrid: buf[offset + 1]!,
    priority: buf[offset + 2]!,
    naddr,
    advertInterval: version === 2 ? buf[offset + 5]! : buf.readUInt16BE(offset + 4) & 0x0fff,
    checksum: buf.readUInt16BE(offset + 6),
    addresses,
  };
  if (version === 2) {
    pdu.authType = buf[offset + 4]!;
    if (family === 'inet') {
      const at = offset + VRRP_HEADER_LENGTH + naddr * alen;
      if (at + VRRP_AUTH_DATA_LENGTH <= buf.length) pdu.authData = Buffer.from(buf.subarray(at, at + VRRP_AUTH_DATA_LENGTH));
    }
  } else {
    pdu.reserved = buf[offset + 4]! >> 4;
  }
  return pdu;
}

/** Decodes an IPv4 datagram as read from a raw IPPROTO_VRRP/IPPROTO_AH socket. */
export function decodeIpv4Advert(buf: Buffer): DecodeResult {
  const h = decodeIpv4Header(buf);
  if ('reason' in h) return { ok: false, error: h.reason };
  const ip = h.header;
  let offset = ip.headerLength;
  let ah: AhHeader | undefined;
  if (ip.protocol === IPPROTO_AH) {
    ah = decodeAhHeader(buf, offset);
    if (!ah) return { ok: false, error: 'too-short' };
    offset += AH_HEADER_LENGTH;
  } else if (ip.protocol !== IPPROTO_VRRP) {
    return { ok: false, error: 'not-vrrp' };
  }
  if (buf.length < offset + VRRP_HEADER_LENGTH) return { ok: false, error: 'too-short' };
  const advert: DecodedAdvert = { family: 'inet', ip, vrrp: decodePdu(buf, offset, 'inet'), vrrpOffset: offset, bytes: buf };
  if (ah) advert.ah = ah;
  return { ok: true, advert };
}

/** Decodes an IPv6 VRRP PDU as read from a raw IPPROTO_VRRP IPv6 socket. */
export function decodeIpv6Advert(buf: Buffer): DecodeResult {
  if (buf.length < VRRP_HEADER_LENGTH) return { ok: false, error: 'too-short' };
  return { ok: true, advert: { family: 'inet6', vrrp: decodePdu(buf, 0, 'inet6'), vrrpOffset: 0, bytes: buf } };
}

export function decodeAdvert(family: AddressFamily, buf: Buffer): DecodeResult {
  return family === 'inet' ? decodeIpv4Advert(buf) : decodeIpv6Advert(buf);
}

/** True if the AH header claims to wrap VRRP (keepalived drops AH for other protocols). */
export function ahWrapsVrrp(ah: AhHeader): boolean {
  return ah.nextHeader === IPPROTO_VRRP;
}

export { VRRP_AUTH_AH };
