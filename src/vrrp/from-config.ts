// Maps the typed configuration (src/config/model.ts, defaults and strict-mode corrections
// already applied there) to the VRRP runtime's VrrpInstanceSpec. What the model cannot
// know, the interface's current primary address, comes from the caller.

import type { AddressEntry, GlobalDefs, KeepalivedConfig, VrrpInstance as ModelInstance } from '../config/model.js';
import type { AddressFamily } from './addr.js';
import type { VipSpec, VrrpInstanceSpec } from './spec.js';
import type { SyncGroupSpec } from './sync-group.js';
import { defaultVmacName, placedAddresses, vipInterface, vmacAddress, type AddressVmac, type VmacPlacement } from './vmac.js';

export interface FromConfigOptions {
  /**
   * The address adverts are sent from when neither unicast_src_ip nor mcast_src_ip is
   * configured: the interface's primary IPv4 address, or its IPv6 link-local address.
   */
  primaryAddress?: (ifname: string, family: AddressFamily) => string | undefined;
  /** The VMAC name to use for an instance with use_vmac (default: the model's). */
  vmacName?: (i: ModelInstance) => string;
}

function vip(e: AddressEntry): VipSpec {
  const v: VipSpec = { address: e.prefix.address, prefixLength: e.prefix.prefixLen, noTrack: e.noTrack };
  if (e.dev !== undefined) v.device = e.dev;
  if (e.label !== undefined) v.label = e.label;
  if (e.broadcast !== undefined) v.broadcast = e.broadcast;
  if (e.scope !== undefined) v.scope = String(e.scope);
  return v;
}

export function vrrpSpecFromModel(i: ModelInstance, g: GlobalDefs, opts: FromConfigOptions = {}): VrrpInstanceSpec {
  const family: AddressFamily = i.family === 6 ? 'inet6' : 'inet';
  const spec: VrrpInstanceSpec = {
    name: i.name,
    vrid: i.vrid,
    version: i.version,
    family,
    initialState: i.state,
    priority: i.priority,
    advertIntSec: i.advertIntUs / 1_000_000,
    vips: i.virtualIpaddress.map(vip),
    excludedVips: i.virtualIpaddressExcluded.map(vip),
    unicastPeers: i.unicastPeers.map((p) => {
      const peer: { address: string; minTtl?: number; maxTtl?: number } = { address: p.address.address };
      if (p.minTtl !== undefined) peer.minTtl = p.minTtl;
      if (p.maxTtl !== undefined) peer.maxTtl = p.maxTtl;
      return peer;
    }),
    nopreempt: i.nopreempt,
    preemptDelaySec: i.preemptDelayUs / 1_000_000,
    downTimerAdverts: i.downTimerAdverts,
    lowerPrioNoAdvert: i.lowerPrioNoAdvert,
    higherPrioSendAdvert: i.higherPrioSendAdvert,
    ownerIgnoreAdverts: i.ownerIgnoreAdverts,
    skipCheckAdvAddr: i.skipCheckAdvAddr,
    checkUnicastSource: i.checkUnicastSrc || g.vrrpCheckUnicastSrc,
    accept: i.accept,
    strict: i.strict,
    v3ChecksumAsV2: i.v3ChecksumAsV2,
    unicastChecksum: i.oldUnicastChecksum ?? 'auto',
    oldChecksumGroup: g.vrrpMcastGroup4.address,
    dontTrackPrimary: i.dontTrackPrimary,
    startupDelaySec: g.vrrpStartupDelayUs / 1_000_000,
    garp: {
      masterDelaySec: i.garp.masterDelayUs / 1_000_000,
      masterRepeat: i.garp.masterRepeat,
      masterRefreshSec: i.garp.masterRefreshUs / 1_000_000,
      masterRefreshRepeat: i.garp.masterRefreshRepeat,
      lowerPrioDelaySec: i.garp.lowerPrioDelayUs / 1_000_000,
      lowerPrioRepeat: i.garp.lowerPrioRepeat,
    },
  };
  if (i.interface !== undefined) spec.interface = i.interface;
  if (i.vmac && i.interface !== undefined) {
    const vmac: VmacPlacement = { name: opts.vmacName?.(i) ?? i.vmac.name, mac: vmacAddress(family, i.vrid, i.vmac.mac), xmitBase: i.vmacXmitBase };
    if (i.vmac.netlinkNotifyMsg) vmac.netlinkNotifyMsg = true;
    spec.vmac = vmac;
    // As keepalived: addresses of the instance's family on its interface (the model has
    // filled in `dev` for those without) live on the VMAC; others stay where they are.
    const onVmac = (v: VipSpec): VipSpec => (v.device === i.interface && v.address.includes(':') === (family === 'inet6') ? { ...v, device: vmac.name } : v);
    spec.vips = spec.vips.map(onVmac);
    if (spec.excludedVips) spec.excludedVips = spec.excludedVips.map(onVmac);
  }
  if (i.unicastTtl !== undefined) spec.unicastTtl = i.unicastTtl;
  if (i.authentication) spec.auth = { type: i.authentication.type === 'AH' ? 'ah' : 'pass', password: i.authentication.password };
  const group = i.mcastDstIp?.address ?? (family === 'inet' ? g.vrrpMcastGroup4.address : g.vrrpMcastGroup6.address);
  spec.multicastGroup = group;
  const src = i.unicastSrcIp?.address ?? i.mcastSrcIp?.address ?? (i.interface !== undefined ? opts.primaryAddress?.(i.interface, family) : undefined);
  if (src !== undefined) spec.sourceAddress = src;
  return spec;
}

