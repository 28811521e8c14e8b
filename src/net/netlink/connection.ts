// A netlink conversation with the kernel over one SocketLike: requests with sequence
// numbers answered by acks, dumps collected until NLMSG_DONE, batches of requests sent
// in one sendmsg with their acks matched by sequence number, and multicast events.
//
// Use one connection for requests and another for events: the kernel stamps a
// notification caused by our own request with our sequence number, and a connection that
// does both could take it for a reply.
import { MAX_SEND_PARTS, type ReceivedMessage, type SockAddr, type SocketLike, type SysError } from '../sys.js';
import { ControlType, MessageFlag, NetlinkSockOpt, SOL_NETLINK, SOL_SOCKET, SO_RCVBUF, SO_RCVBUFFORCE } from './constants.js';
import { decodeErrorBody, decodeMessages, encodeMessage, type NetlinkMessage } from './message.js';
import { NetlinkError, errnoNumber } from './errors.js';

export interface NetlinkRequest {
  type: number;
  /** Flags beyond REQUEST and ACK (or DUMP): CREATE, EXCL, REPLACE... */
  flags?: number;
  payload: Buffer;
  /** What this asks for, in words, for errors: "adding address 10.0.0.1/24 on eth0". */
  operation: string;
  /** What an errno means for this request: { EEXIST: 'address already assigned' }. */
  hints?: Readonly<Record<string, string>>;
}

/** The datagram bytes of a request: its header flags (REQUEST, ACK or DUMP, its own), seq, payload. */
export function encodeRequest(req: NetlinkRequest, seq: number, dump: boolean): Buffer {
  const flags = MessageFlag.REQUEST | (dump ? MessageFlag.DUMP : MessageFlag.ACK) | (req.flags ?? 0);
  return encodeMessage({ type: req.type, flags, seq, pid: 0, payload: req.payload });
}

export type BatchResult = { ok: true; replies: NetlinkMessage[] } | { ok: false; error: NetlinkError };

export interface BatchOptions {
  /**
   * Ask the kernel for one ack per datagram, on its last request, instead of one per request
   * (see implyAcks). The requests of a datagram then settle together when that answer comes,
   * in the order they were sent, in one turn of the loop: for a caller that only looks at the
   * whole batch's results (IpvsClient.apply). Off, each request settles on its own ack, in its
   * own turn, and what a caller does on each success happens in the kernel's order (VRRP's
   * notifications after each VIP change).
   */
  oneAckPerDatagram?: boolean;
}

export interface NetlinkConnectionOptions {
  /** Receive buffer to ask for; dumps and batches need room for every reply. */
  receiveBufferBytes?: number;
  /**
   * Most requests per sendmsg. The kernel carries out a whole datagram inside the sendmsg
   * call (an address add costs it some 25-40 us), so this bounds how long one send holds
   * the event loop: 32 keeps it near a millisecond.
   */
  batchSize?: number;
}

/** How a request ended: its replies once acked (or the dump done), or the refusal. */
type Settled = { ok: true; replies: NetlinkMessage[]; interrupted: boolean } | { ok: false; error: NetlinkError };

interface Pending {
  request: NetlinkRequest;
  dump: boolean;
  replies: NetlinkMessage[];
  interrupted: boolean;
  /** Called once, with `index` (a batch's position of the request). */
  done: (s: Settled, index: number) => void;
  index: number;
  seq: number;
  /** Its success may be implied by a later request's answer (batch's oneAckPerDatagram). */
  ackMayBeImplied: boolean;
  /**
   * Requests of the same datagram sent without an ack: this one's answer (ack or error) says
   * the kernel has handled them, and any of them it refused has had its error already.
   */
  implied?: Pending[];
}

const KERNEL: SockAddr = { family: 'netlink', pid: 0, groups: 0 };
const DUMP_RETRIES = 3;

export class NetlinkConnection {
  private readonly pending = new Map<number, Pending>();
  private seq: number;
  private portId: number | undefined;
  private eventHandlers: Array<(msg: NetlinkMessage) => void> = [];
  private overrunHandlers: Array<(_: undefined) => void> = [];
  private errorHandlers: Array<(e: Error) => void> = [];
  private closed = false;
  private readonly batchSize: number;
  /** Requests waiting for the next flush; see `transmit`. */
  private outbox: Buffer[] = [];
  private flushScheduled = false;

