// KEEPALIVED-MIB, vrrp branch (enterprises.9586.100.5.2): sync groups and their members,
// VRRP instances, and their virtual addresses; plus the vrrpInstanceStateChange and
// vrrpSyncGroupStateChange notifications. Values follow keepalived 2.2.7's agent (compared
// walk by walk in test/integration/snmp.test.ts). Pure.
import type { ScriptCommand, VrrpInstance as ModelInstance } from '../config/model.js';
import type { VrrpState } from '../daemon/status.js';
import type { Oid, VarBind } from './agentx.js';
import { gauge, int, str, truth, type MibBuilder } from './mib.js';
import { KEEPALIVED_OID } from './keepalived-global-mib.js';
import { addressBytes, inetAddressType, type SnmpVrrpData, type SnmpVrrpInstance } from './vrrp-state.js';

export const KEEPALIVED_VRRP_OID: Oid = [...KEEPALIVED_OID, 2];
const SYNC_GROUP_ENTRY: Oid = [...KEEPALIVED_VRRP_OID, 1, 1];
const SYNC_GROUP_MEMBER_ENTRY: Oid = [...KEEPALIVED_VRRP_OID, 2, 1];
const INSTANCE_ENTRY: Oid = [...KEEPALIVED_VRRP_OID, 3, 1];
const ADDRESS_ENTRY: Oid = [...KEEPALIVED_VRRP_OID, 6, 1];
const TRAPS: Oid = [...KEEPALIVED_VRRP_OID, 10, 0];

/** KEEPALIVED-MIB VrrpState: init(0) backup(1) master(2) fault(3) unknown(4). */
export function keepalivedState(s: VrrpState): number {
  return s === 'INIT' ? 0 : s === 'BACKUP' ? 1 : s === 'MASTER' ? 2 : s === 'FAULT' ? 3 : 4;
}

const script = (s: ScriptCommand | undefined) => (s ? str(s.command) : undefined);

function hasNotify(n: { master?: unknown; backup?: unknown; fault?: unknown; stop?: unknown; generic?: unknown }): boolean {
  return n.master !== undefined || n.backup !== undefined || n.fault !== undefined || n.stop !== undefined || n.generic !== undefined;
}

/** InetScopeType of an address's scope (keepalived maps the kernel scopes this way). */
function scopeValue(scope: ModelInstance['virtualIpaddress'][number]['scope']): number {
  switch (scope) {
    case 'host': return 1;
    case 'link': return 2;
    case 'site': return 5;
    case undefined: case 'global': return 14;
    default: return typeof scope === 'number' ? (scope === 253 ? 2 : scope === 254 ? 1 : scope === 200 ? 5 : 14) : 14;
  }
}

interface AddressRow {
  /** 0 for static_ipaddress. */
  instance: number;
  index: number;
  entry: ModelInstance['virtualIpaddress'][number];
  bytes: Buffer;
  advertised: boolean;
  /** Its interface when the entry names none. */
  dev: string | undefined;
  set: boolean;
}

