// AgentX (RFC 2741) PDUs: the subagent's side of the protocol, encoded and decoded here in
// pure functions. We write every PDU in network byte order (flag NETWORK_BYTE_ORDER) and
// read either order, as §5.1 allows the master to choose.
//
// Why not the npm package net-snmp's AgentX subagent: its 3.29 codec throws on IpAddress
// varbinds and on binary OCTET STRINGs (and writes a wrong length for non-ASCII text), it
// ignores a GetNext range's `include` flag and upper bound, and it assumes one PDU per socket
// read. VRRP-MIB, VRRPv3-MIB and KEEPALIVED-MIB are full of IpAddress, InetAddress and
// MacAddress values, so the protocol layer is ours (it is small; the MIB logic is ours anyway).

/** An OBJECT IDENTIFIER as its sub-identifiers. */
export type Oid = readonly number[];

export type SnmpValue =
  | { type: 'int'; value: number }
  | { type: 'str'; value: Buffer }
  | { type: 'oid'; value: Oid }
  | { type: 'ip'; value: Buffer }
  | { type: 'counter32'; value: number }
  | { type: 'gauge32'; value: number }
  | { type: 'ticks'; value: number }
  | { type: 'counter64'; value: bigint }
  | { type: 'null' }
  | { type: 'noSuchObject' }
  | { type: 'noSuchInstance' }
  | { type: 'endOfMibView' };

export interface VarBind {
  oid: Oid;
  value: SnmpValue;
}

const TYPE_CODE = {
  int: 2, str: 4, null: 5, oid: 6, ip: 64, counter32: 65, gauge32: 66, ticks: 67, counter64: 70,
  noSuchObject: 128, noSuchInstance: 129, endOfMibView: 130,
} as const satisfies Record<SnmpValue['type'], number>;

export const PDU = {
  Open: 1, Close: 2, Register: 3, Unregister: 4, Get: 5, GetNext: 6, GetBulk: 7, TestSet: 8, CommitSet: 9,
  UndoSet: 10, CleanupSet: 11, Notify: 12, Ping: 13, IndexAllocate: 14, IndexDeallocate: 15, AddAgentCaps: 16,
  RemoveAgentCaps: 17, Response: 18,
} as const;

const FLAG_NON_DEFAULT_CONTEXT = 0x08;
const FLAG_NETWORK_BYTE_ORDER = 0x10;

/** Response errors (RFC 2741 §6.2.16) we send or read. */
export const AGENTX_ERROR = { noError: 0, genErr: 5, notWritable: 17, openFailed: 256, notOpen: 257, duplicateRegistration: 263, processingError: 268 } as const;

/** Close reasons (§6.2.2). */
export const CLOSE_REASON = { other: 1, shutdown: 5 } as const;

export const HEADER_LENGTH = 20;

export interface Header {
  type: number;
  flags: number;
  sessionId: number;
  transactionId: number;
  packetId: number;
}

export interface SearchRange {
  start: Oid;
  include: boolean;
  /** Exclusive upper bound; empty: none. */
  end: Oid;
}

export type ReceivedPdu =
  | (Header & { kind: 'response'; sysUpTime: number; error: number; index: number; varbinds: VarBind[] })
  | (Header & { kind: 'get' | 'getnext'; ranges: SearchRange[] })
  | (Header & { kind: 'getbulk'; nonRepeaters: number; maxRepetitions: number; ranges: SearchRange[] })
  | (Header & { kind: 'testset'; varbinds: VarBind[] })
  | (Header & { kind: 'commitset' | 'undoset' | 'cleanupset' })
  | (Header & { kind: 'other' });

// ---- writing ----

class Writer {
  private readonly parts: Buffer[] = [];
  u8(...v: number[]): void { this.parts.push(Buffer.from(v)); }
  u16(v: number): void { const b = Buffer.alloc(2); b.writeUInt16BE(v); this.parts.push(b); }
  u32(v: number): void { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0); this.parts.push(b); }
  i32(v: number): void { const b = Buffer.alloc(4); b.writeInt32BE(v | 0); this.parts.push(b); }
  u64(v: bigint): void { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt.asUintN(64, v)); this.parts.push(b); }
  oid(oid: Oid, include = false): void {
    let subids = [...oid];
    let prefix = 0;
    // 1.3.6.1.X.… is sent as prefix X (§5.1), which every master understands.
    if (subids.length >= 5 && subids[0] === 1 && subids[1] === 3 && subids[2] === 6 && subids[3] === 1 && (subids[4] ?? 0) > 0 && (subids[4] ?? 0) < 256) {
      prefix = subids[4] ?? 0;
      subids = subids.slice(5);
    }
    this.u8(subids.length, prefix, include ? 1 : 0, 0);
    for (const s of subids) this.u32(s);
  }
  octets(b: Buffer): void {
    this.u32(b.length);
    this.parts.push(b);
    const pad = (4 - (b.length % 4)) % 4;
    if (pad) this.parts.push(Buffer.alloc(pad));
  }
  varbind(v: VarBind): void {
    this.u16(TYPE_CODE[v.value.type]);
    this.u16(0);
    this.oid(v.oid);
    const x = v.value;
    switch (x.type) {
      case 'int': this.i32(x.value); break;
      case 'counter32': case 'gauge32': case 'ticks': this.u32(x.value); break;
      case 'counter64': this.u64(x.value); break;
      case 'str': case 'ip': this.octets(x.value); break;
      case 'oid': this.oid(x.value); break;
      default: break;
    }
  }
  body(): Buffer { return Buffer.concat(this.parts); }
}

