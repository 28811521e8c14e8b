// BFD's sockets: one UDP socket receives every single-hop session's control packets on port
// 3784 (RFC 5881; IPv6 with IPv4 mapped in, as keepalived's, or IPv4 alone where the host has
// no IPv6), another on port 4784 the multihop sessions' (RFC 5883, keepalived 2.2.8's
// `multihop`) while there are any, each reporting the packet's TTL/hop limit and the address
// it was sent to; each session sends from a socket of its own, bound to a source port in
// 49152-65535 and sending with the session's TTL. Node's dgram reports neither the TTL nor the destination,
// hence the addon's sockets.
import * as C from '../net/constants.js';
import { isSysError, openSocket, type NativeSocketLike, type SysError } from '../net/sys.js';
import { BFD_CONTROL_PORT, BFD_SOURCE_PORT_MAX as BFD_MAX_PORT, BFD_SOURCE_PORT_MIN as BFD_MIN_PORT } from './codec.js';

/** RFC 5883: multihop sessions' control packets. */
export const BFD_MULTIHOP_PORT = 4784;

export type BfdFamily = 'inet' | 'inet6';

export interface BfdDatagram {
  data: Buffer;
  family: BfdFamily;
  /** Sender's address (an IPv4-mapped IPv6 address reads as the IPv4 one). */
  src: string;
  /** The address it was sent to, when the kernel said. */
  dst?: string;
  /** Its TTL or hop limit, when the kernel said (0: unknown). */
  ttl: number;
  /** It came to the multihop port. */
  multihop: boolean;
}

export interface BfdSender {
  send(data: Buffer): void;
  /** The local port the session sends from. */
  readonly port: number;
  close(): void;
}

export interface BfdTransport {
  onDatagram(cb: (d: BfdDatagram) => void, onError: (e: SysError) => void): void;
  /** Listens on the multihop port, or stops, as sessions need it. */
  setMultihop(on: boolean): void;
  openSender(o: { family: BfdFamily; src?: string; dst: string; ttl: number; random: () => number; multihop: boolean }): BfdSender;
  close(): void;
}

const V4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

function unmap(a: string): { family: BfdFamily; address: string } {
  const m = V4_MAPPED.exec(a);
  return m?.[1] ? { family: 'inet', address: m[1] } : { family: a.includes(':') ? 'inet6' : 'inet', address: a };
}

/** The ephemeral range the host uses, within BFD's (keepalived reads it the same way). */
function sourcePortRange(readRange: () => string | undefined): [number, number] {
  const m = /^(\d+)\s+(\d+)/.exec(readRange() ?? '');
  let lo = Math.max(BFD_MIN_PORT, Number(m?.[1] ?? BFD_MIN_PORT));
  let hi = Math.min(BFD_MAX_PORT, Number(m?.[2] ?? BFD_MAX_PORT));
  // At least 1,024 ports to try, else BFD's whole range.
  if (!(lo + 1023 <= hi)) [lo, hi] = [BFD_MIN_PORT, BFD_MAX_PORT];
  return [lo, hi];
}

class SocketSender implements BfdSender {
  constructor(private readonly sock: NativeSocketLike, readonly port: number, private readonly family: BfdFamily, private readonly dst: string, private readonly dstPort: number) {}

  send(data: Buffer): void {
    this.sock.send(data, { family: this.family, address: this.dst, port: this.dstPort });
  }

  close(): void {
    this.sock.close();
  }
}

export class SocketTransport implements BfdTransport {
  private readonly rx: NativeSocketLike;
  private multihopRx: NativeSocketLike | undefined;
  private handlers: { cb: (d: BfdDatagram) => void; onError: (e: SysError) => void } | undefined;

  constructor(private readonly readRange: () => string | undefined) {
    this.rx = SocketTransport.openReceiver(BFD_CONTROL_PORT);
  }

