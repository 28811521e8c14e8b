// The rtnetlink client: links, addresses, routes and rules, as keepalived's VIPs,
// virtual/static routes and rules, and VMACs need them. Speaks to the kernel through a
// NetlinkConnection (any SocketLike: the native addon's, or a test's fake).
import { MessageFlag, NetlinkProtocol } from './netlink/constants.js';
import { openNetlink } from './netlink/open.js';
import { encodeRequest, NetlinkConnection, type BatchResult, type NetlinkConnectionOptions, type NetlinkRequest } from './netlink/connection.js';
import { NetlinkError, errnoNumber } from './netlink/errors.js';
import { formatPrefix, parsePrefix, type IpFamily } from './ip-bytes.js';
import { RtmType, Table } from './rtnetlink/constants.js';
import { decodeLink, encodeDelLink, encodeDumpLinks, encodeGetLink, encodeNewMacvlan, encodeSetAddrGenMode, encodeSetLinkGroup, encodeSetLinkUp, type Link } from './rtnetlink/link.js';
import { decodeAddress, encodeDelAddress, encodeDumpAddresses, encodeNewAddress, type Address, type AddressSpec } from './rtnetlink/address.js';
import { decodeRoute, encodeDelRoute, encodeDumpRoutes, encodeNewRoute, type Nexthop, type Route, type RouteSpec } from './rtnetlink/route.js';
import { decodeRule, encodeDelRule, encodeDumpRules, encodeNewRule, type Rule, type RuleSpec } from './rtnetlink/rule.js';
import type { AddrGenModeName, MacvlanModeName } from './rtnetlink/constants.js';

export type { Link } from './rtnetlink/link.js';
export type { Address, AddressSpec } from './rtnetlink/address.js';
export type { Route, RouteSpec, RouteMetrics, Nexthop } from './rtnetlink/route.js';
export type { Rule, RuleSpec } from './rtnetlink/rule.js';
export * from './rtnetlink/constants.js';

/** An interface by name ("eth0") or index (2). */
export type LinkRef = string | number;

/** An address to add or delete; `link` replaces the codec's numeric index. */
export interface AddressChange extends Omit<AddressSpec, 'index'> {
  link: LinkRef;
}

export interface RouteChange extends Omit<RouteSpec, 'device' | 'nexthops'> {
  /** Output interface. */
  device?: LinkRef;
  nexthops?: Array<Omit<Nexthop, 'device'> & { device?: LinkRef }>;
}

export interface MacvlanOptions {
  name: string;
  parent: LinkRef;
  /** The MAC to give it (00:00:5e:00:01:VRID for a VRRP VMAC). */
  mac?: string;
  /** Default "private", as keepalived's VMACs. */
  mode?: MacvlanModeName;
  up?: boolean;
  /** "none" for an IPv6 VMAC, so that only the link-local address we add is on it. */
  addrGenMode?: AddrGenModeName;
}

/**
 * One address change of a batch. "add" fails with EEXIST when the address is there;
 * "replace" adds it or updates its options (label, flags, lifetimes) in place.
 */
export type AddressOp = ({ op: 'add' | 'replace' } & AddressChange) | ({ op: 'delete' } & Pick<AddressChange, 'address' | 'link' | 'peer'>);

export type RouteInstallMode = 'add' | 'replace' | 'append' | 'prepend';

const ROUTE_MODE_FLAGS: Record<RouteInstallMode, number> = {
  add: MessageFlag.EXCL,
  replace: MessageFlag.REPLACE,
  append: MessageFlag.APPEND,
  prepend: 0,
};

const ROUTE_MODE_WORDS: Record<RouteInstallMode, string> = { add: 'adding', replace: 'replacing', append: 'appending', prepend: 'prepending' };

const OP_WORDS = { add: 'adding', replace: 'replacing', delete: 'deleting' } as const;

export type ChangeOutcome = { ok: true } | { ok: false; error: NetlinkError };