export function vrrpSpecsFromConfig(cfg: KeepalivedConfig, opts: FromConfigOptions = {}): VrrpInstanceSpec[] {
  const names = vmacNames(cfg);
  const specs = cfg.vrrpInstances.map((i) => vrrpSpecFromModel(i, cfg.global, { vmacName: (m) => names.get(m.name) ?? m.vmac?.name ?? '', ...opts }));
  placeAddressVmacs(cfg, specs, new Set(names.values()));
  const ours = new Set<string>(names.values());
  for (const s of specs) for (const av of s.addressVmacs ?? []) ours.add(av.name);
  cfg.vrrpInstances.forEach((i, n) => {
    const spec = specs[n];
    const setting = i.garpExtraIf ?? cfg.global.vrrpGarpExtraIf;
    if (spec && setting && setting.intervalS > 0) {
      const addresses = extraIfAddresses(spec, setting.all, ours);
      if (addresses.length > 0) spec.extraIfAnnounce = { intervalSec: setting.intervalS, addresses };
    }
  });
  return specs;
}

/**
 * garp_extra_if's interfaces, as keepalived picks them: those of the VIPs then the excluded
 * VIPs, each once, with the first address on it; only our own VMACs unless `all`; never the
 * interface whose MAC the adverts already refresh (the instance's VMAC, or its interface),
 * except a VMAC whose adverts go out on the base interface (vmac_xmit_base). Off altogether
 * (empty) when no address is on another of our VMACs, or, with `all`, on another interface.
 */
export function extraIfAddresses(spec: VrrpInstanceSpec, all: boolean, ourInterfaces: ReadonlySet<string>): VipSpec[] {
  const own = vipInterface(spec);
  const xmitBase = spec.vmac?.xmitBase === true;
  const addrs = placedAddresses(spec);
  // Off unless some address is on one of our other VMACs, or (with `all`) on another interface.
  const others = addrs.flatMap((v) => (v.device !== undefined && v.device !== own ? [v.device] : []));
  if (!others.some((d) => ourInterfaces.has(d)) && !(all && others.length > 0)) return [];
  const seen = new Set<string>();
  const out: VipSpec[] = [];
  for (const v of addrs) {
    const dev = v.device;
    if (dev === undefined || seen.has(dev)) continue;
    if (!all && !ourInterfaces.has(dev)) continue;
    if (dev === own && !xmitBase) continue;
    seen.add(dev);
    out.push(v);
  }
  return out;
}

