// VrrpInstanceSpec: the narrow input the VRRP runtime needs for one vrrp_instance, and its
// normalisation into the state machine's FsmConfig with keepalived's config-derived rules
// (inventory §1.9, §4.1.10 strict mode, §4.1.11). The config model maps keepalived.conf to
// this spec (src/vrrp/from-config.ts once the model exists).

import { canonicalAddress, parseAddress, type AddressFamily } from './addr.js';
import type { VrrpAuth } from './auth.js';
import { DEFAULT_GARP, VRRP_PRIO_OWNER, type FsmConfig, type GarpConfig } from './fsm.js';
import type { PeerSpec } from './receive-check.js';
import { normaliseAdvertIntUs, US_PER_SECOND } from './timers.js';
import type { AddressVmac, VmacPlacement } from './vmac.js';

/** One virtual address with the options the address port applies. */
export interface VipSpec {
  address: string;
  prefixLength?: number;
  /** `dev IF`; default the instance's interface. */
  device?: string;
  label?: string;
  scope?: string;
  broadcast?: string;
  /** `no_track`: external deletion does not force a re-election. */
  noTrack?: boolean;
}

export interface GarpSpec {
  masterDelaySec?: number;
  masterRepeat?: number;
  masterRefreshSec?: number;
  masterRefreshRepeat?: number;
  lowerPrioDelaySec?: number;
  lowerPrioRepeat?: number;
}

/**
 * garp_extra_if / vrrp_garp_extra_if: while MASTER, one gratuitous ARP / unsolicited NA every
 * `intervalSec` on each interface other than the one the adverts refresh in switches' MAC
 * tables (from `garp_master_delay` + one interval after becoming master). `addresses` holds
 * the first VIP (or excluded VIP) on each such interface; empty leaves it off.
 */
export interface ExtraIfAnnounce {
  intervalSec: number;
  addresses: VipSpec[];
}

export interface VrrpInstanceSpec {
  name: string;
  vrid: number;
  /** Default 2 (IPv6 forces 3). */
  version?: 2 | 3;
  /** Default: the family of the first VIP. */
  family?: AddressFamily;
  /**
   * The configured interface: adverts are sent and received on it (may be absent for unicast
   * with a source address), unless the instance has a VMAC on it.
   */
  interface?: string;
  /** use_vmac: VIPs (and, unless xmitBase, adverts) on this macvlan of `interface`. */
  vmac?: VmacPlacement;
  /** Further VMACs some VIPs live on (`use_vmac` on an address, or `use_vmac_addr`). */
  addressVmacs?: AddressVmac[];
  /** `state MASTER|BACKUP`. */
  initialState?: 'MASTER' | 'BACKUP';
  /** 1..255; default 100, or 255 with `state MASTER` and no priority. */
  priority?: number;
  /** `advert_int` seconds (v2 rounded to whole seconds, v3 to centiseconds). Default 1. */
  advertIntSec?: number;
  vips: VipSpec[];
  /** virtual_ipaddress_excluded: installed with the VIPs, never advertised. */
  excludedVips?: VipSpec[];
  /** unicast_src_ip / mcast_src_ip, else the interface's primary address (filled by the caller). */
  sourceAddress?: string;
  /** mcast_dst_ip; default 224.0.0.18 / ff02::12. */
  multicastGroup?: string;
  /** Unicast mode iff at least one peer. */
  unicastPeers?: PeerSpec[];
  unicastTtl?: number;
  auth?: VrrpAuth;
  nopreempt?: boolean;
  preemptDelaySec?: number;
  downTimerAdverts?: number;
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  ownerIgnoreAdverts?: boolean;
  skipCheckAdvAddr?: boolean;
  checkUnicastSource?: boolean;
  /** Accept_Mode; default true (strict: only for the owner). */
  accept?: boolean;
  strict?: boolean;
  v3ChecksumAsV2?: boolean;
  /**
   * VRRPv3 IPv4 unicast: keepalived before 1.3.6 put the multicast group, not the peer, in the
   * checksum's pseudo-header. `auto` (default): ours, until an advert with the old one comes
   * (then the old one, as keepalived built with checksum compatibility does); `old`: the old
   * one; `never`: ours only.
   */
  unicastChecksum?: 'auto' | 'old' | 'never';
  /** The old checksum's pseudo-header destination: the global vrrp_mcast_group4 (default 224.0.0.18). */
  oldChecksumGroup?: string;
  dontTrackPrimary?: boolean;
  /** Global vrrp_startup_delay. */
  startupDelaySec?: number;
  garp?: GarpSpec;
  extraIfAnnounce?: ExtraIfAnnounce;
}

