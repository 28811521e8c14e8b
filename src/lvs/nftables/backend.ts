// The nftables data plane behind the reconciler. It keeps the table it last wrote and turns
// each batch of reconciler operations into one nf_tables transaction touching only the
// services that changed. `converge` reads the table back from the kernel and repairs it:
// at start (a table an earlier run left is adopted where it says what we want) and for
// drift checks (someone ran `nft delete rule` or `nft flush table`).
import { serviceKeyString, type ServiceEntry, type ServiceKey } from '../desired.js';
import type { LvsBackend } from '../backend.js';
import { applyToTable, type Operation } from '../reconciler.js';
import { addServiceMessages, changeServiceMessages, DEFAULT_TABLE, deleteServiceMessages, fullMessages, nftablesRefusals, removeTableMessages } from './ruleset.js';
import { NfnetlinkSocket, type NftTransport } from '../../net/nftables/transport.js';
import type { NftMessage } from '../../net/nftables/messages.js';
import { perElement, planConverge, type ConvergePlan } from './converge.js';
import { readTableState } from './state.js';

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
  /** What the last `converge` found and did (the daemon logs it at start). */
  lastConverge: ConvergePlan | undefined;

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

  /**
   * Lists our table from the kernel and makes it hold `desired` in one transaction: services
   * already as desired stay untouched (their persistence memory too), the others are
   * rewritten, leftovers deleted; the whole table only when its frame is not ours.
   */
  async converge(desired: readonly ServiceEntry[]): Promise<ConvergePlan> {
    const problems = nftablesRefusals(desired);
    if (problems.length) throw new NftablesUnsupportedError(problems);
    const actual = await readTableState(this.transport, this.tableName, perElement);
    const plan = planConverge(this.tableName, desired, actual);
    await this.transport.transaction(plan.messages, `repairing nftables table inet ${this.tableName}`);
    this.table = structuredClone([...desired]);
    this.lastConverge = plan;
    return plan;
  }

  async read(): Promise<ServiceEntry[]> {
    return structuredClone(this.table);
  }

  async apply(ops: readonly Operation[]): Promise<void> {
    const touched = new Set<string>();
    for (const o of ops) touched.add(serviceKeyString(operationService(o)));
    // Work on the touched services only, so that one event costs the same in any table size.
    const before = this.table.filter((s) => touched.has(serviceKeyString(s.key)));
    const after = applyToTable(before, ops);
    const prevByKey = new Map(before.map((s) => [serviceKeyString(s.key), s]));
    const nextByKey = new Map(after.map((s) => [serviceKeyString(s.key), s]));
    const problems = nftablesRefusals(after);
    if (problems.length) throw new NftablesUnsupportedError(problems);
    const msgs: NftMessage[] = [];
    for (const k of touched) {
      const b = prevByKey.get(k);
      const a = nextByKey.get(k);
      if (b && a) msgs.push(...changeServiceMessages(this.tableName, b, a));
      else if (a) msgs.push(...addServiceMessages(this.tableName, a));
      else if (b) msgs.push(...deleteServiceMessages(this.tableName, b));
    }
    await this.transport.transaction(msgs, `updating nftables table inet ${this.tableName}`);
    this.table = [...this.table.filter((s) => !touched.has(serviceKeyString(s.key))), ...after];
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
