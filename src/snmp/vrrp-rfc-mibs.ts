// The IETF VRRP MIBs, read-only: VRRP-MIB (RFC 2787, mib-2.68) for VRRPv2 IPv4 instances and
// VRRPv3-MIB (RFC 6527, mib-2.207) for every instance, both indexed by (ifIndex, VRID[,
// address type]) as the RFCs define. Values as keepalived 2.2.7 serves them, except where
// noted. Pure.
import type { Oid, VarBind } from './agentx.js';
import { counter, counter64, gauge, int, ipAddress, str, ticks, truth, type MibBuilder } from './mib.js';
import { addressBytes, type SnmpVrrpData, type SnmpVrrpInstance } from './vrrp-state.js';
import type { VrrpState } from '../daemon/status.js';

export const VRRP_MIB_OID: Oid = [1, 3, 6, 1, 2, 1, 68];
export const VRRPV3_MIB_OID: Oid = [1, 3, 6, 1, 2, 1, 207];

/** initialize(1) backup(2) master(3); FAULT and STOP read as initialize. */
function rfcState(s: VrrpState): number {
  return s === 'BACKUP' ? 2 : s === 'MASTER' ? 3 : 1;
}

const vips = (x: SnmpVrrpInstance) => x.model.virtualIpaddress.map((e) => addressBytes(e.prefix.address)).filter((b): b is Buffer => b !== undefined);

/** TimeStamp of the last move to BACKUP or MASTER, in ticks since the subagent started. */
function upTimeStamp(d: SnmpVrrpData, x: SnmpVrrpInstance): number {
  if ((x.state !== 'BACKUP' && x.state !== 'MASTER') || x.upSinceMs === undefined) return 0;
  return Math.max(0, Math.floor((x.upSinceMs - d.startedAtMs) / 10));
}

/** RFC 2787 covers VRRPv2 over IPv4 with at least one VIP, on an existing interface. */
function rfc2787Rows(d: SnmpVrrpData): SnmpVrrpInstance[] {
  return d.instances.filter((x) => x.model.version === 2 && x.model.family === 4 && vips(x).length > 0 && x.ifindex !== undefined);
}

function rfc6527Rows(d: SnmpVrrpData): SnmpVrrpInstance[] {
  return d.instances.filter((x) => vips(x).length > 0 && x.ifindex !== undefined);
}

export function addVrrpMib(b: MibBuilder, d: SnmpVrrpData): void {
  const R = VRRP_MIB_OID;
  const rows = rfc2787Rows(d);
  const ix = (x: SnmpVrrpInstance): number[] => [x.ifindex ?? 0, x.model.vrid];
  const zero4 = Buffer.alloc(4);
  b.scalar([...R, 1, 1], int(2))
    .scalar([...R, 1, 2], int(d.global.enableTraps ? 1 : 2))
    .table({
      entry: [...R, 1, 3, 1],
      rows,
      index: ix,
      columns: {
        2: (x) => (x.mac ? str(x.mac) : undefined),
        3: (x) => int(rfcState(x.state)),
        4: () => int(1),
        5: (x) => int(x.model.priority),
        6: (x) => int(vips(x).length),
        // The source of the last advert received (0.0.0.0 when none was), as the RFC says.
        7: (x) => ipAddress(addressBytes(x.masterAddress) ?? zero4),
        8: (x) => ipAddress(addressBytes(x.primaryAddress) ?? zero4),
        9: (x) => int(x.model.authentication ? (x.model.authentication.type === 'AH' ? 3 : 2) : 1),
        // vrrpOperAuthKey(10) is never readable.
        11: (x) => int(Math.floor(x.model.advertIntUs / 1_000_000)),
        12: (x) => truth(!x.model.nopreempt),
        13: (x) => ticks(upTimeStamp(d, x)),
        14: () => int(1),
        15: () => int(1),
      },
    })
    .table({
      entry: [...R, 1, 4, 1],
      rows: rows.flatMap((x) => vips(x).map((a) => ({ x, a }))),
      index: (r) => [...ix(r.x), ...r.a],
      columns: { 2: () => int(1) },
    })
    .scalar([...R, 2, 1], counter(sum(rows, 'chkErr')))
    .scalar([...R, 2, 2], counter(sum(rows, 'versErr')))
    .scalar([...R, 2, 3], counter(0))
    .table({
      entry: [...R, 2, 4, 1],
      rows,
      index: ix,
      columns: {
        1: (x) => counter(x.stats.becomeMaster),
        2: (x) => counter(x.stats.advertRcvd),
        3: () => counter(0),
        4: (x) => counter(x.stats.authFailure),
        5: (x) => counter(x.stats.ipTtlErr),
        6: (x) => counter(x.stats.priZeroRcvd),
        7: (x) => counter(x.stats.priZeroSent),
        8: (x) => counter(x.stats.invalidTypeRcvd),
        9: (x) => counter(x.stats.addrListErr),
        10: (x) => counter(x.stats.invalidAuthtype),
        11: (x) => counter(x.stats.authtypeMismatch),
        12: (x) => counter(x.stats.packetLenErr),
      },
    });
}

