// Desired table vs actual table -> the smallest list of operations that makes the actual
// equal to the desired, for any backend. Pure.
//
// Ownership: a service that is desired is ours, and so is every destination in it (a
// destination nobody asked for is removed). A service present in the kernel but not desired
// is left alone unless it is in `owned` (we made it before: a reload dropped it from the
// configuration) — another tool's services survive us. Entries we made before a restart and
// still want are adopted untouched, so live connections are not dropped.
import {
  destinationKeyString,
  serviceKeyString,
  type DestinationEntry,
  type Forwarding,
  type Persistence,
  type SchedulerFlags,
  type ServiceEntry,
  type ServiceKey,
} from './desired.js';

/** The service attributes an edit carries (IPVS SET_SERVICE wants all of them). */
export type ServiceSettings = Omit<ServiceEntry, 'destinations'>;

export type Operation =
  | { op: 'add-service'; service: ServiceSettings }
  | { op: 'edit-service'; service: ServiceSettings }
  | { op: 'delete-service'; key: ServiceKey }
  | { op: 'add-destination'; service: ServiceKey; destination: DestinationEntry }
  | { op: 'edit-destination'; service: ServiceKey; destination: DestinationEntry }
  | { op: 'delete-destination'; service: ServiceKey; destination: Pick<DestinationEntry, 'family' | 'address' | 'port'> };

export interface DiffOptions {
  /** Keys (serviceKeyString) of services we created earlier and may delete when no longer desired. */
  owned?: ReadonlySet<string>;
}

function sameFlags(a: SchedulerFlags, b: SchedulerFlags): boolean {
  return a.flag1 === b.flag1 && a.flag2 === b.flag2 && a.flag3 === b.flag3;
}

function samePersistence(a: Persistence | undefined, b: Persistence | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.timeout === b.timeout && a.prefixLength === b.prefixLength && (a.engine ?? '') === (b.engine ?? '');
}

export function sameServiceSettings(a: ServiceSettings, b: ServiceSettings): boolean {
  return a.scheduler === b.scheduler && sameFlags(a.schedulerFlags, b.schedulerFlags) && a.onePacket === b.onePacket && samePersistence(a.persistence, b.persistence);
}

export function sameForwarding(a: Forwarding, b: Forwarding): boolean {
  if (a.method !== 'tun' || b.method !== 'tun') return a.method === b.method;
  const x = a.encap;
  const y = b.encap;
  if (x.type !== y.type) return false;
  if (x.type === 'gue' && y.type === 'gue') return x.port === y.port && x.checksum === y.checksum;
  if (x.type === 'gre' && y.type === 'gre') return x.checksum === y.checksum;
  return true;
}

export function sameDestinationSettings(a: DestinationEntry, b: DestinationEntry): boolean {
  return a.weight === b.weight && sameForwarding(a.forwarding, b.forwarding) && a.upperThreshold === b.upperThreshold && a.lowerThreshold === b.lowerThreshold;
}

function settingsOf(s: ServiceEntry): ServiceSettings {
  const { destinations: _d, ...rest } = s;
  return rest;
}

/**
 * Operations turning `actual` into `desired`. Order: new/edited services first, then within
 * each service deletions before additions (a weight moves before capacity is added), then
 * services that are no longer wanted.
 */
export function diff(desired: readonly ServiceEntry[], actual: readonly ServiceEntry[], options: DiffOptions = {}): Operation[] {
  const ops: Operation[] = [];
  const actualByKey = new Map<string, ServiceEntry>();
  for (const s of actual) actualByKey.set(serviceKeyString(s.key), s);
  const desiredKeys = new Set<string>();

  for (const want of desired) {
    const k = serviceKeyString(want.key);
    if (desiredKeys.has(k)) continue; // a duplicate from two groups: the first one wins
    desiredKeys.add(k);
    const have = actualByKey.get(k);
    if (!have) {
      ops.push({ op: 'add-service', service: settingsOf(want) });
      for (const d of dedupe(want.destinations)) ops.push({ op: 'add-destination', service: want.key, destination: d });
      continue;
    }
    if (!sameServiceSettings(settingsOf(want), settingsOf(have))) ops.push({ op: 'edit-service', service: settingsOf(want) });
    ops.push(...diffDestinations(want.key, dedupe(want.destinations), have.destinations));
  }

  for (const have of actual) {
    const k = serviceKeyString(have.key);
    if (!desiredKeys.has(k) && options.owned?.has(k)) ops.push({ op: 'delete-service', key: have.key });
  }
  return ops;
}

function dedupe(ds: readonly DestinationEntry[]): DestinationEntry[] {
  const seen = new Set<string>();
  const out: DestinationEntry[] = [];
  for (const d of ds) {
    const k = destinationKeyString(d);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(d);
  }
  return out;
}

function diffDestinations(service: ServiceKey, want: DestinationEntry[], have: readonly DestinationEntry[]): Operation[] {
  const dels: Operation[] = [];
  const rest: Operation[] = [];
  const haveByKey = new Map(have.map((d) => [destinationKeyString(d), d]));
  const wantKeys = new Set(want.map((d) => destinationKeyString(d)));
  for (const d of have) {
    if (!wantKeys.has(destinationKeyString(d))) dels.push({ op: 'delete-destination', service, destination: { family: d.family, address: d.address, port: d.port } });
  }
  for (const d of want) {
    const h = haveByKey.get(destinationKeyString(d));
    if (!h) rest.push({ op: 'add-destination', service, destination: d });
    else if (!sameDestinationSettings(d, h)) rest.push({ op: 'edit-destination', service, destination: d });
  }
  return [...dels, ...rest];
}

