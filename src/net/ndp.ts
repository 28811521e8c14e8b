// Unsolicited neighbour advertisement as keepalived sends it for IPv6 VIPs (vrrp_ndisc.c,
// RFC 4861 §7.2.6): to all-nodes ff02::1 from the VIP itself, hop limit 255, Override set,
// Router set when the interface forwards, with a target link-layer address option. We
// build Ethernet + IPv6 + ICMPv6 ourselves, so the checksum is ours too.
import { readFileSync } from 'node:fs';
import { ETH_P_IPV6, IPPROTO_ICMPV6 } from './constants.js';
import { internetChecksum } from './checksum.js';
import { ipv6ToBytes, macToBytes } from './inet-address.js';
import type { LinkSender } from './link-sender.js';

export const ALL_NODES = 'ff02::1';
export const ALL_NODES_MAC = Buffer.from('333300000001', 'hex');
const ND_NEIGHBOR_ADVERT = 136;
const NA_FLAG_ROUTER = 0x80000000;
const NA_FLAG_OVERRIDE = 0x20000000;
const ND_OPT_TARGET_LL_ADDR = 2;
const ICMPV6_NA_LENGTH = 32; // header 8 + target 16 + option 8
const IPV6_HEADER_LENGTH = 40;
export const NA_FRAME_LENGTH = 14 + IPV6_HEADER_LENGTH + ICMPV6_NA_LENGTH;

export interface UnsolicitedNa {
  /** The address being announced (source and target). */
  target: string;
  /** The interface or VMAC MAC (Ethernet source and target link-layer option). */
  mac: string | Buffer;
  /** Set the Router flag (keepalived does when IPv6 forwarding is on for the interface). */
  router?: boolean;
}

/** The ICMPv6 checksum over the IPv6 pseudo-header and the message (checksum field zero). */
export function icmpv6Checksum(src: Buffer, dst: Buffer, message: Buffer): number {
  const pseudo = Buffer.alloc(8);
  pseudo.writeUInt32BE(message.length, 0);
  pseudo[7] = IPPROTO_ICMPV6;
  return internetChecksum(src, dst, pseudo, message);
}

/** The whole Ethernet frame. */
export function encodeUnsolicitedNa(na: UnsolicitedNa): Buffer {
  const mac = typeof na.mac === 'string' ? macToBytes(na.mac) : na.mac;
  const target = ipv6ToBytes(na.target);
  const dst = ipv6ToBytes(ALL_NODES);
  const f = Buffer.alloc(NA_FRAME_LENGTH);
  ALL_NODES_MAC.copy(f, 0);
  mac.copy(f, 6);
  f.writeUInt16BE(ETH_P_IPV6, 12);
  const ip = f.subarray(14, 14 + IPV6_HEADER_LENGTH);
  ip.writeUInt32BE(0x60000000, 0); // version 6, traffic class 0, no flow label
  ip.writeUInt16BE(ICMPV6_NA_LENGTH, 4);
  ip[6] = IPPROTO_ICMPV6;
  ip[7] = 255; // RFC 4861: receivers drop ND with any other hop limit
  target.copy(ip, 8);
  dst.copy(ip, 24);
  const icmp = f.subarray(14 + IPV6_HEADER_LENGTH);
  icmp[0] = ND_NEIGHBOR_ADVERT;
  icmp[1] = 0;
  icmp.writeUInt32BE((NA_FLAG_OVERRIDE | (na.router ? NA_FLAG_ROUTER : 0)) >>> 0, 4);
  target.copy(icmp, 8);
  icmp[24] = ND_OPT_TARGET_LL_ADDR;
  icmp[25] = 1; // length in units of 8 bytes
  mac.copy(icmp, 26);
  icmp.writeUInt16BE(icmpv6Checksum(target, dst, icmp), 2);
  return f;
}

/** One unsolicited NA for `target` out of the sender's interface. */
export function sendUnsolicitedNa(link: LinkSender, target: string, opts: { mac?: string | Buffer; router?: boolean } = {}): void {
  link.sendFrame(encodeUnsolicitedNa({ target, mac: opts.mac ?? link.mac, router: opts.router ?? false }));
}

/** Whether the interface forwards IPv6 (keepalived then sets the NA Router flag). Reads this namespace's /proc. */
export function ipv6ForwardingEnabled(ifname: string): boolean {
  try {
    return readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}
