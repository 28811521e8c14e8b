// The data plane behind the reconciler: IPVS over generic netlink, nftables over
// nfnetlink, or an in-memory fake for tests.
import { serviceKeyString, type ServiceEntry } from './desired.js';
import { applyToTable, diff, planStop, type Operation } from './reconciler.js';

export interface LvsBackend {
  readonly name: 'ipvs' | 'nftables' | 'fake';
  /** The table as the data plane holds it now. */
  read(): Promise<ServiceEntry[]>;
  /** Applies operations in order; rejects with the first failure (earlier ones stay applied). */
  apply(ops: readonly Operation[]): Promise<void>;
  close(): void;
}

/** An in-memory backend with the kernel's EEXIST/ENOENT rules; records what it was asked. */
export class FakeBackend implements LvsBackend {
  readonly name = 'fake';
  table: ServiceEntry[];
  readonly applied: Operation[][] = [];

  constructor(initial: ServiceEntry[] = []) {
    this.table = structuredClone(initial);
  }

  async read(): Promise<ServiceEntry[]> {
    return structuredClone(this.table);
  }

  async apply(ops: readonly Operation[]): Promise<void> {
    this.applied.push([...ops]);
    this.table = applyToTable(this.table, ops);
  }

  close(): void {}
}

/**
 * Keeps a backend equal to a desired table. Remembers which services it made so that a
 * reload that drops a virtual server deletes it, and a stop removes only its own services.
 */
export class LvsReconciler {
  private readonly owned = new Set<string>();

  constructor(private readonly backend: LvsBackend) {}

  /** Reads the data plane and applies the difference; returns the operations it ran. */
  async sync(desired: readonly ServiceEntry[]): Promise<Operation[]> {
    const actual = await this.backend.read();
    const ops = diff(desired, actual, { owned: this.owned });
    if (ops.length) await this.backend.apply(ops);
    for (const k of [...this.owned]) if (!desired.some((s) => serviceKeyString(s.key) === k)) this.owned.delete(k);
    for (const s of desired) this.owned.add(serviceKeyString(s.key));
    return ops;
  }

  /** Removes every service this reconciler owns (unless the caller keeps them: `-I`). */
  async stop(): Promise<Operation[]> {
    const ops = planStop(await this.backend.read(), this.owned);
    if (ops.length) await this.backend.apply(ops);
    this.owned.clear();
    return ops;
  }

  ownedKeys(): ReadonlySet<string> {
    return this.owned;
  }
}
