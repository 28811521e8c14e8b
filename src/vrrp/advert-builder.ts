// The bytes of one instance's adverts. Everything in an advert is fixed by the instance's
// configuration except the priority, the destination (unicast peers) and, for IPv4, the IP
// id (and the AH sequence and ICV). So each (priority, destination) is encoded once and each
// advert is a copy with its IP id stamped in: an advert every 10 ms then costs a 40-byte copy
// instead of a fresh encode (fewer allocations, so fewer GC pauses delaying the next one).
// AH adverts are encoded whole every time (their ICV covers the sequence number).
import { internetChecksum } from '../net/checksum.js';
import { IPV4_HEADER_LENGTH } from '../net/ipv4-header.js';
import { encodeIpv4Advert, encodeIpv6Advert, type AdvertFields } from './codec.js';
import type { FsmConfig } from './fsm.js';
import { advertIntervalField } from './timers.js';

/** Different (priority, destination) pairs kept; more only when priorities keep changing. */
const MAX_TEMPLATES = 16;

export interface AdvertSendOptions {
  dst: string;
  priority: number;
  /** IPv4 only: the IP identification of this advert. */
  ipId: number;
  /** AH only. */
  ahSeq: number;
  /** IPv4 TTL / IPv6 hop limit. */
  ttl: number;
  /** VRRPv3 IPv4: the pre-1.3.6 unicast checksum (pseudo-header destination the multicast group). */
  oldChecksum?: boolean;
}

export class AdvertBuilder {
  private readonly templates = new Map<string, Buffer>();

  constructor(private readonly c: FsmConfig) {}

  /** A fresh buffer (the caller may hand it to an asynchronous send). */
  build(o: AdvertSendOptions): Buffer {
    const c = this.c;
    if (c.family === 'inet' && c.auth.type === 'ah') return this.encode(o);
    const key = `${o.priority}|${o.dst}|${o.ttl}|${o.oldChecksum === true}`;
    let t = this.templates.get(key);
    if (!t) {
      if (this.templates.size >= MAX_TEMPLATES) this.templates.clear();
      t = this.encode({ ...o, ipId: 0 });
      this.templates.set(key, t);
    }
    const b = Buffer.allocUnsafe(t.length);
    t.copy(b);
    if (c.family === 'inet') stampIpv4Id(b, o.ipId);
    return b;
  }

  private encode(o: AdvertSendOptions): Buffer {
    const c = this.c;
    const fields: AdvertFields = {
      version: c.version, family: c.family, vrid: c.vrid, priority: o.priority,
      advertInterval: advertIntervalField(c.version, c.advertIntUs), addresses: c.vips, auth: c.auth,
    };
    const src = c.sourceAddress ?? (c.family === 'inet' ? '0.0.0.0' : '::');
    return c.family === 'inet'
      ? encodeIpv4Advert(fields, { src, dst: o.dst, id: o.ipId, ttl: o.ttl, v3ChecksumAsV2: c.v3ChecksumAsV2, ahSeq: o.ahSeq, unicast: c.unicast, ...(o.oldChecksum ? { checksumDst: c.oldChecksumGroup } : {}) })
      : encodeIpv6Advert(fields, { src, dst: o.dst });
  }
}

/** Writes the IPv4 identification into a datagram and recomputes its header checksum. */
export function stampIpv4Id(datagram: Buffer, id: number): void {
  datagram.writeUInt16BE(id & 0xffff, 4);
  datagram.writeUInt16BE(0, 10);
  datagram.writeUInt16BE(internetChecksum(datagram.subarray(0, IPV4_HEADER_LENGTH)), 10);
}
