// Receive validation of a decoded advert against one instance, in keepalived's order
// (inventory §4.1.3, vrrp_check_packet): each failure is a typed error that the instance
// counts in its statistics, or a silent drop. Pure: no clock, no I/O.

import { canonicalAddress, isMulticast, type AddressFamily } from './addr.js';
import { AH_HEADER_LENGTH, ahIcvMatches, passwordMatches, VRRP_AUTH_AH, VRRP_AUTH_NONE, VRRP_AUTH_PASS, authTypeCode, type VrrpAuth } from './auth.js';
import { verifyVrrpChecksum } from './checksum.js';
import { ahWrapsVrrp, ipv4ChecksumMode, vrrpPduLength, VRRP_TYPE_ADVERTISEMENT, type DecodedAdvert } from './codec.js';
import { VRRP_TTL } from '../net/ipv4-header.js';

/** Errors that are counted (keepalived returns VRRP_PACKET_KO). Names follow its stats. */
export type ReceiveError =
  | 'ah-presence-mismatch' // authtype_mismatch: AH header present iff auth_type AH
  | 'packet-length' // packet_len_err
  | 'ttl' // ip_ttl_err (multicast TTL/hop limit not 255)
  | 'version' // vers_err
  | 'invalid-auth-type' // invalid_authtype
  | 'auth-type-mismatch' // authtype_mismatch
  | 'auth-failure' // auth_failure (PASS mismatch, bad AH ICV/SPI/sequence)
  | 'invalid-type' // invalid_type_rcvd
  | 'ip-total-length' // packet_len_err
  | 'checksum' // chk_err
  | 'unicast-multicast-mismatch' // addr_list_err
  | 'unicast-source-not-peer';

/** Reasons an advert is ignored without counting an error (VRRP_PACKET_DROP). */
export type DropReason =
  | 'ah-not-vrrp' // AH wrapping another protocol
  | 'advert-interval' // v2 interval differs from ours
  | 'owner-ignore-adverts' // we are the address owner and ignore adverts
  | 'unicast-ttl-range'; // unicast peer's min_ttl/max_ttl

export interface PeerSpec {
  address: string;
  minTtl?: number;
  maxTtl?: number;
}

export interface ReceiveContext {
  name: string;
  version: 2 | 3;
  family: AddressFamily;
  auth: VrrpAuth;
  /** Our configured advert interval, µs. */
  advertIntervalUs: number;
  unicast: boolean;
  v3ChecksumAsV2: boolean;
  effectivePriority: number;
  ownerIgnoreAdverts: boolean;
  /** Our advertised VIPs (for the address-list check). */
  vips: readonly string[];
  /** Whether each of our VIPs must appear (always as master; as backup on master change or without skip_check_adv_addr). */
  checkVipAddresses: boolean;
  checkUnicastSource: boolean;
  peers: readonly PeerSpec[];
  /** Highest AH sequence number accepted so far (anti-replay). */
  ahLastSeq: number;
  /** VRRPv3 IPv4: verify with this address (the multicast group) as the pseudo-header destination: the pre-1.3.6 unicast checksum. */
  oldChecksumGroup?: string | undefined;
  /** VRRPv3 IPv4 unicast: when ours fails, try the old checksum with this group and say so (oldChecksum). */
  detectOldChecksum?: string | undefined;
}

export interface ReceiveMeta {
  /** Source address of the packet. */
  src: string;
  /** Destination (IPv4 from the header; IPv6 from IPV6_PKTINFO). */
  dst: string;
  /** TTL / hop limit, when known. */
  ttl?: number;
}

export interface ReceiveNote {
  /** Groups messages for RFC 9568-style rate limiting (logged once until a state change). */
  key: string;
  message: string;
}

export type ReceiveResult =
  | {
      verdict: 'ok';
      /** Address-list disagreements keepalived 2.4 logs and counts (addr_list_err) but accepts. */
      addrListError: boolean;
      notes: ReceiveNote[];
      /** AH only: the sequence number to remember. */
      ahSeq?: number;
      /** The advert carried the pre-1.3.6 unicast checksum (with detectOldChecksum). */
      oldChecksum?: boolean;
    }
  | { verdict: 'ko'; error: ReceiveError; note: ReceiveNote }
  | { verdict: 'drop'; reason: DropReason; note?: ReceiveNote };

const ETH_PAYLOAD_MIN = 46; // ETH_ZLEN - ETH_HLEN
const VLAN_TAG = 4;
const PAD_RESIDUE = (VLAN_TAG - (ETH_PAYLOAD_MIN % VLAN_TAG)) % VLAN_TAG;