const LINK_HINTS = { ENODEV: 'no such interface' };
const ADDR_ADD_HINTS = { EEXIST: 'address already assigned', ENODEV: 'no such interface', EPERM: 'needs CAP_NET_ADMIN', EACCES: 'needs CAP_NET_ADMIN' };
const ADDR_DEL_HINTS = { EADDRNOTAVAIL: 'address not assigned to the interface', ENODEV: 'no such interface', EPERM: 'needs CAP_NET_ADMIN' };
const ROUTE_ADD_HINTS = {
  EEXIST: 'route already exists',
  ENETUNREACH: 'gateway not reachable on any interface (add its prefix first, or use onlink)',
  ENODEV: 'no such interface',
  EPERM: 'needs CAP_NET_ADMIN',
};
const ROUTE_DEL_HINTS = { ESRCH: 'no such route', ENODEV: 'no such interface', EPERM: 'needs CAP_NET_ADMIN' };
const RULE_ADD_HINTS = { EEXIST: 'rule already exists', EPERM: 'needs CAP_NET_ADMIN' };
const RULE_DEL_HINTS = { ENOENT: 'no such rule', EPERM: 'needs CAP_NET_ADMIN' };
const MACVLAN_HINTS = {
  EEXIST: 'an interface of that name already exists',
  ENODEV: 'no such parent interface',
  EADDRINUSE: 'MAC address already used by another macvlan on that parent',
  EOPNOTSUPP: 'macvlan not supported (kernel module missing?)',
  EPERM: 'needs CAP_NET_ADMIN',
};

function describeRoute(r: { destination: string; family?: IpFamily; type?: string; gateway?: string; table?: number; metric?: number }, dev: string | undefined): string {
  const parts = [r.type && r.type !== 'unicast' ? `${r.type} ` : '', r.destination];
  if (r.gateway) parts.push(` via ${r.gateway}`);
  if (dev) parts.push(` dev ${dev}`);
  if (r.table !== undefined && r.table !== Table.main) parts.push(` table ${r.table}`);
  if (r.metric !== undefined) parts.push(` metric ${r.metric}`);
  return parts.join('');
}

function describeRule(r: RuleSpec): string {
  const parts: string[] = [];
  if (r.invert) parts.push('not');
  parts.push(`from ${r.from ?? 'all'}`);
  if (r.to) parts.push(`to ${r.to}`);
  if (r.iif) parts.push(`iif ${r.iif}`);
  if (r.oif) parts.push(`oif ${r.oif}`);
  if (r.fwmark !== undefined) parts.push(`fwmark 0x${r.fwmark.toString(16)}${r.fwmask !== undefined ? `/0x${r.fwmask.toString(16)}` : ''}`);
  if (r.priority !== undefined) parts.push(`priority ${r.priority}`);
  if (r.goto !== undefined) parts.push(`goto ${r.goto}`);
  else if (r.table !== undefined) parts.push(`lookup ${r.table}`);
  if (r.action && r.action !== 'lookup' && r.action !== 'goto') parts.push(r.action);
  return parts.join(' ');
}

function withPrefix(address: string): string {
  return formatPrefix(parsePrefix(address));
}

/** The request for each address change, or why it cannot be made (bad address, unknown link). */
function addressRequests(changes: AddressOp[], indexes: Map<LinkRef, number | NetlinkError>): Array<NetlinkRequest | NetlinkError> {
  return changes.map((c) => {
    const index = indexes.get(c.link);
    const where = typeof c.link === 'number' ? `ifindex ${c.link}` : c.link;
    let text: string;
    try {
      text = withPrefix(c.address);
    } catch (e) {
      return new NetlinkError({ operation: `${OP_WORDS[c.op]} address ${c.address} on ${where}`, errno: errnoNumber('EINVAL'), hint: (e as Error).message });
    }
    const operation = `${OP_WORDS[c.op]} address ${text} on ${where}`;
    if (index instanceof NetlinkError) return new NetlinkError({ operation, errno: index.errno, hint: 'no such interface' });
    if (index === undefined) return new NetlinkError({ operation, errno: errnoNumber('ENODEV'), hint: 'no such interface' });
    try {
      if (c.op === 'add' || c.op === 'replace') {
        const { op, link: _link, ...spec } = c;
        const flags = MessageFlag.CREATE | (op === 'add' ? MessageFlag.EXCL : MessageFlag.REPLACE);
        return { type: RtmType.NEWADDR, flags, payload: encodeNewAddress({ ...spec, index }), operation, hints: ADDR_ADD_HINTS };
      }
      return { type: RtmType.DELADDR, payload: encodeDelAddress({ address: c.address, index, ...(c.peer ? { peer: c.peer } : {}) }), operation, hints: ADDR_DEL_HINTS };
    } catch (e) {
      return new NetlinkError({ operation, errno: errnoNumber('EINVAL'), hint: (e as Error).message });
    }
  });
}

