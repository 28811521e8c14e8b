// The nftables data plane behind the reconciler. It keeps the table it last wrote and turns
// each batch of reconciler operations into one nf_tables transaction touching only the
// services that changed. At open it writes the whole table afresh in one transaction:
// established connections keep their NAT in conntrack, so a restart drops none of them.
import { serviceKeyString, type ServiceEntry, type ServiceKey } from '../desired.js';
import type { LvsBackend } from '../backend.js';
import { applyToTable, type Operation } from '../reconciler.js';
import { addServiceMessages, changeServiceMessages, DEFAULT_TABLE, deleteServiceMessages, fullMessages, nftablesRefusals, removeTableMessages } from './ruleset.js';
import { NfnetlinkSocket, type NftTransport } from './transport.js';
import type { NftMessage } from './messages.js';

export class NftablesUnsupportedError extends Error {
  override name = 'NftablesUnsupportedError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

function operationService(o: Operation): ServiceKey {
  switch (o.op) {
    case 'delete-service':
      return o.key;
    case 'add-service':
    case 'edit-service':
      return o.service.key;
    default:
      return o.service;
  }
}

export class NftablesBackend implements LvsBackend {
  readonly name = 'nftables';
  private table: ServiceEntry[] = [];

  constructor(
    private readonly transport: NftTransport,
    readonly tableName = DEFAULT_TABLE,
  ) {}

  /** Opens nfnetlink and (re)writes our table with no services. */
  static async open(tableName = DEFAULT_TABLE): Promise<NftablesBackend> {
    const b = new NftablesBackend(NfnetlinkSocket.open(), tableName);
    await b.reset();
    return b;
  }

  async reset(services: ServiceEntry[] = []): Promise<void> {
    const problems = nftablesRefusals(services);
    if (problems.length) throw new NftablesUnsupportedError(problems);
    await this.transport.transaction(fullMessages(this.tableName, services), `writing nftables table inet ${this.tableName}`);
    this.table = structuredClone(services);
  }

  async read(): Promise<ServiceEntry[]> {
    return structuredClone(this.table);
  }

  async apply(ops: readonly Operation[]): Promise<void> {
    const next = applyToTable(this.table, ops);
    const touched = new Set<string>();
    for (const o of ops) touched.add(serviceKeyString(operationService(o)));
    const nextByKey = new Map(next.map((s) => [serviceKeyString(s.key), s]));
    const prevByKey = new Map(this.table.map((s) => [serviceKeyString(s.key), s]));
    const problems = nftablesRefusals([...touched].map((k) => nextByKey.get(k)).filter((s): s is ServiceEntry => s !== undefined));
    if (problems.length) throw new NftablesUnsupportedError(problems);
    const msgs: NftMessage[] = [];
    for (const k of touched) {
      const before = prevByKey.get(k);
      const after = nextByKey.get(k);
      if (before && after) msgs.push(...changeServiceMessages(this.tableName, before, after));
      else if (after) msgs.push(...addServiceMessages(this.tableName, after));
      else if (before) msgs.push(...deleteServiceMessages(this.tableName, before));
    }
    await this.transport.transaction(msgs, `updating nftables table inet ${this.tableName}`);
    this.table = next;
  }

  /** Removes our table (at stop, unless the configuration keeps the data plane). */
  async destroy(): Promise<void> {
    await this.transport.transaction(removeTableMessages(this.tableName), `removing nftables table inet ${this.tableName}`);
    this.table = [];
  }

  close(): void {
    this.transport.close();
  }
}