export function addKeepalivedVrrp(b: MibBuilder, d: SnmpVrrpData): void {
  const g = d.global;
  b.table({
    entry: SYNC_GROUP_ENTRY,
    rows: d.groups.map((x, i) => ({ ...x, index: i + 1 })),
    index: (r) => [r.index],
    columns: {
      2: (r) => str(r.model.name),
      3: (r) => int(keepalivedState(r.state)),
      4: (r) => truth(r.model.smtpAlert ?? g.smtpAlertVrrp ?? g.smtpAlert ?? false),
      5: (r) => truth(hasNotify(r.model.notify)),
      6: (r) => script(r.model.notify.master),
      7: (r) => script(r.model.notify.backup),
      8: (r) => script(r.model.notify.fault),
      9: (r) => script(r.model.notify.generic),
      10: (r) => truth(r.model.syncGroupTrackingWeight),
      11: (r) => script(r.model.notify.stop),
    },
  });
  b.table({
    entry: SYNC_GROUP_MEMBER_ENTRY,
    rows: d.groups.flatMap((x, gi) => x.model.members.map((name, mi) => ({ group: gi + 1, member: mi + 1, name }))),
    index: (r) => [r.group, r.member],
    columns: { 2: (r) => str(r.name) },
  });
  b.table({
    entry: INSTANCE_ENTRY,
    rows: d.instances.map((x, i) => ({ x, index: i + 1 })),
    index: (r) => [r.index],
    columns: instanceColumns(d),
  });
  const addresses: AddressRow[] = [];
  const push = (instance: number, entries: readonly { e: AddressRow['entry']; adv: boolean }[], dev: string | undefined, set: boolean) => {
    entries.forEach(({ e, adv }, j) => {
      const bytes = addressBytes(e.prefix.address);
      if (bytes) addresses.push({ instance, index: j + 1, entry: e, bytes, advertised: adv, dev: e.dev ?? dev, set });
    });
  };
  // Static addresses are installed at start and kept.
  push(0, d.staticAddresses.map((e) => ({ e, adv: false })), g.defaultInterface, true);
  d.instances.forEach((x, i) => {
    // VIPs are in the adverts, eVIPs not. (keepalived 2.2.7 reports every VIP of the second
    // and later instances as notAdvertised: its table iterator forgets to reset the flag.)
    const all = [...x.model.virtualIpaddress.map((e) => ({ e, adv: true })), ...x.model.virtualIpaddressExcluded.map((e) => ({ e, adv: false }))];
    push(i + 1, all, x.model.interface, x.vipsSet);
  });
  b.table({
    entry: ADDRESS_ENTRY,
    rows: addresses,
    index: (r) => [r.instance, r.index],
    columns: {
      2: (r) => int(inetAddressType(r.bytes)),
      3: (r) => str(r.bytes),
      4: (r) => (r.bytes.length === 4 ? str(addressBytes(r.entry.broadcast) ?? Buffer.alloc(4)) : undefined),
      5: (r) => gauge(r.entry.prefix.prefixLen),
      6: (r) => int(scopeValue(r.entry.scope)),
      7: (r) => { const ix = r.dev !== undefined ? d.ifindexOf(r.dev) : undefined; return ix !== undefined ? int(ix) : undefined; },
      8: (r) => (r.dev !== undefined ? str(r.dev) : undefined),
      9: (r) => (r.entry.label !== undefined ? str(r.entry.label) : undefined),
      10: (r) => truth(r.set),
      11: (r) => truth(r.advertised),
      12: (r) => { const p = addressBytes(r.entry.peer?.address); return p ? str(p) : undefined; },
    },
  });
}

