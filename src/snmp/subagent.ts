// The AgentX subagent session: connects to the master agent (snmpd) over the socket
// `snmp_socket` / -A names, opens a session, registers our subtrees and answers the master's
// Get / GetNext / GetBulk requests from a MIB snapshot. Sets are refused (notWritable): this
// implementation is read-only. A master that goes away (snmpd restarted) is reconnected
// with backoff, as net-snmp's own subagents do.
import { connect, type Socket } from 'node:net';
import {
  AGENTX_ERROR, CLOSE_REASON, decodePdu, encodeAddAgentCaps, encodeClose, encodeNotify, encodeOpen, encodeRegister, encodeResponse,
  pduLength, AgentxParseError, type Oid, type ReceivedPdu, type VarBind,
} from './agentx.js';
import type { MibView } from './mib.js';

/** Where the master agent listens. */
export type AgentxAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export const DEFAULT_AGENTX_SOCKET = 'unix:/var/agentx/master';

/**
 * Pure: net-snmp's AgentX socket syntax as keepalived passes it on: `unix:PATH` or `/PATH`
 * (a unix socket), `tcp:HOST:PORT`, `tcp:PORT` (localhost) or `HOST:PORT`. A string is the
 * reason it is not usable.
 */
export function parseAgentxAddress(spec: string): AgentxAddress | string {
  const s = spec.trim();
  if (s.startsWith('unix:')) return s.length > 5 ? { kind: 'unix', path: s.slice(5) } : `"${spec}": no socket path`;
  if (s.startsWith('/')) return { kind: 'unix', path: s };
  const rest = s.startsWith('tcp:') ? s.slice(4) : s;
  if (/^(udp|udp6|tcp6|ssh|tls|dtls)[:]/i.test(s)) return `"${spec}": AgentX runs over a unix or TCP socket`;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(rest) ?? /^()()(\d+)$/.exec(rest);
  if (!m) return `"${spec}": expected unix:PATH, tcp:HOST:PORT or HOST:PORT`;
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `"${spec}": bad port`;
  return { kind: 'tcp', host: m[1] || m[2] || 'localhost', port };
}

export function describeAgentxAddress(a: AgentxAddress): string {
  return a.kind === 'unix' ? `unix:${a.path}` : `tcp:${a.host}:${a.port}`;
}

export interface SubagentOptions {
  address: AgentxAddress;
  /** Our identity in the Open PDU (the MIB module's OID) and its description. */
  id: Oid;
  description: string;
  /**
   * The subtrees we register (each answered from `view`). AgentX priority: lower wins when
   * two subagents register the same subtree (default 127). With `module`, the master's
   * sysORTable lists "The MIB module for MODULE" (AddAgentCaps), as keepalived's agent does.
   */
  subtrees: readonly { oid: Oid; priority?: number; module?: string }[];
  /** The MIB as it is now; called once per request PDU. */
  view: () => MibView;
  log: { info(m: string): void; warn(m: string): void };
  /** Reconnect delays (ms); the last one repeats. */
  retryMs?: readonly number[];
}

const SYS_UPTIME: Oid = [1, 3, 6, 1, 2, 1, 1, 3, 0];
const SNMP_TRAP_OID: Oid = [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0];
const DEFAULT_RETRY_MS = [1000, 2000, 4000, 8000, 15000];

export class AgentxSubagent {
  private socket: Socket | undefined;
  private inbox: Buffer = Buffer.alloc(0);
  private sessionId = 0;
  private packetId = 0;
  private open = false;
  private stopped = false;
  private retry = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private failureLogged = false;
  private handlerFaultLogged = false;
  private readonly startedAt = Date.now();
  /** Packet ids of our requests still waiting for the master's answer -> what to do with it. */
  private readonly pending = new Map<number, (p: Extract<ReceivedPdu, { kind: 'response' }>) => void>();
  private readyWaiters: Array<() => void> = [];

  constructor(private readonly opts: SubagentOptions) {}

  get where(): string {
    return describeAgentxAddress(this.opts.address);
  }

  /** Whether a session with the master is open and our subtrees are registered. */
  get connected(): boolean {
    return this.open;
  }