function pdu(type: number, h: Omit<Header, 'type' | 'flags'>, body: Buffer, flags = 0): Buffer {
  const head = Buffer.alloc(HEADER_LENGTH);
  head.writeUInt8(1, 0);
  head.writeUInt8(type, 1);
  head.writeUInt8(flags | FLAG_NETWORK_BYTE_ORDER, 2);
  head.writeUInt32BE(h.sessionId >>> 0, 4);
  head.writeUInt32BE(h.transactionId >>> 0, 8);
  head.writeUInt32BE(h.packetId >>> 0, 12);
  head.writeUInt32BE(body.length, 16);
  return Buffer.concat([head, body]);
}

type Ids = Omit<Header, 'type' | 'flags'>;

export function encodeOpen(ids: Ids, timeoutS: number, id: Oid, description: string): Buffer {
  const w = new Writer();
  w.u8(timeoutS & 0xff, 0, 0, 0);
  w.oid(id);
  w.octets(Buffer.from(description));
  return pdu(PDU.Open, ids, w.body());
}

export function encodeClose(ids: Ids, reason: number): Buffer {
  const w = new Writer();
  w.u8(reason, 0, 0, 0);
  return pdu(PDU.Close, ids, w.body());
}

export function encodeRegister(ids: Ids, subtree: Oid, priority = 127, timeoutS = 0): Buffer {
  const w = new Writer();
  w.u8(timeoutS, priority, 0, 0);
  w.oid(subtree);
  return pdu(PDU.Register, ids, w.body());
}

export function encodeNotify(ids: Ids, varbinds: readonly VarBind[]): Buffer {
  const w = new Writer();
  for (const v of varbinds) w.varbind(v);
  return pdu(PDU.Notify, ids, w.body());
}

export function encodePing(ids: Ids): Buffer {
  return pdu(PDU.Ping, ids, Buffer.alloc(0));
}

export function encodeAddAgentCaps(ids: Ids, id: Oid, description: string): Buffer {
  const w = new Writer();
  w.oid(id);
  w.octets(Buffer.from(description));
  return pdu(PDU.AddAgentCaps, ids, w.body());
}

export function encodeResponse(ids: Ids, error: number, index: number, varbinds: readonly VarBind[]): Buffer {
  const w = new Writer();
  w.u32(0);
  w.u16(error);
  w.u16(index);
  for (const v of varbinds) w.varbind(v);
  return pdu(PDU.Response, ids, w.body());
}

// ---- reading ----

export class AgentxParseError extends Error {}

class Reader {
  private pos: number;
  constructor(private readonly buf: Buffer, private readonly be: boolean, start: number, private readonly end: number) {
    this.pos = start;
  }
  get done(): boolean { return this.pos >= this.end; }
  private need(n: number): void {
    if (this.pos + n > this.end) throw new AgentxParseError('truncated AgentX PDU');
  }
  u8(): number { this.need(1); return this.buf.readUInt8(this.pos++); }
  u16(): number { this.need(2); const v = this.be ? this.buf.readUInt16BE(this.pos) : this.buf.readUInt16LE(this.pos); this.pos += 2; return v; }
  u32(): number { this.need(4); const v = this.be ? this.buf.readUInt32BE(this.pos) : this.buf.readUInt32LE(this.pos); this.pos += 4; return v; }
  i32(): number { this.need(4); const v = this.be ? this.buf.readInt32BE(this.pos) : this.buf.readInt32LE(this.pos); this.pos += 4; return v; }
  u64(): bigint { this.need(8); const v = this.be ? this.buf.readBigUInt64BE(this.pos) : this.buf.readBigUInt64LE(this.pos); this.pos += 8; return v; }
  oid(): { oid: number[]; include: boolean } {
    const n = this.u8();
    const prefix = this.u8();
    const include = this.u8() !== 0;
    this.u8();
    const oid: number[] = prefix ? [1, 3, 6, 1, prefix] : [];
    for (let i = 0; i < n; i++) oid.push(this.u32());
    return { oid, include };
  }
  octets(): Buffer {
    const n = this.u32();
    this.need(n);
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n + ((4 - (n % 4)) % 4);
    return b;
  }
  varbind(): VarBind {
    const type = this.u16();
    this.u16();
    const { oid } = this.oid();
    switch (type) {
      case TYPE_CODE.int: return { oid, value: { type: 'int', value: this.i32() } };
      case TYPE_CODE.counter32: return { oid, value: { type: 'counter32', value: this.u32() } };
      case TYPE_CODE.gauge32: return { oid, value: { type: 'gauge32', value: this.u32() } };
      case TYPE_CODE.ticks: return { oid, value: { type: 'ticks', value: this.u32() } };
      case TYPE_CODE.counter64: return { oid, value: { type: 'counter64', value: this.u64() } };
      case TYPE_CODE.str: case 68: return { oid, value: { type: 'str', value: this.octets() } };
      case TYPE_CODE.ip: return { oid, value: { type: 'ip', value: this.octets() } };
      case TYPE_CODE.oid: return { oid, value: { type: 'oid', value: this.oid().oid } };
      case TYPE_CODE.null: return { oid, value: { type: 'null' } };
      case TYPE_CODE.noSuchObject: return { oid, value: { type: 'noSuchObject' } };
      case TYPE_CODE.noSuchInstance: return { oid, value: { type: 'noSuchInstance' } };
      case TYPE_CODE.endOfMibView: return { oid, value: { type: 'endOfMibView' } };
      default: throw new AgentxParseError(`unknown varbind type ${type}`);
    }
  }
}

