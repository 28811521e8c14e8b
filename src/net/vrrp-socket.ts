// The VRRP transport of one (interface, family, protocol, unicast source): raw IP sockets
// set up as keepalived sets them up (vrrp.c open_vrrp_send_socket/open_vrrp_read_socket,
// vrrp_if.c). Two sockets, as keepalived has: a send socket that never reads, and a
// receive socket that joins the group (or binds the unicast source) on the interface.
//
// IPv4: we build the IP header (IP_HDRINCL) so TOS, id and TTL are exactly keepalived's;
// received datagrams carry their IP header, which is parsed here and handed up with the
// payload. IPv6: the kernel builds the header (traffic class 0xC0 by IPV6_TCLASS, hop
// limit and source per packet by ancillary data) and computes and verifies the VRRP
// checksum (IPV6_CHECKSUM at offset 6); hop limit, destination and arrival interface
// come back as ancillary data.
//
// No VRRP parsing happens here: the payload is opaque bytes (VRRP, or AH + VRRP).
import * as C from './constants.js';
import { decodeIpv4Header, encodeIpv4Header, nextIpv4Id, VRRP_IPV4_TOS, VRRP_TTL } from './ipv4-header.js';
import { ipv4ToBytes, ipv6ToBytes } from './inet-address.js';
import { ifNameToIndex, openSocket, writeHostInt32, type Cmsg, type NativeSocketLike, type ReceivedMessage, type SockAddr, type SysError } from './sys.js';

export type VrrpFamily = 'inet' | 'inet6';

export const VRRP_GROUP_IPV4 = '224.0.0.18';
export const VRRP_GROUP_IPV6 = 'ff02::12';
/** Offset of the checksum in a VRRP (v3) header, for IPV6_CHECKSUM. */
const VRRP_CHECKSUM_OFFSET = 6;
const VRRP_IPV6_TCLASS = 0xc0;

export interface VrrpSocketOptions {
  /** The interface adverts go out of and are received on. Required unless unicastSrc is set. */
  ifname?: string;
  family: VrrpFamily;
  /** IPPROTO_VRRP (112, default) or IPPROTO_AH (51) for IPsec-AH authenticated VRRPv2. */
  protocol?: number;
  /** Multicast mode group (default 224.0.0.18 / ff02::12). Ignored in unicast mode. */
  multicastGroup?: string;
  /** Unicast mode (unicast_peer): no group is joined. Implied by unicastSrc. */
  unicast?: boolean;
  /** Unicast mode: the local address the receive socket binds to (unicast_src_ip). */
  unicastSrc?: string;
  /** SO_RCVBUF of the receive socket (keepalived sizes it from the MTU and instances). */
  receiveBufferSize?: number;
}

export interface VrrpSendOptions {
  /** Source address; IPv6 may leave it to the kernel (it then picks one on the interface). */
  src?: string;
  dst: string;
  /** TTL / hop limit; default 255 (unicast_ttl may lower it). */
  ttl?: number;
  /** IPv4 header id; default a counter of this transport (keepalived keeps one per instance). */
  id?: number;
}

export interface VrrpPacket {
  family: VrrpFamily;
  protocol: number;
  /** What follows the IP header: the VRRP PDU (or the AH header and the VRRP PDU). */
  payload: Buffer;
  src: string;
  dst: string;
  /** TTL (IPv4) or hop limit (IPv6) as received: RFC 5798 wants 255. */
  ttl: number;
  /** The interface it arrived on. */
  ifindex: number;
  /** IPv4 only: the IP header as received (the AH ICV covers it). */
  ipHeader?: Buffer;
  /** When it arrived (the kernel's stamp, else when it was read; CLOCK_MONOTONIC, whole µs), when the addon says. */
  at?: number;
}

