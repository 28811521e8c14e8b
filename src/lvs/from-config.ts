// keepalived's virtual_server configuration -> the LVS desired-state model.
//
// The config model (src/config/model.ts) already applies keepalived's derivations
// (check/check_data.c validate_check_config): default scheduler wlc and method NAT, UDP
// default protocol, RS port rules for DR/TUN/fwmark, inheritance of weight, alpha and
// inhibit_on_failure from the virtual server, quorum and hysteresis clamping. What is left
// here is the IPVS view: a group expands to one service per address in its ranges (and one
// per fwmark entry), scheduler flags by their IPVS bit, persistence granularity as a prefix.
import type { KeepalivedConfig, LvsMethod, RealServer, VirtualServer, VirtualServerGroup } from '../config/model.js';
import {
  canonicalAddress,
  expandIpv6,
  type AddressFamily,
  type Forwarding,
  type Persistence,
  type Protocol,
  type RealServerSpec,
  type SchedulerFlags,
  type ServiceKey,
  type VirtualServerSpec,
} from './desired.js';
import { maskToPrefix } from './ip.js';

/** Addresses a single group range may expand to; keepalived's own limit is a /16 (65536). */
const MAX_RANGE = 65536;

const familyOf = (f: 4 | 6): AddressFamily => (f === 4 ? 'inet' : 'inet6');

export function forwardingOf(m: LvsMethod): Forwarding {
  if (m.kind === 'NAT') return { method: 'nat' };
  if (m.kind === 'DR') return { method: 'dr' };
  const checksum = m.checksum ?? 'nocsum';
  if (m.tunnel === 'gue') return { method: 'tun', encap: { type: 'gue', port: m.port ?? 0, checksum } };
  if (m.tunnel === 'gre') return { method: 'tun', encap: { type: 'gre', checksum } };
  return { method: 'tun', encap: { type: 'ipip' } };
}

/**
 * The name a virtual server goes by in logs, in the checkers' health map and in FIFO lines:
 * keepalived's "[10.0.0.1]:tcp:80", "FWM 5", "GROUP web".
 */
export function virtualServerName(vs: VirtualServer): string {
  const proto = vs.protocol.toLowerCase();
  if (vs.key.kind === 'addr') return `[${vs.key.address.address}]:${proto}:${vs.key.port}`;
  if (vs.key.kind === 'fwmark') return `FWM ${vs.key.fwmark}`;
  return `GROUP ${vs.key.group}`;
}

function schedulerFlagsOf(vs: VirtualServer): SchedulerFlags {
  const f = vs.flags;
  // sh-fallback / mh-fallback are IPVS scheduler flag 1, sh-port / mh-port flag 2.
  return { flag1: f.flag1 || f.shFallback || f.mhFallback, flag2: f.flag2 || f.shPort || f.mhPort, flag3: f.flag3 };
}