  start(): void {
    this.stopped = false;
    this.connectNow();
  }

  /** Resolves once connected (tests). */
  ready(): Promise<void> {
    if (this.open) return Promise.resolve();
    return new Promise((r) => this.readyWaiters.push(r));
  }

  private connectNow(): void {
    if (this.stopped) return;
    const a = this.opts.address;
    const s = a.kind === 'unix' ? connect({ path: a.path }) : connect({ host: a.host, port: a.port });
    this.socket = s;
    this.inbox = Buffer.alloc(0);
    s.on('connect', () => this.send(encodeOpen(this.ids(), 0, this.opts.id, this.opts.description), (r) => this.onOpened(r)));
    s.on('data', (d: Buffer) => this.onData(d));
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (!this.failureLogged && !this.stopped) {
        this.failureLogged = true;
        this.opts.log.warn(`SNMP: cannot reach the AgentX master at ${this.where}: ${e.code ?? e.message}; retrying`);
      }
    });
    s.on('close', () => this.onClosed(s));
  }

  private onClosed(s: Socket): void {
    if (this.socket !== s) return;
    const was = this.open;
    this.open = false;
    this.socket = undefined;
    this.pending.clear();
    if (this.stopped) return;
    if (was) {
      this.opts.log.warn(`SNMP: AgentX master at ${this.where} closed the session; reconnecting`);
      this.failureLogged = false;
      this.retry = 0;
    }
    const delays = this.opts.retryMs ?? DEFAULT_RETRY_MS;
    const ms = delays[Math.min(this.retry, delays.length - 1)] ?? 15000;
    this.retry++;
    this.retryTimer = setTimeout(() => this.connectNow(), ms);
    this.retryTimer.unref();
  }

  private onOpened(r: Extract<ReceivedPdu, { kind: 'response' }>): void {
    if (r.error !== AGENTX_ERROR.noError) {
      this.opts.log.warn(`SNMP: the AgentX master at ${this.where} refused our session (error ${r.error})`);
      this.socket?.destroy();
      return;
    }
    this.sessionId = r.sessionId;
    let left = this.opts.subtrees.length;
    const done = () => {
      if (--left > 0) return;
      this.open = true;
      this.retry = 0;
      this.failureLogged = false;
      this.opts.log.info(`SNMP: AgentX subagent connected to ${this.where}`);
      for (const w of this.readyWaiters.splice(0)) w();
    };
    for (const t of this.opts.subtrees) {
      this.send(encodeRegister(this.ids(), t.oid, t.priority ?? 127), (rr) => {
        if (rr.error !== AGENTX_ERROR.noError) this.opts.log.warn(`SNMP: cannot register ${t.oid.join('.')} with the AgentX master (error ${rr.error}${rr.error === AGENTX_ERROR.duplicateRegistration ? ', already registered by another subagent' : ''})`);
        else if (t.module !== undefined) this.send(encodeAddAgentCaps(this.ids(), t.oid, `The MIB module for ${t.module}`), () => undefined);
        done();
      });
    }
    if (left === 0) done();
  }

  private ids(): { sessionId: number; transactionId: number; packetId: number } {
    this.packetId = (this.packetId + 1) >>> 0;
    return { sessionId: this.sessionId, transactionId: 0, packetId: this.packetId };
  }

  private send(buf: Buffer, onResponse?: (r: Extract<ReceivedPdu, { kind: 'response' }>) => void): void {
    if (onResponse) this.pending.set(buf.readUInt32BE(12), onResponse);
    this.socket?.write(buf);
  }

  private onData(d: Buffer): void {
    this.inbox = this.inbox.length ? Buffer.concat([this.inbox, d]) : d;
    for (;;) {
      const n = pduLength(this.inbox);
      if (n === undefined) return;
      const one = this.inbox.subarray(0, n);
      this.inbox = this.inbox.subarray(n);
      let p: ReceivedPdu;
      try {
        p = decodePdu(one);
      } catch (e) {
        if (!(e instanceof AgentxParseError)) throw e;
        this.opts.log.warn(`SNMP: unreadable AgentX PDU from the master (${e.message}); reconnecting`);
        this.socket?.destroy();
        return;
      }
      try {
        this.handle(p);
      } catch (e) {
        // A fault in building a MIB must not take the VRRP or checker process down with it.
        if (!this.handlerFaultLogged) {
          this.handlerFaultLogged = true;
          this.opts.log.warn(`SNMP: cannot answer the master: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        }
        if (p.kind !== 'response' && p.kind !== 'cleanupset' && p.kind !== 'other') {
          this.send(encodeResponse({ sessionId: p.sessionId, transactionId: p.transactionId, packetId: p.packetId }, AGENTX_ERROR.genErr, 1, []));
        }
      }
    }
  }

  private handle(p: ReceivedPdu): void {
    const ids = { sessionId: p.sessionId, transactionId: p.transactionId, packetId: p.packetId };
    switch (p.kind) {
      case 'response': {
        const f = this.pending.get(p.packetId);
        this.pending.delete(p.packetId);
        f?.(p);
        return;
      }
      case 'get': {
        const view = this.opts.view();
        this.send(encodeResponse(ids, 0, 0, p.ranges.map((r) => ({ oid: r.start, value: view.get(r.start) }))));
        return;
      }
      case 'getnext': {
        const view = this.opts.view();
        this.send(encodeResponse(ids, 0, 0, p.ranges.map((r) => view.next(r.start, r.include, r.end) ?? { oid: r.start, value: { type: 'endOfMibView' } })));
        return;
      }
      case 'getbulk': {
        const view = this.opts.view();
        this.send(encodeResponse(ids, 0, 0, bulk(view, p.ranges, p.nonRepeaters, p.maxRepetitions)));
        return;
      }
      case 'testset':
        // Read-only: every writable object of the MIBs is refused.
        this.send(encodeResponse(ids, AGENTX_ERROR.notWritable, 1, []));
        return;
      case 'commitset': case 'undoset':
        this.send(encodeResponse(ids, AGENTX_ERROR.genErr, 1, []));
        return;
      default:
        return;
    }
  }

  /** Sends an SNMPv2 notification through the master (dropped when no session is open). */
  notify(trap: Oid, varbinds: readonly VarBind[]): boolean {
    if (!this.open) return false;
    const uptime = Math.floor((Date.now() - this.startedAt) / 10);
    this.send(encodeNotify(this.ids(), [
      { oid: SYS_UPTIME, value: { type: 'ticks', value: uptime >>> 0 } },
      { oid: SNMP_TRAP_OID, value: { type: 'oid', value: trap } },
      ...varbinds,
    ]), () => undefined);
    return true;
  }

  /** Closes the session (Close PDU) and stops reconnecting. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const s = this.socket;
    if (!s) return;
    if (this.open) s.write(encodeClose(this.ids(), CLOSE_REASON.shutdown));
    this.open = false;
    s.end();
    setTimeout(() => s.destroy(), 200).unref();
  }
}

/** GetBulk (RFC 2741 §7.2.3.2): the non-repeaters once, then up to maxRepetitions rounds of the rest. */
export function bulk(view: MibView, ranges: readonly { start: Oid; include: boolean; end: Oid }[], nonRepeaters: number, maxRepetitions: number): VarBind[] {
  const out: VarBind[] = [];
  const next = (start: Oid, include: boolean, end: Oid): VarBind => view.next(start, include, end) ?? { oid: start, value: { type: 'endOfMibView' } };
  const n = Math.min(nonRepeaters, ranges.length);
  for (let i = 0; i < n; i++) {
    const r = ranges[i];
    if (r) out.push(next(r.start, r.include, r.end));
  }
  const rep = ranges.slice(n).map((r) => ({ ...r }));
  for (let k = 0; k < maxRepetitions && rep.length > 0; k++) {
    let live = false;
    for (const r of rep) {
      const vb = next(r.start, r.include, r.end);
      out.push(vb);
      if (vb.value.type !== 'endOfMibView') {
        live = true;
        r.start = vb.oid;
        r.include = false;
      }
    }
    if (!live) break;
  }
  return out;
}