export interface VrrpTransport {
  readonly family: VrrpFamily;
  readonly protocol: number;
  /** 0 when unicast without an interface. */
  readonly ifindex: number;
  /** Sends one advert; throws a SysError (ENETDOWN, ENOBUFS, ...) when the kernel refuses. */
  send(payload: Buffer, opts: VrrpSendOptions): void;
  /**
   * IPv4 only: sends a datagram whose IPv4 header the caller built (AH signs the header,
   * so the VRRP codec may build it itself). The kernel still fills in length and checksum.
   */
  sendIpv4Datagram(datagram: Buffer, dst: string): void;
  /** Delivers every received packet from the loop. Malformed datagrams are counted and dropped. */
  onPacket(cb: (p: VrrpPacket) => void, onError?: (err: SysError) => void): void;
  /** Datagrams dropped because they were not a usable IP packet for us. */
  readonly dropped: number;
  close(): void;
}

/** What the transport needs from the system; tests may pass fakes. */
export interface VrrpSocketSystem {
  openSocket(domain: number, type: number, protocol: number): NativeSocketLike;
  ifNameToIndex(name: string): number;
}

const realSystem: VrrpSocketSystem = { openSocket: (d, t, p) => openSocket(d, t, p), ifNameToIndex };

function isMulticast(addr: string, family: VrrpFamily): boolean {
  if (family === 'inet') return (ipv4ToBytes(addr)[0]! & 0xf0) === 0xe0;
  return ipv6ToBytes(addr)[0] === 0xff;
}

function isLinkLocal6(addr: string): boolean {
  const b = ipv6ToBytes(addr);
  return b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}

function intOpt(v: number): Buffer {
  const b = Buffer.alloc(4);
  writeHostInt32(b, v, 0);
  return b;
}

/** struct ip_mreqn { group, local address (any), ifindex }. */
function ipMreqn(group: string, ifindex: number): Buffer {
  const b = Buffer.alloc(12);
  ipv4ToBytes(group).copy(b, 0);
  writeHostInt32(b, ifindex, 8);
  return b;
}

/** struct ipv6_mreq { group, ifindex }. */
function ipv6Mreq(group: string, ifindex: number): Buffer {
  const b = Buffer.alloc(20);
  ipv6ToBytes(group).copy(b, 0);
  writeHostInt32(b, ifindex, 16);
  return b;
}

/** SO_BINDTODEVICE takes the NUL-terminated name. */
function deviceName(ifname: string): Buffer {
  return Buffer.from(`${ifname}\0`);
}

function closeQuietly(...socks: Array<NativeSocketLike | undefined>): void {
  for (const s of socks) {
    try {
      s?.close();
    } catch {
      /* closing is best effort on a failed open */
    }
  }
}

/**
 * Opens the send and receive sockets. Throws a SysError when the kernel refuses (EPERM
 * without CAP_NET_RAW, ENODEV for an unknown interface, EADDRNOTAVAIL for a unicast
 * source that is not local); nothing stays open then.
 */
export function openVrrpSocket(opts: VrrpSocketOptions, sys: VrrpSocketSystem = realSystem): VrrpTransport {
  const { family } = opts;
  const protocol = opts.protocol ?? C.IPPROTO_VRRP;
  const unicast = opts.unicast === true || opts.unicastSrc !== undefined;
  if (!opts.ifname && !unicast) throw new Error('a multicast VRRP socket needs an interface');
  const ifindex = opts.ifname ? sys.ifNameToIndex(opts.ifname) : 0;
  const group = opts.multicastGroup ?? (family === 'inet' ? VRRP_GROUP_IPV4 : VRRP_GROUP_IPV6);
  const domain = family === 'inet' ? C.AF_INET : C.AF_INET6;

  let tx: NativeSocketLike | undefined;
  let rx: NativeSocketLike | undefined;
  try {
    tx = sys.openSocket(domain, C.SOCK_RAW, protocol);
    rx = sys.openSocket(domain, C.SOCK_RAW, protocol);
    setUpSender(tx, opts, ifindex, unicast);
    setUpReceiver(rx, opts, ifindex, group, unicast);
  } catch (e) {
    closeQuietly(tx, rx);
    throw e;
  }
  return new RawVrrpTransport(family, protocol, ifindex, tx, rx);
}

