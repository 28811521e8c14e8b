// Sending whole Ethernet frames out of one interface: an AF_PACKET SOCK_RAW socket that
// never receives (protocol 0 registers no receive hook). Used for gratuitous ARP and
// unsolicited neighbour advertisements, which must leave from a given MAC (the interface's
// or a VMAC) whatever the routing table says.
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { AF_PACKET, SOCK_RAW } from './constants.js';
import { macToBytes } from './inet-address.js';
import { ifNameToIndex, openSocket, type NativeSocketLike } from './sys.js';

export interface LinkSender {
  readonly ifname: string;
  readonly ifindex: number;
  /** The source MAC frames are built with (the interface's, or the VMAC given). */
  readonly mac: Buffer;
  /** Sends a frame that starts with its Ethernet header; throws a SysError on failure. */
  sendFrame(frame: Buffer): void;
  close(): void;
}

export interface LinkSenderSystem {
  openSocket(domain: number, type: number, protocol: number): NativeSocketLike;
  ifNameToIndex(name: string): number;
  interfaceMac(ifname: string): Buffer;
}

/**
 * The MAC of an interface, read from what the kernel already reports to Node
 * (getifaddrs) or from sysfs; the daemon passes the one its link monitor knows instead.
 */
export function interfaceMac(ifname: string): Buffer {
  const fromNode = networkInterfaces()[ifname]?.find((a) => a.mac && a.mac !== '00:00:00:00:00:00');
  if (fromNode) return macToBytes(fromNode.mac);
  try {
    return macToBytes(readFileSync(`/sys/class/net/${ifname}/address`, 'utf8').trim());
  } catch {
    throw new Error(`cannot find the MAC address of interface ${ifname}`);
  }
}

const realSystem: LinkSenderSystem = { openSocket: (d, t, p) => openSocket(d, t, p), ifNameToIndex, interfaceMac };

export function openLinkSender(ifname: string, opts: { mac?: string | Buffer } = {}, sys: LinkSenderSystem = realSystem): LinkSender {
  const ifindex = sys.ifNameToIndex(ifname);
  const mac = opts.mac === undefined ? sys.interfaceMac(ifname) : typeof opts.mac === 'string' ? macToBytes(opts.mac) : opts.mac;
  const sock = sys.openSocket(AF_PACKET, SOCK_RAW, 0);
  return {
    ifname,
    ifindex,
    mac,
    sendFrame(frame: Buffer): void {
      if (frame.length < 14) throw new RangeError('an Ethernet frame has at least 14 bytes');
      sock.send(frame, { family: 'packet', ifindex, protocol: frame.readUInt16BE(12), address: frame.subarray(0, 6) });
    },
    close(): void {
      sock.close();
    },
  };
}