/** The length of the first whole PDU in `buf`, or undefined while it is incomplete. */
export function pduLength(buf: Buffer): number | undefined {
  if (buf.length < HEADER_LENGTH) return undefined;
  const be = ((buf.readUInt8(2)) & FLAG_NETWORK_BYTE_ORDER) !== 0;
  const payload = be ? buf.readUInt32BE(16) : buf.readUInt32LE(16);
  const total = HEADER_LENGTH + payload;
  return buf.length >= total ? total : undefined;
}

/** Decodes one whole PDU (as pduLength delimited it). Throws AgentxParseError on nonsense. */
export function decodePdu(buf: Buffer): ReceivedPdu {
  if (buf.length < HEADER_LENGTH) throw new AgentxParseError('short AgentX header');
  if (buf.readUInt8(0) !== 1) throw new AgentxParseError(`AgentX version ${buf.readUInt8(0)}`);
  const type = buf.readUInt8(1);
  const flags = buf.readUInt8(2);
  const be = (flags & FLAG_NETWORK_BYTE_ORDER) !== 0;
  const r32 = (o: number) => (be ? buf.readUInt32BE(o) : buf.readUInt32LE(o));
  const h: Header = { type, flags, sessionId: r32(4), transactionId: r32(8), packetId: r32(12) };
  const payload = r32(16);
  const r = new Reader(buf, be, HEADER_LENGTH, Math.min(buf.length, HEADER_LENGTH + payload));
  // We register in the default context only; a context in a request is read past.
  const skipContext = () => { if (flags & FLAG_NON_DEFAULT_CONTEXT) r.octets(); };
  const ranges = (): SearchRange[] => {
    const out: SearchRange[] = [];
    while (!r.done) {
      const s = r.oid();
      const e = r.oid();
      out.push({ start: s.oid, include: s.include, end: e.oid });
    }
    return out;
  };
  const varbinds = (): VarBind[] => {
    const out: VarBind[] = [];
    while (!r.done) out.push(r.varbind());
    return out;
  };
  switch (type) {
    case PDU.Response: {
      const sysUpTime = r.u32();
      const error = r.u16();
      const index = r.u16();
      return { ...h, kind: 'response', sysUpTime, error, index, varbinds: varbinds() };
    }
    case PDU.Get: case PDU.GetNext:
      skipContext();
      return { ...h, kind: type === PDU.Get ? 'get' : 'getnext', ranges: ranges() };
    case PDU.GetBulk: {
      skipContext();
      const nonRepeaters = r.u16();
      const maxRepetitions = r.u16();
      return { ...h, kind: 'getbulk', nonRepeaters, maxRepetitions, ranges: ranges() };
    }
    case PDU.TestSet:
      skipContext();
      return { ...h, kind: 'testset', varbinds: varbinds() };
    case PDU.CommitSet: return { ...h, kind: 'commitset' };
    case PDU.UndoSet: return { ...h, kind: 'undoset' };
    case PDU.CleanupSet: return { ...h, kind: 'cleanupset' };
    default: return { ...h, kind: 'other' };
  }
}

// ---- OIDs ----

export function parseOid(text: string): number[] {
  return text.replace(/^\./, '').split('.').filter((s) => s !== '').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`bad OID component "${s}" in ${text}`);
    return n;
  });
}

export function formatOid(oid: Oid): string {
  return oid.join('.');
}

/** Lexicographic order of OIDs (negative: a < b). */
export function compareOid(a: Oid, b: Oid): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function oidStartsWith(oid: Oid, prefix: Oid): boolean {
  if (oid.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (oid[i] !== prefix[i]) return false;
  return true;
}
