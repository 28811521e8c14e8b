// TCP_CHECK: the server is up when a TCP connection to it completes within
// connect_timeout; the connection is closed at once (FIN, as keepalived's).
//
// This is the checker run 10,000 times a second in big pools, so with the native addon it
// makes the system calls keepalived makes and little else: a non-blocking socket and
// connect, the completion seen through one epoll set that every check in the process shares
// (one wake-up of the loop reports every connect that finished, in one call into
// JavaScript), getsockopt(SO_ERROR), close. A libuv TCP handle per connect cost a handle
// object, a request object, a callback into JavaScript and an extra epoll_ctl each; measured
// under CPU emulation, that made our checker's user time four times keepalived's. Without
// the addon, net.connect gives the same results.
import { constants as osConstants } from 'node:os';
import { AF_INET, AF_INET6, EINPROGRESS, EPOLLOUT } from '../net/constants.js';
import { connectCalls, encodeSockAddr, ifNameToIndex, nativeAvailable, openEpollSet, type ConnectCalls, type EpollSet } from '../net/sys.js';
import { connectHost, isV6Destination, needsPreparedSocket, openPreparedSocket } from './check-socket.js';
import { CheckFailure, connectTcp, describeError } from './conn.js';
import { IoTimeout } from './io-timeout.js';
import type { CheckResult, CheckRun, ConnectOptions, TcpCheckSpec, RunSignal } from './types.js';

/** errno -> its name ("ECONNREFUSED"). */
const ERRNO_NAMES = new Map<number, string>(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

function errnoReason(errno: number): string {
  const code = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
  return describeError(Object.assign(new Error(code), { code }));
}

/** The result of every passing connect (shared: results are never changed once made). */
const PASSED: CheckResult = Object.freeze({ ok: true });
const TIMED_OUT: CheckResult = Object.freeze({ ok: false, reason: 'timeout' });

interface PendingConnect {
  fd: number;
  done(errno: number): void;
}

/** The connects in flight, watched through one epoll set. */
class ConnectWatch {
  private readonly pending = new Map<number, PendingConnect>();
  private lastTag = 0;
  private readonly set: EpollSet;

  constructor(readonly calls: ConnectCalls) {
    this.set = openEpollSet(256, (pairs, count) => this.ready(pairs, count));
  }

  /**
   * Connects `fd` (which it owns from now on) to `addr`; `done(errno)` (0: connected) when
   * the connect completes, unless `cancel` came first. Returns the tag to cancel with, or
   * the errno when it failed at once.
   */
  start(fd: number, addr: Buffer, done: (errno: number) => void): { tag: number } | { errno: number } {
    let errno = this.calls.connect(fd, addr);
    if (errno === 0 || errno === EINPROGRESS) {
      // Connected at once (0) is reported writable by epoll at once, like one in progress.
      this.lastTag = this.lastTag >= 0x7fffffff ? 1 : this.lastTag + 1;
      errno = this.set.add(fd, EPOLLOUT, this.lastTag);
      if (errno === 0) {
        this.pending.set(this.lastTag, { fd, done });
        return { tag: this.lastTag };
      }
    }
    this.calls.close(fd);
    return { errno };
  }

  /** Abandons a connect: its socket is closed (which also takes it out of the epoll set). */
  cancel(tag: number): void {
    const p = this.pending.get(tag);
    if (!p) return;
    this.pending.delete(tag);
    this.calls.close(p.fd);
  }

  private ready(pairs: Int32Array, count: number): void {
    for (let i = 0; i < count; i++) {
      const tag = pairs[2 * i]!;
      const p = this.pending.get(tag);
      if (!p) continue; // cancelled earlier in this batch
      this.pending.delete(tag);
      const errno = this.calls.socketError(p.fd);
      this.calls.close(p.fd);
      p.done(errno);
    }
  }
}

let watch: ConnectWatch | undefined | null = null;

function connectWatch(): ConnectWatch | undefined {
  if (watch === null) watch = nativeAvailable() ? new ConnectWatch(connectCalls()) : undefined;
  return watch;
}

/** The destination as a struct sockaddr, made once per checker (its options never change). */
const sockAddrs = new WeakMap<ConnectOptions, Buffer>();

function sockAddrOf(conn: ConnectOptions): Buffer {
  let b = sockAddrs.get(conn);
  if (b) return b;
  if (!isV6Destination(conn)) {
    b = encodeSockAddr({ family: 'inet', address: conn.host, port: conn.port });
  } else {
    const [address, zone] = connectHost(conn).split('%') as [string, string | undefined];
    b = encodeSockAddr({ family: 'inet6', address, port: conn.port, scopeId: zone ? ifNameToIndex(zone) : 0 });
    if (zone) return b; // an interface's index can change: looked up at each connect
  }
  sockAddrs.set(conn, b);
  return b;
}

function reasonOf(e: unknown): string {
  return e instanceof CheckFailure ? e.message : e instanceof Error ? ((e as NodeJS.ErrnoException).code ?? e.message) : String(e);
}

/** One connect on the addon's socket calls; undefined when the addon is not there. */
export function nativeTcpProbe(conn: ConnectOptions, signal: RunSignal): Promise<CheckResult> | undefined {
  const w = connectWatch();
  if (!w) return undefined;
  if (signal.aborted) return Promise.resolve(TIMED_OUT);
  let addr: Buffer;
  let fd: number;
  try {
    addr = sockAddrOf(conn);
  } catch (e) {
    return Promise.resolve({ ok: false, reason: `connect_ip ${connectHost(conn)}: ${reasonOf(e)}` });
  }
  try {
    // fwmark, bind_if, bindto, bind_port: the options are set and the bind made first.
    fd = needsPreparedSocket(conn) || conn.bindAddress !== undefined || conn.bindPort
      ? openPreparedSocket(conn, 'stream')
      : w.calls.streamSocket(isV6Destination(conn) ? AF_INET6 : AF_INET);
  } catch (e) {
    return Promise.resolve({ ok: false, reason: e instanceof CheckFailure ? e.message : `socket: ${reasonOf(e)}` });
  }
  return new Promise<CheckResult>((resolve) => {
    let tag = 0;
    let settled = false;
    const finish = (r: CheckResult): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      signal.removeEventListener('abort', onAbort);
      w.cancel(tag);
      resolve(r);
    };
    const onAbort = (): void => finish(TIMED_OUT);
    const timer = new IoTimeout(conn.connectTimeoutMs, () => finish({ ok: false, reason: 'connect timeout' }));
    signal.addEventListener('abort', onAbort, { once: true });
    const started = w.start(fd, addr, (errno) => {
      tag = 0; // the watch has closed the socket
      finish(errno === 0 ? PASSED : { ok: false, reason: errnoReason(errno) });
    });
    if ('tag' in started) tag = started.tag;
    else finish({ ok: false, reason: errnoReason(started.errno) });
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
  return (signal) => nativeTcpProbe(spec.conn, signal) ?? netTcpProbe(spec.conn, signal);
}
