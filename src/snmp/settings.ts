// Which SNMP subagents run, and where the AgentX master is: global_defs `snmp_socket`,
// `enable_snmp_vrrp` (`enable_snmp_keepalived`), `enable_snmp_checker`, `enable_snmp_rfc`,
// `enable_snmp_rfcv2`, `enable_snmp_rfcv3`, `enable_traps`; the command line's -x (all of
// the enable_snmp_* switches) and -A (the socket, before snmp_socket) are applied to the
// configuration by the daemon (src/daemon/snmp-options.ts). Pure.
import type { GlobalDefs } from '../config/model.js';
import { DEFAULT_AGENTX_SOCKET, parseAgentxAddress, type AgentxAddress } from './subagent.js';

export interface SnmpSettings {
  address: AgentxAddress;
  /** KEEPALIVED-MIB vrrp branch (and global, unless the checker serves it). */
  vrrp: boolean;
  /** KEEPALIVED-MIB check branch and global. */
  checker: boolean;
  rfcv2: boolean;
  rfcv3: boolean;
  traps: boolean;
}

/** The settings, undefined when no SNMP is enabled, or why the socket is unusable. */
export function snmpSettings(g: GlobalDefs): SnmpSettings | undefined | { error: string } {
  if (!g.enableSnmpVrrp && !g.enableSnmpChecker && !g.enableSnmpRfcv2 && !g.enableSnmpRfcv3) return undefined;
  const address = parseAgentxAddress(g.snmpSocket ?? DEFAULT_AGENTX_SOCKET);
  if (typeof address === 'string') return { error: `snmp_socket ${address}` };
  return { address, vrrp: g.enableSnmpVrrp, checker: g.enableSnmpChecker, rfcv2: g.enableSnmpRfcv2, rfcv3: g.enableSnmpRfcv3, traps: g.enableTraps };
}

export function sameSettings(a: SnmpSettings | undefined, b: SnmpSettings | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
