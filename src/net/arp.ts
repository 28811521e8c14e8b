// Gratuitous ARP as keepalived sends it (vrrp_arp.c): an ARP *request* broadcast, with
// sender and target protocol address both the VIP and the target hardware address the
// broadcast address, from the interface (or VMAC) MAC. RFC 5227 §3 prefers requests.
import { ETH_P_ARP, ETH_P_IP, ARPHRD_ETHER } from './constants.js';
import { ipv4ToBytes, macToBytes } from './inet-address.js';
import type { LinkSender } from './link-sender.js';

export const BROADCAST_MAC = Buffer.from('ffffffffffff', 'hex');
const ARPOP_REQUEST = 1;
/** Ethernet header (14) + ARP for IPv4 over Ethernet (28). */
export const GARP_FRAME_LENGTH = 42;

export interface GratuitousArp {
  /** The address being announced. */
  ip: string;
  /** Who has it: the interface or VMAC MAC. */
  mac: string | Buffer;
}

/** The whole Ethernet frame. */
export function encodeGratuitousArp(g: GratuitousArp): Buffer {
  const mac = typeof g.mac === 'string' ? macToBytes(g.mac) : g.mac;
  const ip = ipv4ToBytes(g.ip);
  const f = Buffer.alloc(GARP_FRAME_LENGTH);
  BROADCAST_MAC.copy(f, 0);
  mac.copy(f, 6);
  f.writeUInt16BE(ETH_P_ARP, 12);
  f.writeUInt16BE(ARPHRD_ETHER, 14);
  f.writeUInt16BE(ETH_P_IP, 16);
  f[18] = 6; // hardware address length
  f[19] = 4; // protocol address length
  f.writeUInt16BE(ARPOP_REQUEST, 20);
  mac.copy(f, 22);
  ip.copy(f, 28);
  BROADCAST_MAC.copy(f, 32);
  ip.copy(f, 38);
  return f;
}

/** One gratuitous ARP for `ip` out of the sender's interface, from its MAC unless `mac` is given. */
export function sendGratuitousArp(link: LinkSender, ip: string, mac: string | Buffer = link.mac): void {
  link.sendFrame(encodeGratuitousArp({ ip, mac }));
}