/**
 * keepalived's VMACs for addresses: an address with `use_vmac`, or with the instance's
 * `use_vmac_addr` one on another interface or of the other family, goes on a VMAC of its
 * interface (named from vmac_addr_prefix, MAC of the address's family, or the configured
 * one). One VMAC per interface and MAC, shared by the addresses that need it.
 */
function placeAddressVmacs(cfg: KeepalivedConfig, specs: VrrpInstanceSpec[], taken: Set<string>): void {
  const byParentMac = new Map<string, AddressVmac>();
  cfg.vrrpInstances.forEach((i, n) => {
    const spec = specs[n];
    if (!spec) return;
    const family: AddressFamily = i.family === 6 ? 'inet6' : 'inet';
    const place = (entries: readonly AddressEntry[], vips: VipSpec[]): VipSpec[] =>
      vips.map((v, k) => {
        const e = entries[k];
        const dev = v.device;
        if (!e || dev === undefined || (spec.vmac && dev === spec.vmac.name)) return v;
        const fam: AddressFamily = e.prefix.address.includes(':') ? 'inet6' : 'inet';
        const onConfigured = dev === i.interface;
        const needs = e.useVmac || (i.useVmacAddr && (!onConfigured || fam !== family));
        if (!needs) return v;
        const mac = vmacAddress(fam, i.vrid, i.vmac?.mac);
        const key = `${dev}|${mac}`;
        let av = byParentMac.get(key);
        if (!av) {
          av = { name: defaultVmacName(cfg.global.vmacAddrPrefix, i.vrid, fam, taken), parent: dev, mac, family: fam };
          taken.add(av.name);
          byParentMac.set(key, av);
        }
        if (!spec.addressVmacs?.includes(av)) (spec.addressVmacs ??= []).push(av);
        return { ...v, device: av.name };
      });
    spec.vips = place(i.virtualIpaddress, spec.vips);
    if (spec.excludedVips) spec.excludedVips = place(i.virtualIpaddressExcluded, spec.excludedVips);
  });
}

/**
 * Each use_vmac instance's VMAC name. A name left to the default (the model fills in
 * `vmac_prefix.VRID`) that another instance already uses (an IPv4 and an IPv6 instance
 * with the same VRID) becomes `vrrp6.VRID`, `vrrp1.VRID`, ... as in keepalived.
 */
export function vmacNames(cfg: KeepalivedConfig): Map<string, string> {
  const out = new Map<string, string>();
  const prefix = cfg.global.vmacPrefix;
  const isDefault = (i: ModelInstance) => i.vmac?.name === `${prefix}.${i.vrid}`;
  const taken = new Set<string>();
  const withVmac = cfg.vrrpInstances.filter((i) => i.vmac !== undefined);
  // Configured names first: they are not negotiable.
  for (const i of withVmac) {
    if (isDefault(i)) continue;
    out.set(i.name, i.vmac?.name ?? '');
    taken.add(i.vmac?.name ?? '');
  }
  for (const i of withVmac) {
    if (!isDefault(i)) continue;
    const name = defaultVmacName(prefix, i.vrid, i.family === 6 ? 'inet6' : 'inet', taken);
    out.set(i.name, name);
    taken.add(name);
  }
  return out;
}

/** vrrp_sync_group blocks, for RouterOptions.syncGroups. */
export function vrrpSyncGroupsFromConfig(cfg: KeepalivedConfig): SyncGroupSpec[] {
  return cfg.vrrpSyncGroups.map((g) => ({ name: g.name, members: [...g.members] }));
}
