// The checker child's MIB: KEEPALIVED-MIB global + check branches (enable_snmp_checker) and
// the realServerStateChange / virtualServerQuorumStateChange notifications.
import type { ChildAgentSpec, ChildSnmpAgent } from './child-agent.js';
import { addKeepalivedCheck, KEEPALIVED_CHECK_OID, quorumStateChangeTrap, realServerStateChangeTrap, type SnmpCheckData } from './keepalived-check-mib.js';
import { addKeepalivedGlobal, KEEPALIVED_GLOBAL_OID, KEEPALIVED_OID } from './keepalived-global-mib.js';
import { versionString } from './vrrp-agent.js';

export function checkerAgentSpec(data: () => SnmpCheckData): ChildAgentSpec {
  return {
    description: 'Keepalived healthchecker (keepalived-ts)',
    id: KEEPALIVED_OID,
    subtrees: (s) => (s.checker ? [{ oid: KEEPALIVED_GLOBAL_OID }, { oid: KEEPALIVED_CHECK_OID }] : []),
    build: (b, s) => {
      if (!s.checker) return;
      const d = data();
      addKeepalivedGlobal(b, d.global, versionString());
      addKeepalivedCheck(b, d);
    },
  };
}

export function realServerTrap(agent: ChildSnmpAgent, data: SnmpCheckData, vsIndex: number, address: string, port: number): void {
  if (agent.enabled?.traps && agent.enabled.checker) agent.notify(realServerStateChangeTrap(data, vsIndex, address, port));
}

export function quorumTrap(agent: ChildSnmpAgent, data: SnmpCheckData, vsIndex: number): void {
  if (agent.enabled?.traps && agent.enabled.checker) agent.notify(quorumStateChangeTrap(data, vsIndex));
}
