// VMACs on the real system: the macvlans of use_vmac instances, made over rtnetlink, with
// the interface settings keepalived gives them written to /proc/sys, and undone on exit.
//
// An IPv4 VMAC gets arp_ignore=1 (it must not answer ARP for the parent's addresses),
// accept_local=1 (it hears adverts from another instance of this host), rp_filter=0 (it
// has no address of its own, so reverse-path filtering would drop every advert) and
// promote_secondaries=1; IPv6 is turned off on it. Its parent gets arp_ignore=1 and
// arp_filter=1 (it must not answer ARP for the VIPs); since the effective rp_filter is the
// larger of the interface's and "all", a non-zero all.rp_filter is moved onto every
// interface and "all" set to 0. An IPv6 VMAC makes no link-local address of its own
// (RFC 5798 §7.4); it gets the instance's source address (the parent's link-local) so that
// adverts leave it from a real address with the virtual MAC.
import type { AddressFamily } from '../addr.js';
import type { Link, RtnetlinkClient } from '../../net/rtnetlink.js';
import type { VrrpInstanceSpec } from '../spec.js';
import { eui64LinkLocal, type VmacPlacement } from '../vmac.js';
import { ipv4Conf, ipv6Conf, type SysctlPort } from './sysctl.js';
import type { VrrpFirewall } from './firewall.js';

const IGMP_LINK_LOCAL_REPORTS = 'net/ipv4/igmp_link_local_mcast_reports';

/** What the manager needs of the rtnetlink client (a test passes a fake). */
export type VmacNetlink = Pick<RtnetlinkClient, 'link' | 'addresses' | 'createMacvlan' | 'deleteLink' | 'setLinkUp' | 'setAddrGenMode' | 'setLinkGroup' | 'changeAddresses'>;

export interface VmacRequest {
  instance: string;
  /** The configured interface the macvlan is made on. */
  parent: string;
  vmac: VmacPlacement;
  family: AddressFamily;
  /** IPv6: the link-local address to put on the VMAC (adverts are sent from it). */
  linkLocal?: string;
  /** An IPv4 instance with IPv6 eVIPs keeps IPv6 on. */
  keepIpv6?: boolean;
}

interface Owned {
  instance: string;
  parent: string;
  family: AddressFamily;
  notifyParent: boolean;
  /** Its IGMP/MLD reports are dropped by the firewall. */
  reportsBlocked: boolean;
}

export interface VmacManagerOptions {
  /** Keeps IGMP/MLD reports off the VMACs (firewall.ts). */
  firewall?: Pick<VrrpFirewall, 'setVmac'>;
  /**
   * IPv4 VMACs' IGMP reports are dropped too (default); false with disable_local_igmp, which
   * stops reports for link-local groups host-wide instead (as keepalived).
   */
  ipv4Reports?: boolean;
}

interface ParentSettings {
  users: number;
  /** Settings we changed, with the value to put back. */
  saved: Map<string, number>;
}

const VMAC_IPV4_SETTINGS: ReadonlyArray<[string, number]> = [
  ['arp_ignore', 1],
  ['accept_local', 1],
  ['rp_filter', 0],
  ['promote_secondaries', 1],
];
const PARENT_IPV4_SETTINGS: ReadonlyArray<[string, number]> = [
  ['arp_ignore', 1],
  ['arp_filter', 1],
];

