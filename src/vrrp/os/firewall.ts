// The VRRP process's nftables table, as Debian's keepalived 2.2.7 keeps it (built with
// nftables only, it turns it on by itself when an instance needs it): `table ip keepalived`
// and `table ip6 keepalived` (the `nftables` keyword names them), chains at
// `nftables_priority` (-1). Two jobs, each set up the first time it is needed:
//
// * no_accept (vrrp_strict's default for an instance that is not the address owner): while
//   MASTER the VIPs are not usable as this host's addresses (RFC 5798 Accept_Mode False).
//   Chain `in` (input hook), set `vips`, `ip daddr @vips drop` in and `ip saddr @vips drop`
//   out. IPv6 lets neighbour solicitations and advertisements through first, so the VIP stays
//   resolvable. A link-local VIP is matched on every interface (keepalived pairs it with its
//   interface; a link-local VIP is the router's own on its segment either way).
// * VMACs: no IGMP report (IPv4) and no MLD report (IPv6) leaves a VMAC. The VMAC's MAC is
//   the virtual router's, on the backups too: a backup's membership report from it would
//   teach the switches that the virtual router's MAC is on the backup's port. Set `vmac_set`
//   of interface names, `meta l4proto igmp oifname @vmac_set drop` (keepalived's rule where
//   the kernel cannot duplicate the report to the parent); IPv6 drops router solicitations
//   from VMACs too, as keepalived does.
//
// The tables are made when first needed (stale ones of an earlier run replaced in the same
// transaction) and deleted on close. Messages are built by pure functions below; one
// transaction per change, one change at a time.
import { MetaKey, NfHook, NfProto, NftType, PayloadBase, Reg, Verdict } from '../../net/nftables/constants.js';
import { delElements, delTable, expr, newChain, newElements, newRule, newSet, newTable, type Expr, type NftMessage } from '../../net/nftables/messages.js';
import type { NftTransport } from '../../net/nftables/transport.js';
import { parseAddress } from '../addr.js';
import type { AddressOwner } from '../ports.js';
import type { VipSpec } from '../spec.js';

export const DEFAULT_FIREWALL_TABLE = 'keepalived';
export const DEFAULT_FIREWALL_PRIORITY = -1;

export type NfFamily = typeof NfProto.IPV4 | typeof NfProto.IPV6;
/** What a family's table holds: the table and its `out` chain, no_accept's part, the VMACs' part. */
export type TablePart = 'base' | 'vips' | 'vmacs';

const IGMP = 2;
const ICMPV6 = 58;
const ND_ROUTER_SOLICIT = 133;
const ND_NEIGHBOR_SOLICIT = 135;
const ND_NEIGHBOR_ADVERT = 136;
const MLD_LISTENER_REPORT = 131;
const MLD2_LISTENER_REPORT = 143;
const IFNAMSIZ = 16;

const l4 = (proto: number): Expr[] => [expr.meta(MetaKey.L4PROTO, Reg.R1), expr.cmpEq(Reg.R1, Buffer.from([proto]))];
const icmpv6Type = (type: number): Expr[] => [...l4(ICMPV6), expr.payload(PayloadBase.TRANSPORT, 0, 1, Reg.R1), expr.cmpEq(Reg.R1, Buffer.from([type]))];

/** The messages that add `part` to a family's table (base: the table itself, replacing a stale one). */
export function firewallPartMessages(family: NfFamily, table: string, priority: number, part: TablePart): NftMessage[] {
  const v6 = family === NfProto.IPV6;
  if (part === 'base') {
    return [newTable(family, table), delTable(family, table), newTable(family, table), newChain(family, table, 'out', { type: 'filter', hooknum: NfHook.LOCAL_OUT, priority })];
  }
  if (part === 'vmacs') {
    const drop = (match: Expr[]) => newRule(family, table, 'out', [...match, expr.meta(MetaKey.OIFNAME, Reg.R1), expr.lookup('vmac_set', Reg.R1), expr.verdict(Verdict.DROP)]);
    return [
      // nft keeps interface names in host byte order: said in the set's user data for `nft list`.
      newSet(family, table, { name: 'vmac_set', flags: 0, keyType: NftType.IFNAME, keyLen: IFNAMSIZ, id: 2, hostOrderKey: true }),
      ...(v6 ? [MLD2_LISTENER_REPORT, MLD_LISTENER_REPORT, ND_ROUTER_SOLICIT].map((t) => drop(icmpv6Type(t))) : [drop(l4(IGMP))]),
    ];
  }
  const len = v6 ? 16 : 4;
  // Offsets in the IP header: IPv4 saddr 12, daddr 16; IPv6 saddr 8, daddr 24.
  const dst = v6 ? 24 : 16;
  const src = v6 ? 8 : 12;
  const msgs: NftMessage[] = [
    newChain(family, table, 'in', { type: 'filter', hooknum: NfHook.LOCAL_IN, priority }),
    newSet(family, table, { name: 'vips', flags: 0, keyType: v6 ? NftType.IP6ADDR : NftType.IPADDR, keyLen: len, id: 1 }),
  ];
  for (const chain of ['in', 'out'] as const) {
    if (v6) for (const t of [ND_NEIGHBOR_SOLICIT, ND_NEIGHBOR_ADVERT]) msgs.push(newRule(family, table, chain, [...icmpv6Type(t), expr.verdict(Verdict.ACCEPT)]));
    msgs.push(newRule(family, table, chain, [expr.payload(PayloadBase.NETWORK, chain === 'in' ? dst : src, len, Reg.R1), expr.lookup('vips', Reg.R1), expr.verdict(Verdict.DROP)]));
  }
  return msgs;
}