function setUpSender(tx: NativeSocketLike, opts: VrrpSocketOptions, ifindex: number, unicast: boolean): void {
  // It never reads: no buffer for the copies of adverts a raw socket would queue.
  tx.setsockopt(C.SOL_SOCKET, C.SO_RCVBUF, 0);
  if (opts.family === 'inet') {
    tx.setsockopt(C.SOL_IP, C.IP_MULTICAST_ALL, 0);
    tx.setsockopt(C.SOL_IP, C.IP_HDRINCL, 1);
    tx.setsockopt(C.SOL_IP, C.IP_TOS, VRRP_IPV4_TOS);
  } else {
    tx.setsockopt(C.SOL_IPV6, C.IPV6_CHECKSUM, VRRP_CHECKSUM_OFFSET);
    tx.setsockopt(C.SOL_IPV6, C.IPV6_TCLASS, VRRP_IPV6_TCLASS);
    if (!unicast) tx.setsockopt(C.SOL_IPV6, C.IPV6_MULTICAST_HOPS, VRRP_TTL);
  }
  if (opts.ifname) {
    tx.setsockopt(C.SOL_SOCKET, C.SO_BINDTODEVICE, deviceName(opts.ifname));
    if (!unicast) {
      if (opts.family === 'inet') {
        tx.setsockopt(C.SOL_IP, C.IP_MULTICAST_IF, ipMreqn('0.0.0.0', ifindex));
        tx.setsockopt(C.SOL_IP, C.IP_MULTICAST_LOOP, 0);
      } else {
        tx.setsockopt(C.SOL_IPV6, C.IPV6_MULTICAST_IF, intOpt(ifindex));
        tx.setsockopt(C.SOL_IPV6, C.IPV6_MULTICAST_LOOP, 0);
      }
    }
  }
}

function setUpReceiver(rx: NativeSocketLike, opts: VrrpSocketOptions, ifindex: number, group: string, unicast: boolean): void {
  if (opts.receiveBufferSize) rx.setsockopt(C.SOL_SOCKET, C.SO_RCVBUF, opts.receiveBufferSize);
  // The kernel stamps each advert on arrival, and the addon reports that time: a backup's
  // master-down timer then runs from when the advert came, not from when our loop read it
  // (keepalived takes the time its loop woke up).
  rx.setsockopt(C.SOL_SOCKET, C.SO_TIMESTAMPNS, 1);
  if (opts.family === 'inet') {
    // Only the groups we join, and the arrival interface with every datagram.
    rx.setsockopt(C.SOL_IP, C.IP_MULTICAST_ALL, 0);
    rx.setsockopt(C.SOL_IP, C.IP_PKTINFO, 1);
  } else {
    rx.setsockopt(C.SOL_IPV6, C.IPV6_RECVHOPLIMIT, 1);
    rx.setsockopt(C.SOL_IPV6, C.IPV6_RECVPKTINFO, 1);
    // The kernel verifies the checksum and drops bad packets.
    rx.setsockopt(C.SOL_IPV6, C.IPV6_CHECKSUM, VRRP_CHECKSUM_OFFSET);
  }
  if (!unicast) {
    if (opts.family === 'inet') {
      rx.setsockopt(C.SOL_IP, C.IP_ADD_MEMBERSHIP, ipMreqn(group, ifindex));
      // Bound to the group, the socket sees only adverts sent to it, not unicast ones.
      rx.bind({ family: 'inet', address: group });
    } else {
      rx.setsockopt(C.SOL_IPV6, C.IPV6_ADD_MEMBERSHIP, ipv6Mreq(group, ifindex));
      // Bound to ::1, a raw IPv6 socket still gets the groups it joined but no unicast.
      // Like keepalived, carry on if loopback has no ::1 (unicast adverts then also arrive).
      try {
        rx.bind({ family: 'inet6', address: '::1' });
      } catch {
        /* see above */
      }
    }
  } else if (opts.unicastSrc !== undefined) {
    // Only adverts to our unicast source (keepalived fails the instance when it is not local).
    const src = opts.unicastSrc;
    const addr: SockAddr =
      opts.family === 'inet' ? { family: 'inet', address: src } : { family: 'inet6', address: src, scopeId: isLinkLocal6(src) ? ifindex : 0 };
    rx.bind(addr);
  }
  if (opts.ifname) rx.setsockopt(C.SOL_SOCKET, C.SO_BINDTODEVICE, deviceName(opts.ifname));
}

