// The ip(8)-like item lines of virtual_ipaddress / static_ipaddress, virtual_routes /
// static_routes and virtual_rules / static_rules. In a value block each line is one node whose
// keyword is the line's first word; the whole line is one entry.
import type { ConfigNode } from '../ast.js';
import { parseIpAddress, parseIpPrefix, type IpAddress, type IpPrefix } from '../address.js';
import type { AddressEntry, RouteEntry, RouteType, RuleEntry, RouteNexthop } from '../model.js';
import type { BuildContext } from './engine.js';

export type EntryKind = 'virtual' | 'static';

class Tokens {
  private i = 0;
  constructor(readonly words: string[], readonly ctx: BuildContext, readonly node: ConfigNode, readonly what: string) {}
  get done(): boolean { return this.i >= this.words.length; }
  peek(): string | undefined { return this.words[this.i]; }
  next(): string | undefined { return this.words[this.i++]; }
  error(msg: string): void { this.ctx.diags.error(this.node.loc, `${this.what}: ${msg}`); }
  value(opt: string): string | undefined {
    const v = this.next();
    if (v === undefined) this.error(`'${opt}' needs a value`);
    return v;
  }
  ip(opt: string): IpAddress | undefined {
    const v = this.value(opt);
    if (v === undefined) return undefined;
    const r = parseIpAddress(v);
    if (!r.ok) { this.error(r.error); return undefined; }
    return r.value;
  }
  prefix(opt: string, w?: string): IpPrefix | undefined {
    const v = w ?? this.value(opt);
    if (v === undefined) return undefined;
    const r = parseIpPrefix(v);
    if (!r.ok) { this.error(r.error); return undefined; }
    return r.value;
  }
  uint(opt: string, max = 0xffffffff): number | undefined {
    const v = this.value(opt);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) > max) { this.error(`invalid ${opt} '${v}'`); return undefined; }
    return Number(v);
  }
}

const SCOPES = ['global', 'site', 'link', 'host', 'nowhere'] as const;

/** One address line. Returns undefined (after reporting) when the address itself is bad. */
export function parseAddressLine(ctx: BuildContext, node: ConfigNode, kind: EntryKind): AddressEntry | undefined {
  const what = kind === 'virtual' ? 'virtual address' : 'static address';
  const t = new Tokens([node.keyword, ...node.args], ctx, node, what);
  const first = t.next() ?? '';
  const prefix = t.prefix('address', first);
  if (!prefix) return undefined;
  const e: AddressEntry = {
    loc: node.loc, prefix, home: false, noDad: false, mngTmpAddr: false, noPrefixRoute: false,
    autoJoin: false, noTrack: false, useVmac: false,
  };
  // keepalived: IPv6 /128 VIPs default to preferred_lft 0 (deprecated, never chosen as source).
  if (prefix.family === 6 && prefix.prefixLen === 128) e.preferredLft = 0;
  while (!t.done) {
    const w = t.next() ?? '';
    switch (w) {
      case 'dev': { const v = t.value(w); if (v !== undefined) e.dev = v; break; }
      case 'brd': case 'broadcast': {
        const v = t.value(w);
        if (v === undefined) break;
        if (v === '+' || v === '-') e.broadcast = v;
        else {
          const a = parseIpAddress(v);
          if (!a.ok || a.value.family !== 4) t.error(`invalid broadcast '${v}'`);
          else e.broadcast = a.value.address;
        }
        break;
      }
      case 'scope': {
        const v = t.value(w);
        if (v === undefined) break;
        if ((SCOPES as readonly string[]).includes(v)) e.scope = v as AddressEntry['scope'];
        else if (/^\d+$/.test(v) && Number(v) <= 255) e.scope = Number(v);
        else t.error(`invalid scope '${v}'`);
        break;
      }
      case 'label': {
        const v = t.value(w);
        if (v === undefined) break;
        const dev = e.dev;
        if (v.length > 15) t.error(`label '${v}' longer than 15 characters`);
        else if (dev !== undefined && !v.startsWith(dev)) {
          ctx.diags.warn(node.loc, `${what}: label '${v}' does not start with the interface name '${dev}'`);
          e.label = v;
        } else e.label = v;
        break;
      }
      case 'peer': { const p = t.prefix(w); if (p) e.peer = p; break; }
      case 'home': e.home = true; break;
      case '-nodad': e.noDad = true; break;
      case 'mngtmpaddr': e.mngTmpAddr = true; break;
      case 'noprefixroute': e.noPrefixRoute = true; break;
      case 'autojoin': e.autoJoin = true; break;
      case 'preferred_lft': {
        const v = t.value(w);
        if (v === undefined) break;
        if (v === 'forever') delete e.preferredLft;
        else if (/^\d+$/.test(v)) e.preferredLft = Number(v);
        else t.error(`invalid preferred_lft '${v}'`);
        break;
      }
      case 'no_track':
        if (kind === 'static') t.error("'no_track' is only for virtual addresses");
        else e.noTrack = true;
        break;
      case 'use_vmac':
        if (kind === 'static') t.error("'use_vmac' is only for virtual addresses");
        else e.useVmac = true;
        break;
      case 'track_group': {
        const v = t.value(w);
        if (kind === 'virtual') t.error("'track_group' is only for static addresses");
        else if (v !== undefined) e.trackGroup = v;
        break;
      }
      default:
        // keepalived's wording: an extra word is an unknown entry (e.g. two VIPs on one line).
        t.error(`Unknown configuration entry '${w}' for ip address - ignoring`);
    }
  }
  if (e.peer && e.peer.family !== prefix.family) t.error('peer address family differs from the address');
  return e;
}

