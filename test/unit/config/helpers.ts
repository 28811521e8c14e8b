// Shared by the config unit tests: build a config from text and look at its diagnostics.
import { buildConfig, type BuildEnv, type ConfigDiagnostic } from '../../../src/config/build.js';
import { formatDiagnostic } from '../../../src/config/ast.js';
import type { KeepalivedConfig, VrrpInstance, VirtualServer } from '../../../src/config/model.js';
import { readConfigText } from '../../../src/config/reader.js';

export interface Built {
  config: KeepalivedConfig;
  diagnostics: ConfigDiagnostic[];
  /** "LINE: message" of every error. */
  errors: string[];
  warnings: string[];
}

/** Read `text` with the real reader (as file test.conf), then build it. */
export function build(text: string, env: BuildEnv = { hostname: 'testhost' }): Built {
  const read = readConfigText(text, 'test.conf', { configId: 'testhost' });
  const built = buildConfig(read.nodes, env);
  const config = built.config;
  const diagnostics: ConfigDiagnostic[] = [...read.diagnostics, ...built.diagnostics];
  const fmt = (d: ConfigDiagnostic): string => formatDiagnostic(d).replace(/^test\.conf:/, '');
  return {
    config, diagnostics,
    errors: diagnostics.filter((d) => d.severity === 'error').map(fmt),
    warnings: diagnostics.filter((d) => d.severity === 'warning').map(fmt),
  };
}

/** A minimal valid instance with extra lines inside it. */
export function instance(extra = '', name = 'VI_1', vrid = 51, vip = '10.0.0.1/24'): string {
  return `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n${extra}\n virtual_ipaddress {\n  ${vip}\n }\n}\n`;
}

export function onlyInstance(b: Built): VrrpInstance {
  const i = b.config.vrrpInstances[0];
  if (!i) throw new Error(`no instance built: ${b.errors.join('; ')}`);
  return i;
}

/** A minimal valid virtual server with extra VS lines and real server lines. */
export function vserver(vsExtra = '', rsExtra = 'TCP_CHECK {\n }', head = '10.0.0.100 80', rs = '10.0.0.2 80'): string {
  return `virtual_server ${head} {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n${vsExtra}\n real_server ${rs} {\n${rsExtra}\n }\n}\n`;
}

export function onlyVs(b: Built): VirtualServer {
  const v = b.config.virtualServers[0];
  if (!v) throw new Error(`no virtual server built: ${b.errors.join('; ')}`);
  return v;
}
