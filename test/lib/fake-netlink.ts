// An in-memory netlink socket: what the code under test sends is decoded and handed to a
// scripted "kernel" function, whose answers come back as datagrams on the next turn of
// the event loop, as the real socket's would.
import type { ReceivedMessage, SockAddr, SocketLike, SysError } from '../../src/net/sys.js';
import { decodeMessages, encodeErrorReply, type NetlinkMessage } from '../../src/net/netlink/message.js';
import { MessageFlag } from '../../src/net/netlink/constants.js';

/** Answers one request: datagrams to deliver (each a Buffer), or nothing. */
export type FakeKernel = (msg: NetlinkMessage) => Buffer[] | undefined;

/** Acks what asks for an ack, as the kernel does (a refusal is always answered; see refuseSome). */
export const ackAll: FakeKernel = (m) => ((m.flags & MessageFlag.ACK) !== 0 ? [encodeErrorReply(m, 0)] : undefined);

export class FakeNetlinkSocket implements SocketLike {
  readonly fd = -1;
  /** Every datagram sent, as sent. */
  readonly sent: Buffer[] = [];
  readonly sockopts: Array<{ level: number; name: number; value: number | Buffer }> = [];
  bound: SockAddr | undefined;
  closed = false;
  private handler: ((m: ReceivedMessage) => void) | undefined;
  private errorHandler: ((e: SysError) => void) | undefined;

  constructor(public kernel: FakeKernel = ackAll) {}

  /** Every message sent, decoded. */
  get requests(): NetlinkMessage[] {
    return this.sent.flatMap((b) => decodeMessages(b));
  }

  bind(addr: SockAddr): void {
    this.bound = addr;
  }

  connect(): void {}

  setsockopt(level: number, name: number, value: number | Buffer): void {
    this.sockopts.push({ level, name, value });
  }

  getsockopt(_level: number, _name: number, length: number): Buffer {
    return Buffer.alloc(length);
  }

  send(data: Buffer | Buffer[]): number {
    const buf = Array.isArray(data) ? Buffer.concat(data) : data;
    this.sent.push(buf);
    const replies: Buffer[] = [];
    for (const m of decodeMessages(buf)) replies.push(...(this.kernel(m) ?? []));
    setImmediate(() => {
      for (const r of replies) this.deliver(r);
    });
    return buf.length;
  }

  onMessage(handler: (msg: ReceivedMessage) => void, onError?: (err: SysError) => void): void {
    this.handler = handler;
    this.errorHandler = onError;
  }

  close(): void {
    this.closed = true;
  }

  /** Delivers a datagram as a unicast reply from the kernel. */
  deliver(data: Buffer): void {
    this.handler?.({ data, from: { family: 'netlink', pid: 0, groups: 0 }, cmsgs: [], truncated: false });
  }

  /** Delivers a datagram as a multicast notification to `group` (a group number). */
  multicast(data: Buffer, group: number): void {
    this.handler?.({ data, from: { family: 'netlink', pid: 0, groups: 1 << (group - 1) }, cmsgs: [], truncated: false });
  }

  failReceive(code: string, errno: number): void {
    const e = Object.assign(new Error(code), { code, errno, syscall: 'recvmsg' }) as SysError;
    this.errorHandler?.(e);
  }
}

/** A datagram holding these messages, each framed and padded. */
export function datagram(...messages: Buffer[]): Buffer {
  return Buffer.concat(messages);
}