export class RtnetlinkClient {
  constructor(readonly conn: NetlinkConnection) {}

  /** A client on a new NETLINK_ROUTE socket of the calling process's namespace. */
  static open(options: NetlinkConnectionOptions = {}): RtnetlinkClient {
    return new RtnetlinkClient(openNetlink(NetlinkProtocol.ROUTE, options));
  }

  close(): void {
    this.conn.close();
  }

  // ---- links ----

  async links(): Promise<Link[]> {
    const replies = await this.conn.dump({ type: RtmType.GETLINK, payload: encodeDumpLinks(), operation: 'listing links' });
    return replies.filter((m) => m.type === RtmType.NEWLINK).map((m) => decodeLink(m.payload));
  }

  /** One link; rejects with ENODEV ("no such interface") when it does not exist. */
  async link(ref: LinkRef): Promise<Link> {
    const replies = await this.conn.request({ type: RtmType.GETLINK, payload: encodeGetLink(ref), operation: `getting link ${ref}`, hints: LINK_HINTS });
    const m = replies.find((r) => r.type === RtmType.NEWLINK);
    if (!m) throw new NetlinkError({ operation: `getting link ${ref}`, errno: errnoNumber('ENODEV'), hint: 'no such interface' });
    return decodeLink(m.payload);
  }

  async setLinkUp(ref: LinkRef, up: boolean): Promise<void> {
    const operation = `setting link ${ref} ${up ? 'up' : 'down'}`;
    const index = await this.index(ref, operation);
    await this.conn.request({ type: RtmType.NEWLINK, payload: encodeSetLinkUp(index, up), operation, hints: LINK_HINTS });
  }

  /** Creates a macvlan (a VRRP VMAC) and returns it as the kernel reports it. */
  async createMacvlan(o: MacvlanOptions): Promise<Link> {
    const operation = `creating macvlan ${o.name} on ${o.parent}${o.mac ? ` with MAC ${o.mac}` : ''}`;
    const parentIndex = await this.index(o.parent, operation, 'no such parent interface');
    // The address generation mode can only be set once the link exists, and must be set
    // before it goes up (when the kernel would make its link-local address).
    const upNow = o.up === true && !o.addrGenMode;
    const spec = { name: o.name, parentIndex, mode: o.mode ?? 'private', ...(o.mac ? { mac: o.mac } : {}), ...(upNow ? { up: true } : {}) };
    await this.conn.request({ type: RtmType.NEWLINK, flags: MessageFlag.CREATE | MessageFlag.EXCL, payload: encodeNewMacvlan(spec), operation, hints: MACVLAN_HINTS });
    if (o.addrGenMode) {
      try {
        await this.setAddrGenMode(o.name, o.addrGenMode);
        if (o.up) await this.setLinkUp(o.name, true);
      } catch (e) {
        // Half made is worse than not made: take it away again, then report.
        await this.deleteLink(o.name).catch(() => undefined);
        throw e;
      }
    }
    return this.link(o.name);
  }

  /** Sets how the kernel makes the link's IPv6 link-local address ("none": it makes none). */
  async setAddrGenMode(ref: LinkRef, mode: AddrGenModeName): Promise<void> {
    const operation = `setting IPv6 address generation of ${ref} to ${mode}`;
    const index = await this.index(ref, operation);
    await this.conn.request({ type: RtmType.NEWLINK, payload: encodeSetAddrGenMode(index, mode), operation, hints: LINK_HINTS });
  }

