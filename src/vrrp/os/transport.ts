// The VRRP transport port on raw sockets (src/net/vrrp-socket.ts). The runtime hands us
// whole IPv4 datagrams (its own header, which the AH ICV covers) or IPv6 VRRP PDUs.
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
      ...(key.mode === 'unicast' ? { unicast: true } : {}),
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
  const r: ReceivedPacket = p.family === 'inet'
    ? { data: p.ipHeader ? Buffer.concat([p.ipHeader, p.payload]) : p.payload, src: p.src, dst: p.dst, ifindex: p.ifindex }
    : { data: p.payload, src: p.src, dst: p.dst, hopLimit: p.ttl, ifindex: p.ifindex };
  if (p.at !== undefined) r.receivedAt = p.at;
  return r;
}

class RawChannel implements VrrpChannel {
  constructor(private readonly raw: RawTransport) {}

  send(packet: OutgoingPacket): void {
    if (this.raw.family === 'inet') {
      // The runtime built the IPv4 header (the AH ICV covers it): send it as it is.
      this.raw.sendIpv4Datagram(packet.data, packet.dst);
    } else {
      this.raw.send(packet.data, { src: packet.src ?? '::', dst: packet.dst, ...(packet.hopLimit !== undefined ? { ttl: packet.hopLimit } : {}) });
    }
  }

  close(): void {
    this.raw.close();
  }
}