function ko(error: ReceiveError, key: string, message: string): ReceiveResult {
  return { verdict: 'ko', error, note: { key, message } };
}

export function checkAdvert(a: DecodedAdvert, meta: ReceiveMeta, c: ReceiveContext): ReceiveResult {
  const n = c.name;
  const from = meta.src;
  const hd = a.vrrp;
  const buflen = a.bytes.length;
  const ip = a.ip;
  let expected = 0;

  // 1. AH presence must match auth_type AH (IPv4).
  if (c.family === 'inet' && ip) {
    const isAh = a.ah !== undefined;
    const wantAh = c.auth.type === 'ah';
    if (isAh !== wantAh) {
      return ko('ah-presence-mismatch', 'ah', isAh
        ? `(${n}) Received AH header but auth type not AH from ${from}`
        : `(${n}) No AH header but auth type is AH from ${from}`);
    }
    expected = ip.headerLength + (wantAh ? AH_HEADER_LENGTH : 0);
  }

  // 2. Whole packet present, tolerating Ethernet minimum-frame padding.
  expected += vrrpPduLength(hd.version, c.family, hd.naddr);
  if (buflen !== expected) {
    const padded = expected < ETH_PAYLOAD_MIN && expected < buflen && (buflen - expected) % VLAN_TAG === PAD_RESIDUE;
    if (!padded) {
      return ko('packet-length', 'length', `(${n}) vrrp packet from ${from} too ${buflen > expected ? 'long' : 'short'}, length ${buflen} and expect ${expected}`);
    }
  }

  // 3. TTL / hop limit 255, multicast only.
  if (!c.unicast && meta.ttl !== undefined && meta.ttl !== VRRP_TTL) {
    return ko('ttl', 'ttl', `(${n}) invalid TTL/HL from ${from}. Received ${meta.ttl} and expect ${VRRP_TTL}`);
  }

  // 4. Version: no mixed v2/v3 mode.
  if (hd.version !== c.version) {
    return ko('version', 'version', `(${n}) wrong VRRP version from ${from}. Received ${hd.version} and expect ${c.version}`);
  }

  let ahSeq: number | undefined;
  if (c.version === 2) {
    // 6. Authentication.
    const t = hd.authType ?? 0;
    if (t !== VRRP_AUTH_NONE && t !== VRRP_AUTH_PASS && t !== VRRP_AUTH_AH) {
      return ko('invalid-auth-type', 'auth', `(${n}) Invalid auth type from ${from}: ${t}`);
    }
    const ours = authTypeCode(c.auth);
    if (t !== ours) {
      return ko('auth-type-mismatch', 'auth-type', `(${n}) received a ${t} auth from ${from}, expecting ${ours}!`);
    }
    if (c.auth.type === 'pass') {
      const pw = a.bytes.subarray(expected - 8, expected);
      if (!passwordMatches(pw, c.auth.password)) {
        return ko('auth-failure', 'passwd', `(${n}) received an invalid passwd from ${from}!`);
      }
    } else if (c.auth.type === 'ah' && a.ah && ip) {
      if (!ahWrapsVrrp(a.ah)) return { verdict: 'drop', reason: 'ah-not-vrrp' };
      if (!ahIcvMatches(a.bytes.subarray(0, expected), ip.headerLength, c.auth.password, c.unicast)) {
        return ko('auth-failure', 'ah', `(${n}) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !`);
      }
      const srcNum = a.bytes.readUInt32BE(12);
      if (a.ah.spi !== srcNum) {
        return ko('auth-failure', 'ah', `IPSEC AH : invalid IPSEC SPI value. ${srcNum} and expect ${a.ah.spi}`);
      }
      if (a.ah.seq <= c.ahLastSeq) {
        return ko('auth-failure', 'ah', `(${n}) IPSEC-AH : sequence number ${a.ah.seq} already processed. Packet dropped. Local(${c.ahLastSeq})`);
      }
      ahSeq = a.ah.seq;
    }
    // 7. v2: a different advert interval means another VRRP domain: ignore, uncounted.
    if (c.advertIntervalUs !== hd.advertInterval * 1_000_000) {
      return {
        verdict: 'drop',
        reason: 'advert-interval',
        note: { key: 'adv-int', message: `(${n}) advertisement interval mismatch with ${from} mine=${Math.floor(c.advertIntervalUs / 1_000_000)} sec rcv'd=${hd.advertInterval} sec` },
      };
    }
  }

  // 8. Type.
  if (hd.type !== VRRP_TYPE_ADVERTISEMENT) {
    return ko('invalid-type', 'type', `(${n}) Invalid packet type from ${from}. ${hd.type} and expect ${VRRP_TYPE_ADVERTISEMENT}`);
  }

  // 9. IPv4 total length against what was received.
  if (ip && ip.totalLength !== buflen) {
    const padded = buflen <= ETH_PAYLOAD_MIN && ip.totalLength < buflen && (buflen - ip.totalLength) % VLAN_TAG === PAD_RESIDUE;
    if (!padded) {
      return ko('ip-total-length', 'tot-len', `(${n}) ip_tot_len mismatch against received length from ${from}. ${ip.totalLength} and received ${buflen}`);
    }
  }

  const notes: ReceiveNote[] = [];
  if (c.version === 3 && Math.round(c.advertIntervalUs / 10_000) !== hd.advertInterval) {
    notes.push({ key: 'adv-int', message: `(${n}) advertisement interval mismatch ours = ${Math.round(c.advertIntervalUs / 10_000)} centi-sec rcv'd=${hd.advertInterval} centi-sec` });
  }

  // 10. Checksum (IPv6: the kernel verified it).
  let oldChecksum = false;
  if (c.family === 'inet' && ip) {
    const pduLen = vrrpPduLength(hd.version, 'inet', hd.naddr);
    const pdu = a.bytes.subarray(a.vrrpOffset, a.vrrpOffset + pduLen);
    const mode = ipv4ChecksumMode(c.version, ip.src, c.oldChecksumGroup ?? ip.dst, c.v3ChecksumAsV2);
    if (!verifyVrrpChecksum(pdu, mode)) {
      const group = c.detectOldChecksum;
      if (group === undefined || group === ip.dst || !verifyVrrpChecksum(pdu, ipv4ChecksumMode(c.version, ip.src, group, c.v3ChecksumAsV2))) {
        return ko('checksum', 'checksum', `(${n}) Invalid VRRPv${c.version} checksum from ${from}`);
      }
      oldChecksum = true;
    }
  }

  // 11. Multicast/unicast consistency.
  const multicastPkt = isMulticast(c.family, meta.dst);
  if (multicastPkt === c.unicast) {
    return ko('unicast-multicast-mismatch', 'uni-multi', `(${n}) Expected ${c.unicast ? 'un' : 'mult'}icast packet but received ${c.unicast ? 'mult' : 'un'}icast packet from ${from}`);
  }

  // 12. An address owner may ignore adverts altogether.
  if (c.ownerIgnoreAdverts && c.effectivePriority === 255) {
    return { verdict: 'drop', reason: 'owner-ignore-adverts', note: { key: 'owner', message: `(${n}) Dropping packet(s) from ${from} since we are address owner` } };
  }

  // 13. Address list: counted and logged, still accepted (keepalived 2.4).
  let addrListError = false;
  if (hd.naddr !== c.vips.length) {
    addrListError = true;
    notes.push({ key: 'addr-count', message: `(${n}) expected ${c.vips.length} VIPs but received ${hd.naddr}` });
  } else if (c.checkVipAddresses) {
    const got = new Set(hd.addresses);
    for (const vip of c.vips) {
      const canon = canonicalAddress(c.family, vip) ?? vip;
      if (!got.has(canon)) {
        addrListError = true;
        notes.push({ key: 'vips', message: `(${n}) ip address associated with VRID ${hd.vrid} not present in advert from ${from}: ${canon}` });
        break;
      }
    }
  }

  // 14. Unicast source must be a peer, within its TTL range.
  if (c.unicast && c.checkUnicastSource) {
    const srcCanon = canonicalAddress(c.family, meta.src);
    const peer = c.peers.find((p) => canonicalAddress(c.family, p.address) === srcCanon);
    if (!peer) return ko('unicast-source-not-peer', 'uni-src', `(${n}) unicast source address ${meta.src} not a unicast peer`);
    if (meta.ttl !== undefined && (meta.ttl < (peer.minTtl ?? 0) || meta.ttl > (peer.maxTtl ?? 255))) {
      return { verdict: 'drop', reason: 'unicast-ttl-range', note: { key: 'uni-ttl', message: `(${n}) TTL/HL ${meta.ttl} not in range ${peer.minTtl ?? 0} - ${peer.maxTtl ?? 255}` } };
    }
  }

  const ok: ReceiveResult = { verdict: 'ok', addrListError, notes };
  if (ahSeq !== undefined) ok.ahSeq = ahSeq;
  if (oldChecksum) ok.oldChecksum = true;
  return ok;
}
