// The IPVS client: generic-netlink requests to the kernel's "IPVS" family over one
// netlink connection. Encoding and decoding live in codec.ts; this file sends, collects
// and turns refusals into errors that say what was being done.
import type { BatchOptions, BatchResult, NetlinkRequest } from '../../net/netlink/connection.js';
import { NetlinkConnection } from '../../net/netlink/connection.js';
import type { NetlinkMessage } from '../../net/netlink/message.js';
import { NetlinkError } from '../../net/netlink/errors.js';
import { NetlinkProtocol } from '../../net/netlink/constants.js';
import { resolveFamily } from '../../net/genetlink.js';
import { openSocket, type SocketLike } from '../../net/sys.js';
import { AF_NETLINK, SOCK_RAW } from '../../net/constants.js';
import { serviceKeyString, destinationKeyString, type DestinationEntry, type ServiceEntry, type ServiceKey } from '../desired.js';
import type { Operation, ServiceSettings } from '../reconciler.js';
import type { LvsBackend } from '../backend.js';
import * as codec from './codec.js';
import { IPVS_GENL_NAME } from './constants.js';

/** What the client needs of a netlink connection (NetlinkConnection, or a fake kernel). */
export interface NetlinkTransport {
  request(req: NetlinkRequest): Promise<NetlinkMessage[]>;
  dump(req: NetlinkRequest): Promise<NetlinkMessage[]>;
  batch(reqs: NetlinkRequest[], opts?: BatchOptions): Promise<BatchResult[]>;
  close(): void;
}

const SERVICE_HINTS = {
  ENOENT: 'no such scheduler or persistence engine (is its ip_vs_* module available?)',
  ESRCH: 'no such virtual service',
  EEXIST: 'virtual service already exists',
  EINVAL: 'the kernel refused the service settings',
} as const;
const DEST_HINTS = { ESRCH: 'no such virtual service', ENOENT: 'no such real server', EEXIST: 'real server already exists', EINVAL: 'the kernel refused the real server settings' } as const;

/**
 * IPVS requests per sendmsg (NetlinkConnection's batchSize; its default, 32, is for rtnetlink
 * in the VRRP process, where one send must not hold the loop for long). Each datagram is one
 * turn of the event loop (send, then wait for its one ack), and a large table is thousands of
 * requests. Under the VM's emulated CPU, a full sync of a 1,000 x 10 table by a process that
 * has run before (a reload, mass changes) took 3.5 s in datagrams of 32, 2.5 s of 64, 2.1 s of
 * 256; at a cold start, where compiling our code dominates, 3.5-4.4 s against 3.6-3.8 s. The
 * kernel carries out a datagram's requests inside the one sendmsg, so 256 holds the checker's
 * loop for 256 of them (a few milliseconds on real hardware, some 50 ms emulated); the checks
 * are in no hurry at that scale, and the VRRP process, whose adverts are, has its own loop.
 */
export const IPVS_BATCH_SIZE = 256;

/** The netlink connection IPVS requests go over (open() makes one on a generic netlink socket). */
export function ipvsConnection(sock: SocketLike): NetlinkConnection {
  return new NetlinkConnection(sock, { batchSize: IPVS_BATCH_SIZE });
}

export class IpvsUnavailableError extends Error {
  override name = 'IpvsUnavailableError';
}

export class IpvsClient {
  constructor(
    private readonly conn: NetlinkTransport,
    readonly familyId: number,
  ) {}

  /** Opens a generic netlink socket and finds the IPVS family; a clear error when IPVS is absent. */
  static async open(): Promise<IpvsClient> {
    const sock = openSocket(AF_NETLINK, SOCK_RAW, NetlinkProtocol.GENERIC);
    const conn = ipvsConnection(sock);
    try {
      const fam = await resolveFamily(conn, IPVS_GENL_NAME);
      return new IpvsClient(conn, fam.id);
    } catch (e) {
      conn.close();
      if (e instanceof NetlinkError && e.code === 'ENOENT') {
        throw new IpvsUnavailableError('IPVS is not available in this kernel (the ip_vs module is not loaded and cannot be autoloaded); load it with "modprobe ip_vs" or use "lvs_backend nftables"');
      }
      throw e;
    }
  }