const ROUTE_TYPES: readonly RouteType[] = ['unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole',
  'unreachable', 'prohibit', 'throw', 'nat'];
/** Route attributes kept as text in `options` (each takes one value; some accept `lock`). */
const ROUTE_VALUE_OPTS = new Set(['tos', 'dsfield', 'hoplimit', 'advmss', 'rtt', 'rttvar', 'reordering', 'window',
  'cwnd', 'realms', 'rto_min', 'initcwnd', 'initrwnd', 'features', 'quickack', 'fastopen_no_cookie', 'congctl',
  'pref', 'expires', 'vrf', 'ttl-propagate']);
const ROUTE_LOCK_OPTS = new Set(['mtu', 'ssthresh', 'window', 'rtt', 'rttvar', 'cwnd', 'advmss', 'reordering', 'hoplimit', 'initcwnd', 'initrwnd', 'rto_min']);

/** One route line. */
export function parseRouteLine(ctx: BuildContext, node: ConfigNode, kind: EntryKind): RouteEntry | undefined {
  const what = kind === 'virtual' ? 'virtual route' : 'static route';
  const t = new Tokens([node.keyword, ...node.args], ctx, node, what);
  let dst: IpPrefix | undefined;
  const r: Omit<RouteEntry, 'dst'> = {
    loc: node.loc, type: 'unicast', onlink: false, nexthops: [], options: {}, mode: 'prepend', noTrack: false,
  };
  let family: 4 | 6 | undefined;
  let bad = false;
  const setDst = (p: IpPrefix | undefined): void => {
    if (!p) { bad = true; return; }
    if (dst) { t.error(`second destination '${p.address}'`); bad = true; return; }
    dst = p;
  };
  if ((ROUTE_TYPES as readonly string[]).includes(t.peek() ?? '')) r.type = t.next() as RouteType;
  while (!t.done) {
    const w = t.next() ?? '';
    switch (w) {
      case 'src': { const a = t.ip(w); if (a) r.src = a; else bad = true; break; }
      case 'to': case 'dst': setDst(t.prefix(w)); break;
      case 'via': case 'gw': {
        let v = t.value(w);
        if (v === 'inet' || v === 'inet6') v = t.value(w);
        if (v === undefined) { bad = true; break; }
        const a = parseIpAddress(v);
        if (!a.ok) { t.error(a.error); bad = true; } else r.via = a.value;
        break;
      }
      case 'or': { const a = t.ip(w); if (a) r.orVia = a; else bad = true; break; }
      case 'dev': case 'oif': { const v = t.value(w); if (v !== undefined) r.dev = v; break; }
      case 'table': { const v = t.value(w); if (v !== undefined) r.table = v; break; }
      case 'metric': case 'priority': case 'preference': { const v = t.uint(w); if (v !== undefined) r.metric = v; break; }
      case 'scope': { const v = t.value(w); if (v !== undefined) r.scope = v; break; }
      case 'protocol': { const v = t.value(w); if (v !== undefined) r.protocol = v; break; }
      case 'onlink': r.onlink = true; break;
      case 'inet': family = 4; break;
      case 'inet6': family = 6; break;
      case 'add': r.mode = 'add'; break;
      case 'append': r.mode = 'append'; break;
      case 'prepend': r.mode = 'prepend'; break;
      case 'no_track':
        if (kind === 'static') t.error("'no_track' is only for virtual routes");
        else r.noTrack = true;
        break;
      case 'track_group': {
        const v = t.value(w);
        if (kind === 'virtual') t.error("'track_group' is only for static routes");
        else if (v !== undefined) r.trackGroup = v;
        break;
      }
      case 'nexthop': {
        const nh: RouteNexthop = { onlink: false };
        while (!t.done && t.peek() !== 'nexthop') {
          const o = t.peek() ?? '';
          if (o === 'via' || o === 'gw') { t.next(); const a = t.ip(o); if (a) nh.via = a; else bad = true; }
          else if (o === 'dev') { t.next(); const v = t.value(o); if (v !== undefined) nh.dev = v; }
          else if (o === 'weight') { t.next(); const v = t.uint(o, 256); if (v !== undefined) nh.weight = v; }
          else if (o === 'onlink') { t.next(); nh.onlink = true; }
          else break;
        }
        r.nexthops.push(nh);
        break;
      }
      case 'encap': {
        // encap TYPE ...: keep the rest of the encap spec as text up to a known route word.
        const parts: string[] = [];
        while (!t.done && !['dev', 'table', 'metric', 'via', 'src', 'no_track', 'track_group', 'nexthop'].includes(t.peek() ?? '')) parts.push(t.next() ?? '');
        if (parts.length === 0) t.error("'encap' needs a type");
        r.options.encap = parts.join(' ');
        break;
      }
      default:
        if (ROUTE_VALUE_OPTS.has(w) || ROUTE_LOCK_OPTS.has(w)) {
          let v = t.value(w);
          if (v === 'lock' && ROUTE_LOCK_OPTS.has(w)) v = `lock ${t.value(w) ?? ''}`;
          if (v !== undefined) r.options[w] = v;
        } else if (!dst && /^[0-9a-fA-F:.]+(\/\d+)?$|^default$/.test(w)) {
          if (w === 'default') setDst({ family: family ?? 4, address: family === 6 ? '::' : '0.0.0.0', prefixLen: 0 });
          else setDst(t.prefix('destination', w));
        } else {
          // keepalived skips the whole route on an unknown word.
          t.error(`unknown route option '${w}' - ignoring the route`);
          return undefined;
        }
    }
  }
  if (!dst) {
    if (!bad) t.error('no destination given');
    return undefined;
  }
  const fam = (dst as IpPrefix).family;
  for (const a of [r.src, r.via, r.orVia, ...r.nexthops.map((n) => n.via)]) {
    if (a && a.family !== fam) { t.error(`address ${a.address} is not the family of the destination`); return undefined; }
  }
  return bad ? undefined : { ...r, dst: dst as IpPrefix };
}

