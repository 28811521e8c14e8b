// Netlink message framing: a 16-byte header (u32 length, u16 type, u16 flags, u32 seq,
// u32 port id) then the payload, each message padded to 4 bytes; one datagram may carry
// many messages. Pure functions: no sockets here.
import { ControlType, ErrorAttr, MessageFlag, NLMSG_HDRLEN } from './constants.js';
import { Attributes, NetlinkDecodeError, align4 } from './attributes.js';

export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  /** Sender's port id: 0 from the kernel. */
  pid: number;
  payload: Buffer;
}

export function encodeMessage(msg: NetlinkMessage): Buffer {
  const len = NLMSG_HDRLEN + msg.payload.length;
  const padded = align4(len);
  // Unzeroed (and from Node's pool when small): every byte is written below.
  const out = Buffer.allocUnsafe(padded);
  if (padded > len) out.fill(0, len, padded);
  out.writeUInt32LE(len, 0);
  out.writeUInt16LE(msg.type, 4);
  out.writeUInt16LE(msg.flags, 6);
  out.writeUInt32LE(msg.seq >>> 0, 8);
  out.writeUInt32LE(msg.pid >>> 0, 12);
  msg.payload.copy(out, NLMSG_HDRLEN);
  return out;
}

/** Splits a datagram into its messages. Throws NetlinkDecodeError on a bad length. */
export function decodeMessages(buf: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) {
      throw new NetlinkDecodeError(`netlink message at offset ${off}: length ${len} does not fit in ${buf.length - off} bytes`);
    }
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  if (off < buf.length && buf.length - off >= 4) {
    // Trailing bytes shorter than a header: the kernel never sends these.
    throw new NetlinkDecodeError(`netlink datagram: ${buf.length - off} trailing bytes after the last message`);
  }
  return out;
}

/** The body of an NLMSG_ERROR message: an ack when errno is 0. */
export interface NetlinkErrorBody {
  /** Positive errno (the kernel sends it negated); 0 is an ack. */
  errno: number;
  /** Header of the request this answers. */
  request: { type: number; flags: number; seq: number; pid: number };
  /** NLMSGERR_ATTR_MSG: the kernel's reason in words, when extended acks are on. */
  message?: string;
  /** NLMSGERR_ATTR_OFFS: byte offset in the request of the attribute it refused. */
  offset?: number;
  /** NLMSGERR_ATTR_MISS_TYPE: an attribute it needed and did not get. */
  missingType?: number;
}

export function decodeErrorBody(msg: NetlinkMessage): NetlinkErrorBody {
  const p = msg.payload;
  if (p.length < 4 + NLMSG_HDRLEN) throw new NetlinkDecodeError(`NLMSG_ERROR payload of ${p.length} bytes is too short`);
  const errno = -p.readInt32LE(0);
  const reqLen = p.readUInt32LE(4);
  const body: NetlinkErrorBody = {
    errno,
    request: { type: p.readUInt16LE(8), flags: p.readUInt16LE(10), seq: p.readUInt32LE(12), pid: p.readUInt32LE(16) },
  };
  if ((msg.flags & MessageFlag.ACK_TLVS) !== 0) {
    // Without CAPPED the whole request is echoed before the TLVs.
    const echoed = (msg.flags & MessageFlag.CAPPED) !== 0 ? NLMSG_HDRLEN : align4(reqLen);
    const tlvStart = 4 + echoed;
    if (tlvStart <= p.length) {
      const attrs = Attributes.decode(p.subarray(tlvStart));
      const m = attrs.string(ErrorAttr.MSG);
      if (m) body.message = m;
      const o = attrs.u32(ErrorAttr.OFFS);
      if (o !== undefined) body.offset = o;
      const t = attrs.u32(ErrorAttr.MISS_TYPE);
      if (t !== undefined) body.missingType = t;
    }
  }
  return body;
}

/**
 * Builds an NLMSG_ERROR reply as the kernel does with CAP_ACK on (fakes and tests use it).
 * `errno` positive, 0 for an ack.
 */
export function encodeErrorReply(request: NetlinkMessage, errno: number, message?: string): Buffer {
  const body = Buffer.alloc(4 + NLMSG_HDRLEN);
  body.writeInt32LE(-errno, 0);
  body.writeUInt32LE(NLMSG_HDRLEN + request.payload.length, 4);
  body.writeUInt16LE(request.type, 8);
  body.writeUInt16LE(request.flags, 10);
  body.writeUInt32LE(request.seq, 12);
  body.writeUInt32LE(request.pid, 16);
  let flags = MessageFlag.CAPPED;
  let payload = body;
  if (message !== undefined) {
    const s = Buffer.concat([Buffer.from(message, 'utf8'), Buffer.from([0])]);
    const tlv = Buffer.alloc(align4(4 + s.length));
    tlv.writeUInt16LE(4 + s.length, 0);
    tlv.writeUInt16LE(ErrorAttr.MSG, 2);
    s.copy(tlv, 4);
    payload = Buffer.concat([body, tlv]);
    flags |= MessageFlag.ACK_TLVS;
  }
  return encodeMessage({ type: ControlType.ERROR, flags, seq: request.seq, pid: request.pid, payload });
}

export function encodeDone(seq: number, pid: number): Buffer {
  return encodeMessage({ type: ControlType.DONE, flags: MessageFlag.MULTI, seq, pid, payload: Buffer.alloc(4) });
}
