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
  const len = NLA_HDRLEN + data.length;
  const out = Buffer.alloc(align4(len));
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE((type & NLA_TYPE_MASK) | flags, 2);
  data.copy(out, NLA_HDRLEN);
  return out;
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

/** Builds a run of attributes; chain the typed adders, then `finish()`. */
export class AttributeEncoder {
  private parts: Buffer[] = [];

  bytes(type: number, data: Buffer, flags = 0): this {
    this.parts.push(encodeAttribute(type, data, flags));
    return this;
  }

  flag(type: number): this {
    return this.bytes(type, Buffer.alloc(0));
  }

  u8(type: number, v: number): this {
    return this.bytes(type, Buffer.from([v & 0xff]));
  }

  u16(type: number, v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    return this.bytes(type, b);
  }

  /** A u16 in network byte order (ports), flagged as such only when `flagged`. */
  u16be(type: number, v: number, flagged = false): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    return this.bytes(type, b, flagged ? NLA_F_NET_BYTEORDER : 0);
  }

  u32(type: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return this.bytes(type, b);
  }

  u32be(type: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    return this.bytes(type, b);
  }

  i32(type: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return this.bytes(type, b);
  }

  u64(type: number, v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    return this.bytes(type, b);
  }

  /** A NUL-terminated string, as the kernel's NLA_NUL_STRING and NLA_STRING both accept. */
  string(type: number, s: string): this {
    return this.bytes(type, Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]));
  }

  nested(type: number, build: (e: AttributeEncoder) => void): this {
    const inner = new AttributeEncoder();
    build(inner);
    return this.bytes(type, inner.finish(), NLA_F_NESTED);
  }

  get length(): number {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
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
