// BFD Control packet codec (RFC 5880 §4.1), the 24-byte mandatory section only: we do not
// implement authentication, and neither does keepalived 2.2.7 (bfd.c bfd_build_packet never
// sets the A bit; bfd_scheduler.c bfd_handle_packet drops packets that carry it).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
//  |                       My Discriminator                        |
//  |                      Your Discriminator                       |
//  |                    Desired Min TX Interval                    |
//  |                   Required Min RX Interval                    |
//  |                 Required Min Echo RX Interval                 |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Decoding never throws. It applies the checks of RFC 5880 §6.8.6 that need nothing but the
// packet; the discriminator lookup, the TTL check of RFC 5881 §5 and everything that depends
// on a session are the caller's (and session.ts's) job.

export type BfdState = 'AdminDown' | 'Down' | 'Init' | 'Up';

/** Wire value = index (RFC 5880 §4.1 "Sta"). */
export const BFD_STATES: readonly BfdState[] = ['AdminDown', 'Down', 'Init', 'Up'];

export interface BfdControl {
  diag: number;
  state: BfdState;
  poll: boolean;
  final: boolean;
  /** Control Plane Independent (C bit). */
  cpi: boolean;
  /** A bit. Never set by us; a received packet with it is rejected (no authentication). */
  authPresent: boolean;
  demand: boolean;
  multipoint: boolean;
  detectMult: number;
  myDiscriminator: number;
  yourDiscriminator: number;
  /** µs, as on the wire. */
  desiredMinTxUs: number;
  requiredMinRxUs: number;
  requiredMinEchoRxUs: number;
}

export const BFD_VERSION = 1;
/** Length of the mandatory section; the whole packet when there is no authentication. */
export const BFD_CONTROL_LENGTH = 24;
/** Minimum length with the A bit set (mandatory section + the 2-byte auth type/length). */
const BFD_CONTROL_LENGTH_AUTH_MIN = 26;

/** RFC 5881 §4: single-hop control packets go to UDP 3784, from a source port in 49152-65535. */
export const BFD_CONTROL_PORT = 3784;
export const BFD_SOURCE_PORT_MIN = 49152;
export const BFD_SOURCE_PORT_MAX = 65535;
/**
 * RFC 5881 §5 (GTSM): sent with TTL/hop limit 255. keepalived 2.2.7 sends 255 over IPv4 but
 * only 64 over IPv6 unless `hoplimit` is configured (bfd.h BFD_CONTROL_HOPLIMIT, applied in
 * bfd_parser.c), and then only expects received hop limits >= what it sends itself
 * (bfd.c bfd_check_packet_ttl with max_hops). A receiver insisting on 255 over IPv6 would
 * drop a default keepalived peer's packets.
 */
export const BFD_CONTROL_TTL = 255;
export const KEEPALIVED_IPV6_HOPLIMIT = 64;

// Diagnostic codes, RFC 5880 §4.1.
export const BFD_DIAG_NONE = 0;
export const BFD_DIAG_DETECT_EXPIRED = 1;
export const BFD_DIAG_ECHO_FAILED = 2;
export const BFD_DIAG_NEIGHBOR_DOWN = 3;
export const BFD_DIAG_FORWARDING_RESET = 4;
export const BFD_DIAG_PATH_DOWN = 5;
export const BFD_DIAG_CONCAT_PATH_DOWN = 6;
export const BFD_DIAG_ADMIN_DOWN = 7;
export const BFD_DIAG_REVERSE_CONCAT_PATH_DOWN = 8;

// The RFC's names, which are also what keepalived prints in its "Entering Down state" logs.
const DIAG_NAMES: readonly string[] = [
  'No Diagnostic',
  'Control Detection Time Expired',
  'Echo Function Failed',
  'Neighbor Signaled Session Down',
  'Forwarding Plane Reset',
  'Path Down',
  'Concatenated Path Down',
  'Administratively Down',
  'Reverse Concatenated Path Down',
];

/** Human name of a diagnostic code, for logs ("Unknown" for 9..31, reserved by the RFC). */
export function diagName(n: number): string {
  return DIAG_NAMES[n] ?? 'Unknown';
}

export function bfdStateCode(s: BfdState): number {
  return BFD_STATES.indexOf(s);
}

const U32 = (n: number): number => n >>> 0;

