// Netlink attributes: type-length-value records, 4-byte aligned, nestable.
// Header: u16 length (header + value, without padding), u16 type (low 14 bits, plus
// the NESTED and NET_BYTEORDER flags). Values are host byte order (little endian here)
// unless the NET_BYTEORDER flag says otherwise.
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from './constants.js';

export class NetlinkDecodeError extends Error {
  override name = 'NetlinkDecodeError';
}

export function align4(n: number): number {
  return (n + 3) & ~3;
}

export interface Attribute {
  /** The type number without flag bits. */
  type: number;
  nested: boolean;
  netByteOrder: boolean;
  data: Buffer;
}

/** One attribute's bytes, padded to 4. */
export function encodeAttribute(type: number, data: Buffer, flags = 0): Buffer {
  return new AttributeEncoder(align4(NLA_HDRLEN + data.length)).bytes(type, data, flags).finish();
}

/** Splits a run of attributes. Throws NetlinkDecodeError on a length that runs past the end. */
export function decodeAttributes(buf: Buffer): Attribute[] {
  const out: Attribute[] = [];
  let off = 0;
  while (off + NLA_HDRLEN <= buf.length) {
    const len = buf.readUInt16LE(off);
    const rawType = buf.readUInt16LE(off + 2);
    if (len < NLA_HDRLEN || off + len > buf.length) {
      throw new NetlinkDecodeError(`attribute type ${rawType & NLA_TYPE_MASK} at offset ${off}: length ${len} does not fit in ${buf.length - off} bytes`);
    }
    out.push({
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
      data: buf.subarray(off + NLA_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/**
 * Builds a run of attributes; chain the typed adders, then `finish()`. Everything is written
 * in place into one growing buffer (a nested attribute's header is patched once its content
 * is known), because a buffer per attribute was most of the cost of programming a large
 * IPVS table: 11,000 requests made some 150,000 small buffers and their garbage.
 */
export class AttributeEncoder {
  private buf: Buffer;
  private off: number;

  /**
   * `headroom`: bytes left before the first attribute for the caller's own header (a generic
   * netlink header), so a message is built in one buffer; `take()` returns them too.
   */
  constructor(initialBytes = 128, headroom = 0) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, headroom));
    this.off = headroom;
  }

  /** Room for `n` more bytes. */
  private reserve(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
  }

  /**
   * Header and padding of an attribute whose value (`valueLen` bytes) the caller writes at
   * the offset returned. It may replace `this.buf`: read `this.buf` only after calling it.
   */
  private open(type: number, valueLen: number, flags: number): number {
    const len = NLA_HDRLEN + valueLen;
    const padded = align4(len);
    this.reserve(padded);
    const at = this.off;
    // Bytes written by index, here and in the adders below: Buffer's write methods check
    // their arguments on every call, which was most of encoding 11,000 IPVS requests.
    putU16le(this.buf, at, len);
    putU16le(this.buf, at + 2, (type & NLA_TYPE_MASK) | flags);
    for (let i = at + len; i < at + padded; i++) this.buf[i] = 0;
    this.off += padded;
    return at + NLA_HDRLEN;
  }

  /**
   * An attribute of `len` zero bytes that the caller fills in place (an address parsed
   * straight into the message): returns the value's offset in `buffer`, which must be read
   * after this call (the buffer may have grown).
   */
  value(type: number, len: number): number {
    const at = this.open(type, len, 0);
    for (let i = at; i < at + len; i++) this.buf[i] = 0;
    return at;
  }

  /** The buffer being written (see `value`). */
  get buffer(): Buffer {
    return this.buf;
  }

  bytes(type: number, data: Buffer, flags = 0): this {
    const at = this.open(type, data.length, flags);
    data.copy(this.buf, at);
    return this;
  }

  flag(type: number): this {
    this.open(type, 0, 0);
    return this;
  }

  u8(type: number, v: number): this {
    const at = this.open(type, 1, 0);
    this.buf[at] = v & 0xff;
    return this;
  }

  u16(type: number, v: number): this {
    const at = this.open(type, 2, 0);
    putU16le(this.buf, at, v);
    return this;
  }

  /** A u16 in network byte order (ports), flagged as such only when `flagged`. */
  u16be(type: number, v: number, flagged = false): this {
    const at = this.open(type, 2, flagged ? NLA_F_NET_BYTEORDER : 0);
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
    return this;
  }

  u32(type: number, v: number): this {
    const at = this.open(type, 4, 0);
    putU32le(this.buf, at, v);
    return this;
  }

  u32be(type: number, v: number): this {
    const at = this.open(type, 4, 0);
    const b = this.buf;
    b[at] = (v >>> 24) & 0xff;
    b[at + 1] = (v >>> 16) & 0xff;
    b[at + 2] = (v >>> 8) & 0xff;
    b[at + 3] = v & 0xff;
    return this;
  }

  i32(type: number, v: number): this {
    const at = this.open(type, 4, 0);
    this.buf.writeInt32LE(v, at);
    return this;
  }

  u64(type: number, v: bigint): this {
    const at = this.open(type, 8, 0);
    this.buf.writeBigUInt64LE(v, at);
    return this;
  }

  /** A NUL-terminated string, as the kernel's NLA_NUL_STRING and NLA_STRING both accept. */
  string(type: number, s: string): this {
    const n = Buffer.byteLength(s, 'utf8');
    const at = this.open(type, n + 1, 0);
    this.buf.write(s, at, 'utf8');
    this.buf[at + n] = 0;
    return this;
  }

  /** A nested attribute: `build` adds its content to this same encoder. */
  nested(type: number, build: (e: AttributeEncoder) => void): this {
    this.reserve(NLA_HDRLEN);
    const at = this.off;
    this.off += NLA_HDRLEN;
    build(this);
    // The content is a run of padded attributes, so its length is already aligned.
    putU16le(this.buf, at, this.off - at);
    putU16le(this.buf, at + 2, (type & NLA_TYPE_MASK) | NLA_F_NESTED);
    return this;
  }

  /** Attributes already encoded (a run of padded attributes, as `finish()` returns), copied in. */
  raw(attrs: Uint8Array): this {
    this.reserve(attrs.length);
    this.buf.set(attrs, this.off);
    this.off += attrs.length;
    return this;
  }

  get length(): number {
    return this.off;
  }

  /** The attributes' bytes (a copy: the encoder may be used on). */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.off));
  }

  /** The bytes written, headroom included, without a copy: the encoder must not be used after. */
  take(): Buffer {
    return this.buf.subarray(0, this.off);
  }
}

