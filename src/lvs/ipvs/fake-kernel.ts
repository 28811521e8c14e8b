// An in-memory IPVS that answers our generic-netlink requests the way the kernel does
// (same errnos, same dump replies), so the client can be tested without a kernel.
import type { BatchResult, NetlinkRequest } from '../../net/netlink/connection.js';
import type { NetlinkMessage } from '../../net/netlink/message.js';
import { NetlinkError } from '../../net/netlink/errors.js';
import { errnoNumber } from '../../net/netlink/errors.js';
import type { ServiceEntry } from '../desired.js';
import { applyToTable, TableError, type Operation } from '../reconciler.js';
import { serviceKeyString } from '../desired.js';
import type { NetlinkTransport } from './client.js';
import * as codec from './codec.js';
import { IpvsCmd } from './constants.js';

export class FakeIpvsKernel implements NetlinkTransport {
  table: ServiceEntry[] = [];
  /** Every command number received, in order. */
  readonly commands: number[] = [];

  constructor(readonly familyId = 0x20) {}

  private reply(payload: Buffer): NetlinkMessage {
    return { type: this.familyId, flags: 0, seq: 0, pid: 0, payload };
  }

  async request(req: NetlinkRequest): Promise<NetlinkMessage[]> {
    return this.handle(req);
  }

  async dump(req: NetlinkRequest): Promise<NetlinkMessage[]> {
    return this.handle(req);
  }

  async batch(reqs: NetlinkRequest[]): Promise<BatchResult[]> {
    const out: BatchResult[] = [];
    for (const r of reqs) {
      try {
        out.push({ ok: true, replies: this.handle(r) });
      } catch (e) {
        out.push({ ok: false, error: e as NetlinkError });
      }
    }
    return out;
  }

  close(): void {}

  private handle(req: NetlinkRequest): NetlinkMessage[] {
    const cmd = req.payload.readUInt8(0);
    this.commands.push(cmd);
    const op = this.operationOf(cmd, req.payload);
    if (op) {
      try {
        this.table = applyToTable(this.table, [op]);
      } catch (e) {
        if (e instanceof TableError) throw new NetlinkError({ operation: req.operation, errno: errnoNumber(e.code), ...(req.hints?.[e.code] ? { hint: req.hints[e.code] } : {}) });
        throw e;
      }
      return [];
    }
    if (cmd === IpvsCmd.GET_SERVICE) return this.table.map((s) => this.reply(codec.encodeServiceReply(s)));
    if (cmd === IpvsCmd.GET_DEST) {
      const key = serviceKeyString(codec.decodeServiceKey(req.payload));
      const s = this.table.find((x) => serviceKeyString(x.key) === key);
      if (!s) throw new NetlinkError({ operation: req.operation, errno: errnoNumber('ESRCH') });
      return s.destinations.map((d) => this.reply(codec.encodeDestReply(d)));
    }
    if (cmd === IpvsCmd.FLUSH) {
      this.table = [];
      return [];
    }
    throw new NetlinkError({ operation: req.operation, errno: errnoNumber('EOPNOTSUPP') });
  }

  private operationOf(cmd: number, p: Buffer): Operation | undefined {
    switch (cmd) {
      case IpvsCmd.NEW_SERVICE:
        return { op: 'add-service', service: codec.decodeService(p).service };
      case IpvsCmd.SET_SERVICE:
        return { op: 'edit-service', service: codec.decodeService(p).service };
      case IpvsCmd.DEL_SERVICE:
        return { op: 'delete-service', key: codec.decodeServiceKey(p) };
      case IpvsCmd.NEW_DEST:
      case IpvsCmd.SET_DEST:
      case IpvsCmd.DEL_DEST: {
        const service = codec.decodeServiceKey(p);
        const destination = codec.decodeDestination(p, service.family).destination;
        if (cmd === IpvsCmd.NEW_DEST) return { op: 'add-destination', service, destination };
        if (cmd === IpvsCmd.SET_DEST) return { op: 'edit-destination', service, destination };
        return { op: 'delete-destination', service, destination };
      }
      default:
        return undefined;
    }
  }
}
