// KEEPALIVED-MIB, check branch (enterprises.9586.100.5.3): virtualServerTable and
// realServerTable from the configuration and the checker's verdicts, and the
// realServerStateChange / virtualServerQuorumStateChange notifications. Pure.
//
// Not served (yet): the IPVS traffic counters and rates (virtualServerStats*, *Rate*,
// realServerStats*), virtualServerGroupTable, lvsSyncDaemon and lvsTimeouts.
import type { GlobalDefs, LvsMethod, LvsScheduler, RealServer, ScriptCommand, VirtualServer } from '../config/model.js';
import type { Oid, VarBind } from './agentx.js';
import { gauge, int, str, truth, type MibBuilder } from './mib.js';
import { KEEPALIVED_OID } from './keepalived-global-mib.js';
import { addressBytes, inetAddressType } from './vrrp-state.js';

export const KEEPALIVED_CHECK_OID: Oid = [...KEEPALIVED_OID, 3];
const VS_ENTRY: Oid = [...KEEPALIVED_CHECK_OID, 3, 1];
const RS_ENTRY: Oid = [...KEEPALIVED_CHECK_OID, 4, 1];
const TRAPS: Oid = [...KEEPALIVED_CHECK_OID, 5, 0];

export interface SnmpRealServer {
  model: RealServer;
  alive: boolean;
  /** The weight in force (misc_dynamic / FILE_CHECK may change it). */
  weight: number;
}

export interface SnmpVirtualServer {
  model: VirtualServer;
  quorumUp: boolean;
  realServers: readonly SnmpRealServer[];
}

export interface SnmpCheckData {
  global: GlobalDefs;
  virtualServers: readonly SnmpVirtualServer[];
}

const SCHEDULERS: Record<LvsScheduler, number> = {
  rr: 1, wrr: 2, lc: 3, wlc: 4, lblc: 5, lblcr: 6, dh: 7, sh: 8, sed: 9, nq: 10, fo: 11, ovf: 12, mh: 13, twos: 14,
};

const kind = (m: LvsMethod) => int(m.kind === 'NAT' ? 1 : m.kind === 'DR' ? 2 : 3);
const script = (s: ScriptCommand | undefined) => (s ? str(s.command) : undefined);
const secs = (us: number | undefined) => gauge(Math.floor((us ?? 0) / 1_000_000));
const vsType = (v: VirtualServer) => int(v.key.kind === 'fwmark' ? 1 : v.key.kind === 'addr' ? 2 : 3);
const vsProtocol = (v: VirtualServer) => (v.key.kind === 'fwmark' ? undefined : int(v.protocol === 'TCP' ? 1 : v.protocol === 'UDP' ? 2 : 3));
const upCount = (v: SnmpVirtualServer) => v.realServers.filter((r) => r.alive).length;

/** One realServerTable row: the sorry server first (as keepalived lists it), then the real servers. */
type RsRow =
  | { vs: number; rs: number; sorry: true; address: Buffer; port: number; method: LvsMethod }
  | { vs: number; rs: number; sorry: false; address: Buffer; port: number; method: LvsMethod; x: SnmpRealServer };

function rsRows(d: SnmpCheckData): RsRow[] {
  const out: RsRow[] = [];
  d.virtualServers.forEach((v, vi) => {
    let n = 0;
    const s = v.model.sorryServer;
    const sb = addressBytes(s?.address.address);
    if (s && sb) out.push({ vs: vi + 1, rs: ++n, sorry: true, address: sb, port: s.port, method: s.method ?? v.model.method });
    for (const x of v.realServers) {
      const b = addressBytes(x.model.address.address);
      if (b) out.push({ vs: vi + 1, rs: ++n, sorry: false, address: b, port: x.model.port, method: x.model.method, x });
    }
  });
  return out;
}