/** The 24-byte packet (version 1, Length 24). Out-of-range fields are masked to their width, never thrown on. */
export function encodeBfdControl(p: BfdControl): Buffer {
  const b = Buffer.alloc(BFD_CONTROL_LENGTH);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  v.setUint8(0, (BFD_VERSION << 5) | (p.diag & 0x1f));
  v.setUint8(
    1,
    ((Math.max(0, bfdStateCode(p.state)) & 0x3) << 6)
      | (p.poll ? 0x20 : 0)
      | (p.final ? 0x10 : 0)
      | (p.cpi ? 0x08 : 0)
      | (p.authPresent ? 0x04 : 0)
      | (p.demand ? 0x02 : 0)
      | (p.multipoint ? 0x01 : 0),
  );
  v.setUint8(2, p.detectMult & 0xff);
  v.setUint8(3, BFD_CONTROL_LENGTH);
  v.setUint32(4, U32(p.myDiscriminator));
  v.setUint32(8, U32(p.yourDiscriminator));
  v.setUint32(12, U32(p.desiredMinTxUs));
  v.setUint32(16, U32(p.requiredMinRxUs));
  v.setUint32(20, U32(p.requiredMinEchoRxUs));
  return b;
}

/**
 * The field checks of RFC 5880 §6.8.6 (in its order) that the decoded fields alone decide,
 * plus "A bit set but no authentication in use" since we never use it. Null when acceptable.
 */
export function bfdControlError(p: BfdControl): string | null {
  if (p.detectMult === 0) return 'detect multiplier is zero';
  if (p.multipoint) return 'multipoint (M) bit is set';
  if (p.myDiscriminator === 0) return 'my discriminator is zero';
  if (p.yourDiscriminator === 0 && p.state !== 'Down' && p.state !== 'AdminDown') {
    return `your discriminator is zero in state ${p.state}`;
  }
  if (p.authPresent) return 'authentication (A) bit is set but authentication is not supported';
  return null;
}

/**
 * keepalived's extra sanity checks beyond the RFC's (bfd.c bfd_check_packet, "Additional
 * sanity checks"): it drops packets with both P and F set (RFC 5880 §4.1 forbids sending
 * them, but says nothing about receiving) and packets with a diagnostic above 8.
 */
export function keepalivedSanityError(p: BfdControl): string | null {
  if (p.poll && p.final) return 'both poll (P) and final (F) bits are set';
  if (p.diag > BFD_DIAG_REVERSE_CONCAT_PATH_DOWN) return `invalid diagnostic ${p.diag}`;
  return null;
}

export type BfdDecodeResult = { packet: BfdControl } | { error: string };

/**
 * Decodes a received UDP payload. Bytes past the Length field are ignored (RFC 5880 only
 * requires Length <= the payload). keepalived is stricter: its receive buffer is 32 bytes and
 * it drops any datagram whose size differs from the Length field (bfd.c bfd_check_packet);
 * a caller wanting that can compare `b.length` with 24 itself.
 */
export function decodeBfdControl(b: Uint8Array): BfdDecodeResult {
  if (!(b instanceof Uint8Array)) return { error: 'not a byte buffer' };
  if (b.length < BFD_CONTROL_LENGTH) {
    return { error: `packet too short: ${b.length} bytes, a BFD Control packet has at least ${BFD_CONTROL_LENGTH}` };
  }
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const b0 = v.getUint8(0);
  const b1 = v.getUint8(1);
  const version = b0 >> 5;
  if (version !== BFD_VERSION) return { error: `unsupported version ${version}` };
  const authPresent = (b1 & 0x04) !== 0;
  const length = v.getUint8(3);
  const minLength = authPresent ? BFD_CONTROL_LENGTH_AUTH_MIN : BFD_CONTROL_LENGTH;
  if (length < minLength) return { error: `length field ${length} is below the minimum of ${minLength}` };
  if (length > b.length) return { error: `length field ${length} exceeds the ${b.length} bytes received` };
  // Without authentication there is nothing after the mandatory section.
  if (!authPresent && length !== BFD_CONTROL_LENGTH) {
    return { error: `length field ${length} is not ${BFD_CONTROL_LENGTH} although no authentication section is present` };
  }
  const packet: BfdControl = {
    diag: b0 & 0x1f,
    state: BFD_STATES[b1 >> 6]!,
    poll: (b1 & 0x20) !== 0,
    final: (b1 & 0x10) !== 0,
    cpi: (b1 & 0x08) !== 0,
    authPresent,
    demand: (b1 & 0x02) !== 0,
    multipoint: (b1 & 0x01) !== 0,
    detectMult: v.getUint8(2),
    myDiscriminator: v.getUint32(4),
    yourDiscriminator: v.getUint32(8),
    desiredMinTxUs: v.getUint32(12),
    requiredMinRxUs: v.getUint32(16),
    requiredMinEchoRxUs: v.getUint32(20),
  };
  const error = bfdControlError(packet);
  return error ? { error } : { packet };
}