  /** Sets the link's group (IFLA_GROUP); setting the group it has makes the kernel send RTM_NEWLINK for it. */
  async setLinkGroup(ref: LinkRef, group: number): Promise<void> {
    const operation = `setting the group of link ${ref} to ${group}`;
    const index = await this.index(ref, operation);
    await this.conn.request({ type: RtmType.NEWLINK, payload: encodeSetLinkGroup(index, group), operation, hints: LINK_HINTS });
  }

  async deleteLink(ref: LinkRef): Promise<void> {
    const operation = `deleting link ${ref}`;
    const index = await this.index(ref, operation);
    await this.conn.request({ type: RtmType.DELLINK, payload: encodeDelLink(index), operation, hints: LINK_HINTS });
  }

  // ---- addresses ----

  async addresses(filter: { family?: IpFamily; link?: LinkRef } = {}): Promise<Address[]> {
    const index = filter.link === undefined ? undefined : await this.index(filter.link, `listing addresses of ${filter.link}`);
    const replies = await this.conn.dump({ type: RtmType.GETADDR, payload: encodeDumpAddresses(filter.family), operation: 'listing addresses' });
    return replies
      .filter((m) => m.type === RtmType.NEWADDR)
      .map((m) => decodeAddress(m.payload))
      .filter((a) => (index === undefined || a.index === index) && (filter.family === undefined || a.family === filter.family));
  }

  async addAddress(a: AddressChange): Promise<void> {
    const [r] = await this.changeAddresses([{ op: 'add', ...a }]);
    if (r && !r.ok) throw r.error;
  }

  async deleteAddress(a: Pick<AddressChange, 'address' | 'link' | 'peer'>): Promise<void> {
    const [r] = await this.changeAddresses([{ op: 'delete', ...a }]);
    if (r && !r.ok) throw r.error;
  }

  /**
   * Adds and deletes many addresses in as few sendmsg calls as the connection's batch size
   * allows. Each change settles on its own: one refusal (EEXIST) does not stop the rest.
   * Interface names are resolved once per call.
   */
  async changeAddresses(changes: AddressOp[]): Promise<ChangeOutcome[]> {
    const indexes = await this.resolveAll(changes.map((c) => c.link));
    return this.runBatch(addressRequests(changes, indexes));
  }

  /**
   * Encodes what changeAddresses would send for these changes (links given by index) and
   * sends nothing. A caller about to make them in a hurry (a VRRP backup about to take over)
   * runs this first, so that the code is compiled and in cache when it counts.
   */
  rehearseChangeAddresses(changes: AddressOp[]): void {
    const indexes = new Map<LinkRef, number>();
    for (const c of changes) if (typeof c.link === 'number') indexes.set(c.link, c.link);
    for (const r of addressRequests(changes, indexes)) {
      if (!(r instanceof NetlinkError)) encodeRequest(r, 0, false);
    }
  }

  // ---- routes ----

  async routes(filter: { family?: IpFamily; table?: number } = {}): Promise<Route[]> {
    const replies = await this.conn.dump({ type: RtmType.GETROUTE, payload: encodeDumpRoutes(filter.family), operation: 'listing routes' });
    return replies
      .filter((m) => m.type === RtmType.NEWROUTE)
      .map((m) => decodeRoute(m.payload))
      .filter((r) => (filter.table === undefined || r.table === filter.table) && (filter.family === undefined || r.family === filter.family));
  }

  /**
   * Adds a route. `mode` is ip route's verb: "add" (default) fails with EEXIST when the
   * route is there; "replace" overwrites it; "append" adds another route with the same key
   * after it (IPv6 makes them one multipath route); "prepend" adds one before it
   * (keepalived's default for virtual_routes).
   */
  async addRoute(r: RouteChange, opts: { mode?: RouteInstallMode; replace?: boolean } = {}): Promise<void> {
    const mode = opts.mode ?? (opts.replace ? 'replace' : 'add');
    const operation = `${ROUTE_MODE_WORDS[mode]} route ${describeRoute(r, r.device === undefined ? undefined : String(r.device))}`;
    const spec = await this.routeSpec(r, operation);
    await this.conn.request({
      type: RtmType.NEWROUTE,
      flags: MessageFlag.CREATE | ROUTE_MODE_FLAGS[mode],
      payload: this.encode(() => encodeNewRoute(spec), operation),
      operation,
      hints: ROUTE_ADD_HINTS,
    });
  }

