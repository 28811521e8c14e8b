// PING_CHECK: one ICMP (or ICMPv6) echo per run on an unprivileged ping socket; up when
// the matching echo reply arrives within connect_timeout. Node has no ICMP sockets, so the
// socket comes from the native addon through an injected opener.
import { randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { encodeEcho, isEchoReply } from './icmp-codec.js';
import { IoTimeout } from './io-timeout.js';
import type { SocketLike } from '../net/sys.js';
import type { CheckRun, PingCheckSpec } from './types.js';

/** Opens a SOCK_DGRAM ICMP (or ICMPv6) socket; throws a SysError if it cannot. */
export type PingSocketOpener = (family: 'inet' | 'inet6') => SocketLike;

let nextSeq = 1;

export function pingCheck(spec: Pick<PingCheckSpec, 'conn'>, open: PingSocketOpener | undefined): CheckRun {
  const v6 = isIPv6(spec.conn.host);
  return (signal) => new Promise((resolve) => {
    if (!open) {
      resolve({ ok: false, reason: 'PING_CHECK needs the native addon (ICMP sockets)' });
      return;
    }
    let sock: SocketLike;
    try {
      sock = open(v6 ? 'inet6' : 'inet');
    } catch (e) {
      resolve({ ok: false, reason: `cannot open ICMP socket: ${(e as Error).message}` });
      return;
    }
    const seq = nextSeq = (nextSeq + 1) & 0xffff;
    const data = randomBytes(16);
    let done = false;
    const finish = (ok: boolean, reason: string): void => {
      if (done) return;
      done = true;
      timer.cancel();
      signal.removeEventListener('abort', onAbort);
      try { sock.close(); } catch { /* closed */ }
      resolve(ok ? { ok: true } : { ok: false, reason });
    };
    const onAbort = (): void => finish(false, 'timeout');
    const timer = new IoTimeout(spec.conn.connectTimeoutMs, () => finish(false, 'no echo reply'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (spec.conn.bindAddress) sock.bind({ family: v6 ? 'inet6' : 'inet', address: spec.conn.bindAddress });
      sock.connect({ family: v6 ? 'inet6' : 'inet', address: spec.conn.host });
      sock.onMessage(
        (m) => { if (isEchoReply(v6, m.data, seq, data)) finish(true, ''); },
        (err) => finish(false, err.code === 'EHOSTUNREACH' ? 'host unreachable' : err.message),
      );
      sock.send(encodeEcho(v6, seq, data));
    } catch (e) {
      finish(false, (e as Error).message);
    }
  });
}
