// The VRRP transport port on raw sockets (src/net/vrrp-socket.ts). The runtime hands us
// whole IPv4 datagrams (its own header, which the AH ICV covers) or IPv6 VRRP PDUs; the
// socket layer wants the header fields and the payload, and rebuilds the same header.
import { decodeIpv4Header } from '../../net/ipv4-header.js';
import { openVrrpSocket, type VrrpPacket, type VrrpTransport as RawTransport } from '../../net/vrrp-socket.js';
import { IPPROTO_AH, IPPROTO_VRRP } from '../../net/constants.js';
import type { ChannelKey, OutgoingPacket, ReceivedPacket, VrrpChannel, VrrpTransport } from '../ports.js';

export type OpenRaw = typeof openVrrpSocket;

export class RawSocketTransport implements VrrpTransport {
  constructor(
    private readonly log: (line: string) => void,
    private readonly openRaw: OpenRaw = openVrrpSocket,
  ) {}

  open(key: ChannelKey, onPacket: (packet: ReceivedPacket) => void): VrrpChannel {
    const raw = this.openRaw({
      family: key.family,
      protocol: key.protocol === 'ah' ? IPPROTO_AH : IPPROTO_VRRP,
      ...(key.interface !== undefined ? { ifname: key.interface } : {}),
      ...(key.mode === 'multicast' && key.group !== undefined ? { multicastGroup: key.group } : {}),
      ...(key.mode === 'unicast' && key.sourceAddress !== undefined ? { unicastSrc: key.sourceAddress } : {}),
    });
    raw.onPacket(
      (p) => onPacket(toReceived(p)),
      (err) => this.log(`VRRP socket error on ${key.interface ?? key.sourceAddress ?? '?'}: ${err.message}`),
    );
    return new RawChannel(raw);
  }
}

function toReceived(p: VrrpPacket): ReceivedPacket {
  if (p.family === 'inet') {
    return { data: p.ipHeader ? Buffer.concat([p.ipHeader, p.payload]) : p.payload, src: p.src, dst: p.dst, ifindex: p.ifindex };
  }
  return { data: p.payload, src: p.src, dst: p.dst, hopLimit: p.ttl, ifindex: p.ifindex };
}

class RawChannel implements VrrpChannel {
  constructor(private readonly raw: RawTransport) {}

  send(packet: OutgoingPacket): void {
    if (this.raw.family === 'inet') {
      const d = decodeIpv4Header(packet.data);
      if ('error' in d) throw new Error(`refusing to send a malformed IPv4 advert: ${d.error}`);
      const h = d.header;
      this.raw.send(packet.data.subarray(h.headerLength), { src: h.src, dst: h.dst, ttl: h.ttl, id: h.id });
    } else {
      this.raw.send(packet.data, { src: packet.src ?? '::', dst: packet.dst, ...(packet.hopLimit !== undefined ? { ttl: packet.hopLimit } : {}) });
    }
  }

  close(): void {
    this.raw.close();
  }
}
