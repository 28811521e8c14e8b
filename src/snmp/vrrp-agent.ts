// The VRRP child's MIBs: KEEPALIVED-MIB global + vrrp branches (enable_snmp_vrrp), VRRP-MIB
// (enable_snmp_rfcv2) and VRRPv3-MIB (enable_snmp_rfcv3), and its notifications.
import { packageVersion } from '../version.js';
import type { VrrpState } from '../daemon/status.js';
import type { ChildAgentSpec, ChildSnmpAgent } from './child-agent.js';
import { addKeepalivedGlobal, KEEPALIVED_GLOBAL_OID, KEEPALIVED_OID } from './keepalived-global-mib.js';
import { addKeepalivedVrrp, instanceStateChangeTrap, KEEPALIVED_VRRP_OID, syncGroupStateChangeTrap } from './keepalived-vrrp-mib.js';
import { addVrrpMib, addVrrpv3Mib, rfc2787NewMasterTrap, rfc6527NewMasterTrap, VRRP_MIB_OID, VRRPV3_MIB_OID } from './vrrp-rfc-mibs.js';
import type { SnmpVrrpData } from './vrrp-state.js';

/** keepalived's text for the `version` object, naming us. */
export function versionString(): string {
  return `Keepalived v${packageVersion()} (keepalived-ts)`;
}

/**
 * The global branch is registered one step below the default priority: when the checker
 * child serves it too (enable_snmp_checker), the master answers from the checker's, as
 * keepalived lets only one child register it.
 */
export const GLOBAL_PRIORITY_VRRP = 128;

export function vrrpAgentSpec(data: () => SnmpVrrpData): ChildAgentSpec {
  return {
    description: 'Keepalived VRRP (keepalived-ts)',
    id: KEEPALIVED_OID,
    subtrees: (s) => [
      ...(s.vrrp ? [{ oid: KEEPALIVED_GLOBAL_OID, priority: GLOBAL_PRIORITY_VRRP }, { oid: KEEPALIVED_VRRP_OID, module: 'KEEPALIVED-VRRP' }] : []),
      ...(s.rfcv2 ? [{ oid: VRRP_MIB_OID, module: 'VRRP' }] : []),
      ...(s.rfcv3 ? [{ oid: VRRPV3_MIB_OID, module: 'VRRPV3' }] : []),
    ],
    build: (b, s) => {
      const d = data();
      if (s.vrrp) {
        addKeepalivedGlobal(b, d.global, versionString());
        addKeepalivedVrrp(b, d);
      }
      if (s.rfcv2) addVrrpMib(b, d);
      if (s.rfcv3) addVrrpv3Mib(b, d);
    },
  };
}

/** An instance changed state: keepalived's notifications, when enable_traps is set. */
export function vrrpStateTraps(agent: ChildSnmpAgent, snapshot: () => SnmpVrrpData, instance: string, state: VrrpState): void {
  const s = agent.enabled;
  agent.notify(() => {
    const data = snapshot();
    return [
      s?.vrrp ? instanceStateChangeTrap(data, instance) : undefined,
      state === 'MASTER' && s?.rfcv2 ? rfc2787NewMasterTrap(data, instance) : undefined,
      state === 'MASTER' && s?.rfcv3 ? rfc6527NewMasterTrap(data, instance) : undefined,
    ];
  });
}

export function vrrpGroupTraps(agent: ChildSnmpAgent, snapshot: () => SnmpVrrpData, group: string): void {
  if (agent.enabled?.vrrp) agent.notify(() => [syncGroupStateChangeTrap(snapshot(), group)]);
}
