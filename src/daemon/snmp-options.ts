// The command line's SNMP options applied to the configuration the children get, as
// keepalived does (global_data.c): -x turns on every SNMP subagent (enable_snmp_vrrp,
// _checker, _rfcv2, _rfcv3), and -A names the AgentX socket before `snmp_socket` does
// (keepalived then ignores the keyword, so -A wins). A reload applies them again.
import type { ConfigSource } from './parent.js';

export interface SnmpCliOptions {
  /** -x */
  snmp?: boolean;
  /** -A */
  snmpSocket?: string;
}

/** Pure: `config` with the options applied (a config without a typed `global` is returned as it is). */
export function applySnmpOptions(config: unknown, o: SnmpCliOptions): unknown {
  if (!o.snmp && o.snmpSocket === undefined) return config;
  const c = config as { global?: Record<string, unknown> } | null;
  if (!c || typeof c !== 'object' || !c.global || typeof c.global !== 'object') return config;
  const global = { ...c.global };
  if (o.snmp) Object.assign(global, { enableSnmpVrrp: true, enableSnmpChecker: true, enableSnmpRfcv2: true, enableSnmpRfcv3: true });
  if (o.snmpSocket !== undefined) global['snmpSocket'] = o.snmpSocket;
  return { ...c, global };
}

export function withSnmpOptions(source: ConfigSource, o: SnmpCliOptions): ConfigSource {
  if (!o.snmp && o.snmpSocket === undefined) return source;
  return {
    description: source.description,
    async load() {
      const r = await source.load();
      return r.config === undefined ? r : { ...r, config: applySnmpOptions(r.config, o) };
    },
  };
}
