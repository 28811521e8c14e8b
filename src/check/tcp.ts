// TCP_CHECK: the server is up when a TCP connection to it completes within
// connect_timeout; the connection is closed at once.
//
// This is the checker run 10,000 times a second in big pools, so when Node's TCP handle
// binding is reachable it connects with it directly: no net.Socket, no streams, a quarter
// of the CPU per check. The public net.connect path is the fallback and gives the same results.
import { closeSync } from 'node:fs';
import { connectHost, isV6Destination, needsPreparedSocket, openPreparedSocket } from './check-socket.js';
import { CheckFailure, connectTcp, describeError } from './conn.js';
import { IoTimeout } from './io-timeout.js';
import type { CheckResult, CheckRun, ConnectOptions, TcpCheckSpec, RunSignal } from './types.js';

interface TcpHandle {
  connect(req: unknown, address: string, port: number): number;
  connect6(req: unknown, address: string, port: number): number;
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  open(fd: number): number;
  close(cb?: () => void): void;
}
interface TcpBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => { oncomplete?: (status: number) => void };
  constants: { SOCKET: number };
}

function loadBinding(): TcpBinding | undefined {
  try {
    const b = (process as unknown as { binding(name: string): unknown }).binding('tcp_wrap') as TcpBinding;
    return typeof b.TCP === 'function' && typeof b.TCPConnectWrap === 'function' ? b : undefined;
  } catch {
    return undefined;
  }
}

let binding: TcpBinding | undefined | null = null;

/** uv error numbers are negative errnos on Linux. */
const ERRNO_NAMES: Record<number, string> = { [-111]: 'ECONNREFUSED', [-113]: 'EHOSTUNREACH', [-101]: 'ENETUNREACH', [-110]: 'ETIMEDOUT', [-104]: 'ECONNRESET', [-99]: 'EADDRNOTAVAIL', [-98]: 'EADDRINUSE', [-22]: 'EINVAL' };

function statusReason(status: number): string {
  const code = ERRNO_NAMES[status];
  return code ? describeError(Object.assign(new Error(code), { code })) : `connect error ${status}`;
}

/** The result of every passing connect (shared: results are never changed once made). */
const PASSED: CheckResult = Object.freeze({ ok: true });

/** One connect on the bare TCP handle; undefined when this path cannot be used here. */
export function rawTcpProbe(conn: ConnectOptions, signal: RunSignal): Promise<CheckResult> | undefined {
  if (binding === null) binding = loadBinding();
  const b = binding;
  if (!b) return undefined;
  if (signal.aborted) return Promise.resolve({ ok: false, reason: 'timeout' });
  return new Promise<CheckResult>((resolve) => {
    const v6 = isV6Destination(conn);
    const handle = new b.TCP(b.constants.SOCKET);
    let done = false;
    const finish = (r: CheckResult): void => {
      if (done) return;
      done = true;
      timer.cancel();
      signal.removeEventListener('abort', onAbort);
      handle.close();
      resolve(r);
    };
    const onAbort = (): void => finish({ ok: false, reason: 'timeout' });
    const timer = new IoTimeout(conn.connectTimeoutMs, () => finish({ ok: false, reason: 'connect timeout' }));
    signal.addEventListener('abort', onAbort, { once: true });
    if (needsPreparedSocket(conn)) {
      // fwmark / bind_if: the addon's socket, options set and bound, connected by libuv.
      let fd: number;
      try {
        fd = openPreparedSocket(conn, 'stream');
      } catch (e) {
        finish({ ok: false, reason: e instanceof Error ? e.message : String(e) });
        return;
      }
      const err = handle.open(fd);
      if (err) {
        closeSync(fd);
        finish({ ok: false, reason: `open: ${statusReason(err)}` });
        return;
      }
    } else if (conn.bindAddress || conn.bindPort) {
      const addr = conn.bindAddress ?? (v6 ? '::' : '0.0.0.0');
      const err = v6 ? handle.bind6(addr, conn.bindPort ?? 0, 0) : handle.bind(addr, conn.bindPort ?? 0);
      if (err) { finish({ ok: false, reason: `bind: ${statusReason(err)}` }); return; }
    }
    const req = new b.TCPConnectWrap();
    req.oncomplete = (status: number) => finish(status === 0 ? PASSED : { ok: false, reason: statusReason(status) });
    const err = v6 ? handle.connect6(req, connectHost(conn), conn.port) : handle.connect(req, conn.host, conn.port);
    if (err) finish({ ok: false, reason: statusReason(err) });
  });
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
  return (signal) => rawTcpProbe(spec.conn, signal) ?? netTcpProbe(spec.conn, signal);
}
