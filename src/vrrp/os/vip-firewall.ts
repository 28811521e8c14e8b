// no_accept (vrrp_strict's default for an instance that is not the address owner): while
// MASTER, the VIPs are not usable as addresses of this host, as RFC 5798's Accept_Mode False
// says and keepalived does with nftables: table `ip keepalived` / `ip6 keepalived` (the
// `nftables` keyword names it), chains `in` (input hook) and `out` (output hook) at
// `nftables_priority` (-1), a set `vips`, and `ip daddr @vips drop` in, `ip saddr @vips drop`
// out. IPv6 lets neighbour solicitations and advertisements through first, so the VIP stays
// resolvable. A link-local VIP is matched on every interface (keepalived pairs it with its
// interface; a link-local VIP is the router's own on its segment either way).
//
// The tables are made on the first block of their family (stale ones of an earlier run
// replaced in the same transaction) and deleted on close. Messages are built by pure
// functions below; one transaction per change, one change at a time.
import { NfHook, NfProto, NftType, Reg, Verdict, MetaKey, PayloadBase } from '../../net/nftables/constants.js';
import { delElements, delTable, expr, newChain, newElements, newRule, newSet, newTable, type NftMessage } from '../../net/nftables/messages.js';
import type { NftTransport } from '../../net/nftables/transport.js';
import { parseAddress } from '../addr.js';
import type { AddressOwner } from '../ports.js';
import type { VipSpec } from '../spec.js';

export const DEFAULT_VIP_TABLE = 'keepalived';
export const DEFAULT_VIP_CHAIN_PRIORITY = -1;

export type NfFamily = typeof NfProto.IPV4 | typeof NfProto.IPV6;

const ICMPV6 = 58;
const ND_NEIGHBOR_SOLICIT = 135;
const ND_NEIGHBOR_ADVERT = 136;

/** The whole table of one family, replacing any left from an earlier run. */
export function vipFirewallTableMessages(family: NfFamily, table: string, priority: number): NftMessage[] {
  const v6 = family === NfProto.IPV6;
  const len = v6 ? 16 : 4;
  // Offsets in the IP header: IPv4 saddr 12, daddr 16; IPv6 saddr 8, daddr 24.
  const dst = v6 ? 24 : 16;
  const src = v6 ? 8 : 12;
  const ndAccept = (type: number) => [
    expr.meta(MetaKey.L4PROTO, Reg.R1),
    expr.cmpEq(Reg.R1, Buffer.from([ICMPV6])),
    expr.payload(PayloadBase.TRANSPORT, 0, 1, Reg.R1),
    expr.cmpEq(Reg.R1, Buffer.from([type])),
    expr.verdict(Verdict.ACCEPT),
  ];
  const msgs: NftMessage[] = [
    newTable(family, table),
    delTable(family, table),
    newTable(family, table),
    newChain(family, table, 'in', { type: 'filter', hooknum: NfHook.LOCAL_IN, priority }),
    newChain(family, table, 'out', { type: 'filter', hooknum: NfHook.LOCAL_OUT, priority }),
    newSet(family, table, { name: 'vips', flags: 0, keyType: v6 ? NftType.IP6ADDR : NftType.IPADDR, keyLen: len, id: 1 }),
  ];
  for (const chain of ['in', 'out'] as const) {
    if (v6) for (const t of [ND_NEIGHBOR_SOLICIT, ND_NEIGHBOR_ADVERT]) msgs.push(newRule(family, table, chain, ndAccept(t)));
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

export interface VipFirewallOptions {
  table?: string;
  priority?: number;
  log: (line: string) => void;
}

export class VipFirewall {
  private readonly table: string;
  private readonly priority: number;
  private transport: NftTransport | undefined;
  /** Families whose table this process made. */
  private readonly made = new Set<NfFamily>();
  /** Addresses in the sets, with how many instances hold each blocked. */
  private readonly blocked = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly open: () => NftTransport, private readonly o: VipFirewallOptions) {
    this.table = o.table ?? DEFAULT_VIP_TABLE;
    this.priority = o.priority ?? DEFAULT_VIP_CHAIN_PRIORITY;
  }

  /** Blocks (MASTER without accept) or unblocks (leaving MASTER) the VIPs of one instance. */
  setBlock(owner: AddressOwner, vips: readonly VipSpec[], block: boolean): Promise<void> {
    const run = this.queue.then(() => this.apply(owner, vips, block));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply(owner: AddressOwner, vips: readonly VipSpec[], block: boolean): Promise<void> {
    const add = new Map<NfFamily, Buffer[]>();
    const del = new Map<NfFamily, Buffer[]>();
    // The counts as they were, put back if the kernel refuses the change.
    const before = new Map(this.blocked);
    for (const v of vips) {
      const k = vipKey(v.address);
      if (!k) continue;
      const id = `${k.family}|${k.key.toString('hex')}`;
      const n = this.blocked.get(id) ?? 0;
      if (block) {
        this.blocked.set(id, n + 1);
        if (n === 0) add.set(k.family, [...(add.get(k.family) ?? []), k.key]);
      } else if (n > 0) {
        if (n === 1) this.blocked.delete(id);
        else this.blocked.set(id, n - 1);
        if (n === 1) del.set(k.family, [...(del.get(k.family) ?? []), k.key]);
      }
    }
    const msgs: NftMessage[] = [];
    for (const [family, keys] of add) {
      if (!this.made.has(family)) msgs.push(...vipFirewallTableMessages(family, this.table, this.priority));
      msgs.push(newElements(family, this.table, 'vips', keys.map((key) => ({ key }))));
    }
    for (const [family, keys] of del) if (this.made.has(family)) msgs.push(delElements(family, this.table, 'vips', keys));
    if (msgs.length === 0) return;
    try {
      this.transport ??= this.open();
      await this.transport.transaction(msgs, `${block ? 'blocking' : 'unblocking'} the VIPs of ${owner.instance}`);
      for (const f of add.keys()) this.made.add(f);
    } catch (e) {
      this.blocked.clear();
      for (const [id, n] of before) this.blocked.set(id, n);
      this.o.log(`(${owner.instance}) cannot ${block ? 'add' : 'remove'} the nftables rules for no_accept: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Deletes the tables this process made (keepalived removes its table on exit). */
  async close(): Promise<void> {
    await this.queue;
    if (this.made.size > 0 && this.transport) {
      try {
        await this.transport.transaction([...this.made].map((f) => delTable(f, this.table)), 'removing the no_accept tables');
      } catch (e) {
        this.o.log(`cannot remove the nftables table ${this.table}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.made.clear();
    this.blocked.clear();
    this.transport?.close();
    this.transport = undefined;
  }
}