  private static openReceiver(port: number): NativeSocketLike {
    const on = (s: NativeSocketLike, level: number, name: number) => s.setsockopt(level, name, 1);
    let s: NativeSocketLike | undefined;
    try {
      s = openSocket(C.AF_INET6, C.SOCK_DGRAM, C.IPPROTO_UDP, { receiveBufferSize: 512 });
      s.setsockopt(C.SOL_IPV6, C.IPV6_V6ONLY, 0);
      on(s, C.SOL_IP, C.IP_RECVTTL);
      on(s, C.SOL_IP, C.IP_PKTINFO);
      on(s, C.SOL_IPV6, C.IPV6_RECVHOPLIMIT);
      on(s, C.SOL_IPV6, C.IPV6_RECVPKTINFO);
      s.bind({ family: 'inet6', address: '::', port });
      return s;
    } catch (e) {
      s?.close();
      // No IPv6 on this host: IPv4 alone, as keepalived falls back.
      if (!isSysError(e) || !['EAFNOSUPPORT', 'EADDRNOTAVAIL'].includes(e.code)) throw e;
    }
    const v4 = openSocket(C.AF_INET, C.SOCK_DGRAM, C.IPPROTO_UDP, { receiveBufferSize: 512 });
    try {
      on(v4, C.SOL_IP, C.IP_RECVTTL);
      on(v4, C.SOL_IP, C.IP_PKTINFO);
      v4.bind({ family: 'inet', address: '0.0.0.0', port });
    } catch (e) {
      v4.close();
      throw e;
    }
    return v4;
  }

  onDatagram(cb: (d: BfdDatagram) => void, onError: (e: SysError) => void): void {
    this.handlers = { cb, onError };
    this.listen(this.rx, false);
    if (this.multihopRx) this.listen(this.multihopRx, true);
  }

  setMultihop(on: boolean): void {
    if (on && !this.multihopRx) {
      this.multihopRx = SocketTransport.openReceiver(BFD_MULTIHOP_PORT);
      this.listen(this.multihopRx, true);
    } else if (!on && this.multihopRx) {
      this.multihopRx.close();
      this.multihopRx = undefined;
    }
  }

  private listen(sock: NativeSocketLike, multihop: boolean): void {
    const h = this.handlers;
    if (!h) return;
    sock.onMessage((m) => {
      if (m.truncated || !m.from || (m.from.family !== 'inet' && m.from.family !== 'inet6')) return;
      const { family, address } = unmap(m.from.address);
      let ttl = 0;
      let dst: string | undefined;
      for (const c of m.cmsgs) {
        if (c.kind === 'ip_ttl') ttl = c.ttl;
        else if (c.kind === 'ipv6_hoplimit') ttl = c.hopLimit;
        else if (c.kind === 'ip_pktinfo') dst = c.addr;
        else if (c.kind === 'ipv6_pktinfo') dst = unmap(c.addr).address;
      }
      h.cb({ data: m.data, family, src: address, ...(dst !== undefined ? { dst } : {}), ttl, multihop });
    }, h.onError);
  }

  openSender(o: { family: BfdFamily; src?: string; dst: string; ttl: number; random: () => number; multihop: boolean }): BfdSender {
    const s = openSocket(o.family === 'inet' ? C.AF_INET : C.AF_INET6, C.SOCK_DGRAM, C.IPPROTO_UDP);
    try {
      if (o.family === 'inet') s.setsockopt(C.SOL_IP, C.IP_TTL, o.ttl);
      else s.setsockopt(C.SOL_IPV6, C.IPV6_UNICAST_HOPS, o.ttl);
      // RFC 5881 §4: the source port is in 49152-65535. keepalived binds one only when the
      // session has a source_ip and otherwise takes the kernel's (possibly outside the range);
      // here the wildcard address is bound to an in-range port then.
      const [lo, hi] = sourcePortRange(this.readRange);
      const first = lo + Math.floor(o.random() * (hi - lo + 1));
      const address = o.src ?? (o.family === 'inet' ? '0.0.0.0' : '::');
      for (let port = first; ;) {
        try {
          s.bind({ family: o.family, address, port });
          return new SocketSender(s, port, o.family, o.dst, o.multihop ? BFD_MULTIHOP_PORT : BFD_CONTROL_PORT);
        } catch (e) {
          if (!isSysError(e) || e.code !== 'EADDRINUSE') throw e;
        }
        port = port >= hi ? lo : port + 1;
        if (port === first) throw new Error(`no free source port in ${lo}-${hi}`);
      }
    } catch (e) {
      s.close();
      throw e;
    }
  }

  close(): void {
    this.rx.close();
    this.multihopRx?.close();
    this.multihopRx = undefined;
  }
}
