// Outgoing TCP connections for checkers: bindto/bind_port, connect_timeout, abort on the
// run's hard deadline, and a reader that bounds each wait by connect_timeout (keepalived
// applies connect_timeout to the connect and to every read).
import net from 'node:net';
import tls from 'node:tls';
import { CheckFailure } from './check-failure.js';
import { connectHost, needsPreparedSocket, openPreparedSocket } from './check-socket.js';
import { IoTimeout } from './io-timeout.js';
import type { ConnectOptions, RunSignal } from './types.js';

export { CheckFailure };

function socketOptions(conn: ConnectOptions): net.TcpNetConnectOpts {
  const o: net.TcpNetConnectOpts = { host: connectHost(conn), port: conn.port };
  if (conn.bindAddress) o.localAddress = conn.bindAddress;
  if (conn.bindPort) o.localPort = conn.bindPort;
  return o;
}

/**
 * A connecting net.Socket for `conn`. With fwmark or bind_if the addon prepares the socket
 * (options set, bound) and Node connects that fd; otherwise Node makes its own.
 */
function startConnect(conn: ConnectOptions): net.Socket {
  if (!needsPreparedSocket(conn)) return net.connect(socketOptions(conn));
  const sock = new net.Socket({ fd: openPreparedSocket(conn, 'stream') });
  return sock.connect({ host: connectHost(conn), port: conn.port });
}

/** Describes a connect error the way a log reader expects ("connection refused"). */
export function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ETIMEDOUT': return 'timeout';
    case 'EHOSTUNREACH': return 'host unreachable';
    case 'ENETUNREACH': return 'network unreachable';
    case 'ECONNRESET': return 'connection reset';
    default: return e instanceof Error ? e.message : String(err);
  }
}

function abortError(): CheckFailure {
  return new CheckFailure('timeout');
}

/** Connects within connect_timeout; the socket is destroyed if `signal` aborts later. */
export function connectTcp(conn: ConnectOptions, signal: RunSignal): Promise<net.Socket> {
  let sock: net.Socket;
  try {
    sock = startConnect(conn);
  } catch (e) {
    return Promise.reject(e instanceof CheckFailure ? e : new CheckFailure(describeError(e)));
  }
  return settleSocket(sock, 'connect', conn.connectTimeoutMs, signal);
}

export interface TlsConnectOptions {
  serverName?: string;
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
  passphrase?: string;
  verify: boolean;
}

export function connectTls(conn: ConnectOptions, t: TlsConnectOptions, signal: RunSignal): Promise<tls.TLSSocket> {
  let socket: net.Socket | undefined;
  if (needsPreparedSocket(conn)) {
    try {
      socket = startConnect(conn);
    } catch (e) {
      return Promise.reject(e instanceof CheckFailure ? e : new CheckFailure(describeError(e)));
    }
  }
  const o: tls.ConnectionOptions = {
    ...(socket ? { socket } : socketOptions(conn)),
    rejectUnauthorized: t.verify,
    // Without a name Node would send the address as SNI; keepalived sends none unless asked.
    servername: t.serverName ?? '',
  };
  if (!t.verify) o.checkServerIdentity = () => undefined;
  if (t.cert) o.cert = t.cert;
  if (t.key) o.key = t.key;
  if (t.ca) o.ca = t.ca;
  if (t.passphrase !== undefined) o.passphrase = t.passphrase;
  return settleSocket(tls.connect(o), 'secureConnect', conn.connectTimeoutMs, signal);
}

function settleSocket<S extends net.Socket>(sock: S, readyEvent: string, timeoutMs: number, signal: RunSignal): Promise<S> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      sock.destroy();
      reject(abortError());
      return;
    }
    const onAbort = (): void => {
      sock.destroy();
      reject(abortError());
    };
    const timer = new IoTimeout(timeoutMs, () => {
      cleanup();
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      reject(new CheckFailure('connect timeout'));
    });
    const cleanup = (): void => {
      timer.cancel();
      sock.off('error', onError);
      sock.off(readyEvent, onReady);
    };
    const onError = (err: Error): void => {
      cleanup();
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      reject(new CheckFailure(describeError(err)));
    };
    const onReady = (): void => {
      cleanup();
      // From here on the socket lives until the caller closes it or the deadline hits.
      sock.on('error', () => undefined);
      sock.once('close', () => signal.removeEventListener('abort', onAbort));
      resolve(sock);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    sock.once('error', onError);
    sock.once(readyEvent, onReady);
  });
}

/**
 * A Node socket's data, pulled by `read()`: the next chunk, or null at the end; it fails
 * when nothing comes within `idleMs` (keepalived's per-read connect_timeout), or at once
 * when the run's deadline (`signal`) has passed.
 */
export class SocketReader {
  private readonly chunks: Buffer[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  private error: Error | undefined;

  constructor(sock: net.Socket, private readonly idleMs: number, private readonly signal: RunSignal) {
    sock.on('data', (d: Buffer) => { this.chunks.push(d); this.wake(); });
    sock.on('end', () => { this.ended = true; this.wake(); });
    sock.on('close', () => { this.ended = true; this.wake(); });
    sock.on('error', (e) => { this.error = e; this.wake(); });
    signal.addEventListener('abort', () => this.wake(), { once: true });
  }

  /** Lets a waiting read() look again. */
  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  async read(): Promise<Buffer | null> {
    for (;;) {
      const c = this.chunks.shift();
      if (c) return c;
      if (this.signal.aborted) throw abortError();
      if (this.error) throw new CheckFailure(describeError(this.error));
      if (this.ended) return null;
      await new Promise<void>((resolve, reject) => {
        const t = new IoTimeout(this.idleMs, () => {
          this.waiter = undefined;
          reject(new CheckFailure('read timeout'));
        });
        this.waiter = () => { t.cancel(); resolve(); };
      });
    }
  }

  /** Reads until a full line (CRLF or LF) is buffered; returns it without the terminator. */
  private pending = Buffer.alloc(0);
  async readLine(maxBytes = 8192): Promise<string | null> {
    for (;;) {
      const nl = this.pending.indexOf(0x0a);
      if (nl >= 0) {
        const line = this.pending.subarray(0, nl).toString('latin1').replace(/\r$/, '');
        this.pending = this.pending.subarray(nl + 1);
        return line;
      }
      if (this.pending.length > maxBytes) throw new CheckFailure('line too long');
      const c = await this.read();
      if (c === null) return null;
      this.pending = Buffer.concat([this.pending, c]);
    }
  }
}

export function closeQuietly(sock: net.Socket): void {
  sock.destroy();
}
