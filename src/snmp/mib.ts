// A MIB as the subagent serves it: a snapshot of (OID, value) pairs in OID order, built from
// the daemon's state by the MIB modules, and the Get / GetNext lookups on it. Pure.
//
// Tables are sparse as in keepalived: a column whose value does not exist for a row (no
// notify script, no sync group) has no instance, and GetNext walks past it.
import { compareOid, oidStartsWith, type Oid, type SnmpValue, type VarBind } from './agentx.js';

// ---- value constructors ----

export const int = (value: number): SnmpValue => ({ type: 'int', value: Math.trunc(value) });
export const gauge = (value: number): SnmpValue => ({ type: 'gauge32', value: clampU32(value) });
export const counter = (value: number): SnmpValue => ({ type: 'counter32', value: clampU32(value) % 0x1_0000_0000 });
export const counter64 = (value: number | bigint): SnmpValue => ({ type: 'counter64', value: BigInt(value) });
export const ticks = (value: number): SnmpValue => ({ type: 'ticks', value: clampU32(value) });
export const str = (value: string | Buffer): SnmpValue => ({ type: 'str', value: typeof value === 'string' ? Buffer.from(value) : value });
export const ipAddress = (value: Buffer): SnmpValue => ({ type: 'ip', value });
/** SNMPv2-TC TruthValue: true(1), false(2). */
export const truth = (b: boolean): SnmpValue => int(b ? 1 : 2);

function clampU32(v: number): number {
  if (!Number.isFinite(v) || v < 0) return 0;
  return Math.min(Math.trunc(v), 0xffffffff);
}

/** One object's value for a row, or undefined when this row has no such instance. */
export type Cell<R> = (row: R) => SnmpValue | undefined;

export interface TableSpec<R> {
  /** The entry's OID (table OID + .1). */
  entry: Oid;
  rows: readonly R[];
  /** The instance suffix of a row (its index objects, encoded). */
  index: (row: R) => Oid;
  /** Column number -> value. */
  columns: Readonly<Record<number, Cell<R>>>;
}

export class MibBuilder {
  private readonly entries: VarBind[] = [];
  /** Every object (scalar or column) served, with or without instances. */
  private readonly objects: Oid[] = [];

  scalar(oid: Oid, value: SnmpValue | undefined): this {
    this.objects.push(oid);
    if (value !== undefined) this.entries.push({ oid: [...oid, 0], value });
    return this;
  }

  table<R>(t: TableSpec<R>): this {
    const indexed = t.rows.map((row) => ({ row, index: t.index(row) }));
    for (const [col, cell] of Object.entries(t.columns)) {
      this.objects.push([...t.entry, Number(col)]);
      for (const { row, index } of indexed) {
        const value = cell(row);
        if (value !== undefined) this.entries.push({ oid: [...t.entry, Number(col), ...index], value });
      }
    }
    return this;
  }

  build(): MibView {
    return new MibView(this.entries, this.objects);
  }
}

/** An immutable snapshot with OID-ordered lookups. */
export class MibView {
  private readonly entries: VarBind[];

  constructor(entries: VarBind[], private readonly objects: readonly Oid[] = []) {
    this.entries = [...entries].sort((a, b) => compareOid(a.oid, b.oid));
    // Two modules giving the same instance is a bug; keep the first rather than serve both.
    this.entries = this.entries.filter((e, i, all) => i === 0 || compareOid(all[i - 1]?.oid ?? [], e.oid) !== 0);
  }

  get size(): number {
    return this.entries.length;
  }

  all(): readonly VarBind[] {
    return this.entries;
  }

  /** Index of the first entry >= oid. */
  private lowerBound(oid: Oid): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareOid(this.entries[mid]?.oid ?? [], oid) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Exact Get: the value; noSuchInstance below an object we serve; else noSuchObject. */
  get(oid: Oid): SnmpValue {
    const e = this.entries[this.lowerBound(oid)];
    if (e && compareOid(e.oid, oid) === 0) return e.value;
    return this.objects.some((o) => oid.length > o.length && oidStartsWith(oid, o)) ? { type: 'noSuchInstance' } : { type: 'noSuchObject' };
  }

  /** GetNext within a search range: the first entry after `start` (or at it with include) and before `end`. */
  next(start: Oid, include: boolean, end: Oid): VarBind | undefined {
    let i = this.lowerBound(start);
    const at = this.entries[i];
    if (at && !include && compareOid(at.oid, start) === 0) i++;
    const e = this.entries[i];
    if (!e) return undefined;
    if (end.length > 0 && compareOid(e.oid, end) >= 0) return undefined;
    return e;
  }
}

// ---- index encodings ----

/** An OCTET STRING index (not IMPLIED): its length, then its octets. */
export function stringIndex(s: string | Buffer): number[] {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return [b.length, ...b];
}
