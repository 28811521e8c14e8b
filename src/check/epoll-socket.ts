// Checkers' TCP sockets on bare system calls (the native addon), watched through one epoll
// set that every check in the process shares: its fd is polled on Node's loop, so one
// wake-up reports every socket that is ready, in one call into JavaScript. TCP_CHECK's
// connect and HTTP_GET's plain-text exchange run on it; they are made 10,000 times a second
// in big pools, and a libuv handle per socket (a handle object, a request object, a stream,
// a callback into JavaScript per event) cost several times keepalived's CPU per check.
// Without the addon the checkers use Node's net module, with the same results.
import { constants as osConstants } from 'node:os';
import { AF_INET, AF_INET6, EAGAIN, EINPROGRESS, EPOLLIN, EPOLLOUT } from '../net/constants.js';
import { connectCalls, encodeSockAddr, ifNameToIndex, nativeAvailable, openEpollSet, type ConnectCalls, type EpollSet } from '../net/sys.js';
import { connectHost, isV6Destination, needsPreparedSocket, openPreparedSocket, reasonOf } from './check-socket.js';
import { CheckFailure, ChunkReader, describeError } from './conn.js';
import { IoTimeout } from './io-timeout.js';
import type { ConnectOptions, RunSignal } from './types.js';

/** errno -> its name ("ECONNREFUSED"). */
const ERRNO_NAMES = new Map<number, string>(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/** A checker's words for an errno ("connection refused"), as for Node's own errors. */
export function errnoReason(errno: number): string {
  const code = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
  return describeError(Object.assign(new Error(code), { code }));
}

type OnEvents = (events: number) => void;

/** The sockets being watched, by tag. */
class EpollWatch {
  private readonly watched = new Map<number, { fd: number; on: OnEvents }>();
  private lastTag = 0;
  private readonly set: EpollSet;

  constructor(readonly calls: ConnectCalls) {
    this.set = openEpollSet(256, (pairs, count) => this.ready(pairs, count));
  }

  /** Watches `fd` (which it owns from now on) for `events`; returns its tag, or the errno (the fd is then closed). */
  watch(fd: number, events: number, on: OnEvents): { tag: number } | { errno: number } {
    this.lastTag = this.lastTag >= 0x7fffffff ? 1 : this.lastTag + 1;
    const errno = this.set.add(fd, events, this.lastTag);
    if (errno !== 0) {
      this.calls.close(fd);
      return { errno };
    }
    this.watched.set(this.lastTag, { fd, on });
    return { tag: this.lastTag };
  }

  /** The events watched for; 0 stops watching (the fd stays open until close). */
  modify(tag: number, events: number): void {
    const w = this.watched.get(tag);
    if (!w) return;
    if (events) this.set.modify(w.fd, events, tag);
    else this.set.remove(w.fd);
  }

  /** Closes the socket (which also takes it out of the epoll set); no event after this. */
  close(tag: number): void {
    const w = this.watched.get(tag);
    if (!w) return;
    this.watched.delete(tag);
    this.calls.close(w.fd);
  }

  /** Hands a watched socket's events to `on` from now on. */
  handOver(tag: number, on: OnEvents): void {
    const w = this.watched.get(tag);
    if (w) w.on = on;
  }

  fdOf(tag: number): number | undefined {
    return this.watched.get(tag)?.fd;
  }

  private ready(pairs: Int32Array, count: number): void {
    for (let i = 0; i < count; i++) {
      // Closed earlier in this batch: no handler.
      this.watched.get(pairs[2 * i]!)?.on(pairs[2 * i + 1]!);
    }
  }
}

let shared: EpollWatch | undefined | null = null;

function epollWatch(): EpollWatch | undefined {
  if (shared === null) shared = nativeAvailable() ? new EpollWatch(connectCalls()) : undefined;
  return shared;
}

/** Whether checkers' sockets run on the addon here (else Node's net module). */
export function epollSocketsAvailable(): boolean {
  return epollWatch() !== undefined;
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

/** A connected socket's tag, or why there is none. */
type Connected = { tag: number } | { reason: string };

/**
 * Connects a new socket for `conn` within connect_timeout: resolves with its tag (the caller
 * closes it) or the reason it failed ("connection refused", "connect timeout", "timeout"
 * when `signal` aborted). Throws when the addon is not there (check epollSocketsAvailable).
 */
export function epollConnect(conn: ConnectOptions, signal: RunSignal): Promise<Connected> {
  const w = epollWatch();
  if (!w) throw new Error('native addon not available');
  if (signal.aborted) return Promise.resolve({ reason: 'timeout' });
  let addr: Buffer;
  let fd: number;
  try {
    addr = sockAddrOf(conn);
  } catch (e) {
    return Promise.resolve({ reason: `connect_ip ${connectHost(conn)}: ${reasonOf(e)}` });
  }
  try {
    // fwmark, bind_if, bindto, bind_port: the options are set and the bind made first.
    fd = needsPreparedSocket(conn) || conn.bindAddress !== undefined || conn.bindPort
      ? openPreparedSocket(conn, 'stream')
      : w.calls.streamSocket(isV6Destination(conn) ? AF_INET6 : AF_INET);
  } catch (e) {
    return Promise.resolve({ reason: e instanceof CheckFailure ? e.message : `socket: ${reasonOf(e)}` });
  }
  return new Promise<Connected>((resolve) => {
    let tag = 0;
    let settled = false;
    const finish = (r: Connected): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      signal.removeEventListener('abort', onAbort);
      if ('reason' in r) w.close(tag);
      resolve(r);
    };
    const onAbort = (): void => finish({ reason: 'timeout' });
    const timer = new IoTimeout(conn.connectTimeoutMs, () => finish({ reason: 'connect timeout' }));
    signal.addEventListener('abort', onAbort, { once: true });
    // Connected at once (0) is reported writable by epoll at once, like one in progress.
    const errno = w.calls.connect(fd, addr);
    if (errno !== 0 && errno !== EINPROGRESS) {
      w.calls.close(fd);
      finish({ reason: errnoReason(errno) });
      return;
    }
    const watched = w.watch(fd, EPOLLOUT, () => {
      const err = w.calls.socketError(fd);
      if (err !== 0) {
        finish({ reason: errnoReason(err) });
        return;
      }
      // Still watched for EPOLLOUT: the caller closes it, or an EpollStream takes it over
      // (before the next wait for events: both happen in this turn).
      finish({ tag });
    });
    if ('errno' in watched) finish({ reason: errnoReason(watched.errno) });
    else tag = watched.tag;
  });
}

/** Closes a socket epollConnect made. */
export function epollClose(tag: number): void {
  epollWatch()?.close(tag);
}

/** Reads go through one buffer; what a read got is copied out at its size. */
const scratch = Buffer.allocUnsafe(65536);
/** At most this many reads per wake-up: one fast sender does not hold the loop. */
const READS_PER_WAKEUP = 16;

/**
 * A connected socket as a byte stream: write the request, read the reply chunk by chunk
 * (null at the end), each read within `idleMs` (keepalived's per-read connect_timeout).
 */
export class EpollStream extends ChunkReader {
  private ended = false;
  private error: string | undefined;
  private unsent: Buffer | undefined;
  private closed = false;
  private readonly w: EpollWatch;

  constructor(
    private readonly tag: number,
    idleMs: number,
    signal: RunSignal,
  ) {
    super(idleMs, signal);
    this.w = epollWatch()!;
    signal.addEventListener('abort', this.onAbort, { once: true });
    this.w.handOver(tag, (events) => this.onEvents(events));
  }

  private readonly onAbort = (): void => this.wake();

  write(data: Buffer): void {
    this.unsent = this.unsent ? Buffer.concat([this.unsent, data]) : data;
    this.flush();
  }

  private flush(): void {
    const fd = this.w.fdOf(this.tag);
    if (fd === undefined || !this.unsent) return;
    const n = this.w.calls.write(fd, this.unsent);
    if (n < 0 && n !== -EAGAIN) {
      this.fail(errnoReason(-n));
      return;
    }
    if (n > 0) this.unsent = n < this.unsent.length ? this.unsent.subarray(n) : undefined;
    this.w.modify(this.tag, this.unsent ? EPOLLIN | EPOLLOUT : EPOLLIN);
  }

  private onEvents(events: number): void {
    if (this.unsent && events & EPOLLOUT) this.flush();
    const fd = this.w.fdOf(this.tag);
    if (fd === undefined || this.ended || this.error !== undefined) return;
    for (let i = 0; i < READS_PER_WAKEUP; i++) {
      const n = this.w.calls.read(fd, scratch);
      if (n === -EAGAIN) break;
      if (n < 0) {
        this.fail(errnoReason(-n));
        return;
      }
      if (n === 0) {
        this.ended = true;
        this.w.modify(this.tag, 0); // level-triggered: an ended socket would be reported again and again
        break;
      }
      this.chunks.push(Buffer.from(scratch.subarray(0, n)));
    }
    this.wake();
  }

  private fail(reason: string): void {
    this.error = reason;
    this.w.modify(this.tag, 0);
    this.wake();
  }

  protected outcome(): string | null | undefined {
    if (this.error !== undefined) return this.error;
    return this.ended || this.closed ? null : undefined;
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.signal.removeEventListener('abort', this.onAbort);
    this.w.close(this.tag);
    this.wake();
  }
}