function errorCode(e: unknown): string | undefined {
  return (e as { code?: string } | null)?.code;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class VmacManager {
  private readonly owned = new Map<string, Owned>();
  private readonly parents = new Map<string, ParentSettings>();
  /** all.rp_filter as found, and what we raised to it, while we hold it at 0. */
  private rpFilter: { all: number; previous: Map<string, number> } | undefined;

  /** net.ipv4.igmp_link_local_mcast_reports as it was before disable_local_igmp set it to 0. */
  private linkLocalReports: number | undefined;

  constructor(
    private readonly rt: VmacNetlink,
    private readonly sysctl: SysctlPort,
    private readonly log: (line: string) => void,
    private readonly o: VmacManagerOptions = {},
  ) {}

  /** The VMACs made (or adopted) and not yet removed, by name. */
  names(): string[] {
    return [...this.owned.keys()];
  }

  /**
   * Makes the VMAC (or re-uses a matching macvlan, or replaces a macvlan that does not
   * match), sets it up and returns it; undefined, with the reason logged, when it cannot.
   * Never touches an interface that is not a macvlan.
   */
  async ensure(r: VmacRequest): Promise<Link | undefined> {
    const { name, mac } = r.vmac;
    const who = `(${r.instance})`;
    let parent: Link;
    try {
      parent = await this.rt.link(r.parent);
    } catch (e) {
      this.log(`${who} cannot create VMAC ${name}: interface ${r.parent}: ${message(e)}`);
      return undefined;
    }
    let existing: Link | undefined;
    try {
      existing = await this.rt.link(name);
    } catch {
      existing = undefined;
    }
    if (existing) {
      if (existing.kind !== 'macvlan') {
        this.log(`${who} VMAC ${name} conflicts with an existing interface that is not a macvlan; not using it`);
        return undefined;
      }
      const sameParent = existing.parentIndex === parent.index;
      if (!sameParent || existing.mac !== mac || existing.macvlanMode !== 'private') {
        this.log(`${who} removing old VMAC interface ${name} (${sameParent ? 'wrong MAC or mode' : 'on another interface'})`);
        try {
          await this.rt.deleteLink(existing.index);
        } catch (e) {
          this.log(`${who} error removing VMAC interface ${name}: ${message(e)}`);
          return undefined;
        }
        existing = undefined;
      } else if (!this.owned.has(name)) {
        this.log(`${who} re-using VMAC interface ${name}`);
      }
    }
    if (!existing) {
      try {
        await this.rt.createMacvlan({ name, parent: parent.index, mac, mode: 'private' });
      } catch (e) {
        this.log(`${who} unable to create VMAC interface ${name}: ${message(e)}`);
        return undefined;
      }
      this.log(`${who} Success creating VMAC interface ${name}`);
      if (r.vmac.netlinkNotifyMsg) await this.announceParent(r.instance, parent.name);
    }
    const firstTime = !this.owned.has(name);
    const blockReports = this.o.firewall !== undefined && (r.family === 'inet6' || this.o.ipv4Reports !== false);
    this.owned.set(name, { instance: r.instance, parent: parent.name, family: r.family, notifyParent: r.vmac.netlinkNotifyMsg === true, reportsBlocked: blockReports });
    // Before the VMAC goes up and joins its groups: its reports would carry the virtual MAC.
    if (blockReports) await this.o.firewall?.setVmac(r.instance, name, r.family, true);
    if (r.family === 'inet') this.applyIpv4Settings(name, parent.name, firstTime);
    this.trySet(ipv6Conf(name, 'disable_ipv6'), r.family === 'inet' && !r.keepIpv6 ? 1 : 0);
    // No automatic EUI-64 link-local: it must be set before the link goes up.
    if (r.family === 'inet6' || r.keepIpv6) {
      await this.rt.setAddrGenMode(name, 'none').catch((e: unknown) => this.log(`${who} error setting IPv6 address generation to none on ${name}: ${message(e)}`));
    }
    try {
      await this.rt.setLinkUp(name, true);
    } catch (e) {
      this.log(`${who} cannot set VMAC ${name} up: ${message(e)}`);
      return undefined;
    }
    if (r.family === 'inet6' && r.linkLocal !== undefined) {
      const [o] = await this.rt.changeAddresses([{ op: 'add', address: `${r.linkLocal}/64`, link: name, flags: ['nodad'] }]);
      if (o && !o.ok && o.error.code !== 'EEXIST') this.log(`${who} adding link-local address ${r.linkLocal} to ${name} failed: ${o.error.message}`);
    }
    try {
      return await this.rt.link(name);
    } catch {
      return undefined;
    }
  }

  /** Deletes a VMAC we made or adopted, and puts its parent's settings back when it was the last. */
  async remove(name: string): Promise<void> {
    const o = this.owned.get(name);
    if (!o) return;
    this.owned.delete(name);
    if (o.family === 'inet') this.releaseParent(o.parent);
    if (o.reportsBlocked) await this.o.firewall?.setVmac(o.instance, name, o.family, false);
    try {
      await this.rt.deleteLink(name);
      this.log(`(${o.instance}) Success removing VMAC interface ${name}`);
      if (o.notifyParent) await this.announceParent(o.instance, o.parent);
    } catch (e) {
      if (errorCode(e) !== 'ENODEV') this.log(`(${o.instance}) error removing VMAC interface ${name}: ${message(e)}`);
    }
  }

  /** netlink_notify_msg: the parent's group set to itself, for the RTM_NEWLINK that follows. */
  private async announceParent(instance: string, parent: string): Promise<void> {
    try {
      const link = await this.rt.link(parent);
      await this.rt.setLinkGroup(link.index, link.group ?? 0);
    } catch (e) {
      this.log(`(${instance}) cannot have ${parent} announced (netlink_notify_msg): ${message(e)}`);
    }
  }

  /** Deletes every VMAC and restores all.rp_filter (daemon exit). */
  async removeAll(): Promise<void> {
    for (const name of [...this.owned.keys()]) await this.remove(name);
    this.restoreRpFilter();
    if (this.linkLocalReports !== undefined) this.trySet(IGMP_LINK_LOCAL_REPORTS, this.linkLocalReports);
    this.linkLocalReports = undefined;
  }

  /** disable_local_igmp: no IGMP reports for 224.0.0.x groups from any interface, until removeAll. */
  stopLinkLocalReports(): void {
    if (this.linkLocalReports !== undefined) return;
    const was = this.sysctl.read(IGMP_LINK_LOCAL_REPORTS);
    if (was === undefined || was === 0) return;
    if (this.trySet(IGMP_LINK_LOCAL_REPORTS, 0)) this.linkLocalReports = was;
  }

  /** Which instance a VMAC belongs to. */
  ownerOf(name: string): string | undefined {
    return this.owned.get(name)?.instance;
  }

  /** The VMAC's own settings (each time: a re-created VMAC has the defaults); the parent's once per VMAC. */
  private applyIpv4Settings(vmac: string, parent: string, newUser: boolean): void {
    if (!this.rpFilter) this.clearAllRpFilter();
    for (const [k, v] of VMAC_IPV4_SETTINGS) this.trySet(ipv4Conf(vmac, k), v);
    if (!newUser) return;
    let p = this.parents.get(parent);
    if (!p) {
      p = { users: 0, saved: new Map() };
      this.parents.set(parent, p);
      for (const [k, v] of PARENT_IPV4_SETTINGS) {
        const path = ipv4Conf(parent, k);
        const was = this.sysctl.read(path);
        if (was === undefined || was === v) continue;
        if (this.trySet(path, v)) p.saved.set(path, was);
      }
    }
    p.users++;
  }

  private releaseParent(parent: string): void {
    const p = this.parents.get(parent);
    if (!p || --p.users > 0) return;
    this.parents.delete(parent);
    for (const [path, v] of p.saved) this.trySet(path, v);
  }

  /**
   * A VMAC needs rp_filter 0, and the kernel uses the larger of the interface's and
   * all.rp_filter: so all.rp_filter's value is moved onto "default" and every interface
   * that had less (nothing filters less than before), then all.rp_filter is set to 0.
   */
  private clearAllRpFilter(): void {
    const allPath = ipv4Conf('all', 'rp_filter');
    const all = this.sysctl.read(allPath);
    this.rpFilter = { all: all ?? 0, previous: new Map() };
    if (all === undefined || all === 0) return;
    for (const ifname of ['default', ...this.sysctl.ipv4Interfaces()]) {
      const path = ipv4Conf(ifname, 'rp_filter');
      const v = this.sysctl.read(path);
      if (v !== undefined && v < all && this.trySet(path, all)) this.rpFilter.previous.set(path, v);
    }
    this.log(`NOTICE: setting sysctl net.ipv4.conf.all.rp_filter from ${all} to 0`);
    this.trySet(allPath, 0);
  }

  /** Puts back what clearAllRpFilter changed, where nobody changed it since. */
  private restoreRpFilter(): void {
    const r = this.rpFilter;
    this.rpFilter = undefined;
    if (!r || r.all === 0) return;
    const allPath = ipv4Conf('all', 'rp_filter');
    if (this.sysctl.read(allPath) === 0) {
      this.log(`NOTICE: resetting sysctl net.ipv4.conf.all.rp_filter to ${r.all}`);
      this.trySet(allPath, r.all);
    }
    for (const [path, v] of r.previous) if (this.sysctl.read(path) === r.all) this.trySet(path, v);
  }

  private trySet(path: string, value: number): boolean {
    try {
      this.sysctl.write(path, value);
      return true;
    } catch (e) {
      // No IPv6 in this kernel, or the interface went: nothing to set.
      if (errorCode(e) !== 'ENOENT') this.log(`cannot set sysctl ${path.replaceAll('/', '.')} to ${value}: ${message(e)}`);
      return false;
    }
  }
}

/**
 * Makes the VMAC of every spec that has one. An IPv6 VMAC gets the instance's source
 * address (the parent's link-local, or one made from the parent's MAC, which then becomes
 * the source address). Instances whose VMAC could not be made are put in `refused`.
 */
export async function ensureVmacs(specs: readonly VrrpInstanceSpec[], rt: VmacNetlink, vmacs: VmacManager, refused: Set<string>): Promise<VrrpInstanceSpec[]> {
  const out: VrrpInstanceSpec[] = [];
  for (const s of specs) {
    for (const av of s.addressVmacs ?? []) {
      const req: VmacRequest = { instance: s.name, parent: av.parent, vmac: { name: av.name, mac: av.mac, xmitBase: false }, family: av.family };
      if (av.family === 'inet6') {
        const ll = await parentLinkLocal(rt, av.parent);
        if (ll !== undefined) req.linkLocal = ll;
      }
      await vmacs.ensure(req);
    }
    if (!s.vmac || s.interface === undefined) {
      out.push(s);
      continue;
    }
    const family = s.family ?? (s.vips[0]?.address.includes(':') ? 'inet6' : 'inet');
    let spec = s;
    const req: VmacRequest = { instance: s.name, parent: s.interface, vmac: s.vmac, family };
    if (family === 'inet6' && !s.vmac.xmitBase) {
      const ll = s.sourceAddress ?? (await parentLinkLocal(rt, s.interface, false));
      if (ll !== undefined) {
        req.linkLocal = ll;
        if (s.sourceAddress === undefined) spec = { ...s, sourceAddress: ll };
      }
    }
    if (family === 'inet' && (s.excludedVips ?? []).some((v) => v.address.includes(':'))) req.keepIpv6 = true;
    const link = await vmacs.ensure(req);
    if (link) refused.delete(s.name);
    else refused.add(s.name);
    out.push(spec);
  }
  return out;
}

/**
 * The link-local address a VMAC on `parent` gets: the parent's own (as keepalived), else
 * the EUI-64 one of the parent's MAC.
 */
async function parentLinkLocal(rt: VmacNetlink, parent: string, askParent = true): Promise<string | undefined> {
  if (askParent) {
    const own = await rt.addresses({ link: parent, family: 6 }).then((as) => as.find((a) => a.address.toLowerCase().startsWith('fe80:'))?.address, () => undefined);
    if (own !== undefined) return own;
  }
  const mac = await rt.link(parent).then((l) => l.mac, () => undefined);
  return mac === undefined ? undefined : eui64LinkLocal(mac);
}
