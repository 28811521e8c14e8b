// The backend-neutral model of an LVS data plane.
//
// Two levels:
//  * the policy level (`VirtualServerSpec`): what the configuration says — real servers with
//    their weights, inhibit_on_failure, alpha, quorum, sorry server;
//  * the table level (`ServiceEntry` / `DestinationEntry`): what must be in the kernel's
//    table (IPVS services and destinations, or the nftables equivalent) right now.
//
// `materialize` turns the policy plus the checkers' verdicts into the table, following
// keepalived's rules (check/ipwrapper.c): a failed real server is removed, or kept with
// weight 0 when inhibit_on_failure; a virtual server that lost quorum serves its sorry
// server instead. Everything here is pure.
import { canonicalIp, ipv6Bytes } from '../net/ip-bytes.js';

export type AddressFamily = 'inet' | 'inet6';
export type Protocol = 'tcp' | 'udp' | 'sctp';

/** IPVS schedulers keepalived accepts (lvs_sched / lb_algo). */
export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

/** A virtual service is named either by protocol, address and port, or by a firewall mark. */
export type ServiceKey =
  | { kind: 'addr'; family: AddressFamily; protocol: Protocol; address: string; port: number }
  | { kind: 'fwmark'; family: AddressFamily; fwmark: number };

/** The three IPVS scheduler flags; their meaning depends on the scheduler (sh: fallback, port; mh: fallback, port). */
export interface SchedulerFlags {
  flag1: boolean;
  flag2: boolean;
  flag3: boolean;
}

export const NO_SCHEDULER_FLAGS: SchedulerFlags = Object.freeze({ flag1: false, flag2: false, flag3: false });

export interface Persistence {
  /** Seconds a client sticks to its real server. */
  timeout: number;
  /** Granularity as a prefix length: 0..32 for IPv4 (32 = per client address), 0..128 for IPv6. */
  prefixLength: number;
  /** Persistence engine (IPVS "pe", e.g. "sip"). */
  engine?: string;
}

export type TunnelEncap =
  | { type: 'ipip' }
  | { type: 'gue'; port: number; checksum: TunnelChecksum }
  | { type: 'gre'; checksum: TunnelChecksum };
export type TunnelChecksum = 'nocsum' | 'csum' | 'remcsum';

export type Forwarding = { method: 'nat' } | { method: 'dr' } | { method: 'tun'; encap: TunnelEncap };

/** One IPVS service as it should be (or is) in the kernel. */
export interface ServiceEntry {
  key: ServiceKey;
  scheduler: Scheduler;
  schedulerFlags: SchedulerFlags;
  /** One-packet scheduling (UDP): every datagram scheduled on its own. */
  onePacket: boolean;
  persistence?: Persistence;
  destinations: DestinationEntry[];
}

/** One IPVS destination (real server) of a service. */
export interface DestinationEntry {
  family: AddressFamily;
  address: string;
  port: number;
  weight: number;
  forwarding: Forwarding;
  /** Connection thresholds; 0 = none. */
  upperThreshold: number;
  lowerThreshold: number;
}

// ---------------------------------------------------------------- policy level

/** A configured real server: its destination as configured (weight = configured weight), plus policy. */
export interface RealServerSpec extends DestinationEntry {
  /** When down, keep it with weight 0 (existing connections drain) instead of removing it. */
  inhibitOnFailure: boolean;
  /** Starts down until its checkers first succeed. */
  alpha: boolean;
}

export interface SorryServerSpec {
  family: AddressFamily;
  address: string;
  port: number;
  forwarding: Forwarding;
  /** sorry_server_inhibit: kept in the table with weight 0 while quorum holds. */
  inhibit: boolean;
}

/** A configured virtual server; a virtual_server_group expands to several `services`. */
export interface VirtualServerSpec {
  /** Stable name for logs and the checker's health map: "[10.0.0.1]:tcp:80", "fwmark 5", "group web". */
  name: string;
  /** The kernel services this virtual server programs (one, or one per group entry). */
  services: ServiceKey[];
  scheduler: Scheduler;
  schedulerFlags: SchedulerFlags;
  onePacket: boolean;
  persistence?: Persistence;
  realServers: RealServerSpec[];
  sorryServer?: SorryServerSpec;
  /** Σ weights of alive real servers needed for the virtual server to be up (keepalived default 1). */
  quorum: number;
  hysteresis: number;
}

/** Key of a real server within its virtual server, as the checkers report it. */
export function realServerId(rs: { address: string; port: number }): string {
  return rs.address.includes(':') ? `[${rs.address}]:${rs.port}` : `${rs.address}:${rs.port}`;
}

/**
 * Checker verdicts: virtual server name -> real server id -> alive. A real server absent from
 * the map has not been checked yet: it is alive unless it is `alpha` (keepalived's rule).
 */
export type HealthMap = ReadonlyMap<string, ReadonlyMap<string, boolean>>;