function sum(rows: readonly SnmpVrrpInstance[], k: keyof SnmpVrrpInstance['stats']): number {
  return rows.reduce((n, x) => n + x.stats[k], 0);
}

export function addVrrpv3Mib(b: MibBuilder, d: SnmpVrrpData): void {
  const R = VRRPV3_MIB_OID;
  const rows = rfc6527Rows(d);
  const type = (x: SnmpVrrpInstance) => (x.model.family === 6 ? 2 : 1);
  const ix = (x: SnmpVrrpInstance): number[] => [x.ifindex ?? 0, x.model.vrid, type(x)];
  const own = (x: SnmpVrrpInstance) => addressBytes(x.primaryAddress) ?? Buffer.alloc(x.model.family === 6 ? 16 : 4);
  b.table({
    entry: [...R, 1, 1, 1, 1],
    rows,
    index: ix,
    columns: {
      // The master's address; our own while we are master.
      3: (x) => str(x.state === 'MASTER' ? own(x) : (addressBytes(x.masterAddress) ?? Buffer.alloc(x.model.family === 6 ? 16 : 4))),
      4: (x) => str(own(x)),
      5: (x) => (x.mac ? str(x.mac) : undefined),
      6: (x) => int(rfcState(x.state)),
      7: (x) => gauge(x.model.priority),
      8: (x) => int(vips(x).length),
      9: (x) => int(Math.floor(x.model.advertIntUs / 10_000)),
      10: (x) => truth(!x.model.nopreempt),
      11: (x) => truth(x.model.accept),
      // Time since the instance came up (keepalived's reading of this TimeTicks).
      12: (x) => ticks(x.upSinceMs !== undefined && (x.state === 'BACKUP' || x.state === 'MASTER') ? Math.floor((d.nowMs - x.upSinceMs) / 10) : 0),
      13: () => int(1),
    },
  })
    .table({
      entry: [...R, 1, 1, 2, 1],
      rows: rows.flatMap((x) => vips(x).map((a) => ({ x, a }))),
      // The address index is its octets without a length (as keepalived encodes it).
      index: (r) => [...ix(r.x), ...r.a],
      columns: { 2: () => int(1) },
    })
    .scalar([...R, 1, 2, 1], counter64(sum(rows, 'chkErr')))
    .scalar([...R, 1, 2, 2], counter64(sum(rows, 'versErr')))
    .scalar([...R, 1, 2, 3], counter64(0))
    .scalar([...R, 1, 2, 4], ticks(0))
    .table({
      entry: [...R, 1, 2, 5, 1],
      rows,
      index: ix,
      columns: {
        1: (x) => counter(x.stats.becomeMaster),
        // notMaster(0) until it has been master; then masterNoResponse(3), how our instances take over.
        2: (x) => int(x.stats.becomeMaster > 0 ? 3 : 0),
        3: (x) => counter64(x.stats.advertRcvd),
        4: () => counter64(0),
        5: (x) => counter64(x.stats.ipTtlErr),
        6: () => int(0),
        7: (x) => counter64(x.stats.priZeroRcvd),
        8: (x) => counter64(x.stats.priZeroSent),
        9: (x) => counter64(x.stats.invalidTypeRcvd),
        10: (x) => counter64(x.stats.addrListErr),
        11: (x) => counter64(x.stats.packetLenErr),
        12: () => ticks(0),
        13: (x) => gauge(Math.floor(x.model.advertIntUs / 1000)),
      },
    });
}

/** vrrpTrapNewMaster (RFC 2787): vrrpOperMasterIpAddr of the instance that became master. */
export function rfc2787NewMasterTrap(d: SnmpVrrpData, name: string): { trap: Oid; varbinds: VarBind[] } | undefined {
  const x = rfc2787Rows(d).find((i) => i.model.name === name);
  if (!x) return undefined;
  return {
    trap: [...VRRP_MIB_OID, 0, 1],
    varbinds: [{ oid: [...VRRP_MIB_OID, 1, 3, 1, 7, x.ifindex ?? 0, x.model.vrid], value: ipAddress(addressBytes(x.primaryAddress) ?? Buffer.alloc(4)) }],
  };
}

/** vrrpv3NewMaster (RFC 6527): master address and the reason. */
export function rfc6527NewMasterTrap(d: SnmpVrrpData, name: string): { trap: Oid; varbinds: VarBind[] } | undefined {
  const x = rfc6527Rows(d).find((i) => i.model.name === name);
  if (!x) return undefined;
  const ix = [x.ifindex ?? 0, x.model.vrid, x.model.family === 6 ? 2 : 1];
  const own = addressBytes(x.primaryAddress) ?? Buffer.alloc(x.model.family === 6 ? 16 : 4);
  return {
    trap: [...VRRPV3_MIB_OID, 0, 1],
    varbinds: [
      { oid: [...VRRPV3_MIB_OID, 1, 1, 1, 1, 3, ...ix], value: str(own) },
      { oid: [...VRRPV3_MIB_OID, 1, 2, 5, 1, 2, ...ix], value: int(3) },
    ],
  };
}
