// The little of DNS a health check needs (RFC 1035): a query with RD set for one
// name/type/class IN, and the header and question of a response. Pure.

export const DNS_TYPES = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, RRSIG: 46, DNSKEY: 48 } as const;
export type DnsTypeName = keyof typeof DNS_TYPES;

export interface DnsHeader {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

export class DnsFormatError extends Error {}

/** Encodes a domain name; "." or "" is the root. Throws on labels over 63 or names over 255. */
export function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  const labels = name === '.' || name === '' ? [] : name.replace(/\.$/, '').split('.');
  for (const l of labels) {
    const b = Buffer.from(l, 'latin1');
    if (b.length === 0) throw new DnsFormatError(`empty label in "${name}"`);
    if (b.length > 63) throw new DnsFormatError(`label longer than 63 octets in "${name}"`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > 255) throw new DnsFormatError(`name longer than 255 octets: "${name}"`);
  return out;
}

export function encodeQuery(id: number, name: string, type: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id & 0xffff, 0);
  h.writeUInt16BE(0x0100, 2); // RD
  h.writeUInt16BE(1, 4);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(type, 0);
  q.writeUInt16BE(1, 2); // IN
  return Buffer.concat([h, encodeName(name), q]);
}

export function decodeHeader(msg: Buffer): DnsHeader | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  return {
    id: msg.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    qdcount: msg.readUInt16BE(4),
    ancount: msg.readUInt16BE(6),
    nscount: msg.readUInt16BE(8),
    arcount: msg.readUInt16BE(10),
  };
}

/** Reads a (possibly compressed) name at `offset`; returns it and the offset after it. */
export function decodeName(msg: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let next = -1;
  for (let hops = 0; ; hops++) {
    if (hops > 127 || pos >= msg.length) throw new DnsFormatError('bad name');
    const len = msg[pos] as number;
    if (len === 0) { pos++; break; }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= msg.length) throw new DnsFormatError('bad pointer');
      if (next < 0) next = pos + 2;
      pos = ((len & 0x3f) << 8) | (msg[pos + 1] as number);
      continue;
    }
    if (len > 63 || pos + 1 + len > msg.length) throw new DnsFormatError('bad label');
    labels.push(msg.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return { name: labels.length ? labels.join('.') + '.' : '.', next: next < 0 ? pos : next };
}

export interface DnsRecord { name: string; type: number; cls: number; ttl: number; data: Buffer }

/** Decodes the question and answer sections (for tests and a stricter check). */
export function decodeMessage(msg: Buffer): { header: DnsHeader; questions: Array<{ name: string; type: number; cls: number }>; answers: DnsRecord[] } {
  const header = decodeHeader(msg);
  if (!header) throw new DnsFormatError('short message');
  let pos = 12;
  const questions = [];
  for (let i = 0; i < header.qdcount; i++) {
    const n = decodeName(msg, pos);
    if (n.next + 4 > msg.length) throw new DnsFormatError('short question');
    questions.push({ name: n.name, type: msg.readUInt16BE(n.next), cls: msg.readUInt16BE(n.next + 2) });
    pos = n.next + 4;
  }
  const answers: DnsRecord[] = [];
  for (let i = 0; i < header.ancount; i++) {
    const n = decodeName(msg, pos);
    if (n.next + 10 > msg.length) throw new DnsFormatError('short record');
    const len = msg.readUInt16BE(n.next + 8);
    if (n.next + 10 + len > msg.length) throw new DnsFormatError('short rdata');
    answers.push({ name: n.name, type: msg.readUInt16BE(n.next), cls: msg.readUInt16BE(n.next + 2), ttl: msg.readUInt32BE(n.next + 4), data: msg.subarray(n.next + 10, n.next + 10 + len) });
    pos = n.next + 10 + len;
  }
  return { header, questions, answers };
}