  close(): void {
    this.conn.close();
  }

  private req(payload: Buffer, operation: string, hints?: Readonly<Record<string, string>>, flags = 0): NetlinkRequest {
    const r: NetlinkRequest = { type: this.familyId, flags, payload, operation };
    if (hints) r.hints = hints;
    return r;
  }

  async info(): Promise<{ version: string; connectionTableSize: number }> {
    const r = await this.conn.request(this.req(codec.encodeGetInfo(), 'reading IPVS version'));
    const m = r.find((x) => x.type === this.familyId);
    if (!m) throw new Error('reading IPVS version: no reply');
    return codec.decodeInfo(m.payload);
  }

  async listServices(): Promise<codec.DecodedService[]> {
    const r = await this.conn.dump(this.req(codec.encodeGetServices(), 'listing IPVS services'));
    return r.filter((m) => m.type === this.familyId).map((m) => codec.decodeService(m.payload));
  }

  async listDestinations(key: ServiceKey): Promise<codec.DecodedDestination[]> {
    const r = await this.conn.dump(this.req(codec.encodeGetDests(key), `listing real servers of ${serviceKeyString(key)}`, DEST_HINTS));
    return r.filter((m) => m.type === this.familyId).map((m) => codec.decodeDestination(m.payload, key.family));
  }

  /** Every service with its destinations, as the reconciler compares them. */
  async readTable(): Promise<ServiceEntry[]> {
    const services = await this.listServices();
    const out: ServiceEntry[] = [];
    for (const s of services) {
      const dests = await this.listDestinations(s.service.key);
      out.push({ ...s.service, destinations: dests.map((d) => d.destination) });
    }
    return out;
  }

  async addService(s: ServiceSettings): Promise<void> {
    await this.run({ op: 'add-service', service: s });
  }

  async editService(s: ServiceSettings): Promise<void> {
    await this.run({ op: 'edit-service', service: s });
  }

  async deleteService(key: ServiceKey): Promise<void> {
    await this.run({ op: 'delete-service', key });
  }

  async addDestination(service: ServiceKey, d: DestinationEntry): Promise<void> {
    await this.run({ op: 'add-destination', service, destination: d });
  }

  async editDestination(service: ServiceKey, d: DestinationEntry): Promise<void> {
    await this.run({ op: 'edit-destination', service, destination: d });
  }

  async deleteDestination(service: ServiceKey, d: Pick<DestinationEntry, 'family' | 'address' | 'port'>): Promise<void> {
    await this.run({ op: 'delete-destination', service, destination: d });
  }

  /** One reconciler operation as a request of its own. */
  private run(o: Operation): Promise<NetlinkMessage[]> {
    return this.conn.request(this.operationRequest(o));
  }

  async flush(): Promise<void> {
    await this.conn.request(this.req(codec.encodeFlush(), 'flushing IPVS'));
  }

  async setTimeouts(t: Partial<codec.IpvsTimeouts>): Promise<void> {
    await this.conn.request(this.req(codec.encodeSetTimeouts(t), 'setting IPVS timeouts'));
  }

  async getTimeouts(): Promise<codec.IpvsTimeouts> {
    const r = await this.conn.request(this.req(codec.encodeGetConfig(), 'reading IPVS timeouts'));
    const m = r.find((x) => x.type === this.familyId);
    if (!m) throw new Error('reading IPVS timeouts: no reply');
    return codec.decodeTimeouts(m.payload);
  }

  async startSyncDaemon(d: codec.SyncDaemonConfig): Promise<void> {
    await this.conn.request(this.req(codec.encodeNewDaemon(d), `starting the IPVS ${d.state} sync daemon on ${d.interface}`, { EEXIST: 'a sync daemon in that role is already running', ENODEV: 'no such interface' }));
  }

  async stopSyncDaemon(state: 'master' | 'backup'): Promise<void> {
    await this.conn.request(this.req(codec.encodeDelDaemon(state), `stopping the IPVS ${state} sync daemon`, { ESRCH: 'it is not running' }));
  }

  async listSyncDaemons(): Promise<codec.SyncDaemonConfig[]> {
    const r = await this.conn.dump(this.req(codec.encodeGetDaemons(), 'listing IPVS sync daemons'));
    return r.filter((m) => m.type === this.familyId).map((m) => codec.decodeDaemon(m.payload));
  }