function instanceColumns(d: SnmpVrrpData): Record<number, (r: { x: SnmpVrrpInstance; index: number }) => ReturnType<typeof int> | undefined> {
  const g = d.global;
  const m = (r: { x: SnmpVrrpInstance }) => r.x.model;
  return {
    2: (r) => str(m(r).name),
    3: (r) => gauge(m(r).vrid),
    4: (r) => int(keepalivedState(r.x.state)),
    5: (r) => int(m(r).state === 'MASTER' ? 2 : 1),
    // keepalived's wantstate is the state it is heading for; ours moves at once.
    6: (r) => int(keepalivedState(r.x.state)),
    7: (r) => int(m(r).priority),
    8: (r) => int(r.x.effectivePriority),
    9: (r) => int(r.x.vipsSet ? 1 : 2),
    10: (r) => (m(r).interface !== undefined ? str(m(r).interface ?? '') : undefined),
    11: (r) => int(m(r).trackInterfaces.length > 0 ? 1 : 2),
    // Seconds for VRRPv2, centiseconds for VRRPv3 (keepalived's units).
    12: (r) => gauge(m(r).version === 2 ? Math.floor(m(r).advertIntUs / 1_000_000) : Math.floor(m(r).advertIntUs / 10_000)),
    13: (r) => int(m(r).nopreempt ? 2 : 1),
    14: (r) => gauge(Math.floor(m(r).preemptDelayUs / 1_000_000)),
    15: (r) => int(m(r).version === 2 && m(r).authentication ? (m(r).authentication?.type === 'AH' ? 2 : 1) : 0),
    16: (r) => truth(g.lvsSyncDaemon?.instance === m(r).name),
    17: (r) => (g.lvsSyncDaemon?.instance === m(r).name ? str(g.lvsSyncDaemon.interface) : undefined),
    18: (r) => (m(r).syncGroup !== undefined ? str(m(r).syncGroup ?? '') : undefined),
    19: (r) => gauge(Math.floor(m(r).garp.masterDelayUs / 1_000_000)),
    20: (r) => truth(m(r).smtpAlert || (g.smtpAlertVrrp ?? g.smtpAlert ?? false)),
    21: (r) => truth(hasNotify(m(r).notify) || m(r).notify.deleted?.script !== undefined || m(r).notify.masterRxLowerPri !== undefined),
    22: (r) => script(m(r).notify.master),
    23: (r) => script(m(r).notify.backup),
    24: (r) => script(m(r).notify.fault),
    25: (r) => script(m(r).notify.stop),
    26: (r) => script(m(r).notify.generic),
    // keepalived answers 0 (not a TruthValue) for VRRPv2, where accept mode does not exist.
    27: (r) => int(m(r).version === 3 ? (m(r).accept ? 1 : 2) : 0),
    28: (r) => truth(m(r).promoteSecondaries),
    29: (r) => truth(m(r).linkbeatUsePolling),
    30: (r) => int(m(r).version),
    31: (r) => script(m(r).notify.masterRxLowerPri),
    32: (r) => script(m(r).notify.deleted?.script),
    33: (r) => truth(m(r).notify.deleted !== undefined),
    34: (r) => { const a = mcastAddress(d, m(r)); return a ? int(inetAddressType(a)) : undefined; },
    35: (r) => { const a = mcastAddress(d, m(r)); return a ? str(a) : undefined; },
  };
}

/** The multicast group adverts go to (none for unicast instances). */
function mcastAddress(d: SnmpVrrpData, m: ModelInstance): Buffer | undefined {
  if (m.unicastPeers.length > 0) return undefined;
  const group = m.mcastDstIp ?? (m.family === 6 ? d.global.vrrpMcastGroup6 : d.global.vrrpMcastGroup4);
  return addressBytes(group.address);
}

/** vrrpInstanceStateChange: name, state, initial state, router id. */
export function instanceStateChangeTrap(d: SnmpVrrpData, name: string): { trap: Oid; varbinds: VarBind[] } | undefined {
  const i = d.instances.findIndex((x) => x.model.name === name);
  const x = d.instances[i];
  if (!x) return undefined;
  const ix = i + 1;
  return {
    trap: [...TRAPS, 2],
    varbinds: [
      { oid: [...INSTANCE_ENTRY, 2, ix], value: str(x.model.name) },
      { oid: [...INSTANCE_ENTRY, 4, ix], value: int(keepalivedState(x.state)) },
      { oid: [...INSTANCE_ENTRY, 5, ix], value: int(x.model.state === 'MASTER' ? 2 : 1) },
      { oid: [...KEEPALIVED_OID, 1, 2, 0], value: str(d.global.routerId) },
    ],
  };
}

/** vrrpSyncGroupStateChange: group name, state, router id. */
export function syncGroupStateChangeTrap(d: SnmpVrrpData, name: string): { trap: Oid; varbinds: VarBind[] } | undefined {
  const i = d.groups.findIndex((x) => x.model.name === name);
  const x = d.groups[i];
  if (!x) return undefined;
  return {
    trap: [...TRAPS, 1],
    varbinds: [
      { oid: [...SYNC_GROUP_ENTRY, 2, i + 1], value: str(x.model.name) },
      { oid: [...SYNC_GROUP_ENTRY, 3, i + 1], value: int(keepalivedState(x.state)) },
      { oid: [...KEEPALIVED_OID, 1, 2, 0], value: str(d.global.routerId) },
    ],
  };
}
