// Link and address changes as typed events, from rtnetlink's multicast groups: the kernel
// sends them as the change happens, so a VRRP instance hears of a carrier loss or a VIP
// someone deleted within a millisecond, without polling.
import type { NetlinkConnection } from './netlink/connection.js';
import { NetlinkProtocol } from './netlink/constants.js';
import { openNetlink } from './netlink/open.js';
import type { NetlinkMessage } from './netlink/message.js';
import { RtmType, RtnlGroup } from './rtnetlink/constants.js';
import { decodeLink, encodeDumpLinks, type Link } from './rtnetlink/link.js';
import { decodeAddress, type Address } from './rtnetlink/address.js';
import { decodeRoute, type Route } from './rtnetlink/route.js';

export type LinkEvent =
  /** A link appeared (created, or moved into this namespace). */
  | { kind: 'link-new'; link: Link }
  /** A link became usable: administratively up with carrier. */
  | { kind: 'link-up'; link: Link }
  /** A link stopped being usable: set down, or its carrier went. */
  | { kind: 'link-down'; link: Link }
  | { kind: 'link-rename'; link: Link; oldName: string }
  /** Something else changed (MTU, MAC, flags) with the usable state unchanged. */
  | { kind: 'link-change'; link: Link }
  | { kind: 'link-delete'; link: Link }
  /** `ifname` is the name of link `address.index` as last known (absent if unknown). */
  | { kind: 'address-add'; address: Address; ifname?: string }
  | { kind: 'address-delete'; address: Address; ifname?: string }
  | { kind: 'route-add'; route: Route }
  | { kind: 'route-delete'; route: Route }
  /** The kernel dropped events (receive queue overflow): re-read the state you track. */
  | { kind: 'overrun' };

export interface LinkMonitorOptions {
  /** Also report IPv4/IPv6 route changes. */
  routes?: boolean;
}

/** A link is usable when set up and its carrier is present. */
export function linkUsable(l: Link): boolean {
  return l.up && l.lowerUp;
}

export class LinkMonitor {
  private readonly known = new Map<number, Link>();
  private readonly handlers = new Set<(e: LinkEvent) => void>();
  /** False until the first listing: until then links are learned, not reported. */
  private started = false;

  /** `conn` is a connection of its own (see NetlinkConnection on why not to share one). */
  constructor(
    readonly conn: NetlinkConnection,
    readonly options: LinkMonitorOptions = {},
  ) {}

  /** A started monitor on a NETLINK_ROUTE socket of its own. */
  static async open(options: LinkMonitorOptions = {}): Promise<LinkMonitor> {
    const m = new LinkMonitor(openNetlink(NetlinkProtocol.ROUTE), options);
    try {
      await m.start();
    } catch (e) {
      m.close();
      throw e;
    }
    return m;
  }

  /** Joins the groups, then reads the current links so changes can be told from news. */
  async start(): Promise<void> {
    const groups: number[] = [RtnlGroup.LINK, RtnlGroup.IPV4_IFADDR, RtnlGroup.IPV6_IFADDR];
    if (this.options.routes) groups.push(RtnlGroup.IPV4_ROUTE, RtnlGroup.IPV6_ROUTE);
    for (const g of groups) this.conn.subscribe(g);
    this.conn.onEvent((m) => this.handle(m));
    this.conn.onOverrun(() => {
      this.emit({ kind: 'overrun' });
      void this.resync();
    });
    await this.resync();
  }

  /** Registers a handler; returns a function that unregisters it. */
  on(handler: (e: LinkEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** The links as last reported, by index. */
  links(): ReadonlyMap<number, Link> {
    return this.known;
  }

  linkByName(name: string): Link | undefined {
    for (const l of this.known.values()) if (l.name === name) return l;
    return undefined;
  }

  close(): void {
    this.handlers.clear();
    this.conn.close();
  }

  /**
   * Reads every link. The first time it just learns them; after an overrun it reports
   * what changed while events were being dropped, as if they had arrived.
   */
  private async resync(): Promise<void> {
    let fresh: Link[];
    try {
      const replies = await this.conn.dump({ type: RtmType.GETLINK, payload: encodeDumpLinks(), operation: 'listing links' });
      fresh = replies.filter((m) => m.type === RtmType.NEWLINK).map((m) => decodeLink(m.payload));
    } catch {
      // Closed meanwhile, or overrun again: the next overrun tries again.
      return;
    }
    if (!this.started) {
      this.known.clear();
      for (const l of fresh) this.remember(l);
      this.started = true;
      return;
    }
    const seen = new Set<number>();
    for (const l of fresh) {
      seen.add(l.index);
      this.linkChanged(l, true);
    }
    for (const [index, l] of [...this.known]) {
      if (seen.has(index)) continue;
      this.known.delete(index);
      this.emit({ kind: 'link-delete', link: l });
    }
  }

  private remember(l: Link): void {
    this.known.set(l.index, l);
  }

  private emit(e: LinkEvent): void {
    for (const h of this.handlers) {
      try {
        h(e);
      } catch {
        // A handler's bug must not stop the others hearing of the change.
      }
    }
  }

  private handle(m: NetlinkMessage): void {
    try {
      switch (m.type) {
        case RtmType.NEWLINK:
          return this.linkChanged(decodeLink(m.payload));
        case RtmType.DELLINK: {
          const l = decodeLink(m.payload);
          this.known.delete(l.index);
          if (this.started) this.emit({ kind: 'link-delete', link: l });
          return;
        }
        case RtmType.NEWADDR:
        case RtmType.DELADDR: {
          const address = decodeAddress(m.payload);
          const ifname = this.known.get(address.index)?.name;
          const kind = m.type === RtmType.NEWADDR ? 'address-add' : 'address-delete';
          return this.emit(ifname === undefined ? { kind, address } : { kind, address, ifname });
        }
        case RtmType.NEWROUTE:
          if (this.options.routes) this.emit({ kind: 'route-add', route: decodeRoute(m.payload) });
          return;
        case RtmType.DELROUTE:
          if (this.options.routes) this.emit({ kind: 'route-delete', route: decodeRoute(m.payload) });
          return;
        default:
          return;
      }
    } catch {
      // A message we cannot decode is skipped, never fatal.
    }
  }

  private linkChanged(l: Link, quietIfSame = false): void {
    const before = this.known.get(l.index);
    this.remember(l);
    if (!this.started) return;
    if (!before) {
      this.emit({ kind: 'link-new', link: l });
      return;
    }
    if (quietIfSame && sameLink(before, l)) return;
    if (before.name !== l.name) this.emit({ kind: 'link-rename', link: l, oldName: before.name });
    const was = linkUsable(before);
    const is = linkUsable(l);
    if (was !== is) this.emit({ kind: is ? 'link-up' : 'link-down', link: l });
    else if (before.name === l.name) this.emit({ kind: 'link-change', link: l });
  }
}

function sameLink(a: Link, b: Link): boolean {
  return a.name === b.name && a.flags === b.flags && a.operState === b.operState && a.mtu === b.mtu && a.mac === b.mac && a.masterIndex === b.masterIndex;
}
