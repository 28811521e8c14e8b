// One UDP request/response exchange on a connected socket, so an ICMP port/host
// unreachable comes back as an error (ECONNREFUSED/EHOSTUNREACH) like keepalived sees it.
import dgram from 'node:dgram';
import { connectHost, isV6Destination, needsPreparedSocket, openPreparedSocket } from './check-socket.js';
import { describeError } from './conn.js';
import { IoTimeout } from './io-timeout.js';
import type { ConnectOptions, RunSignal } from './types.js';

export type ExchangeOutcome =
  | { kind: 'reply'; data: Buffer }
  | { kind: 'timeout' }
  | { kind: 'error'; reason: string };

/**
 * Sends `payload` and waits up to connect_timeout for a datagram `accept` takes (others are
 * ignored, like keepalived ignores a DNS reply with the wrong id).
 */
export function udpExchange(conn: ConnectOptions, payload: Buffer, signal: RunSignal, accept: (d: Buffer) => boolean = () => true): Promise<ExchangeOutcome> {
  return new Promise((resolve) => {
    const host = connectHost(conn);
    const sock = dgram.createSocket({ type: isV6Destination(conn) ? 'udp6' : 'udp4' });
    let done = false;
    const finish = (o: ExchangeOutcome): void => {
      if (done) return;
      done = true;
      timer.cancel();
      signal.removeEventListener('abort', onAbort);
      try { sock.close(); } catch { /* not running */ }
      resolve(o);
    };
    const onAbort = (): void => finish({ kind: 'timeout' });
    const timer = new IoTimeout(conn.connectTimeoutMs, () => finish({ kind: 'timeout' }));
    signal.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (e) => finish({ kind: 'error', reason: describeError(e) }));
    sock.on('message', (m) => { if (accept(m)) finish({ kind: 'reply', data: m }); });
    const go = (): void => {
      sock.connect(conn.port, host, () => {
        if (done) return;
        sock.send(payload, (err) => { if (err) finish({ kind: 'error', reason: describeError(err) }); });
      });
    };
    if (needsPreparedSocket(conn)) {
      // fwmark / bind_if (and the bind): set by the addon before the first datagram leaves.
      let fd: number;
      try {
        fd = openPreparedSocket(conn, 'dgram');
      } catch (e) {
        finish({ kind: 'error', reason: e instanceof Error ? e.message : String(e) });
        return;
      }
      sock.bind({ fd }, go);
    } else if (conn.bindAddress || conn.bindPort) sock.bind({ address: conn.bindAddress, port: conn.bindPort ?? 0 }, go);
    else go();
  });
}
