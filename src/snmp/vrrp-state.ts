// What the VRRP MIBs (KEEPALIVED-MIB's vrrp branch, VRRP-MIB, VRRPv3-MIB) are built from:
// the typed configuration and each instance's live state, gathered by the VRRP child. Pure
// data, so the MIB modules are pure functions of it and tests build it by hand.
import type { AddressEntry, GlobalDefs, VrrpInstance as ModelInstance, VrrpSyncGroup } from '../config/model.js';
import type { VrrpState } from '../daemon/status.js';
import type { StatName } from '../vrrp/fsm.js';
import { isIPv4, isIPv6 } from 'node:net';
import { ipToBytes } from '../net/inet-address.js';

export interface SnmpVrrpInstance {
  model: ModelInstance;
  state: VrrpState;
  effectivePriority: number;
  vipsSet: boolean;
  /** The master's address while we are BACKUP (null: none heard). */
  masterAddress: string | null;
  /** Our own address on the interface (the adverts' source). */
  primaryAddress?: string;
  /** The interface's index and MAC (absent: the interface does not exist now). */
  ifindex?: number;
  mac?: Buffer;
  /** When the instance last left INIT/FAULT for BACKUP or MASTER (ms since the epoch). */
  upSinceMs?: number;
  stats: Readonly<Record<StatName, number>>;
}

export interface SnmpVrrpGroup {
  model: VrrpSyncGroup;
  state: VrrpState;
}

export interface SnmpVrrpData {
  global: GlobalDefs;
  instances: readonly SnmpVrrpInstance[];
  groups: readonly SnmpVrrpGroup[];
  /** static_ipaddress entries (vrrpAddressTable rows with instance index 0, as keepalived lists them). */
  staticAddresses: readonly AddressEntry[];
  /** When the SNMP subagent started (the RFC MIBs' TimeStamps count from it), and now. */
  startedAtMs: number;
  nowMs: number;
  /** Interface name -> index (VIPs on another `dev`). */
  ifindexOf: (name: string) => number | undefined;
}

/** Address text -> its bytes (4 or 16); undefined for anything else. */
export function addressBytes(text: string | undefined | null): Buffer | undefined {
  if (!text) return undefined;
  const bare = text.split('%')[0] ?? '';
  return isIPv4(bare) || isIPv6(bare) ? ipToBytes(bare) : undefined;
}

/** INET-ADDRESS-MIB InetAddressType of address bytes: ipv4(1), ipv6(2). */
export function inetAddressType(b: Buffer): number {
  return b.length === 4 ? 1 : 2;
}

/** "aa:bb:cc:dd:ee:ff" -> 6 bytes. */
export function macBytes(text: string | undefined): Buffer | undefined {
  if (!text) return undefined;
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-f]{1,2}$/i.test(p))) return undefined;
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

/** Instances in configuration order, 1-based: keepalived's vrrpInstanceIndex. */
export function instanceIndex(data: SnmpVrrpData, name: string): number | undefined {
  const i = data.instances.findIndex((x) => x.model.name === name);
  return i < 0 ? undefined : i + 1;
}
