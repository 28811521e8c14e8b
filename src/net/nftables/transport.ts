// One nf_tables transaction: every message framed between BATCH_BEGIN and BATCH_END and
// sent in a single sendmsg, so the kernel applies all of it or none of it. Only the last
// message asks for an ack; a failing message is reported whatever its flags, and the
// kernel then rolls the whole batch back.
import type { SocketLike, SysError } from '../sys.js';
import { openSocket } from '../sys.js';
import { AF_NETLINK, SOCK_RAW, SO_SNDBUFFORCE } from '../constants.js';
import { ControlType, MessageFlag, NetlinkSockOpt, SOL_NETLINK, SOL_SOCKET, SO_RCVBUFFORCE } from '../netlink/constants.js';
import { decodeErrorBody, decodeMessages, encodeMessage, type NetlinkMessage } from '../netlink/message.js';
import { NetlinkError } from '../netlink/errors.js';
import { NETLINK_NETFILTER, NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, NFNL_SUBSYS_NFTABLES, NftMsg } from './constants.js';
import type { NftMessage } from './messages.js';

function nfgenmsg(family: number, resId = 0): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt8(family, 0);
  b.writeUInt8(0, 1); // NFNETLINK_V0
  b.writeUInt16BE(resId, 2);
  return b;
}

const NAMES = Object.fromEntries(Object.entries(NftMsg).map(([k, v]) => [v, k.toLowerCase()]));

/** The bytes of one batch (pure: tests compare them). */
export function encodeBatch(messages: readonly NftMessage[], firstSeq: number): Buffer {
  const parts: Buffer[] = [];
  let seq = firstSeq;
  parts.push(encodeMessage({ type: NFNL_MSG_BATCH_BEGIN, flags: MessageFlag.REQUEST, seq: seq++, pid: 0, payload: nfgenmsg(0, NFNL_SUBSYS_NFTABLES) }));
  messages.forEach((msg, i) => {
    const ack = i === messages.length - 1 ? MessageFlag.ACK : 0;
    // NEW* messages create; without EXCL an existing table or chain is reused.
    const create = msg.msg === NftMsg.NEWTABLE || msg.msg === NftMsg.NEWCHAIN || msg.msg === NftMsg.NEWSET || msg.msg === NftMsg.NEWRULE || msg.msg === NftMsg.NEWSETELEM ? MessageFlag.CREATE : 0;
    parts.push(
      encodeMessage({ type: (NFNL_SUBSYS_NFTABLES << 8) | msg.msg, flags: MessageFlag.REQUEST | ack | create | msg.flags, seq: seq++, pid: 0, payload: Buffer.concat([nfgenmsg(msg.family), msg.attrs]) }),
    );
  });
  parts.push(encodeMessage({ type: NFNL_MSG_BATCH_END, flags: MessageFlag.REQUEST, seq: seq++, pid: 0, payload: nfgenmsg(0, NFNL_SUBSYS_NFTABLES) }));
  return Buffer.concat(parts);
}

/** One message of a dump: its NFT_MSG_* type and attributes (after the nfgenmsg header). */
export interface DumpedMessage {
  msg: number;
  attrs: Buffer;
}

export interface NftTransport {
  transaction(messages: readonly NftMessage[], what: string): Promise<void>;
  /** A GET request (a dump unless `single`): every message of the answer, in order. */
  dump(msg: number, family: number, attrs: Buffer, what: string, single?: boolean): Promise<DumpedMessage[]>;
  close(): void;
}

export class NfnetlinkSocket implements NftTransport {
  private seq = 1;
  private waiting: ((data: Buffer) => void) | undefined;
  private failed: ((e: Error) => void) | undefined;

  constructor(private readonly sock: SocketLike) {
    sock.onMessage(
      (msg) => this.waiting?.(msg.data),
      (err: SysError) => this.failed?.(err),
    );
  }