export function addKeepalivedCheck(b: MibBuilder, d: SnmpCheckData): void {
  b.table({
    entry: VS_ENTRY,
    rows: d.virtualServers.map((v, i) => ({ v, i: i + 1 })),
    index: (r) => [r.i],
    columns: {
      2: (r) => vsType(r.v.model),
      3: (r) => (r.v.model.key.kind === 'group' ? str(r.v.model.key.group) : undefined),
      4: (r) => (r.v.model.key.kind === 'fwmark' ? gauge(r.v.model.key.fwmark) : undefined),
      5: (r) => int(r.v.model.family === 6 ? 2 : 1),
      6: (r) => { const k = r.v.model.key; const a = k.kind === 'addr' ? addressBytes(k.address.address) : undefined; return a ? str(a) : undefined; },
      7: (r) => (r.v.model.key.kind === 'addr' ? gauge(r.v.model.key.port) : undefined),
      8: (r) => vsProtocol(r.v.model),
      9: (r) => int(SCHEDULERS[r.v.model.scheduler] ?? 99),
      10: (r) => kind(r.v.model.method),
      // alive(1) while it has quorum (keepalived's vs->alive).
      11: (r) => truth(r.v.quorumUp),
      12: (r) => (r.v.model.virtualhost !== undefined ? str(r.v.model.virtualhost) : undefined),
      13: (r) => truth(r.v.model.persistenceTimeoutS !== undefined && r.v.model.persistenceTimeoutS > 0),
      14: (r) => (r.v.model.persistenceTimeoutS ? gauge(r.v.model.persistenceTimeoutS) : undefined),
      16: (r) => secs(r.v.model.delayLoopUs),
      17: (r) => truth(r.v.model.haSuspend),
      18: (r) => truth(r.v.model.alpha),
      19: (r) => truth(r.v.model.omega),
      20: (r) => gauge(r.v.realServers.length),
      21: (r) => gauge(upCount(r.v)),
      22: (r) => gauge(r.v.model.quorum),
      23: (r) => truth(r.v.quorumUp),
      24: (r) => script(r.v.model.quorumUp),
      25: (r) => script(r.v.model.quorumDown),
      26: (r) => gauge(r.v.model.hysteresis),
      37: (r) => truth(r.v.model.flags.ops),
      52: (r) => truth(r.v.model.flags.hashed),
      56: (r) => truth(!r.v.model.inhibitOnFailure),
      57: (r) => gauge(r.v.model.retry ?? 0),
      58: (r) => secs(r.v.model.delayBeforeRetryUs),
      59: (r) => secs(r.v.model.warmupUs),
      60: (r) => int(r.v.model.weight),
      61: (r) => truth(r.v.model.smtpAlert),
      64: (r) => gauge(r.v.model.delayLoopUs),
      65: (r) => gauge(r.v.model.delayBeforeRetryUs ?? 0),
      66: (r) => gauge(r.v.model.warmupUs ?? 0),
      67: (r) => gauge(r.v.model.connectTimeoutUs),
      71: (r) => (r.v.model.snmpName !== undefined ? str(r.v.model.snmpName) : undefined),
    },
  });
  const real = (r: RsRow) => (r.sorry ? undefined : r.x);
  b.table({
    entry: RS_ENTRY,
    rows: rsRows(d),
    index: (r) => [r.vs, r.rs],
    columns: {
      2: (r) => int(r.sorry ? 2 : 1),
      3: (r) => int(inetAddressType(r.address)),
      4: (r) => str(r.address),
      5: (r) => gauge(r.port),
      6: (r) => { const x = real(r); return x ? truth(x.alive) : undefined; },
      7: (r) => { const x = real(r); return x ? int(x.weight) : undefined; },
      8: (r) => { const x = real(r); return x?.model.uthreshold ? gauge(x.model.uthreshold) : undefined; },
      9: (r) => { const x = real(r); return x?.model.lthreshold ? gauge(x.model.lthreshold) : undefined; },
      10: (r) => { const x = real(r); return x ? truth(!x.model.inhibitOnFailure) : undefined; },
      11: (r) => script(real(r)?.model.notifyUp),
      12: (r) => script(real(r)?.model.notifyDown),
      40: (r) => kind(r.method),
      41: (r) => { const v = real(r)?.model.virtualhost; return v !== undefined ? str(v) : undefined; },
      42: (r) => { const x = real(r); return x ? truth(x.model.alpha) : undefined; },
      43: (r) => { const x = real(r); return x ? gauge(x.model.retry ?? 0) : undefined; },
      44: (r) => { const x = real(r); return x ? secs(x.model.delayBeforeRetryUs) : undefined; },
      45: (r) => { const x = real(r); return x ? secs(x.model.warmupUs) : undefined; },
      46: (r) => { const x = real(r); return x ? secs(x.model.delayLoopUs) : undefined; },
      47: (r) => { const x = real(r); return x ? truth(x.model.smtpAlert) : undefined; },
      48: (r) => { const x = real(r); return x ? gauge(x.model.delayBeforeRetryUs ?? 0) : undefined; },
      49: (r) => { const x = real(r); return x ? gauge(x.model.warmupUs ?? 0) : undefined; },
      50: (r) => { const x = real(r); return x ? gauge(x.model.delayLoopUs) : undefined; },
      51: (r) => { const x = real(r); return x ? gauge(x.model.connectTimeoutUs) : undefined; },
      55: (r) => { const n = real(r)?.model.snmpName; return n !== undefined ? str(n) : undefined; },
    },
  });
}

