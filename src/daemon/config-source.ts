// The configuration as the daemon reads it: the config reader and keyword layer
// (src/config/load.ts) behind the ConfigSource interface, plus which children it needs.
import type { ConfigNode } from '../config/ast.js';
import { loadConfig, type LoadOptions } from '../config/load.js';
import { fatalDiagnostics } from '../config/build.js';
import type { KeepalivedConfig } from '../config/model.js';
import type { ConfigSource, LoadedConfig } from './parent.js';
import type { Role } from './roles.js';

// Top-level blocks that give the VRRP child work (keepalived: vrrp_data has content) and
// the checker child work (check_data has virtual servers); a bfd_instance, the BFD child.
const VRRP_BLOCKS = new Set(['vrrp_instance', 'vrrp_sync_group', 'static_ipaddress', 'static_routes', 'static_rules']);
const CHECKER_BLOCKS = new Set(['virtual_server', 'virtual_server_group']);

/** Pure: the children a configuration needs, from the keywords of its top-level blocks. */
export function rolesForKeywords(topLevel: ReadonlySet<string>): Role[] {
  const roles: Role[] = [];
  if ([...VRRP_BLOCKS].some((k) => topLevel.has(k))) roles.push('vrrp');
  if ([...CHECKER_BLOCKS].some((k) => topLevel.has(k))) roles.push('checker');
  if (topLevel.has('bfd_instance')) roles.push('bfd');
  return roles;
}

// What a child never reads of the typed model, by role: the largest parts of a big
// configuration (10,000 real servers are 3.4 MB of JSON), which each child was sent whole.
const LVS_PARTS: ReadonlyArray<keyof KeepalivedConfig> = ['virtualServers', 'virtualServerGroups'];
const VRRP_PARTS: ReadonlyArray<keyof KeepalivedConfig> = ['vrrpInstances', 'vrrpSyncGroups'];
const UNUSED_BY: Record<Role, ReadonlyArray<keyof KeepalivedConfig>> = {
  vrrp: LVS_PARTS,
  checker: VRRP_PARTS,
  bfd: [...LVS_PARTS, ...VRRP_PARTS],
};

/**
 * Pure: the configuration a child of `role` is sent: the typed model without the parts that
 * role never reads (emptied, so the shape stays the model's), which halves what the parent
 * serialises and each child parses for a configuration with both VRRP and LVS. Anything that
 * is not the typed model (a test's JSON) goes as it is.
 */
export function configForRole(role: Role, config: unknown): unknown {
  if (typeof config !== 'object' || config === null || !('global' in config) || !Array.isArray((config as Partial<KeepalivedConfig>).virtualServers)) return config;
  const out: Record<string, unknown> = { ...(config as Record<string, unknown>) };
  for (const k of UNUSED_BY[role]) if (Array.isArray(out[k])) out[k] = [];
  return out;
}

/** Pure: the children a configuration tree needs. */
export function rolesForNodes(nodes: readonly ConfigNode[]): Role[] {
  return rolesForKeywords(new Set(nodes.map((n) => n.keyword)));
}

/**
 * Reads `path` with the config reader; the children get the typed model (`{ nodes: [] }` only
 * when the main file could not be read, which blocks the start anyway).
 */
export function fileConfigSource(path: string, opts: LoadOptions = {}): ConfigSource {
  return {
    description: path,
    load(): Promise<LoadedConfig> {
      // The typed model is what the daemon runs on: each block is built as it is read and
      // its tree dropped (a third less time to read a large file; the tree is never sent).
      const r = loadConfig(path, { ...opts, keepNodes: false });
      if (r.missingMainFile && !r.diagnostics.some((d) => d.severity === 'error')) {
        r.diagnostics.push({ severity: 'error', loc: { file: path, line: 0 }, message: 'cannot read the configuration file' });
      }
      return Promise.resolve({
        config: r.config ?? { nodes: r.nodes },
        diagnostics: r.diagnostics,
        blocking: r.config === undefined ? r.diagnostics.filter((d) => d.severity === 'error') : fatalDiagnostics(r.diagnostics),
        roles: rolesForKeywords(r.topLevel),
      });
    },
  };
}

/** Fallback when a source does not say which children it needs: both. */
export function defaultRolesFor(_config: unknown): Role[] {
  return ['vrrp', 'checker'];
}