  async deleteRoute(r: RouteChange): Promise<void> {
    const operation = `deleting route ${describeRoute(r, r.device === undefined ? undefined : String(r.device))}`;
    const spec = await this.routeSpec(r, operation);
    await this.conn.request({ type: RtmType.DELROUTE, payload: this.encode(() => encodeDelRoute(spec), operation), operation, hints: ROUTE_DEL_HINTS });
  }

  // ---- rules ----

  async rules(filter: { family?: IpFamily } = {}): Promise<Rule[]> {
    const replies = await this.conn.dump({ type: RtmType.GETRULE, payload: encodeDumpRules(filter.family), operation: 'listing rules' });
    return replies
      .filter((m) => m.type === RtmType.NEWRULE)
      .map((m) => decodeRule(m.payload))
      .filter((r) => filter.family === undefined || r.family === filter.family);
  }

  async addRule(r: RuleSpec): Promise<void> {
    const operation = `adding rule ${describeRule(r)}`;
    await this.conn.request({ type: RtmType.NEWRULE, flags: MessageFlag.CREATE | MessageFlag.EXCL, payload: this.encode(() => encodeNewRule(r), operation), operation, hints: RULE_ADD_HINTS });
  }

  async deleteRule(r: RuleSpec): Promise<void> {
    const operation = `deleting rule ${describeRule(r)}`;
    await this.conn.request({ type: RtmType.DELRULE, payload: this.encode(() => encodeDelRule(r), operation), operation, hints: RULE_DEL_HINTS });
  }

  // ---- helpers ----

  /**
   * An interface's index; names are looked up. When it does not exist the ENODEV error
   * names `operation` (what the caller was doing), not the lookup.
   */
  async index(ref: LinkRef, operation?: string, hint = 'no such interface'): Promise<number> {
    if (typeof ref === 'number') return ref;
    try {
      return (await this.link(ref)).index;
    } catch (e) {
      if (operation === undefined || !(e instanceof NetlinkError)) throw e;
      throw new NetlinkError({ operation, errno: e.errno, ...(e.code === 'ENODEV' ? { hint } : {}) });
    }
  }

  /** Bad input (a malformed prefix) becomes an EINVAL naming the operation; nothing is sent. */
  private encode(build: () => Buffer, operation: string): Buffer {
    try {
      return build();
    } catch (e) {
      throw new NetlinkError({ operation, errno: errnoNumber('EINVAL'), hint: (e as Error).message });
    }
  }

  private async routeSpec(r: RouteChange, operation: string): Promise<RouteSpec> {
    const { device, nexthops, ...rest } = r;
    const spec: RouteSpec = { ...rest };
    if (device !== undefined) spec.device = await this.index(device, operation);
    if (nexthops) {
      spec.nexthops = [];
      for (const { device: dev, ...hop } of nexthops) spec.nexthops.push(dev === undefined ? hop : { ...hop, device: await this.index(dev, operation) });
    }
    return spec;
  }

  /** Indexes of every distinct name, or the error looking it up (one request per name). */
  private async resolveAll(refs: LinkRef[]): Promise<Map<LinkRef, number | NetlinkError>> {
    const out = new Map<LinkRef, number | NetlinkError>();
    for (const ref of new Set(refs)) {
      try {
        out.set(ref, await this.index(ref));
      } catch (e) {
        if (!(e instanceof NetlinkError)) throw e;
        out.set(ref, e);
      }
    }
    return out;
  }

  private async runBatch(reqs: Array<NetlinkRequest | NetlinkError>): Promise<ChangeOutcome[]> {
    const toSend = reqs.filter((r): r is NetlinkRequest => !(r instanceof NetlinkError));
    const sent: BatchResult[] = await this.conn.batch(toSend);
    let i = 0;
    return reqs.map((r) => {
      if (r instanceof NetlinkError) return { ok: false, error: r };
      const res = sent[i++]!;
      return res.ok ? { ok: true } : { ok: false, error: res.error };
    });
  }
}