  /**
   * Runs reconciler operations, many per sendmsg. As keepalived does: EEXIST on an add and
   * ENOENT/ESRCH on a delete mean the kernel is already where we want it; an edit of a
   * missing destination becomes an add. Any other refusal is thrown after the batch.
   */
  async apply(ops: readonly Operation[]): Promise<void> {
    const reqs = ops.map((o) => this.operationRequest(o));
    // Only the whole batch's results are looked at: one ack per datagram is enough.
    const results = await this.conn.batch(reqs, { oneAckPerDatagram: true });
    const errors: NetlinkError[] = [];
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      if (r.ok) continue;
      const o = ops[i]!;
      const code = r.error.code;
      if ((o.op === 'add-service' || o.op === 'add-destination') && code === 'EEXIST') continue;
      if ((o.op === 'delete-service' || o.op === 'delete-destination') && (code === 'ENOENT' || code === 'ESRCH')) continue;
      if (o.op === 'edit-destination' && code === 'ENOENT') {
        try {
          await this.addDestination(o.service, o.destination);
          continue;
        } catch (e) {
          errors.push(e as NetlinkError);
          continue;
        }
      }
      errors.push(r.error);
    }
    if (errors.length === 1) throw errors[0]!;
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} IPVS changes refused; first: ${errors[0]!.message}`);
  }

  private operationRequest(o: Operation): NetlinkRequest {
    return new OperationRequest(this.familyId, o);
  }
}

/** What a reconciler operation does, in words (for its error). */
function describeOperation(o: Operation): string {
  switch (o.op) {
    case 'add-service':
      return `adding virtual service ${serviceKeyString(o.service.key)}`;
    case 'edit-service':
      return `changing virtual service ${serviceKeyString(o.service.key)}`;
    case 'delete-service':
      return `deleting virtual service ${serviceKeyString(o.key)}`;
    case 'add-destination':
      return `adding real server ${destinationKeyString(o.destination)} to ${serviceKeyString(o.service)}`;
    case 'edit-destination':
      return `changing real server ${destinationKeyString(o.destination)} of ${serviceKeyString(o.service)}`;
    case 'delete-destination':
      return `deleting real server ${destinationKeyString(o.destination)} from ${serviceKeyString(o.service)}`;
  }
}

function encodeOperation(o: Operation): Buffer {
  switch (o.op) {
    case 'add-service':
      return codec.encodeNewService(o.service);
    case 'edit-service':
      return codec.encodeSetService(o.service);
    case 'delete-service':
      return codec.encodeDelService(o.key);
    case 'add-destination':
      return codec.encodeNewDest(o.service, o.destination);
    case 'edit-destination':
      return codec.encodeSetDest(o.service, o.destination);
    case 'delete-destination':
      return codec.encodeDelDest(o.service, o.destination);
  }
}

/**
 * A reconciler operation as a request. Its words are only made when asked for (for an error):
 * made for every request at start, formatting 11,000 of them cost about half as much again as
 * encoding their bytes (a profile of the checker child programming a 1,000 x 10 table).
 */
class OperationRequest implements NetlinkRequest {
  readonly payload: Buffer;
  readonly hints: Readonly<Record<string, string>>;

  constructor(
    readonly type: number,
    private readonly o: Operation,
  ) {
    this.payload = encodeOperation(o);
    this.hints = o.op === 'add-service' || o.op === 'edit-service' || o.op === 'delete-service' ? SERVICE_HINTS : DEST_HINTS;
  }

  get operation(): string {
    return describeOperation(this.o);
  }
}

/** The IPVS data plane for the reconciler. */
export class IpvsBackend implements LvsBackend {
  readonly name = 'ipvs';
  constructor(readonly client: IpvsClient) {}

  static async open(): Promise<IpvsBackend> {
    return new IpvsBackend(await IpvsClient.open());
  }

  read(): Promise<ServiceEntry[]> {
    return this.client.readTable();
  }

  apply(ops: readonly Operation[]): Promise<void> {
    return this.client.apply(ops);
  }

  close(): void {
    this.client.close();
  }
}

