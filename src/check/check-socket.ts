// The socket a checker connects from, when it needs options Node cannot set before connect:
// fwmark (SO_MARK) and bind_if (SO_BINDTODEVICE). Both must be on the socket before the
// SYN (or the first datagram) leaves, or it is routed as if they were not there; Node's net
// and dgram only expose a socket once it is connecting. So the native addon opens the
// socket, sets the options and binds bindto/bind_port; the fd is then handed to libuv
// (a TCP handle, net.Socket({ fd }) or dgram bind({ fd })), which connects it as usual.
import { AF_INET, AF_INET6, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_BINDTODEVICE, SO_MARK } from '../net/constants.js';
import { isSysError, openSocket, type NativeSocketLike } from '../net/sys.js';
import { CheckFailure } from './check-failure.js';
import type { ConnectOptions } from './types.js';

/** Whether the connection needs a socket prepared by the addon (Node's own will not do). */
export function needsPreparedSocket(conn: ConnectOptions): boolean {
  return conn.fwmark !== undefined && conn.fwmark !== 0 || conn.bindInterface !== undefined;
}

/** The destination with the interface as zone for an IPv6 link-local address (bind_if). */
export function connectHost(conn: ConnectOptions): string {
  return conn.bindInterface && conn.host.toLowerCase().startsWith('fe80:') && !conn.host.includes('%')
    ? `${conn.host}%${conn.bindInterface}` : conn.host;
}

/** The address family of the destination: connect_ip is an address literal, and only IPv6 ones have a colon. */
export function isV6Destination(conn: ConnectOptions): boolean {
  return conn.host.includes(':');
}

/**
 * Opens a non-blocking socket for `conn` with SO_MARK, SO_BINDTODEVICE and the bind applied;
 * returns its fd, which the caller hands to libuv (libuv closes it from then on). Fails with
 * a CheckFailure saying which step the kernel refused ("bind_if eth9: ENODEV").
 */
export function openPreparedSocket(conn: ConnectOptions, type: 'stream' | 'dgram'): number {
  const v6 = isV6Destination(conn);
  let sock: NativeSocketLike;
  try {
    sock = openSocket(v6 ? AF_INET6 : AF_INET, type === 'stream' ? SOCK_STREAM : SOCK_DGRAM, 0);
  } catch (e) {
    throw new CheckFailure(`socket: ${reasonOf(e)}`);
  }
  let step = 'fwmark';
  try {
    if (conn.fwmark) sock.setsockopt(SOL_SOCKET, SO_MARK, conn.fwmark);
    step = `bind_if ${conn.bindInterface}`;
    if (conn.bindInterface !== undefined) sock.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${conn.bindInterface}\0`));
    step = 'bind';
    if (conn.bindAddress !== undefined || conn.bindPort) {
      const address = conn.bindAddress ?? (v6 ? '::' : '0.0.0.0');
      sock.bind(v6 ? { family: 'inet6', address, port: conn.bindPort ?? 0 } : { family: 'inet', address, port: conn.bindPort ?? 0 });
    }
  } catch (e) {
    sock.close();
    throw new CheckFailure(`${step}: ${reasonOf(e)}`);
  }
  return sock.fd;
}

/** A failed system call's code ("ENODEV"), else the error's message. */
export function reasonOf(e: unknown): string {
  return isSysError(e) ? e.code : e instanceof Error ? e.message : String(e);
}
