// The VRRP runtime's transport port (src/vrrp/ports.ts) over real raw sockets: one
// openVrrpSocket per channel key. The runtime builds IPv4 headers itself (AH signs them),
// so IPv4 goes out as whole datagrams and comes back as whole datagrams.
import type { ChannelKey, OutgoingPacket, ReceivedPacket, VrrpChannel, VrrpTransport as VrrpTransportPort } from '../vrrp/ports.js';
import { IPPROTO_VRRP } from './constants.js';
import type { SysError } from './sys.js';
import { openVrrpSocket, type VrrpPacket, type VrrpSocketOptions, type VrrpTransport } from './vrrp-socket.js';

/** A channel key may name the IP protocol: 51 for IPsec-AH instances (default 112). */
export type SocketChannelKey = ChannelKey & { protocol?: number };

export interface SocketVrrpTransportOptions {
  /** SO_RCVBUF for receive sockets. */
  receiveBufferSize?: number;
  /** Receive errors (ENOBUFS, ENETDOWN ...) are reported here; the socket keeps reading. */
  onError?: (key: ChannelKey, err: SysError) => void;
  /** For tests: how a socket is opened. */
  open?: (opts: VrrpSocketOptions) => VrrpTransport;
}

export function toReceivedPacket(p: VrrpPacket): ReceivedPacket {
  if (p.family === 'inet') {
    return { data: Buffer.concat([p.ipHeader ?? Buffer.alloc(0), p.payload]), src: p.src, dst: p.dst, ifindex: p.ifindex };
  }
  return { data: p.payload, src: p.src, dst: p.dst, hopLimit: p.ttl, ifindex: p.ifindex };
}

export class SocketVrrpTransport implements VrrpTransportPort {
  constructor(private readonly opts: SocketVrrpTransportOptions = {}) {}

  /** Throws a SysError when the sockets cannot be opened (the instance goes to FAULT). */
  open(key: SocketChannelKey, onPacket: (packet: ReceivedPacket) => void): VrrpChannel {
    const open = this.opts.open ?? openVrrpSocket;
    const t = open({
      family: key.family,
      protocol: key.protocol ?? IPPROTO_VRRP,
      ...(key.interface !== undefined ? { ifname: key.interface } : {}),
      ...(key.mode === 'multicast'
        ? key.group !== undefined ? { multicastGroup: key.group } : {}
        : { unicast: true, ...(key.sourceAddress !== undefined ? { unicastSrc: key.sourceAddress } : {}) }),
      ...(this.opts.receiveBufferSize ? { receiveBufferSize: this.opts.receiveBufferSize } : {}),
    });
    t.onPacket(
      (p) => onPacket(toReceivedPacket(p)),
      (err) => this.opts.onError?.(key, err),
    );
    return {
      send(packet: OutgoingPacket): void {
        if (t.family === 'inet') t.sendIpv4Datagram(packet.data, packet.dst);
        else t.send(packet.data, { dst: packet.dst, ...(packet.src !== undefined ? { src: packet.src } : {}), ...(packet.hopLimit !== undefined ? { ttl: packet.hopLimit } : {}) });
      },
      close(): void {
        t.close();
      },
    };
  }
}