function vsVarbinds(d: SnmpCheckData, vi: number): VarBind[] {
  const v = d.virtualServers[vi];
  if (!v) return [];
  const out: VarBind[] = [{ oid: [...VS_ENTRY, 2, vi + 1], value: vsType(v.model) }];
  const p = vsProtocol(v.model);
  if (p) out.push({ oid: [...VS_ENTRY, 8, vi + 1], value: p });
  return out;
}

/** realServerStateChange for the real server `rsId` ("address:port") of the virtual server `vsName`. */
export function realServerStateChangeTrap(d: SnmpCheckData, vsIndex: number, address: string, port: number): { trap: Oid; varbinds: VarBind[] } | undefined {
  const v = d.virtualServers[vsIndex];
  if (!v) return undefined;
  const row = rsRows(d).find((r) => r.vs === vsIndex + 1 && !r.sorry && r.port === port && r.x.model.address.address === address);
  if (!row || row.sorry) return undefined;
  const at = [row.vs, row.rs];
  return {
    trap: [...TRAPS, 1],
    varbinds: [
      { oid: [...RS_ENTRY, 3, ...at], value: int(inetAddressType(row.address)) },
      { oid: [...RS_ENTRY, 4, ...at], value: str(row.address) },
      { oid: [...RS_ENTRY, 5, ...at], value: gauge(row.port) },
      { oid: [...RS_ENTRY, 6, ...at], value: truth(row.x.alive) },
      ...vsVarbinds(d, vsIndex),
      { oid: [...VS_ENTRY, 21, vsIndex + 1], value: gauge(upCount(v)) },
      { oid: [...VS_ENTRY, 20, vsIndex + 1], value: gauge(v.realServers.length) },
      { oid: [...KEEPALIVED_OID, 1, 2, 0], value: str(d.global.routerId) },
    ],
  };
}

/** virtualServerQuorumStateChange for virtual server `vsIndex` (0-based). */
export function quorumStateChangeTrap(d: SnmpCheckData, vsIndex: number): { trap: Oid; varbinds: VarBind[] } | undefined {
  const v = d.virtualServers[vsIndex];
  if (!v) return undefined;
  const i = vsIndex + 1;
  return {
    trap: [...TRAPS, 2],
    varbinds: [
      ...vsVarbinds(d, vsIndex),
      { oid: [...VS_ENTRY, 23, i], value: truth(v.quorumUp) },
      { oid: [...VS_ENTRY, 22, i], value: gauge(v.model.quorum) },
      { oid: [...VS_ENTRY, 21, i], value: gauge(upCount(v)) },
      { oid: [...VS_ENTRY, 20, i], value: gauge(v.realServers.length) },
      { oid: [...KEEPALIVED_OID, 1, 2, 0], value: str(d.global.routerId) },
    ],
  };
}
