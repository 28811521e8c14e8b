// TCP_CHECK: the server is up when a TCP connection to it completes within
// connect_timeout; the connection is closed at once (FIN, as keepalived's).
//
// This is the checker run 10,000 times a second in big pools, so with the native addon it
// makes the system calls keepalived makes and little else (epoll-socket.ts): a non-blocking
// socket and connect, its completion seen through the epoll set every check shares,
// getsockopt(SO_ERROR), close. Without the addon, net.connect gives the same results.
import { PASSED } from './check-failure.js';
import { CheckFailure, connectTcp } from './conn.js';
import { EpollConnection, epollSocketsAvailable } from './epoll-socket.js';
import type { CheckResult, CheckRun, ConnectOptions, TcpCheckSpec, RunSignal } from './types.js';

/** A connect on the addon's sockets (epoll-socket.ts): passed once it completes, closed at once. */
class TcpConnect extends EpollConnection<CheckResult> {
  protected override connected(): void {
    this.finish(PASSED);
  }

  protected failed(reason: string): CheckResult {
    return { ok: false, reason };
  }
}

/** One connect on the addon's sockets; undefined when the addon is not there. */
export function nativeTcpProbe(conn: ConnectOptions, signal: RunSignal): Promise<CheckResult> | undefined {
  if (!epollSocketsAvailable()) return undefined;
  return new TcpConnect(conn, signal).run();
}

/** The portable path: net.connect. */
export async function netTcpProbe(conn: ConnectOptions, signal: RunSignal): Promise<CheckResult> {
  try {
    const sock = await connectTcp(conn, signal);
    sock.destroy();
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: e instanceof CheckFailure ? e.message : String(e) };
  }
}

export function tcpCheck(spec: Pick<TcpCheckSpec, 'conn'>): CheckRun {
  return (signal) => nativeTcpProbe(spec.conn, signal) ?? netTcpProbe(spec.conn, signal);
}
