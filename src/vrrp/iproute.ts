// virtual_routes / virtual_rules (installed while MASTER) and static_ipaddress /
// static_routes / static_rules (installed at start, removed at stop), on rtnetlink. The
// model -> netlink mapping is pure; what cannot be mapped is reported, never guessed.
import { readFileSync } from 'node:fs';
import type { AddressEntry, RouteEntry, RuleEntry } from '../config/model.js';
import type { AddressChange, RouteChange, RuleSpec, RtnetlinkClient, ScopeName } from '../net/rtnetlink.js';

const NAMED_TABLES: Record<string, number> = { default: 253, main: 254, local: 255 };

function rtTables(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const path of ['/etc/iproute2/rt_tables', '/usr/share/iproute2/rt_tables']) {
    try {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        const m = /^\s*(\d+)\s+(\S+)/.exec(line);
        if (m) out[m[2] ?? ''] = Number(m[1]);
      }
    } catch {
      /* no file */
    }
  }
  return out;
}

/** Pure (given the rt_tables names): a table name or number as the kernel's number. */
export function tableNumber(t: string | undefined, names: Record<string, number> = {}): number | undefined | 'unknown' {
  if (t === undefined) return undefined;
  if (/^\d+$/.test(t)) return Number(t);
  return NAMED_TABLES[t] ?? names[t] ?? 'unknown';
}

export type Mapped<T> = { ok: true; value: T } | { ok: false; error: string };

export function routeChange(r: RouteEntry, names: Record<string, number> = {}): Mapped<RouteChange> {
  const table = tableNumber(r.table, names);
  if (table === 'unknown') return { ok: false, error: `unknown routing table ${r.table ?? ''}` };
  const dst = r.dst.address === '0.0.0.0' && r.dst.prefixLen === 0 ? 'default' : `${r.dst.address}/${r.dst.prefixLen}`;
  const c: RouteChange = { destination: dst, family: r.dst.address.includes(':') ? 6 : 4, protocol: 'keepalived' };
  if (r.type !== 'unicast') c.type = r.type;
  if (table !== undefined) c.table = table;
  if (r.metric !== undefined) c.metric = r.metric;
  if (r.src) c.source = r.src.address;
  if (r.via) c.gateway = r.via.address;
  if (r.dev !== undefined) c.device = r.dev;
  if (r.scope !== undefined) c.scope = r.scope as ScopeName;
  if (r.onlink) c.onlink = true;
  if (r.nexthops.length > 0) {
    c.nexthops = r.nexthops.map((n) => ({
      ...(n.via ? { gateway: n.via.address } : {}),
      ...(n.dev !== undefined ? { device: n.dev } : {}),
      ...(n.weight !== undefined ? { weight: n.weight } : {}),
      ...(n.onlink ? { onlink: true } : {}),
    }));
  }
  return { ok: true, value: c };
}

export function ruleSpec(r: RuleEntry, names: Record<string, number> = {}): Mapped<RuleSpec> {
  const table = tableNumber(r.table, names);
  if (table === 'unknown') return { ok: false, error: `unknown routing table ${r.table ?? ''}` };
  const s: RuleSpec = { family: r.family };
  if (r.from) s.from = `${r.from.address}/${r.from.prefixLen}`;
  if (r.to) s.to = `${r.to.address}/${r.to.prefixLen}`;
  if (r.priority !== undefined) s.priority = r.priority;
  if (table !== undefined) s.table = table;
  if (r.action !== undefined) s.action = r.action;
  if (r.gotoTarget !== undefined) s.goto = r.gotoTarget;
  if (r.iif !== undefined) s.iif = r.iif;
  if (r.oif !== undefined) s.oif = r.oif;
  if (r.fwmark !== undefined) s.fwmark = r.fwmark;
  if (r.fwmask !== undefined) s.fwmask = r.fwmask;
  if (r.not) s.invert = true;
  return { ok: true, value: s };
}

export function addressChange(a: AddressEntry, defaultDev: string): AddressChange {
  const c: AddressChange = { address: `${a.prefix.address}/${a.prefix.prefixLen}`, link: a.dev ?? defaultDev };
  if (a.label !== undefined) c.label = a.label;
  if (a.scope !== undefined && typeof a.scope === 'string') c.scope = a.scope;
  if (a.broadcast !== undefined && a.broadcast !== '-' && a.broadcast !== '+') c.broadcast = a.broadcast;
  if (a.prefix.address.includes(':')) c.flags = ['nodad'];
  return c;
}

const code = (e: unknown): string | undefined => (e as { code?: string }).code;

/** Installs and removes sets of routes and rules (and static addresses), logging failures. */
export class IprouteSet {
  private readonly names = rtTables();

  constructor(private readonly rt: RtnetlinkClient, private readonly log: (line: string) => void) {}

  async addRoutes(who: string, routes: readonly RouteEntry[]): Promise<void> {
    for (const r of routes) {
      const m = routeChange(r, this.names);
      if (!m.ok) {
        this.log(`${who}: route ${r.dst.address}/${r.dst.prefixLen}: ${m.error}`);
        continue;
      }
      try {
        await this.rt.addRoute(m.value, { replace: true });
      } catch (e) {
        this.log(`${who}: cannot add route ${r.dst.address}/${r.dst.prefixLen}: ${(e as Error).message}`);
      }
    }
  }

  async removeRoutes(who: string, routes: readonly RouteEntry[]): Promise<void> {
    for (const r of routes) {
      const m = routeChange(r, this.names);
      if (!m.ok) continue;
      try {
        await this.rt.deleteRoute(m.value);
      } catch (e) {
        if (code(e) !== 'ESRCH' && code(e) !== 'ENODEV') this.log(`${who}: cannot remove route ${r.dst.address}/${r.dst.prefixLen}: ${(e as Error).message}`);
      }
    }
  }

  async addRules(who: string, rules: readonly RuleEntry[]): Promise<void> {
    for (const r of rules) {
      const m = ruleSpec(r, this.names);
      if (!m.ok) {
        this.log(`${who}: rule: ${m.error}`);
        continue;
      }
      try {
        await this.rt.addRule(m.value);
      } catch (e) {
        if (code(e) !== 'EEXIST') this.log(`${who}: cannot add rule: ${(e as Error).message}`);
      }
    }
  }

  async removeRules(who: string, rules: readonly RuleEntry[]): Promise<void> {
    for (const r of rules) {
      const m = ruleSpec(r, this.names);
      if (!m.ok) continue;
      try {
        await this.rt.deleteRule(m.value);
      } catch (e) {
        if (code(e) !== 'ENOENT') this.log(`${who}: cannot remove rule: ${(e as Error).message}`);
      }
    }
  }

  async addAddresses(who: string, addrs: readonly AddressEntry[], defaultDev: string): Promise<void> {
    if (addrs.length === 0) return;
    const changes = addrs.map((a) => addressChange(a, defaultDev));
    const out = await this.rt.changeAddresses(changes.map((c) => ({ op: 'add' as const, ...c })));
    out.forEach((o, i) => {
      if (!o.ok && o.error.code !== 'EEXIST') this.log(`${who}: cannot add ${changes[i]?.address ?? ''}: ${o.error.message}`);
    });
  }

  async removeAddresses(addrs: readonly AddressEntry[], defaultDev: string): Promise<void> {
    if (addrs.length === 0) return;
    const changes = addrs.map((a) => addressChange(a, defaultDev));
    await this.rt.changeAddresses(changes.map((c) => ({ op: 'delete' as const, address: c.address, link: c.link })));
  }
}