  constructor(
    readonly socket: SocketLike,
    options: NetlinkConnectionOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 32;
    // Start away from 0 so that replies are never confused with unsolicited messages.
    this.seq = (Math.floor(Math.random() * 0x7fffffff) >>> 0) | 1;
    // Extended acks give the kernel's reason in words; capped acks keep errors small.
    // Old kernels lack them: errors are then just less detailed.
    for (const opt of [NetlinkSockOpt.EXT_ACK, NetlinkSockOpt.CAP_ACK]) {
      try {
        socket.setsockopt(SOL_NETLINK, opt, 1);
      } catch {
        /* optional */
      }
    }
    const rcvbuf = options.receiveBufferBytes ?? 4 * 1024 * 1024;
    try {
      socket.setsockopt(SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf);
    } catch {
      try {
        socket.setsockopt(SOL_SOCKET, SO_RCVBUF, rcvbuf);
      } catch {
        /* keep the default */
      }
    }
    socket.bind({ family: 'netlink', pid: 0, groups: 0 });
    socket.onMessage(
      (m) => this.receive(m),
      (e) => this.receiveError(e),
    );
  }

  /** Joins a multicast group (a group number, e.g. RTNLGRP_LINK = 1, not a bit mask). */
  subscribe(group: number): void {
    this.socket.setsockopt(SOL_NETLINK, NetlinkSockOpt.ADD_MEMBERSHIP, group);
  }

  unsubscribe(group: number): void {
    this.socket.setsockopt(SOL_NETLINK, NetlinkSockOpt.DROP_MEMBERSHIP, group);
  }

  /** Messages that answer none of our requests: multicast notifications. */
  onEvent(handler: (msg: NetlinkMessage) => void): void {
    this.eventHandlers.push(handler);
  }

  /** The receive queue overflowed and the kernel dropped messages: state must be re-read. */
  onOverrun(handler: () => void): void {
    this.overrunHandlers.push(handler);
  }

  /** A datagram that could not be decoded, or a socket error other than overrun. */
  onError(handler: (e: Error) => void): void {
    this.errorHandlers.push(handler);
  }

  /** Sends one request and resolves with its replies once the kernel acks it. */
  async request(req: NetlinkRequest): Promise<NetlinkMessage[]> {
    return (await this.one(req, false)).replies;
  }

  /** Dumps a table: resolves with every message of the multipart reply. */
  async dump(req: NetlinkRequest): Promise<NetlinkMessage[]> {
    for (let attempt = 1; ; attempt++) {
      const r = await this.one(req, true);
      // The table changed under the dump; its content may be inconsistent. Ask again.
      if (!r.interrupted || attempt >= DUMP_RETRIES) return r.replies;
    }
  }

  /**
   * Sends many requests, `batchSize` per sendmsg, and settles each on its own ack (or, with
   * oneAckPerDatagram, on its datagram's one ack): one refusal does not stop the rest (the
   * kernel handles every message of a datagram).
   */
  async batch(reqs: NetlinkRequest[], opts: BatchOptions = {}): Promise<BatchResult[]> {
    const implied = opts.oneAckPerDatagram === true;
    const results: BatchResult[] = new Array<BatchResult>(reqs.length);
    for (let i = 0; i < reqs.length; i += this.batchSize) {
      const end = Math.min(reqs.length, i + this.batchSize);
      // One promise per datagram, not per request: 11,000 promises and awaits were a good
      // part of programming a 1,000 x 10 IPVS table.
      await new Promise<void>((resolve) => {
        let left = end - i;
        const done = (s: Settled, index: number): void => {
          results[index] = s;
          if (--left === 0) resolve();
        };
        const messages: Buffer[] = [];
        for (let j = i; j < end; j++) messages.push(this.register(reqs[j]!, false, done, j, implied));
        this.transmit(messages);
      });
    }
    return results;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
    this.failAll('ESHUTDOWN', 'connection closed');
  }