/** Netlink attributes are in host byte order: little endian on the hosts this runs on. */
function putU16le(b: Buffer, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
}

function putU32le(b: Buffer, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

/** Decoded attributes with typed readers; a missing attribute reads as undefined. */
export class Attributes {
  readonly list: Attribute[];

  constructor(list: Attribute[]) {
    this.list = list;
  }

  static decode(buf: Buffer): Attributes {
    return new Attributes(decodeAttributes(buf));
  }

  has(type: number): boolean {
    return this.list.some((a) => a.type === type);
  }

  /** The last attribute of this type (the kernel's nla_parse keeps the last one too). */
  get(type: number): Buffer | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const a = this.list[i]!;
      if (a.type === type) return a.data;
    }
    return undefined;
  }

  all(type: number): Buffer[] {
    return this.list.filter((a) => a.type === type).map((a) => a.data);
  }

  u8(type: number): number | undefined {
    const d = this.get(type);
    return d && d.length >= 1 ? d.readUInt8(0) : undefined;
  }

  u16(type: number): number | undefined {
    const d = this.get(type);
    return d && d.length >= 2 ? d.readUInt16LE(0) : undefined;
  }

  u16be(type: number): number | undefined {
    const d = this.get(type);
    return d && d.length >= 2 ? d.readUInt16BE(0) : undefined;
  }

  u32(type: number): number | undefined {
    const d = this.get(type);
    return d && d.length >= 4 ? d.readUInt32LE(0) : undefined;
  }

  u32be(type: number): number | undefined {
    const d = this.get(type);
    return d && d.length >= 4 ? d.readUInt32BE(0) : undefined;
  }

  i32(type: number): number | undefined {
    const d = this.get(type);
    return d && d.length >= 4 ? d.readInt32LE(0) : undefined;
  }

  u64(type: number): bigint | undefined {
    const d = this.get(type);
    return d && d.length >= 8 ? d.readBigUInt64LE(0) : undefined;
  }

  /** A string without its trailing NUL (and anything after a first NUL). */
  string(type: number): string | undefined {
    const d = this.get(type);
    if (!d) return undefined;
    const nul = d.indexOf(0);
    return d.subarray(0, nul === -1 ? d.length : nul).toString('utf8');
  }

  nested(type: number): Attributes | undefined {
    const d = this.get(type);
    return d ? Attributes.decode(d) : undefined;
  }
}
