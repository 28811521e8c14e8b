// The status contract: what a running daemon tells keepalivectl, /status.json and /metrics.
// Each child answers `status()` with its part (VRRP instances from the VRRP child, virtual
// servers from the checker child); the parent merges them into one DaemonStatus.
//
// Versioned: STATUS_VERSION changes only when a field changes meaning or disappears; new
// optional fields may appear without a bump. Times are milliseconds since the Unix epoch.
// Documented in docs/keepalivectl.md.

export const STATUS_VERSION = 1;

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

/** Counters with the meaning of keepalived's stats dump (keepalived.stats). */
export interface VrrpCounters {
  advertRcvd: number;
  advertSent: number;
  becomeMaster: number;
  releaseMaster: number;
  packetLenErr: number;
  ipTtlErr: number;
  invalidTypeRcvd: number;
  advertIntervalErr: number;
  addrListErr: number;
  invalidAuthType: number;
  authTypeMismatch: number;
  authFailure: number;
  priZeroRcvd: number;
  priZeroSent: number;
}

export interface VrrpTransition {
  /** When the instance entered `to`. */
  at: number;
  from: VrrpState;
  to: VrrpState;
  /** Why, in words: "higher priority advert from 10.0.0.2", "master down timer", "fault: eth0 down". */
  reason: string;
}

export interface VrrpInstanceStatus {
  name: string;
  interface: string;
  vrid: number;
  family: 'inet' | 'inet6';
  version: 2 | 3;
  state: VrrpState;
  /** Configured priority. */
  priority: number;
  /** After track_script / track_interface / track_file weights. */
  effectivePriority: number;
  /** Address of the current master ("" when unknown; ours when we are master). */
  masterAddress: string;
  /** Virtual addresses as configured ("10.0.0.100/24"). */
  vips: string[];
  /** Whether the VIPs are on the interface now. */
  vipsInstalled: boolean;
  syncGroup?: string;
  lastTransition?: VrrpTransition;
  counters: VrrpCounters;
  /** Tracked scripts and their last result. */
  scripts: { name: string; result: 'good' | 'bad' | 'unknown'; weight: number }[];
}

export interface RealServerStatus {
  address: string;
  port: number;
  weight: number;
  up: boolean;
  /** The latest check: result, when, how long it took, and why it failed. */
  lastCheck?: { ok: boolean; at: number; latencyMs: number; detail?: string };
}

export interface VirtualServerStatus {
  /** "10.0.0.100:80/tcp" or "fwmark 5". */
  name: string;
  protocol: string;
  scheduler: string;
  /** Real servers up vs. quorum: quorum lost means the sorry server / no service. */
  quorumUp: boolean;
  realServers: RealServerStatus[];
}

export type BfdState = 'AdminDown' | 'Down' | 'Init' | 'Up';

export interface BfdSessionStatus {
  name: string;
  neighbor: string;
  state: BfdState;
  remoteState: BfdState;
  /** Diagnostics as keepalived names them ("Control Detection Time Expired"). */
  localDiag: string;
  remoteDiag: string;
  /** When the session entered its state (epoch ms). */
  since: number;
  /** Our transmit interval and the time without packets after which the session is down, µs. */
  txIntervalUs: number;
  detectionTimeUs: number;
  packetsIn: number;
  packetsOut: number;
}

/** One child's part. */
export interface StatusSnapshot {
  version: typeof STATUS_VERSION;
  vrrp?: VrrpInstanceStatus[];
  virtualServers?: VirtualServerStatus[];
  bfd?: BfdSessionStatus[];
}

/** What the parent answers: both children's parts, and which child could not answer. */
export interface DaemonStatus {
  version: typeof STATUS_VERSION;
  /** When the parent gathered it. */
  at: number;
  phase: string;
  pids: { parent: number; vrrp?: number; checker?: number; bfd?: number };
  vrrp: VrrpInstanceStatus[];
  virtualServers: VirtualServerStatus[];
  /** BFD sessions (absent from a daemon that predates them). */
  bfd?: BfdSessionStatus[];
  /** role -> reason, for a child that runs but did not answer (or whose service has no status). */
  errors: Record<string, string>;
}

export function zeroCounters(): VrrpCounters {
  return {
    advertRcvd: 0, advertSent: 0, becomeMaster: 0, releaseMaster: 0, packetLenErr: 0, ipTtlErr: 0,
    invalidTypeRcvd: 0, advertIntervalErr: 0, addrListErr: 0, invalidAuthType: 0, authTypeMismatch: 0,
    authFailure: 0, priZeroRcvd: 0, priZeroSent: 0,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Pure: accepts a DaemonStatus from the wire, or says why not (keepalivectl checks the version). */
export function parseDaemonStatus(text: string): DaemonStatus | string {
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) { return `not JSON: ${(e as Error).message}`; }
  if (!isObject(v)) return 'not a status object';
  if (v['version'] !== STATUS_VERSION) return `status version ${String(v['version'])}, this keepalivectl reads version ${STATUS_VERSION}`;
  if (!Array.isArray(v['vrrp']) || !Array.isArray(v['virtualServers'])) return 'status without vrrp/virtualServers';
  return v as unknown as DaemonStatus;
}
