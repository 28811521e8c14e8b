// Minimal netlink attribute writer/reader for the LVS codecs, with the same surface as
// src/net/netlink/attributes.ts (AttributeEncoder / Attributes) so the two can be swapped
// once that module is on this branch.
const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;

export class AttributeEncoder {
  private parts: Buffer[] = [];

  bytes(type: number, data: Buffer, flags = 0): this {
    const len = 4 + data.length;
    const out = Buffer.alloc((len + 3) & ~3);
    out.writeUInt16LE(len, 0);
    out.writeUInt16LE((type & NLA_TYPE_MASK) | flags, 2);
    data.copy(out, 4);
    this.parts.push(out);
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

  u16be(type: number, v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    return this.bytes(type, b);
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

  string(type: number, s: string): this {
    return this.bytes(type, Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]));
  }

  nested(type: number, build: (e: AttributeEncoder) => void): this {
    const inner = new AttributeEncoder();
    build(inner);
    return this.bytes(type, inner.finish(), NLA_F_NESTED);
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export class AttributeDecodeError extends Error {
  override name = 'AttributeDecodeError';
}

export class Attributes {
  private constructor(readonly list: ReadonlyArray<{ type: number; data: Buffer }>) {}

  static decode(buf: Buffer): Attributes {
    const list: Array<{ type: number; data: Buffer }> = [];
    let off = 0;
    while (off + 4 <= buf.length) {
      const len = buf.readUInt16LE(off);
      const type = buf.readUInt16LE(off + 2) & NLA_TYPE_MASK;
      if (len < 4 || off + len > buf.length) throw new AttributeDecodeError(`attribute ${type} at offset ${off}: length ${len} runs past ${buf.length}`);
      list.push({ type, data: buf.subarray(off + 4, off + len) });
      off += (len + 3) & ~3;
    }
    return new Attributes(list);
  }

  get(type: number): Buffer | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.type === type) return this.list[i]!.data;
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

  u64(type: number): bigint | undefined {
    const d = this.get(type);
    return d && d.length >= 8 ? d.readBigUInt64LE(0) : undefined;
  }

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