/**
 * The table an empty data plane holds after `ops`, as diff plans them against an empty table
 * (each add-service followed by its add-destinations, no duplicates): built straight from them,
 * where replaying them one by one (a key string and a map lookup per destination) was a
 * tenth of a 10,000-server start's sync under emulation. Undefined for any other shape.
 */
export function tableFromAdds(ops: readonly Operation[]): ServiceEntry[] | undefined {
  const out: ServiceEntry[] = [];
  let current: ServiceEntry | undefined;
  for (const o of ops) {
    if (o.op === 'add-service') out.push((current = { ...o.service, destinations: [] }));
    else if (o.op === 'add-destination' && current && o.service === current.key) current.destinations.push({ ...o.destination });
    else return undefined;
  }
  return out;
}

/** What to remove at shutdown: every service we own (the kernel drops its destinations with it). */
export function planStop(actual: readonly ServiceEntry[], owned: ReadonlySet<string>): Operation[] {
  return actual.filter((s) => owned.has(serviceKeyString(s.key))).map((s) => ({ op: 'delete-service', key: s.key }) as Operation);
}

/** Applies operations to a table in memory, with the kernel's errors (the fake and nftables backends use it). */
export function applyToTable(table: ServiceEntry[], ops: readonly Operation[]): ServiceEntry[] {
  const byKey = new Map<string, ServiceEntry>();
  for (const s of table) byKey.set(serviceKeyString(s.key), { ...s, destinations: [...s.destinations] });
  // A service's destinations by key, made when an operation first touches them and written
  // back at the end (Map order is insertion order, as the array's): a linear search per
  // operation made adding 1,000 destinations to one service a million key strings.
  const dests = new Map<ServiceEntry, Map<string, DestinationEntry>>();
  const destsOf = (s: ServiceEntry): Map<string, DestinationEntry> => {
    let m = dests.get(s);
    if (!m) dests.set(s, (m = new Map(s.destinations.map((d) => [destinationKeyString(d), d]))));
    return m;
  };
  const need = (key: ServiceKey, what: string): ServiceEntry => {
    const s = byKey.get(serviceKeyString(key));
    if (!s) throw new TableError('ESRCH', `${what}: no service ${serviceKeyString(key)}`);
    return s;
  };
  for (const o of ops) {
    switch (o.op) {
      case 'add-service': {
        const k = serviceKeyString(o.service.key);
        if (byKey.has(k)) throw new TableError('EEXIST', `adding service ${k}: it exists`);
        byKey.set(k, { ...o.service, destinations: [] });
        break;
      }
      case 'edit-service': {
        const s = need(o.service.key, 'editing service');
        const edited = { ...o.service, destinations: s.destinations };
        const m = dests.get(s);
        if (m) {
          dests.delete(s);
          dests.set(edited, m);
        }
        byKey.set(serviceKeyString(o.service.key), edited);
        break;
      }
      case 'delete-service':
        dests.delete(need(o.key, 'deleting service'));
        byKey.delete(serviceKeyString(o.key));
        break;
      case 'add-destination': {
        const m = destsOf(need(o.service, 'adding destination'));
        const k = destinationKeyString(o.destination);
        if (m.has(k)) throw new TableError('EEXIST', `adding destination ${k} to ${serviceKeyString(o.service)}: it exists`);
        m.set(k, { ...o.destination });
        break;
      }
      case 'edit-destination': {
        const m = destsOf(need(o.service, 'editing destination'));
        const k = destinationKeyString(o.destination);
        if (!m.has(k)) throw new TableError('ENOENT', `editing destination ${k} of ${serviceKeyString(o.service)}: no such destination`);
        m.set(k, { ...o.destination });
        break;
      }
      case 'delete-destination': {
        const m = destsOf(need(o.service, 'deleting destination'));
        const k = destinationKeyString(o.destination);
        if (!m.delete(k)) throw new TableError('ENOENT', `deleting destination ${k} of ${serviceKeyString(o.service)}: no such destination`);
        break;
      }
    }
  }
  for (const [s, m] of dests) s.destinations = [...m.values()];
  return [...byKey.values()];
}

export class TableError extends Error {
  override name = 'TableError';
  constructor(
    readonly code: 'EEXIST' | 'ENOENT' | 'ESRCH',
    message: string,
  ) {
    super(message);
  }
}

/** A short human line for logs: "add destination [10.0.0.2]:80 weight 1 to tcp [10.0.0.1]:80". */
export function describeOperation(o: Operation): string {
  switch (o.op) {
    case 'add-service':
      return `add service ${serviceKeyString(o.service.key)} (${o.service.scheduler})`;
    case 'edit-service':
      return `edit service ${serviceKeyString(o.service.key)} (${o.service.scheduler})`;
    case 'delete-service':
      return `delete service ${serviceKeyString(o.key)}`;
    case 'add-destination':
      return `add destination ${destinationKeyString(o.destination)} weight ${o.destination.weight} to ${serviceKeyString(o.service)}`;
    case 'edit-destination':
      return `set destination ${destinationKeyString(o.destination)} weight ${o.destination.weight} in ${serviceKeyString(o.service)}`;
    case 'delete-destination':
      return `delete destination ${destinationKeyString(o.destination)} from ${serviceKeyString(o.service)}`;
  }
}
