// VMAC (use_vmac): the pure part. An instance with a VMAC owns a macvlan in private mode on
// its interface, with the VRRP virtual router MAC of RFC 5798 §7.3 (00:00:5e:00:01:VRID for
// IPv4, 00:00:5e:00:02:VRID for IPv6); its VIPs live on the macvlan, and its adverts leave
// from it (so their Ethernet source is the virtual MAC) unless vmac_xmit_base sends them
// from the parent. The OS side (creating the link, sysctls) is src/vrrp/os/vmac.ts.
import type { AddressFamily } from './addr.js';
import type { FaultReason } from './fsm.js';

/** Where an instance's VMAC is and what it looks like (VrrpInstanceSpec.vmac). */
export interface VmacPlacement {
  /** The macvlan's name (`vrrp.VRID` by default). */
  name: string;
  /** Its MAC, lower case, colon separated. */
  mac: string;
  /** vmac_xmit_base: adverts are sent and received on the parent, not the VMAC. */
  xmitBase: boolean;
  /**
   * `use_vmac ... netlink_notify_msg`: after making or deleting the VMAC, have the kernel
   * announce the parent (RTM_NEWLINK) by setting its group to what it is. A parent without
   * unicast filtering (a bridge) changes promiscuity for the macvlan and the kernel says
   * nothing, so other netlink listeners would hold a stale view of it.
   */
  netlinkNotifyMsg?: boolean;
}

/** A VMAC for addresses on another interface or of the other family (keepalived's use_vmac_addr). */
export interface AddressVmac {
  name: string;
  /** The interface it is made on. */
  parent: string;
  mac: string;
  family: AddressFamily;
}

/** Linux's IFNAMSIZ less the NUL. */
export const MAX_IFNAME = 15;

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * The VMAC's MAC: the configured one (a 5-octet one gets the VRID as its sixth octet, as
 * keepalived does), else the RFC 5798 virtual router MAC for the family and VRID.
 */
export function vmacAddress(family: AddressFamily, vrid: number, configured?: string): string {
  if (configured !== undefined) {
    const octets = configured.split(':').map((o) => hex2(parseInt(o, 16)));
    if (octets.length === 5) octets.push(hex2(vrid));
    return octets.join(':');
  }
  return `00:00:5e:00:${family === 'inet6' ? '02' : '01'}:${hex2(vrid)}`;
}

/** The modified EUI-64 link-local address (RFC 4291 App. A) made from a MAC. */
export function eui64LinkLocal(mac: string): string {
  const b = mac.split(':').map((o) => parseInt(o, 16));
  if (b.length !== 6 || b.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`not a MAC address: ${mac}`);
  const [m0, m1, m2, m3, m4, m5] = b as [number, number, number, number, number, number];
  const group = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
  return `fe80::${group(m0 ^ 0x02, m1)}:${group(m2, 0xff)}:${group(0xfe, m3)}:${group(m4, m5)}`;
}

/** `PREFIX.VRID`, the prefix shortened so that the name fits IFNAMSIZ. */
function vmacName(prefix: string, num: string, vrid: number): string {
  const tail = `${num}.${vrid}`;
  return `${prefix.slice(0, Math.max(0, MAX_IFNAME - tail.length))}${tail}`;
}

/**
 * A default VMAC name not used by another instance: `vrrp.VRID`, then (as keepalived does)
 * `vrrp6.VRID` for an IPv6 instance, then `vrrp1.VRID`, `vrrp2.VRID`, ...
 */
export function defaultVmacName(prefix: string, vrid: number, family: AddressFamily, taken: ReadonlySet<string>): string {
  const order = family === 'inet6' ? ['', '6', '1', '2', '3', '4', '5', '7', '8', '9'] : ['', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  for (let i = 0; ; i++) {
    const num = order[i] ?? String(i);
    const name = vmacName(prefix, num, vrid);
    if (!taken.has(name)) return name;
  }
}

/** The interface an instance sends and receives adverts on. */
export function advertInterface(spec: { interface?: string; vmac?: VmacPlacement }): string | undefined {
  return spec.vmac && !spec.vmac.xmitBase ? spec.vmac.name : spec.interface;
}

/** The interface its VIPs without `dev` go on. */
export function vipInterface(spec: { interface?: string; vmac?: VmacPlacement }): string | undefined {
  return spec.vmac?.name ?? spec.interface;
}

/** VIPs then excluded VIPs, each with its interface (`dev`, else vipInterface) when it has one. */
export function placedAddresses<V extends { device?: string }>(spec: { interface?: string; vmac?: VmacPlacement; vips?: readonly V[]; excludedVips?: readonly V[] }): V[] {
  const own = vipInterface(spec);
  return [...(spec.vips ?? []), ...(spec.excludedVips ?? [])].map((v) => (v.device === undefined && own !== undefined ? { ...v, device: own } : v));
}

/** What linkFaults reads of a spec. */
export interface LinkFaultSpec {
  interface?: string;
  vmac?: VmacPlacement;
  vips?: readonly { device?: string; noTrack?: boolean }[];
  excludedVips?: readonly { device?: string; noTrack?: boolean }[];
}

/**
 * The links an instance depends on, and the fault each one's loss raises: its interface (and
 * VMAC), and, as keepalived tracks them (TRACK_ADDR), every other interface a VIP or excluded
 * VIP lives on, unless the address says `no_track` (a use_vmac_addr VMAC is such an interface).
 */
export function linkFaults(spec: LinkFaultSpec): Array<[string, FaultReason]> {
  const out: Array<[string, FaultReason]> = [];
  if (spec.interface !== undefined) {
    // keepalived: the parent's loss is BASE_INTERFACE_DOWN, the VMAC's own INTERFACE_DOWN.
    if (spec.vmac) out.push([spec.interface, 'base-interface'], [spec.vmac.name, 'interface']);
    else out.push([spec.interface, 'interface']);
  }
  const seen = new Set<string>([spec.interface ?? '', spec.vmac?.name ?? '']);
  for (const v of placedAddresses(spec)) {
    const dev = v.device;
    if (v.noTrack || dev === undefined || seen.has(dev)) continue;
    seen.add(dev);
    out.push([dev, `vip-interface:${dev}`]);
  }
  return out;
}
