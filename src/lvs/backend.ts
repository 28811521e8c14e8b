// The data plane behind the reconciler: IPVS over generic netlink, nftables over
// nfnetlink, or an in-memory fake for tests.
import { serviceKeyString, type ServiceEntry } from './desired.js';
import { applyToTable, describeOperation, diff, planStop, tableFromAdds, TableError, type Operation } from './reconciler.js';

export interface LvsBackend {
  readonly name: 'ipvs' | 'nftables' | 'fake';
  /** The table as the data plane holds it now. */
  read(): Promise<ServiceEntry[]>;
  /** Applies operations in order; rejects with the first failure (earlier ones stay applied). */
  apply(ops: readonly Operation[]): Promise<void>;
  /**
   * Reads the data plane back and repairs it to `desired` by itself, when the backend knows
   * better than a service-level diff (nftables compares its own rules and maps); returns one
   * line per change. Backends without it are read back and diffed by the reconciler.
   */
  converge?(desired: readonly ServiceEntry[]): Promise<{ kept: string[]; replaced: string[]; removed: string[]; rewrite?: string }>;
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
  /**
   * The table as we last read or wrote it, by service key (so that a checker event finds its
   * service without walking the table); undefined = read it from the backend next time.
   */
  private known: Map<string, ServiceEntry> | undefined;

  constructor(private readonly backend: LvsBackend) {}

  /**
   * Applies the difference between `desired` and the data plane; returns the operations it
   * ran. The data plane is read on the first call (adopting what is there) and after a
   * failure or `forgetState()`; in between, what we wrote is trusted, so a checker event
   * costs one diff in memory and the few operations it needs.
   */
  async sync(desired: readonly ServiceEntry[]): Promise<Operation[]> {
    const actual = this.known ? [...this.known.values()] : await this.backend.read();
    const ops = diff(desired, actual, { owned: this.owned });
    if (ops.length) await this.apply(ops);
    this.known = byKey(ops.length ? (actual.length === 0 && tableFromAdds(ops)) || applyTolerant(actual, ops) : actual);
    // What we own is exactly what is desired now (a Set: 1,000 services made this loop
    // quadratic, a million key strings per sync).
    this.owned.clear();
    for (const s of desired) this.owned.add(serviceKeyString(s.key));
    return ops;
  }

  /** Applies `ops`; after a failure the data plane's state is unknown and is read again next time. */
  private async apply(ops: Operation[]): Promise<void> {
    try {
      await this.backend.apply(ops);
    } catch (e) {
      this.known = undefined;
      throw e;
    }
  }

  /**
   * Brings only these services in line (a checker event touches one virtual server): other
   * services are neither compared nor deleted. Needs a first full `sync`.
   */
  async syncServices(services: readonly ServiceEntry[]): Promise<Operation[]> {
    const known = this.known ?? byKey(await this.backend.read());
    this.known = known;
    const keys = new Set(services.map((s) => serviceKeyString(s.key)));
    const touched: ServiceEntry[] = [];
    for (const k of keys) {
      const s = known.get(k);
      if (s) touched.push(s);
    }
    const ops = diff(services, touched);
    if (ops.length) {
      await this.apply(ops);
      // Only the touched services are looked at and replaced: an event costs the same in a
      // table of any size (a walk of the whole table per event made 1,000 events quadratic).
      const after = applyTolerant(touched, ops);
      if (this.known === known) {
        for (const k of keys) known.delete(k);
        for (const s of after) known.set(serviceKeyString(s.key), s);
      }
    }
    for (const k of keys) this.owned.add(k);
    return ops;
  }

  /**
   * Compares the data plane as it is now (read back, not what we believe we wrote) with
   * `desired` and repairs every difference: the drift check. Returns one line per repair.
   */
  async verify(desired: readonly ServiceEntry[]): Promise<string[]> {
    if (!this.backend.converge) {
      this.known = undefined;
      return (await this.sync(desired)).map(describeOperation);
    }
    let plan;
    try {
      plan = await this.backend.converge(desired);
    } finally {
      this.known = undefined;
    }
    for (const s of desired) this.owned.add(serviceKeyString(s.key));
    if (plan.rewrite) return [`rewrote the whole table (${plan.rewrite})`];
    return [...plan.replaced.map((k) => `rewrote service ${k}`), ...plan.removed.map((k) => `removed leftover objects of ${k}`)];
  }

  /** Read the data plane again at the next sync (after an overrun, or periodically). */
  forgetState(): void {
    this.known = undefined;
  }

  /**
   * Removes every service this reconciler owns (unless the caller keeps them: `-I`). From the
   * table as last read or written when there is one: reading a large IPVS table back (a dump
   * per service) took most of a stop's time under emulation, and a stop has a deadline. If
   * the kernel disagrees (a service already gone), the table is read and the rest removed.
   */
  async stop(): Promise<Operation[]> {
    let ops = planStop(this.known ? [...this.known.values()] : await this.backend.read(), this.owned);
    try {
      if (ops.length) await this.backend.apply(ops);
    } catch {
      ops = planStop(await this.backend.read(), this.owned);
      if (ops.length) await this.backend.apply(ops);
    }
    this.owned.clear();
    this.known = undefined;
    return ops;
  }

  ownedKeys(): ReadonlySet<string> {
    return this.owned;
  }
}

/** The table after operations the backend accepted (its EEXIST/ENOENT tolerance included). */
function applyTolerant(table: ServiceEntry[], ops: readonly Operation[]): ServiceEntry[] {
  try {
    return applyToTable(table, ops);
  } catch (e) {
    if (!(e instanceof TableError)) throw e;
  }
  let t = table;
  for (const o of ops) {
    try {
      t = applyToTable(t, [o]);
    } catch (e) {
      if (!(e instanceof TableError)) throw e;
      if (o.op === 'edit-destination') t = applyToTable(t, [{ ...o, op: 'add-destination' }]);
    }
  }
  return t;
}

function byKey(table: readonly ServiceEntry[]): Map<string, ServiceEntry> {
  const m = new Map<string, ServiceEntry>();
  for (const s of table) m.set(serviceKeyString(s.key), s);
  return m;
}