  static open(): NfnetlinkSocket {
    const sock = openSocket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER, { receiveBufferSize: 1 << 20 });
    sock.bind({ family: 'netlink', pid: 0, groups: 0 });
    for (const [opt, size] of [
      [SO_SNDBUFFORCE, 64 << 20],
      [SO_RCVBUFFORCE, 8 << 20],
    ] as const) {
      try {
        sock.setsockopt(SOL_SOCKET, opt, size);
      } catch {
        /* keep the default; large batches may then be refused with EMSGSIZE */
      }
    }
    try {
      // The kernel's reason in words with each refusal.
      sock.setsockopt(SOL_NETLINK, NetlinkSockOpt.EXT_ACK, 1);
    } catch {
      /* older kernels: errno only */
    }
    return new NfnetlinkSocket(sock);
  }

  /**
   * Sends one datagram and hands every message of the answers to `onMessage` until it says
   * the exchange is over (true) or failed (an Error); 10 s without that is a failure.
   */
  private exchange(data: Buffer, what: string, onMessage: (m: NetlinkMessage) => boolean | Error): Promise<void> {
    if (this.waiting) return Promise.reject(new Error(`${what}: another nftables request is in flight`));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`${what}: no answer from nf_tables within 10 s`)), 10_000);
      const finish = (e?: Error) => {
        clearTimeout(timer);
        this.waiting = undefined;
        this.failed = undefined;
        if (e) reject(e);
        else resolve();
      };
      this.failed = (e) => finish(e);
      this.waiting = (bytes) => {
        let msgs;
        try {
          msgs = decodeMessages(bytes);
        } catch (e) {
          finish(e as Error);
          return;
        }
        for (const m of msgs) {
          const r = onMessage(m);
          if (r === true) return finish();
          if (r instanceof Error) return finish(r);
        }
      };
      try {
        this.sock.send(data);
      } catch (e) {
        finish(e as Error);
      }
    });
  }

  async transaction(messages: readonly NftMessage[], what: string): Promise<void> {
    if (messages.length === 0) return;
    const first = this.seq;
    const batch = encodeBatch(messages, first);
    this.seq += messages.length + 2;
    const lastSeq = first + messages.length;
    const errors: NetlinkError[] = [];
    await this.exchange(batch, what, (msg) => {
      if (msg.type !== ControlType.ERROR) return false;
      const body = decodeErrorBody(msg);
      const seq = body.request.seq;
      if (body.errno !== 0) {
        const idx = seq - first - 1;
        const bad = messages[idx];
        const op = bad ? `${what}: ${NAMES[bad.msg] ?? `message ${bad.msg}`} (#${idx + 1} of ${messages.length})` : what;
        errors.push(new NetlinkError({ operation: op, errno: body.errno, ...(body.message ? { kernelMessage: body.message } : {}) }));
      }
      return seq === lastSeq ? (errors[0] ?? true) : false;
    });
  }

  async dump(msg: number, family: number, attrs: Buffer, what: string, single = false): Promise<DumpedMessage[]> {
    const seq = this.seq++;
    const request = encodeMessage({ type: (NFNL_SUBSYS_NFTABLES << 8) | msg, flags: MessageFlag.REQUEST | MessageFlag.ACK | (single ? 0 : MessageFlag.ROOT | MessageFlag.MATCH), seq, pid: 0, payload: Buffer.concat([nfgenmsg(family), attrs]) });
    const out: DumpedMessage[] = [];
    await this.exchange(request, what, (m) => {
      if (m.seq !== seq) return false; // a late answer to an earlier request
      if (m.type === ControlType.DONE) return true;
      if (m.type === ControlType.ERROR) {
        const body = decodeErrorBody(m);
        return body.errno === 0 ? true : new NetlinkError({ operation: what, errno: body.errno, ...(body.message ? { kernelMessage: body.message } : {}) });
      }
      if (m.flags & MessageFlag.DUMP_INTR) return new DumpInterruptedError(`${what}: the ruleset changed during the dump`);
      out.push({ msg: m.type & 0xff, attrs: m.payload.subarray(4) });
      return false;
    });
    return out;
  }

  close(): void {
    this.sock.close();
  }
}

/** The kernel flagged a dump as inconsistent (the ruleset changed under it): read again. */
export class DumpInterruptedError extends Error {
  override name = 'DumpInterruptedError';
}