const RULE_ACTIONS = ['blackhole', 'unreachable', 'prohibit', 'nop'] as const;
const RULE_VALUE_OPTS = new Set(['tos', 'dsfield', 'realms', 'uidrange', 'protocol', 'ipproto', 'sport', 'dport',
  'suppress_prefixlength', 'suppress_ifgroup', 'tunnel-id', 'type']);

/** One rule line. */
export function parseRuleLine(ctx: BuildContext, node: ConfigNode, kind: EntryKind): RuleEntry | undefined {
  const what = kind === 'virtual' ? 'virtual rule' : 'static rule';
  const t = new Tokens([node.keyword, ...node.args], ctx, node, what);
  const r: Omit<RuleEntry, 'family'> = { loc: node.loc, not: false, options: {}, noTrack: false };
  let family: 4 | 6 | undefined;
  let bad = false;
  while (!t.done) {
    const w = t.next() ?? '';
    switch (w) {
      case 'not': r.not = true; break;
      case 'from': { const v = t.value(w); if (v === 'all') break; const p = v === undefined ? undefined : t.prefix(w, v); if (p) r.from = p; else bad = true; break; }
      case 'to': { const v = t.value(w); if (v === 'all') break; const p = v === undefined ? undefined : t.prefix(w, v); if (p) r.to = p; else bad = true; break; }
      case 'priority': case 'preference': case 'order': case 'pref': { const v = t.uint(w); if (v !== undefined) r.priority = v; break; }
      case 'table': case 'lookup': { const v = t.value(w); if (v !== undefined) r.table = v; break; }
      case 'iif': case 'dev': { const v = t.value(w); if (v !== undefined) r.iif = v; break; }
      case 'oif': { const v = t.value(w); if (v !== undefined) r.oif = v; break; }
      case 'fwmark': {
        const v = t.value(w);
        if (v === undefined) break;
        const [m, mask] = v.split('/');
        const n = (x: string | undefined): number | undefined => (x !== undefined && /^(0x[0-9a-fA-F]+|\d+)$/.test(x) ? Number(x) : undefined);
        const mv = n(m);
        if (mv === undefined || (mask !== undefined && n(mask) === undefined)) { t.error(`invalid fwmark '${v}'`); bad = true; break; }
        r.fwmark = mv;
        const mk = n(mask);
        if (mk !== undefined) r.fwmask = mk;
        break;
      }
      case 'goto': { const v = t.uint(w); if (v !== undefined) { r.action = 'goto'; r.gotoTarget = v; } break; }
      case 'l3mdev': r.options.l3mdev = ''; break;
      case 'inet': family = 4; break;
      case 'inet6': family = 6; break;
      case 'no_track':
        if (kind === 'static') t.error("'no_track' is only for virtual rules");
        else r.noTrack = true;
        break;
      case 'track_group': {
        const v = t.value(w);
        if (kind === 'virtual') t.error("'track_group' is only for static rules");
        else if (v !== undefined) r.trackGroup = v;
        break;
      }
      default:
        if ((RULE_ACTIONS as readonly string[]).includes(w)) r.action = w as RuleEntry['action'];
        else if (RULE_VALUE_OPTS.has(w)) { const v = t.value(w); if (v !== undefined) r.options[w] = v; }
        else { t.error(`unknown rule option '${w}' - ignoring the rule`); return undefined; }
    }
  }
  const fams = [r.from?.family, r.to?.family].filter((x): x is 4 | 6 => x !== undefined);
  if (fams.length === 2 && fams[0] !== fams[1]) { t.error('from and to are different address families'); return undefined; }
  // Neither addresses nor inet/inet6: keepalived assumes IPv4.
  const fam = fams[0] ?? family ?? 4;
  if (family !== undefined && family !== fam) { t.error('inet/inet6 does not match the addresses'); return undefined; }
  return bad ? undefined : { ...r, family: fam };
}
