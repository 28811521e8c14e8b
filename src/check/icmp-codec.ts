// ICMP/ICMPv6 echo messages as a ping socket (SOCK_DGRAM, IPPROTO_ICMP[V6]) carries them:
// the ICMP header and data only, no IP header. The kernel owns the identifier (it is the
// socket's "port"), so replies are matched on sequence number and data. Pure.

export const ICMP_ECHO_REQUEST = 8;
export const ICMP_ECHO_REPLY = 0;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;

export function inetChecksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
  if (b.length % 2) sum += (b[b.length - 1] as number) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

export function encodeEcho(v6: boolean, seq: number, data: Buffer): Buffer {
  const m = Buffer.alloc(8 + data.length);
  m[0] = v6 ? ICMPV6_ECHO_REQUEST : ICMP_ECHO_REQUEST;
  m.writeUInt16BE(seq & 0xffff, 6);
  data.copy(m, 8);
  // The kernel fills in ICMPv6's checksum (it needs the pseudo-header); ICMPv4's is ours.
  if (!v6) m.writeUInt16BE(inetChecksum(m), 2);
  return m;
}

export function isEchoReply(v6: boolean, msg: Buffer, seq: number, data: Buffer): boolean {
  if (msg.length < 8) return false;
  if (msg[0] !== (v6 ? ICMPV6_ECHO_REPLY : ICMP_ECHO_REPLY) || msg[1] !== 0) return false;
  if (msg.readUInt16BE(6) !== (seq & 0xffff)) return false;
  return msg.subarray(8).equals(data);
}
