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
import { CheckFailure, describeError } from './conn.js';
import { IoTimeout } from './io-timeout.js';
import { SLOT_SPACING_MS, addSlotHooks, slotDueWithin, type SlotHooks } from './slot-timer.js';
import { addBeforeTimeoutVerdicts } from './timeout-queue.js';
import type { ConnectOptions, RunSignal } from './types.js';

/** errno -> its name ("ECONNREFUSED"). */
const ERRNO_NAMES = new Map<number, string>(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/** A checker's words for an errno ("connection refused"), as for Node's own errors. */
export function errnoReason(errno: number): string {
  const code = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
  return describeError(Object.assign(new Error(code), { code }));
}

/** A socket in the epoll set, and what handles its events. */
interface Watched {
  readonly fd: number;
  onEvents(events: number): void;
}

/** (tag, events) pairs one poll of the set reports at most. */
const ROOM = 256;
/**
 * Sockets in flight above which the set is always watched by the loop: collecting keeps each
 * socket open until the next slot, and that must not pile up thousands of them.
 */
const MAX_COLLECTED = 512;

/**
 * The sockets being watched, by tag.
 *
 * The events of checks in flight are collected instead of waking the process: after a slot
 * has started its runs, the loop stops watching the set, and the next slot reads everything
 * that became ready meanwhile (replies, connects) in the wake-up it makes anyway, or, when
 * no slot is due within SLOT_SPACING_MS (as close as slots come while checks are spread
 * evenly), one collection that much later. 200 HTTP_GETs at delay_loop 5 s are about twenty
 * a slot: each woke the process again for its reply, and a wake-up costs a Node process far
 * more than the reply's work (slot-timer.ts). A timeout or deadline
 * due meanwhile reads the set first (timeout-queue.ts), so a reply that came in time is never
 * a timeout, and a run read late is scheduled from the time it could have ended (readyAt).
 */
class EpollWatch implements SlotHooks {
  private readonly watched = new Map<number, Watched>();
  private lastTag = 0;
  private readonly set: EpollSet;
  /** The loop is not watching the set: its events wait for the next slot (or the collect timer, or a timeout). */
  private collecting = false;
  /** When collecting began: what is read at a collection became ready at this time or later. */
  private collectingSince = 0;
  /**
   * When the last slot began: the loop reads nothing while a slot runs, so collecting turned
   * on at its end counts from its start (runs started in it were read no earlier anyway).
   */
  private slotStartedAt = 0;
  /** Set while collected events are handed out. */
  private inCollection = false;
  /** Collects when no slot is due soon enough to (collectUntilNextSlot). */
  private collectTimer: NodeJS.Timeout | undefined;
  /** Tags of urgent runs' sockets (RunSignal.urgent): while there are any, the loop watches the set. */
  private readonly urgent = new Set<number>();

  constructor(readonly calls: ConnectCalls) {
    this.set = openEpollSet(ROOM, (pairs, count) => this.ready(pairs, count));
    addSlotHooks(this);
    addBeforeTimeoutVerdicts(() => this.collect());
  }

  /** Reads what became ready while the loop was not watching; true when there was any. */
  collect(): boolean {
    if (!this.collecting) return false;
    this.inCollection = true;
    let any = false;
    try {
      for (let n = this.set.poll(); n > 0; n = n === ROOM ? this.set.poll() : 0) any = true;
    } finally {
      this.inCollection = false;
    }
    return any;
  }

  /**
   * When an outcome settled now was there to be read, for a run that started at `startedAt`:
   * now, unless it is being handed out by a collection, where it became ready when
   * collecting began or when the run started, whichever is later.
   */
  readyAt(startedAt: number): number {
    return this.inCollection ? Math.max(startedAt, this.collectingSince) : performance.now();
  }

  beforeSlot(): void {
    this.slotStartedAt = performance.now();
    this.stopCollectTimer();
    this.collect();
  }

  afterSlot(): void {
    this.collectUntilNextSlot(this.slotStartedAt);
  }

  slotDropped(): void {
    if (this.collecting) this.collectUntilNextSlot();
  }

  /**
   * Collects the events of the sockets in flight at the next slot, or after SLOT_SPACING_MS
   * when no slot is due by then (the slots' spacing drifts with the times checks take: one
   * collection then instead of a wake-up per reply). Too many in flight: the loop watches.
   */
  private collectUntilNextSlot(since = performance.now()): void {
    const on = this.watched.size > 0 && this.watched.size <= MAX_COLLECTED && this.urgent.size === 0;
    this.setCollecting(on, since);
    if (on && !this.collectTimer && !slotDueWithin(SLOT_SPACING_MS)) {
      this.collectTimer = setTimeout(this.onCollectTimer, SLOT_SPACING_MS);
      this.collectTimer.unref();
    } else if (!on) {
      this.stopCollectTimer();
    }
  }

  /** No slot came: reads what is there; what is still in flight then (slow servers) wakes the loop itself unless a slot is near. */
  private readonly onCollectTimer = (): void => {
    this.collectTimer = undefined;
    this.collect();
    if (!slotDueWithin(SLOT_SPACING_MS)) this.setCollecting(false);
  };

  private stopCollectTimer(): void {
    if (this.collectTimer) clearTimeout(this.collectTimer);
    this.collectTimer = undefined;
  }

  private setCollecting(on: boolean, since = performance.now()): void {
    if (on === this.collecting) return;
    // Turning it off: whatever is ready is reported by the loop at its next poll.
    this.collecting = on;
    if (on) this.collectingSince = since;
    this.set.watchLoop(!on);
  }

  /** Watches `w.fd` for `events`; returns its tag, or the errno. `urgent`: read as events come (RunSignal.urgent). */
  watch(w: Watched, events: number, urgent = false): { tag: number } | { errno: number } {
    this.lastTag = this.lastTag >= 0x7fffffff ? 1 : this.lastTag + 1;
    const errno = this.set.add(w.fd, events, this.lastTag);
    if (errno !== 0) return { errno };
    this.watched.set(this.lastTag, w);
    if (urgent) {
      this.urgent.add(this.lastTag);
      // What was collected so far is reported by the loop too, from its next poll.
      this.stopCollectTimer();
      this.setCollecting(false);
    }
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
    this.urgent.delete(tag);
    this.calls.close(w.fd);
  }

  private ready(pairs: Int32Array, count: number): void {
    for (let i = 0; i < count; i++) {
      // Closed earlier in this batch: no handler.
      this.watched.get(pairs[2 * i]!)?.onEvents(pairs[2 * i + 1]!);
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

/** Reads go through one buffer, lent to `received` for the length of the call. */
const scratch = Buffer.allocUnsafe(65536);
/** At most this many reads per wake-up: one fast sender does not hold the loop. */
const READS_PER_WAKEUP = 16;

/**
 * One check's connection on the shared epoll set, driven by its events: connect within
 * connect_timeout, then whatever the subclass exchanges (each read within connect_timeout,
 * keepalived's per-read timeout), until it finishes with its outcome or the run's deadline
 * (`signal`) passes. One object per check holds the socket, the one timeout armed at a time
 * and the abort listener, where promises per step cost a TCP_CHECK or HTTP_GET several
 * times its system calls' CPU. The socket is closed when the outcome is settled.
 */
export abstract class EpollConnection<R> implements Watched {
  fd = -1;
  private tag = 0;
  private isConnected = false;
  private settled = false;
  private resolveRun: ((r: R) => void) | undefined;
  private timeout: IoTimeout | undefined;
  private timeoutReason = 'connect timeout';
  private startedAt = 0;
  /** The request's bytes not written yet (all of them until the connection is up). */
  private unsent: Buffer | undefined;
  private readonly w: EpollWatch;

  /** `request`: what to send once connected, then the reply is read; none: connected() decides. */
  constructor(
    protected readonly conn: ConnectOptions,
    private readonly signal: RunSignal,
    request?: Buffer,
  ) {
    const w = epollWatch();
    if (!w) throw new Error('native addon not available');
    this.w = w;
    this.unsent = request;
  }

  /** The outcome of a failure ("connection refused", "connect timeout", "timeout" at the deadline). */
  protected abstract failed(reason: string): R;
  /** Connected, with no request to send: the subclass finishes (TCP_CHECK). */
  protected connected(): void {}
  /** Bytes of the reply came; `chunk` is lent for this call only. */
  protected received(_chunk: Buffer): void {}
  /** The peer closed its side after the request. */
  protected ended(): void {}

  /** Connects and runs the exchange; settles once, with the outcome. */
  run(): Promise<R> {
    return new Promise<R>((resolve) => {
      this.resolveRun = resolve;
      this.start();
    });
  }

  /** Settles the run with `r` and closes the socket; anything after this is ignored. */
  protected finish(r: R): void {
    if (this.settled) return;
    this.settled = true;
    // The last exchange of a run decides: HTTP_GET's urls are fetched one after another.
    this.signal.readyAt = this.w.readyAt(this.startedAt);
    this.timeout?.cancel();
    this.signal.removeEventListener('abort', this.onAbort);
    if (this.tag) this.w.close(this.tag);
    else if (this.fd >= 0) this.w.calls.close(this.fd);
    this.resolveRun?.(r);
  }

  private start(): void {
    const conn = this.conn;
    this.startedAt = performance.now();
    if (this.signal.aborted) return this.finish(this.failed('timeout'));
    let addr: Buffer;
    try {
      addr = sockAddrOf(conn);
    } catch (e) {
      return this.finish(this.failed(`connect_ip ${connectHost(conn)}: ${reasonOf(e)}`));
    }
    try {
      // fwmark, bind_if, bindto, bind_port: the options are set and the bind made first.
      this.fd = needsPreparedSocket(conn) || conn.bindAddress !== undefined || conn.bindPort
        ? openPreparedSocket(conn, 'stream')
        : this.w.calls.streamSocket(isV6Destination(conn) ? AF_INET6 : AF_INET);
    } catch (e) {
      return this.finish(this.failed(e instanceof CheckFailure ? e.message : `socket: ${reasonOf(e)}`));
    }
    // Connected at once (0) is reported writable by epoll at once, like one in progress.
    const errno = this.w.calls.connect(this.fd, addr);
    if (errno !== 0 && errno !== EINPROGRESS) return this.finish(this.failed(errnoReason(errno)));
    // A request is written at once when the connection is already up (a loopback or very near
    // peer): no wait for writability and its getsockopt. EAGAIN: still connecting, it goes
    // once the socket is writable. Refused meanwhile: that errno.
    if (this.unsent && this.writeUnsent() !== -EAGAIN) {
      if (this.settled) return;
      this.isConnected = true;
    }
    const watched = this.w.watch(this, this.isConnected ? this.interest() : EPOLLOUT, this.signal.urgent);
    if ('errno' in watched) return this.finish(this.failed(errnoReason(watched.errno)));
    this.tag = watched.tag;
    this.signal.addEventListener('abort', this.onAbort, { once: true });
    this.arm(this.isConnected ? 'read timeout' : 'connect timeout');
  }

  private readonly onAbort = (): void => this.finish(this.failed('timeout'));

  private readonly onTimeout = (): void => this.finish(this.failed(this.timeoutReason));

  /** (Re)starts the one timeout: connect_timeout from now. */
  private arm(reason: string): void {
    this.timeout?.cancel();
    this.timeoutReason = reason;
    this.timeout = new IoTimeout(this.conn.connectTimeoutMs, this.onTimeout);
  }

  onEvents(events: number): void {
    if (this.settled) return;
    try {
      if (!this.isConnected) {
        const err = this.w.calls.socketError(this.fd);
        if (err !== 0) return this.finish(this.failed(errnoReason(err)));
        this.isConnected = true;
        // Still watched for EPOLLOUT: the subclass finishes (closing it), or the request is
        // written (which watches for the reply instead), before the next wait for events.
        if (!this.unsent) return this.connected();
        this.flush();
        if (!this.settled) this.arm('read timeout');
        return;
      }
      if (this.unsent && events & EPOLLOUT) this.flush();
      this.readSome();
    } catch (e) {
      // A subclass's verdict on the bytes (a CheckFailure), or a bug: the check fails, the process goes on.
      this.finish(this.failed(e instanceof Error ? e.message : String(e)));
    }
  }

  /** Writes what it can of the request: the byte count, or -errno (a failure other than EAGAIN finishes the run). */
  private writeUnsent(): number {
    const unsent = this.unsent!;
    const n = this.w.calls.write(this.fd, unsent);
    if (n > 0) this.unsent = n < unsent.length ? unsent.subarray(n) : undefined;
    else if (n < 0 && n !== -EAGAIN) this.finish(this.failed(errnoReason(-n)));
    return n;
  }

  /** Writes more of the request, then watches for what is still needed. */
  private flush(): void {
    this.writeUnsent();
    if (!this.settled) this.w.modify(this.tag, this.interest());
  }

  /** The events a connected socket waits for: the reply, and writability while the request is not all out. */
  private interest(): number {
    return this.unsent ? EPOLLIN | EPOLLOUT : EPOLLIN;
  }

  private readSome(): void {
    let got = false;
    for (let i = 0; i < READS_PER_WAKEUP && !this.settled; i++) {
      const n = this.w.calls.read(this.fd, scratch);
      if (n === -EAGAIN) break;
      if (n < 0) return this.finish(this.failed(errnoReason(-n)));
      if (n === 0) {
        // Level-triggered: an ended socket would be reported again and again.
        this.w.modify(this.tag, 0);
        return this.ended();
      }
      got = true;
      this.received(scratch.subarray(0, n));
    }
    if (got && !this.settled) this.arm('read timeout');
  }
}