export function isAlive(vs: VirtualServerSpec, rs: RealServerSpec, health: HealthMap): boolean {
  const v = health.get(vs.name)?.get(realServerId(rs));
  return v ?? !rs.alpha;
}

export function aliveWeight(vs: VirtualServerSpec, health: HealthMap): number {
  let w = 0;
  for (const rs of vs.realServers) if (isAlive(vs, rs, health)) w += rs.weight;
  return w;
}

/**
 * keepalived's quorum with hysteresis: up -> down when W == 0 or W < quorum - hysteresis;
 * down -> up when W >= quorum + hysteresis; the first evaluation asks W >= quorum + hysteresis.
 */
export function evaluateQuorum(vs: VirtualServerSpec, health: HealthMap, previous: boolean | undefined): boolean {
  const w = aliveWeight(vs, health);
  if (previous === true) return !(w === 0 || w < vs.quorum - vs.hysteresis);
  return w >= vs.quorum + vs.hysteresis;
}

/** Quorum state per virtual server name (carry it from one evaluation to the next). */
export type QuorumMap = ReadonlyMap<string, boolean>;

export function evaluateAllQuorums(specs: readonly VirtualServerSpec[], health: HealthMap, previous: QuorumMap): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const vs of specs) out.set(vs.name, evaluateQuorum(vs, health, previous.get(vs.name)));
  return out;
}

const IPVS_MAX_WEIGHT = 0x7fffffff;

function clampWeight(w: number): number {
  return Math.max(0, Math.min(IPVS_MAX_WEIGHT, Math.trunc(w)));
}

/** The destinations one virtual server puts in each of its services right now. */
export function destinationsOf(vs: VirtualServerSpec, health: HealthMap, quorumUp: boolean): DestinationEntry[] {
  const out: DestinationEntry[] = [];
  const sorry = vs.sorryServer;
  if (quorumUp || !sorry) {
    for (const rs of vs.realServers) {
      const alive = isAlive(vs, rs, health);
      if (!alive && !rs.inhibitOnFailure) continue;
      out.push({
        family: rs.family,
        address: rs.address,
        port: rs.port,
        weight: alive ? clampWeight(rs.weight) : 0,
        forwarding: rs.forwarding,
        upperThreshold: rs.upperThreshold,
        lowerThreshold: rs.lowerThreshold,
      });
    }
    if (sorry?.inhibit && !out.some((d) => sameDestination(d, sorry))) {
      out.push({ ...sorryDestination(sorry), weight: 0 });
    }
  } else {
    // Quorum lost: every real server leaves the pool and the sorry server takes it.
    out.push(sorryDestination(sorry));
  }
  return out;
}

function sorryDestination(s: SorryServerSpec): DestinationEntry {
  return { family: s.family, address: s.address, port: s.port, weight: 1, forwarding: s.forwarding, upperThreshold: 0, lowerThreshold: 0 };
}

/** The whole table the data plane must hold for these virtual servers, verdicts and quorums. */
export function materialize(specs: readonly VirtualServerSpec[], health: HealthMap, quorum: QuorumMap): ServiceEntry[] {
  const out: ServiceEntry[] = [];
  for (const vs of specs) {
    const up = quorum.get(vs.name) ?? evaluateQuorum(vs, health, undefined);
    const dests = destinationsOf(vs, health, up);
    for (const key of vs.services) {
      const entry: ServiceEntry = {
        key,
        scheduler: vs.scheduler,
        schedulerFlags: vs.schedulerFlags,
        onePacket: vs.onePacket,
        destinations: dests.map((d) => ({ ...d, port: key.kind === 'fwmark' ? 0 : d.port })),
      };
      if (vs.persistence) entry.persistence = vs.persistence;
      out.push(entry);
    }
  }
  return out;
}

// ---------------------------------------------------------------- identity helpers

/** A canonical string for a service key ("tcp [10.0.0.1]:80", "fwmark 5 inet6"). */
export function serviceKeyString(k: ServiceKey): string {
  if (k.kind === 'fwmark') return `fwmark ${k.fwmark} ${k.family}`;
  return `${k.protocol} [${canonicalAddress(k.address)}]:${k.port}`;
}

export function destinationKeyString(d: { address: string; port: number }): string {
  return `[${canonicalAddress(d.address)}]:${d.port}`;
}

export function sameDestination(a: { address: string; port: number }, b: { address: string; port: number }): boolean {
  return destinationKeyString(a) === destinationKeyString(b);
}

/** IPv6 text in one form (as `ip` and `ipvsadm` print it) so keys compare. */
export function canonicalAddress(a: string): string {
  if (!a.includes(':')) return a;
  return canonicalIp(a) ?? a.toLowerCase();
}

/** Eight 16-bit words of an IPv6 address, or undefined when it is not one. */
export function expandIpv6(a: string): number[] | undefined {
  const b = ipv6Bytes(a);
  if (!b) return undefined;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(b.readUInt16BE(i));
  return words;
}
