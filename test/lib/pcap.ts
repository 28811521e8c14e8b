// A tiny reader for classic libpcap files (the format of ../shared/fixtures/vrrp-pcap):
// global header, then per-packet headers with captured bytes. Ethernet link type only
// needs unwrapping by the caller (see ethernetPayload).

import { readFileSync, writeFileSync } from 'node:fs';

export interface PcapPacket {
  /** 1-based, as tshark numbers frames. */
  frame: number;
  tsSec: number;
  tsUsec: number;
  data: Buffer;
}

export function readPcap(path: string): { linkType: number; packets: PcapPacket[] } {
  const b = readFileSync(path);
  const magic = b.readUInt32LE(0);
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (b.readUInt32BE(0) === 0xa1b2c3d4 || b.readUInt32BE(0) === 0xa1b23c4d) le = false;
  else throw new Error(`${path}: not a pcap file`);
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const linkType = u32(20);
  const packets: PcapPacket[] = [];
  let off = 24;
  let frame = 0;
  while (off + 16 <= b.length) {
    const tsSec = u32(off);
    const tsUsec = u32(off + 4);
    const incl = u32(off + 8);
    off += 16;
    packets.push({ frame: ++frame, tsSec, tsUsec, data: Buffer.from(b.subarray(off, off + incl)) });
    off += incl;
  }
  return { linkType, packets };
}

export interface EthernetFrame {
  dst: Buffer;
  src: Buffer;
  etherType: number;
  payload: Buffer;
}

export function ethernetPayload(frame: Buffer): EthernetFrame {
  return {
    dst: frame.subarray(0, 6),
    src: frame.subarray(6, 12),
    etherType: frame.readUInt16BE(12),
    payload: frame.subarray(14),
  };
}

/** Splits an IPv6 packet (no extension headers) into header fields and payload. */
export function ipv6Packet(p: Buffer): { src: Buffer; dst: Buffer; nextHeader: number; hopLimit: number; trafficClass: number; payload: Buffer } {
  const plen = p.readUInt16BE(4);
  return {
    trafficClass: ((p.readUInt32BE(0) >>> 20) & 0xff),
    nextHeader: p[6]!,
    hopLimit: p[7]!,
    src: p.subarray(8, 24),
    dst: p.subarray(24, 40),
    payload: p.subarray(40, 40 + plen),
  };
}

/** A classic libpcap file (microsecond stamps, all zero) of Ethernet frames, as tcpreplay reads it. */
export function writePcap(path: string, frames: Buffer[]): void {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65_535, 16);
  header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const records = frames.flatMap((f) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(f.length, 8);
    r.writeUInt32LE(f.length, 12);
    return [r, f];
  });
  writeFileSync(path, Buffer.concat([header, ...records]));
}

/** An Ethernet II frame around `payload`. MACs as "aa:bb:cc:dd:ee:ff". */
export function ethernetFrame(dst: string, src: string, etherType: number, payload: Buffer): Buffer {
  const mac = (m: string) => Buffer.from(m.split(':').map((h) => parseInt(h, 16)));
  const type = Buffer.alloc(2);
  type.writeUInt16BE(etherType);
  return Buffer.concat([mac(dst), mac(src), type, payload]);
}
