// The checker child's MIB: KEEPALIVED-MIB global + check branches (enable_snmp_checker) and
// the realServerStateChange / virtualServerQuorumStateChange notifications.
import type { ChildAgentSpec, ChildSnmpAgent } from './child-agent.js';
import { addKeepalivedCheck, KEEPALIVED_CHECK_OID, quorumStateChangeTrap, realServerStateChangeTrap, type SnmpCheckData } from './keepalived-check-mib.js';
import { addKeepalivedGlobal, KEEPALIVED_GLOBAL_OID, KEEPALIVED_OID } from './keepalived-global-mib.js';
import { versionString } from './vrrp-agent.js';
import { virtualServerName } from '../lvs/from-config.js';
import { canonicalAddress, realServerId } from '../lvs/desired.js';

export function checkerAgentSpec(data: () => SnmpCheckData): ChildAgentSpec {
  return {
    description: 'Keepalived healthchecker (keepalived-ts)',
    id: KEEPALIVED_OID,
    subtrees: (s) => (s.checker ? [{ oid: KEEPALIVED_GLOBAL_OID, module: 'Keepalived' }, { oid: KEEPALIVED_CHECK_OID, module: 'Healthchecker' }] : []),
    build: (b, s) => {
      if (!s.checker) return;
      const d = data();
      addKeepalivedGlobal(b, d.global, versionString());
      addKeepalivedCheck(b, d);
    },
  };
}

export function realServerTrap(agent: ChildSnmpAgent, data: () => SnmpCheckData, vs: string, rs: string): void {
  if (!agent.enabled?.checker) return;
  agent.notify(() => {
    const d = data();
    const vi = d.virtualServers.findIndex((v) => virtualServerName(v.model) === vs);
    const r = d.virtualServers[vi]?.realServers.find((x) => realServerId({ address: canonicalAddress(x.model.address.address), port: x.model.port }) === rs);
    return [r ? realServerStateChangeTrap(d, vi, r.model.address.address, r.model.port) : undefined];
  });
}

export function quorumTrap(agent: ChildSnmpAgent, data: () => SnmpCheckData, vs: string): void {
  if (!agent.enabled?.checker) return;
  agent.notify(() => {
    const d = data();
    return [quorumStateChangeTrap(d, d.virtualServers.findIndex((v) => virtualServerName(v.model) === vs))];
  });
}