class RawVrrpTransport implements VrrpTransport {
  private ipId = 0;
  dropped = 0;

  constructor(
    readonly family: VrrpFamily,
    readonly protocol: number,
    readonly ifindex: number,
    private readonly tx: NativeSocketLike,
    private readonly rx: NativeSocketLike,
  ) {}

  send(payload: Buffer, o: VrrpSendOptions): void {
    const ttl = o.ttl ?? VRRP_TTL;
    // Multicast adverts are for the link only: never routed.
    const flags = isMulticast(o.dst, this.family) ? C.MSG_DONTROUTE : 0;
    if (this.family === 'inet') {
      if (o.src === undefined) throw new Error('an IPv4 advert needs a source address (we build its header)');
      const id = o.id ?? (this.ipId = nextIpv4Id(this.ipId));
      const header = encodeIpv4Header({ src: o.src, dst: o.dst, payloadLength: payload.length, id, ttl, protocol: this.protocol });
      this.tx.send([header, payload], { family: 'inet', address: o.dst }, undefined, flags);
    } else {
      const scoped = isMulticast(o.dst, 'inet6') || isLinkLocal6(o.dst);
      const cmsgs: Cmsg[] = [
        { kind: 'ipv6_pktinfo', addr: o.src ?? '::', ifindex: this.ifindex },
        { kind: 'ipv6_hoplimit', hopLimit: ttl },
      ];
      this.tx.send(payload, { family: 'inet6', address: o.dst, scopeId: scoped ? this.ifindex : 0 }, cmsgs, flags);
    }
  }

  sendIpv4Datagram(datagram: Buffer, dst: string): void {
    if (this.family !== 'inet') throw new Error('sendIpv4Datagram is for IPv4 transports');
    this.tx.send(datagram, { family: 'inet', address: dst }, undefined, isMulticast(dst, 'inet') ? C.MSG_DONTROUTE : 0);
  }

  onPacket(cb: (p: VrrpPacket) => void, onError?: (err: SysError) => void): void {
    this.rx.onMessage((m) => {
      const p = this.family === 'inet' ? this.fromIpv4(m) : this.fromIpv6(m);
      if (!p) {
        this.dropped++;
        return;
      }
      if (m.at !== undefined) p.at = m.at;
      cb(p);
    }, onError);
  }

  private fromIpv4(m: ReceivedMessage): VrrpPacket | undefined {
    const d = decodeIpv4Header(m.data);
    if ('error' in d) return undefined;
    const h = d.header;
    if (h.protocol !== this.protocol) return undefined;
    const end = Math.min(m.data.length, Math.max(h.totalLength, h.headerLength));
    const info = m.cmsgs.find((c) => c.kind === 'ip_pktinfo');
    return {
      family: 'inet',
      protocol: h.protocol,
      payload: m.data.subarray(h.headerLength, end),
      src: h.src,
      dst: h.dst,
      ttl: h.ttl,
      ifindex: info?.ifindex ?? this.ifindex,
      ipHeader: m.data.subarray(0, h.headerLength),
    };
  }

  private fromIpv6(m: ReceivedMessage): VrrpPacket | undefined {
    let dst: string | undefined;
    let ifindex = this.ifindex;
    let ttl: number | undefined;
    for (const c of m.cmsgs) {
      if (c.kind === 'ipv6_pktinfo') {
        dst = c.addr;
        ifindex = c.ifindex;
      } else if (c.kind === 'ipv6_hoplimit') ttl = c.hopLimit;
    }
    if (m.from?.family !== 'inet6' || dst === undefined || ttl === undefined) return undefined;
    return { family: 'inet6', protocol: this.protocol, payload: m.data, src: m.from.address, dst, ttl, ifindex };
  }

  close(): void {
    closeQuietly(this.tx, this.rx);
  }
}