  /** Sends one request; settles with its replies, or rejects with its refusal. */
  private one(req: NetlinkRequest, dump: boolean): Promise<{ replies: NetlinkMessage[]; interrupted: boolean }> {
    return new Promise((resolve, reject) => {
      this.transmit([this.register(req, dump, (s) => (s.ok ? resolve(s) : reject(s.error)), 0)]);
    });
  }

  /** Files the request under a fresh sequence number and returns its bytes. */
  private register(req: NetlinkRequest, dump: boolean, done: Pending['done'], index: number, ackMayBeImplied = false): Buffer {
    if (this.closed) throw new NetlinkError({ operation: req.operation, errno: errnoNumber('EBADF'), hint: 'netlink connection closed' });
    const seq = this.nextSeq();
    const message = encodeRequest(req, seq, dump);
    this.pending.set(seq, { request: req, dump, replies: [], interrupted: false, done, index, seq, ackMayBeImplied });
    return message;
  }

  /** Ends a request (taken out of `pending` by the caller); an answer also ends those it implies. */
  private settle(p: Pending, s: Settled): void {
    const implied = p.implied;
    p.implied = undefined;
    // The requests it implies first, in the order they were sent (as their own acks came).
    for (const q of implied ?? []) {
      // Refused (its error came first) or failed meanwhile: already settled.
      if (this.pending.get(q.seq) !== q) continue;
      this.pending.delete(q.seq);
      q.done({ ok: true, replies: q.replies, interrupted: false }, q.index);
    }
    p.done(s, p.index);
  }

  /**
   * With oneAckPerDatagram, asks for one ack per datagram instead of one per request: only the
   * last message keeps NLM_F_ACK. The kernel handles a datagram's messages in order and always
   * answers a refusal (netlink(7): the ack flag asks for an acknowledgement on success), so
   * when the last one is answered, every other one it did not refuse has been carried out.
   * 11,000 IPVS requests at start were 11,000 datagrams to read, each a call into JavaScript.
   */
  private implyAcks(datagram: Buffer[]): void {
    if (datagram.length < 2) return;
    const last = this.pending.get(datagram[datagram.length - 1]!.readUInt32LE(8));
    // A dump ends with DONE, not an ack: leave such a datagram as it is.
    if (!last || last.dump) return;
    for (let i = 0; i < datagram.length - 1; i++) {
      const m = datagram[i]!;
      const p = this.pending.get(m.readUInt32LE(8));
      if (!p || !p.ackMayBeImplied || p.dump) continue;
      m.writeUInt16LE(m.readUInt16LE(6) & ~MessageFlag.ACK, 6);
      (last.implied ??= []).push(p);
    }
  }

  private nextSeq(): number {
    do {
      this.seq = (this.seq + 1) >>> 0;
    } while (this.seq === 0 || this.pending.has(this.seq));
    return this.seq;
  }

