// Opens the unprivileged ICMP "ping" sockets PING_CHECK uses, through the native addon.
// Like keepalived, if the kernel refuses because our group is outside
// net.ipv4.ping_group_range, the range is widened to include it (once) and the open retried.
import { readFileSync, writeFileSync } from 'node:fs';
import { AF_INET, AF_INET6, IPPROTO_ICMP, IPPROTO_ICMPV6, SOCK_DGRAM, SOL_SOCKET, SO_BINDTODEVICE, SO_MARK } from '../net/constants.js';
import { isSysError, nativeUnavailable, openSocket } from '../net/sys.js';
import type { PingSocketOpener } from './ping.js';
import type { SocketLike } from '../net/sys.js';

const RANGE_FILE = '/proc/sys/net/ipv4/ping_group_range';

/** Widens ping_group_range to include `gid`; returns whether it changed anything. */
export function widenPingGroupRange(gid: number, file = RANGE_FILE): boolean {
  const [lo, hi] = readFileSync(file, 'latin1').trim().split(/\s+/).map(Number) as [number, number];
  if (lo <= gid && gid <= hi) return false;
  // "1 0" (the default) is an empty range: start one at our gid.
  const newLo = lo > hi ? gid : Math.min(lo, gid);
  const newHi = lo > hi ? gid : Math.max(hi, gid);
  writeFileSync(file, `${newLo}\t${newHi}\n`);
  return true;
}

export interface PingSocketOptions {
  fwmark?: number;
  bindInterface?: string;
}

/** The opener for pingCheck, or undefined (with the reason) when the addon is missing. */
export function nativePingOpener(opts: PingSocketOptions = {}): PingSocketOpener | undefined {
  if (nativeUnavailable()) return undefined;
  return (family) => {
    const open = (): SocketLike => family === 'inet6' ? openSocket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6) : openSocket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
    let sock: SocketLike;
    try {
      sock = open();
    } catch (e) {
      if (!isSysError(e) || e.code !== 'EACCES' || !widenPingGroupRange(process.getegid?.() ?? 0)) throw e;
      sock = open();
    }
    try {
      if (opts.fwmark) sock.setsockopt(SOL_SOCKET, SO_MARK, opts.fwmark);
      if (opts.bindInterface) sock.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${opts.bindInterface}\0`));
    } catch (e) {
      sock.close();
      throw e;
    }
    return sock;
  };
}
