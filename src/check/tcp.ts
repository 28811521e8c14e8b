// TCP_CHECK: the server is up when a TCP connection to it completes within
// connect_timeout; the connection is closed at once.
import { CheckFailure, connectTcp } from './conn.js';
import type { CheckRun, TcpCheckSpec } from './types.js';

export function tcpCheck(spec: Pick<TcpCheckSpec, 'conn'>): CheckRun {
  return async (signal) => {
    try {
      const sock = await connectTcp(spec.conn, signal);
      sock.destroy();
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: e instanceof CheckFailure ? e.message : String(e) };
    }
  };
}
