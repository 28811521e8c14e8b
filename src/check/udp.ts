// UDP_CHECK: sends `payload` on a connected UDP socket. An ICMP unreachable (which the
// kernel reports on the connected socket) is a failure. Without require_reply, silence for
// connect_timeout is success; with it, a reply must come, be min..max_reply_length long and
// match the expected bytes (over the shorter of the two) except where masked by X wildcards.
import { udpExchange } from './dgram-exchange.js';
import type { CheckRun, UdpCheckSpec } from './types.js';

/** Parses require_reply's hex with X/x nibble wildcards into data and a don't-care mask. */
export function parseReplyPattern(hex: string): { data: Buffer; mask: Buffer } {
  const s = hex.replace(/\s+/g, '');
  if (s.length % 2 !== 0 || !/^[0-9a-fA-FxX]*$/.test(s)) throw new Error(`invalid require_reply "${hex}"`);
  const data = Buffer.alloc(s.length / 2);
  const mask = Buffer.alloc(s.length / 2);
  for (let i = 0; i < data.length; i++) {
    let d = 0;
    let m = 0;
    for (const [j, c] of [s[2 * i] as string, s[2 * i + 1] as string].entries()) {
      const shift = j === 0 ? 4 : 0;
      if (c === 'x' || c === 'X') m |= 0xf << shift;
      else d |= parseInt(c, 16) << shift;
    }
    data[i] = d;
    mask[i] = m;
  }
  return { data, mask };
}

export function replyMatches(reply: Buffer, spec: Pick<UdpCheckSpec, 'requireReply' | 'minReplyLength' | 'maxReplyLength'>): boolean {
  if (reply.length < spec.minReplyLength || reply.length > spec.maxReplyLength) return false;
  const want = spec.requireReply;
  if (!want) return true;
  const n = Math.min(reply.length, want.data.length);
  for (let i = 0; i < n; i++) {
    if (((reply[i] as number) ^ (want.data[i] as number)) & ~(want.mask[i] as number) & 0xff) return false;
  }
  return true;
}

export function udpCheck(spec: Pick<UdpCheckSpec, 'conn' | 'payload' | 'requireReply' | 'minReplyLength' | 'maxReplyLength'>): CheckRun {
  return async (signal) => {
    const o = await udpExchange(spec.conn, spec.payload, signal);
    if (o.kind === 'error') return { ok: false, reason: o.reason };
    if (o.kind === 'timeout') return spec.requireReply ? { ok: false, reason: 'no reply' } : { ok: true };
    if (spec.requireReply && !replyMatches(o.data, spec)) return { ok: false, reason: 'reply data mismatch' };
    return { ok: true };
  };
}