/** The set element of an address (its bytes in network order), and its family. */
export function vipKey(address: string): { family: NfFamily; key: Buffer } | undefined {
  const v6 = address.includes(':');
  const bytes = parseAddress(v6 ? 'inet6' : 'inet', address);
  return bytes ? { family: v6 ? NfProto.IPV6 : NfProto.IPV4, key: Buffer.from(bytes) } : undefined;
}

/** An interface name as nftables compares it: IFNAMSIZ bytes, zero padded. */
export function ifnameKey(name: string): Buffer {
  const b = Buffer.alloc(IFNAMSIZ);
  b.write(name.slice(0, IFNAMSIZ - 1), 'utf8');
  return b;
}

export interface FirewallOptions {
  table?: string;
  priority?: number;
  log: (line: string) => void;
}

export class VrrpFirewall {
  private readonly table: string;
  private readonly priority: number;
  private transport: NftTransport | undefined;
  /** What this process has made of each family's table. */
  private readonly made = new Map<NfFamily, Set<TablePart>>();
  /** Addresses in the `vips` sets, with how many instances hold each blocked. */
  private blocked = new Map<string, number>();
  /** VMACs in the `vmac_set` sets, by family and name. */
  private readonly vmacs = new Set<string>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly open: () => NftTransport, private readonly o: FirewallOptions) {
    this.table = o.table ?? DEFAULT_FIREWALL_TABLE;
    this.priority = o.priority ?? DEFAULT_FIREWALL_PRIORITY;
  }

  /** Blocks (MASTER without accept) or unblocks (leaving MASTER) the VIPs of one instance. */
  setBlock(owner: AddressOwner, vips: readonly VipSpec[], block: boolean): Promise<void> {
    return this.serial(() => this.applyBlock(owner, vips, block));
  }

  /** Keeps IGMP (IPv4) or MLD (IPv6) reports off a VMAC, or stops (the VMAC is gone). */
  setVmac(instance: string, name: string, family: 'inet' | 'inet6', on: boolean): Promise<void> {
    return this.serial(async () => {
      const f: NfFamily = family === 'inet6' ? NfProto.IPV6 : NfProto.IPV4;
      const id = `${f}|${name}`;
      if (on === this.vmacs.has(id)) return;
      const msgs = on
        ? [...this.partsFor(f, 'vmacs'), newElements(f, this.table, 'vmac_set', [{ key: ifnameKey(name) }])]
        : [delElements(f, this.table, 'vmac_set', [ifnameKey(name)])];
      if (!(await this.commit(msgs, `(${instance}) cannot ${on ? 'add' : 'remove'} the nftables rule keeping IGMP/MLD off VMAC ${name}`))) return;
      if (on) {
        this.vmacs.add(id);
        this.markMade(f, 'vmacs');
      } else {
        this.vmacs.delete(id);
      }
    });
  }

  private serial(job: () => Promise<void>): Promise<void> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The parts `part` needs that this process has not made yet (the base first). */
  private partsFor(family: NfFamily, part: TablePart): NftMessage[] {
    const have = this.made.get(family);
    const msgs: NftMessage[] = [];
    if (!have?.has('base')) msgs.push(...firewallPartMessages(family, this.table, this.priority, 'base'));
    if (!have?.has(part)) msgs.push(...firewallPartMessages(family, this.table, this.priority, part));
    return msgs;
  }

  private markMade(family: NfFamily, part: TablePart): void {
    const have = this.made.get(family) ?? new Set<TablePart>();
    have.add('base').add(part);
    this.made.set(family, have);
  }

  private async commit(msgs: NftMessage[], failure: string): Promise<boolean> {
    if (msgs.length === 0) return true;
    try {
      this.transport ??= this.open();
      await this.transport.transaction(msgs, failure);
      return true;
    } catch (e) {
      this.o.log(`${failure}: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }

  private async applyBlock(owner: AddressOwner, vips: readonly VipSpec[], block: boolean): Promise<void> {
    const add = new Map<NfFamily, Buffer[]>();
    const del = new Map<NfFamily, Buffer[]>();
    // The new counts, kept only if the kernel takes the change.
    const next = new Map(this.blocked);
    for (const v of vips) {
      const k = vipKey(v.address);
      if (!k) continue;
      const id = `${k.family}|${k.key.toString('hex')}`;
      const n = next.get(id) ?? 0;
      if (block) {
        next.set(id, n + 1);
        if (n === 0) add.set(k.family, [...(add.get(k.family) ?? []), k.key]);
      } else if (n === 1) {
        next.delete(id);
        del.set(k.family, [...(del.get(k.family) ?? []), k.key]);
      } else if (n > 1) {
        next.set(id, n - 1);
      }
    }
    const msgs: NftMessage[] = [];
    for (const [family, keys] of add) msgs.push(...this.partsFor(family, 'vips'), newElements(family, this.table, 'vips', keys.map((key) => ({ key }))));
    for (const [family, keys] of del) if (this.made.get(family)?.has('vips')) msgs.push(delElements(family, this.table, 'vips', keys));
    if (!(await this.commit(msgs, `(${owner.instance}) cannot ${block ? 'add' : 'remove'} the nftables rules for no_accept`))) return;
    this.blocked = next;
    for (const f of add.keys()) this.markMade(f, 'vips');
  }

  /** Deletes the tables this process made (keepalived removes its table on exit). */
  async close(): Promise<void> {
    await this.queue;
    if (this.made.size > 0 && this.transport) {
      try {
        await this.transport.transaction([...this.made.keys()].map((f) => delTable(f, this.table)), 'removing the nftables tables');
      } catch (e) {
        this.o.log(`cannot remove the nftables table ${this.table}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.made.clear();
    this.blocked.clear();
    this.vmacs.clear();
    this.transport?.close();
    this.transport = undefined;
  }
}
