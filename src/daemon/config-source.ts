// The configuration as the daemon reads it: the config reader and keyword layer
// (src/config/load.ts) behind the ConfigSource interface, plus which children it needs.
import type { ConfigNode } from '../config/ast.js';
import { loadConfig, type LoadOptions } from '../config/load.js';
import { fatalDiagnostics } from '../config/build.js';
import type { ConfigSource, LoadedConfig } from './parent.js';
import type { Role } from './roles.js';

// Top-level blocks that give the VRRP child work (keepalived: vrrp_data has content) and
// the checker child work (check_data has virtual servers); a bfd_instance, the BFD child.
const VRRP_BLOCKS = new Set(['vrrp_instance', 'vrrp_sync_group', 'static_ipaddress', 'static_routes', 'static_rules']);
const CHECKER_BLOCKS = new Set(['virtual_server', 'virtual_server_group']);

/** Pure: the children a configuration tree needs. */
export function rolesForNodes(nodes: readonly ConfigNode[]): Role[] {
  const roles: Role[] = [];
  if (nodes.some((n) => VRRP_BLOCKS.has(n.keyword))) roles.push('vrrp');
  if (nodes.some((n) => CHECKER_BLOCKS.has(n.keyword))) roles.push('checker');
  if (nodes.some((n) => n.keyword === 'bfd_instance')) roles.push('bfd');
  return roles;
}

/**
 * Reads `path` with the config reader. Until the typed model is present the children get
 * `{ nodes }` (the resolved tree) as their configuration.
 */
export function fileConfigSource(path: string, opts: LoadOptions = {}): ConfigSource {
  return {
    description: path,
    load(): Promise<LoadedConfig> {
      const r = loadConfig(path, opts);
      if (r.missingMainFile && !r.diagnostics.some((d) => d.severity === 'error')) {
        r.diagnostics.push({ severity: 'error', loc: { file: path, line: 0 }, message: 'cannot read the configuration file' });
      }
      return Promise.resolve({
        config: r.config ?? { nodes: r.nodes },
        diagnostics: r.diagnostics,
        blocking: r.config === undefined ? r.diagnostics.filter((d) => d.severity === 'error') : fatalDiagnostics(r.diagnostics),
        roles: rolesForNodes(r.nodes),
      });
    },
  };
}

/** Fallback when a source does not say which children it needs: both. */
export function defaultRolesFor(_config: unknown): Role[] {
  return ['vrrp', 'checker'];
}