export type SpecResult =
  | { ok: true; config: FsmConfig; warnings: string[] }
  | { ok: false; errors: string[]; warnings: string[] };

function secToUs(s: number | undefined, dflt: number): number {
  return s === undefined ? dflt : Math.round(s * US_PER_SECOND);
}

/** Normalises a spec into the state machine's configuration, or explains why it cannot run. */
export function normaliseSpec(spec: VrrpInstanceSpec): SpecResult {
  const warnings: string[] = [];
  const errors: string[] = [];
  const n = spec.name;
  const strict = spec.strict ?? false;

  if (!Number.isInteger(spec.vrid) || spec.vrid < 1 || spec.vrid > 255) errors.push(`(${n}) virtual_router_id ${spec.vrid} must be 1..255`);
  const family: AddressFamily = spec.family ?? (spec.vips[0] && spec.vips[0].address.includes(':') ? 'inet6' : 'inet');
  for (const v of spec.vips) {
    if (!parseAddress(family, v.address)) errors.push(`(${n}) VIP ${v.address} is not an ${family === 'inet' ? 'IPv4' : 'IPv6'} address (all VIPs of an instance share one family)`);
  }
  let version: 2 | 3 = spec.version ?? 2;
  if (family === 'inet6' && version === 2) {
    version = 3;
    if (spec.version === 2) warnings.push(`(${n}) cannot use IPv6 with VRRP version 2; setting version 3`);
  }

  let priority = spec.priority ?? (spec.initialState === 'MASTER' ? VRRP_PRIO_OWNER : 100);
  if (!Number.isInteger(priority) || priority < 1 || priority > 255) {
    errors.push(`(${n}) priority ${priority} must be 1..255`);
    priority = 100;
  }
  let wantMaster = spec.initialState ? spec.initialState === 'MASTER' : priority === VRRP_PRIO_OWNER;

  let auth: VrrpAuth = spec.auth ?? { type: 'none' };
  if (auth.type !== 'none' && (version === 3 || strict)) {
    warnings.push(`(${n}) authentication ignored (${strict ? 'strict mode' : 'VRRP version 3'})`);
    auth = { type: 'none' };
  }
  if (auth.type === 'ah' && wantMaster && priority !== VRRP_PRIO_OWNER) {
    warnings.push(`(${n}) state MASTER with AH authentication; starting as BACKUP`);
    wantMaster = false;
  }

  const peers = spec.unicastPeers ?? [];
  const unicast = peers.length > 0;
  let nopreempt = spec.nopreempt ?? false;
  let preemptDelayUs = secToUs(spec.preemptDelaySec, 0);
  let downTimerAdverts = spec.downTimerAdverts ?? 3;
  let accept = spec.accept ?? true;
  let lowerPrioNoAdvert = spec.lowerPrioNoAdvert ?? false;
  let higherPrioSendAdvert = spec.higherPrioSendAdvert ?? false;
  let ownerIgnoreAdverts = spec.ownerIgnoreAdverts ?? false;
  const g = spec.garp ?? {};
  const garp: GarpConfig = {
    masterDelayUs: secToUs(g.masterDelaySec, DEFAULT_GARP.masterDelayUs),
    masterRepeat: g.masterRepeat ?? DEFAULT_GARP.masterRepeat,
    masterRefreshUs: secToUs(g.masterRefreshSec, DEFAULT_GARP.masterRefreshUs),
    masterRefreshRepeat: g.masterRefreshRepeat ?? DEFAULT_GARP.masterRefreshRepeat,
    lowerPrioDelayUs: secToUs(g.lowerPrioDelaySec, DEFAULT_GARP.lowerPrioDelayUs),
    lowerPrioRepeat: g.lowerPrioRepeat ?? DEFAULT_GARP.lowerPrioRepeat,
  };
  const extra = spec.extraIfAnnounce;
  if (extra && extra.addresses.length > 0 && extra.intervalSec > 0) garp.extraIfUs = secToUs(extra.intervalSec, 0);

  if (strict) {
    if (wantMaster !== (priority === VRRP_PRIO_OWNER)) {
      warnings.push(`(${n}) strict mode: state ${wantMaster ? 'MASTER' : 'BACKUP'} needs priority ${wantMaster ? '255' : 'below 255'}; correcting state`);
      wantMaster = priority === VRRP_PRIO_OWNER;
    }
    if (unicast) errors.push(`(${n}) Unicast peers are not supported in strict mode`);
    if (spec.vips.length === 0) errors.push(`(${n}) No VIP specified; at least one is required in strict mode`);
    if (preemptDelayUs) warnings.push(`(${n}) preempt_delay is incompatible with strict mode - clearing`);
    preemptDelayUs = 0;
    downTimerAdverts = 3;
    if (spec.accept === undefined) accept = priority === VRRP_PRIO_OWNER;
    else if (accept && version === 2) {
      warnings.push(`(${n}) accept mode is not supported with VRRPv2 in strict mode - clearing`);
      accept = false;
    }
    garp.lowerPrioRepeat = 0;
    garp.lowerPrioDelayUs = 0;
    lowerPrioNoAdvert = true;
    higherPrioSendAdvert = false;
    ownerIgnoreAdverts = true;
    if (family === 'inet6' && spec.vips[0] && !spec.vips[0].address.toLowerCase().startsWith('fe80')) {
      errors.push(`(${n}) the first IPv6 VIP must be link-local in strict mode`);
    }
  }
  if (version === 3 && spec.vips.length === 0) errors.push(`(${n}) No VIP specified; at least one is required with VRRP version 3`);
  if (nopreempt && (priority === VRRP_PRIO_OWNER || wantMaster)) {
    warnings.push(`(${n}) nopreempt will not work with initial state MASTER or priority 255 - clearing`);
    nopreempt = false;
  }
  if (preemptDelayUs && (wantMaster || nopreempt)) {
    warnings.push(`(${n}) preempt_delay will not work with initial state MASTER or nopreempt - clearing`);
    preemptDelayUs = 0;
  }
  if (downTimerAdverts < 1 || downTimerAdverts > 100) {
    errors.push(`(${n}) down_timer_adverts ${downTimerAdverts} must be 1..100`);
    downTimerAdverts = 3;
  }
  const advertIntUs = normaliseAdvertIntUs(version, spec.advertIntSec ?? 1);
  if (spec.advertIntSec !== undefined && Math.abs(advertIntUs - spec.advertIntSec * US_PER_SECOND) >= 1) {
    warnings.push(`(${n}) advert_int ${spec.advertIntSec} rounded to ${advertIntUs / US_PER_SECOND} for VRRP version ${version}`);
  }
  const sourceAddress = spec.sourceAddress === undefined ? undefined : canonicalAddress(family, spec.sourceAddress);
  if (spec.sourceAddress !== undefined && sourceAddress === undefined) errors.push(`(${n}) source address ${spec.sourceAddress} is not an ${family} address`);
  for (const p of peers) if (!parseAddress(family, p.address)) errors.push(`(${n}) unicast peer ${p.address} is not an ${family} address`);

  if (errors.length > 0) return { ok: false, errors, warnings };
  const config: FsmConfig = {
    name: n,
    version,
    family,
    vrid: spec.vrid,
    basePriority: priority,
    advertIntUs,
    downTimerAdverts,
    wantMaster,
    nopreempt,
    preemptDelayUs,
    lowerPrioNoAdvert,
    higherPrioSendAdvert,
    ownerIgnoreAdverts,
    skipCheckAdvAddr: spec.skipCheckAdvAddr ?? false,
    checkUnicastSource: spec.checkUnicastSource ?? peers.some((p) => p.minTtl !== undefined || p.maxTtl !== undefined),
    unicast,
    peers: peers.map((p) => ({ ...p, address: canonicalAddress(family, p.address) ?? p.address })),
    auth,
    v3ChecksumAsV2: spec.v3ChecksumAsV2 ?? false,
    unicastChecksum: spec.unicastChecksum ?? 'auto',
    oldChecksumGroup: spec.oldChecksumGroup ?? '224.0.0.18',
    vips: spec.vips.map((v) => canonicalAddress(family, v.address) ?? v.address),
    accept,
    dontTrackPrimary: spec.dontTrackPrimary ?? false,
    startupDelayUs: secToUs(spec.startupDelaySec, 0),
    garp,
  };
  if (sourceAddress !== undefined) config.sourceAddress = sourceAddress;
  return { ok: true, config, warnings };
}