  /**
   * Queues requests and sends them on the loop's next check phase, never from inside a
   * reply's callback. The kernel answers a netlink request during sendmsg itself, so a
   * request sent from a reply handler makes the socket readable again at once, and a
   * reader draining it would keep the loop (and every timer) waiting. Deferring also
   * coalesces requests made in the same turn into one sendmsg.
   */
  private transmit(messages: Buffer[]): void {
    this.outbox.push(...messages);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.outbox.length > 0 && !this.closed) {
      const datagram = this.outbox.splice(0, this.batchSize);
      this.implyAcks(datagram);
      try {
        // The messages as an iovec: one datagram, without copying them into one buffer first.
        this.socket.send(datagram.length === 1 ? datagram[0]! : datagram.length <= MAX_SEND_PARTS ? datagram : Buffer.concat(datagram), KERNEL);
      } catch (e) {
        // Nothing of this datagram reached the kernel: fail exactly its requests (none is implied).
        const err = e as SysError;
        const last = this.pending.get(datagram[datagram.length - 1]!.readUInt32LE(8));
        if (last) last.implied = undefined;
        for (const m of datagram) {
          const seq = m.readUInt32LE(8);
          const p = this.pending.get(seq);
          if (!p) continue;
          this.pending.delete(seq);
          this.settle(p, { ok: false, error: new NetlinkError({ operation: p.request.operation, errno: err.errno ? Math.abs(err.errno) : errnoNumber('EIO'), hint: `sending: ${err.message}` }) });
        }
      }
    }
  }

  private receive(m: ReceivedMessage): void {
    let messages: NetlinkMessage[];
    try {
      messages = decodeMessages(m.data);
    } catch (e) {
      this.notify(this.errorHandlers, e as Error);
      return;
    }
    if (m.truncated) {
      this.notify(this.errorHandlers, new Error(`netlink datagram of more than ${m.data.length} bytes was truncated`));
    }
    const multicast = m.from?.family === 'netlink' && (m.from.groups ?? 0) !== 0;
    for (const msg of messages) {
      const p = multicast ? undefined : this.pending.get(msg.seq);
      if (!p || (this.portId !== undefined && msg.pid !== this.portId && msg.pid !== 0)) {
        if (msg.type >= 0x10 || msg.type === ControlType.ERROR) this.notify(this.eventHandlers, msg);
        continue;
      }
      this.deliver(msg, p);
    }
  }

  private deliver(msg: NetlinkMessage, p: Pending): void {
    switch (msg.type) {
      case ControlType.NOOP:
      case ControlType.OVERRUN:
        return;
      case ControlType.ERROR: {
        let body;
        try {
          body = decodeErrorBody(msg);
        } catch (e) {
          this.notify(this.errorHandlers, e as Error);
          return;
        }
        this.pending.delete(msg.seq);
        if (this.portId === undefined && msg.pid !== 0) this.portId = msg.pid;
        if (body.errno === 0) this.settle(p, { ok: true, replies: p.replies, interrupted: p.interrupted });
        else this.settle(p, { ok: false, error: this.refusal(p.request, body.errno, body.message) });
        return;
      }
      case ControlType.DONE: {
        this.pending.delete(msg.seq);
        if (this.portId === undefined && msg.pid !== 0) this.portId = msg.pid;
        // A dump that fails midway ends with DONE carrying the negated errno.
        const status = msg.payload.length >= 4 ? msg.payload.readInt32LE(0) : 0;
        if (status < 0) this.settle(p, { ok: false, error: this.refusal(p.request, -status, undefined) });
        else this.settle(p, { ok: true, replies: p.replies, interrupted: p.interrupted || (msg.flags & MessageFlag.DUMP_INTR) !== 0 });
        return;
      }
      default:
        if ((msg.flags & MessageFlag.DUMP_INTR) !== 0) p.interrupted = true;
        p.replies.push(msg);
    }
  }

  private refusal(req: NetlinkRequest, errno: number, kernelMessage: string | undefined): NetlinkError {
    const code = (() => {
      try {
        return Object.keys(req.hints ?? {}).find((k) => errnoNumber(k) === errno);
      } catch {
        return undefined;
      }
    })();
    const hint = code ? req.hints?.[code] : undefined;
    return new NetlinkError({ operation: req.operation, errno, ...(kernelMessage ? { kernelMessage } : {}), ...(hint ? { hint } : {}) });
  }

  private receiveError(e: SysError): void {
    if (e.code === 'ENOBUFS') {
      // Replies to pending requests may be among the dropped messages.
      this.failAll('ENOBUFS', 'netlink receive queue overflowed; replies were lost');
      this.notify(this.overrunHandlers, undefined);
      return;
    }
    this.notify(this.errorHandlers, e);
  }

  /**
   * Calls handlers from the socket's read callback, where an exception would be fatal to
   * the process: a handler that throws is reported as a warning and the others still run.
   */
  private notify<T>(handlers: Array<(arg: T) => void>, arg: T): void {
    for (const h of handlers) {
      try {
        h(arg);
      } catch (e) {
        process.emitWarning(`netlink handler threw: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  private failAll(code: string, hint: string): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) this.settle(p, { ok: false, error: new NetlinkError({ operation: p.request.operation, errno: errnoNumber(code), hint }) });
  }
}