function persistenceOf(vs: VirtualServer, family: AddressFamily): Persistence | undefined {
  if (vs.persistenceTimeoutS === undefined) return undefined;
  let prefixLength = family === 'inet' ? 32 : 128;
  const g = vs.persistenceGranularity;
  if (g !== undefined) {
    if (/^\d+$/.test(g)) prefixLength = Number(g);
    else {
      const parts = g.split('.').map(Number);
      const mask = (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
      prefixLength = maskToPrefix(mask) ?? 32;
    }
  }
  const p: Persistence = { timeout: vs.persistenceTimeoutS, prefixLength };
  if (vs.persistenceEngine) p.engine = vs.persistenceEngine;
  return p;
}

/** Every address from `first` to `last` inclusive (same family), or an error. */
export function expandRange(first: string, last: string): string[] | string {
  if (!first.includes(':')) {
    const n = (a: string) => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const a = n(first);
    const b = n(last);
    if (b < a) return `range ${first}-${last} runs backwards`;
    if (b - a + 1 > MAX_RANGE) return `range ${first}-${last} has ${b - a + 1} addresses (at most ${MAX_RANGE})`;
    const out: string[] = [];
    for (let x = a; x <= b; x++) out.push([24, 16, 8, 0].map((s) => Math.floor(x / 2 ** s) % 256).join('.'));
    return out;
  }
  const wa = expandIpv6(first);
  const wb = expandIpv6(last);
  if (!wa || !wb) return `range ${first}-${last} is not IPv6`;
  // keepalived ranges vary the last group only.
  if (wa.slice(0, 7).join() !== wb.slice(0, 7).join()) return `IPv6 range ${first}-${last} may only vary the last group`;
  const out: string[] = [];
  for (let x = wa[7]!; x <= wb[7]!; x++) out.push(canonicalAddress([...wa.slice(0, 7), x].map((w) => w.toString(16)).join(':')));
  return out.length ? out : `range ${first}-${last} runs backwards`;
}

function servicesOf(vs: VirtualServer, groups: ReadonlyMap<string, VirtualServerGroup>, problems: string[]): ServiceKey[] {
  const protocol = vs.protocol.toLowerCase() as Protocol;
  const family = familyOf(vs.family);
  switch (vs.key.kind) {
    case 'addr':
      return [{ kind: 'addr', family: familyOf(vs.key.address.family), protocol, address: vs.key.address.address, port: vs.key.port }];
    case 'fwmark':
      return [{ kind: 'fwmark', family: vs.ipFamily ? familyOf(vs.ipFamily) : family, fwmark: vs.key.fwmark }];
    case 'group': {
      const g = groups.get(vs.key.group);
      if (!g) {
        problems.push(`virtual_server group ${vs.key.group}: no such virtual_server_group`);
        return [];
      }
      const out: ServiceKey[] = [];
      for (const e of g.entries) {
        if (e.kind === 'fwmark') {
          out.push({ kind: 'fwmark', family: e.family ? familyOf(e.family) : family, fwmark: e.fwmark });
          continue;
        }
        const addrs = expandRange(e.first.address, e.last.address);
        if (typeof addrs === 'string') {
          problems.push(`virtual_server_group ${g.name}: ${addrs}`);
          continue;
        }
        for (const a of addrs) out.push({ kind: 'addr', family: familyOf(e.first.family), protocol, address: a, port: e.port });
      }
      return out;
    }
  }
}

function realServerOf(rs: RealServer): RealServerSpec {
  return {
    family: familyOf(rs.address.family),
    address: rs.address.address,
    port: rs.port,
    weight: rs.weight,
    forwarding: forwardingOf(rs.method),
    upperThreshold: rs.uthreshold ?? 0,
    lowerThreshold: rs.lthreshold ?? 0,
    inhibitOnFailure: rs.inhibitOnFailure,
    alpha: rs.alpha,
  };
}

export function virtualServerSpec(vs: VirtualServer, groups: ReadonlyMap<string, VirtualServerGroup>, problems: string[] = []): VirtualServerSpec {
  const family = familyOf(vs.family);
  const services = servicesOf(vs, groups, problems);
  const spec: VirtualServerSpec = {
    name: virtualServerName(vs),
    services,
    scheduler: vs.scheduler,
    schedulerFlags: schedulerFlagsOf(vs),
    onePacket: vs.flags.ops,
    realServers: vs.realServers.map(realServerOf),
    quorum: vs.quorum,
    hysteresis: vs.hysteresis,
  };
  const p = persistenceOf(vs, family);
  if (p) spec.persistence = p;
  if (vs.sorryServer) {
    spec.sorryServer = {
      family: familyOf(vs.sorryServer.address.family),
      address: vs.sorryServer.address.address,
      port: vs.sorryServer.port,
      forwarding: forwardingOf(vs.sorryServer.method ?? vs.method),
      inhibit: vs.sorryServerInhibit,
    };
  }
  return spec;
}

/** Every virtual server of a configuration, with problems that kept parts of it out. */
export function lvsSpecsFromConfig(cfg: Pick<KeepalivedConfig, 'virtualServers' | 'virtualServerGroups'>): { specs: VirtualServerSpec[]; problems: string[] } {
  const groups = new Map(cfg.virtualServerGroups.map((g) => [g.name, g]));
  const problems: string[] = [];
  const specs = cfg.virtualServers.map((vs) => virtualServerSpec(vs, groups, problems));
  return { specs, problems };
}
