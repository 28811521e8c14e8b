// Settings keepalived cannot change at a reload (core/main.c reload_config): the network
// namespaces, the instance name, the nftables tables, tmp_config_directory and
// disable_local_igmp. A reload that changes one is refused whole and the running
// configuration stays ("Cannot change ... at a reload - please restart"). keepalived names
// its internal field; we name the keyword the user wrote.
//
// Works on the typed model (`config.global.netNamespace`, ...) and, until that is loaded,
// on the resolved tree (`config.nodes`).
import type { ConfigNode } from '../config/ast.js';

interface Fixed {
  keyword: string;
  /** From the typed model's `global`. */
  typed: (g: Record<string, unknown>) => unknown;
  /** From the tree: top level, or inside global_defs. */
  where: 'top' | 'global_defs';
}

const FIXED: Fixed[] = [
  { keyword: 'net_namespace', typed: (g) => g['netNamespace'], where: 'top' },
  { keyword: 'net_namespace_ipvs', typed: (g) => g['netNamespaceIpvs'], where: 'top' },
  { keyword: 'instance', typed: (g) => g['instanceName'], where: 'top' },
  { keyword: 'nftables', typed: (g) => (g['nftables'] as { table?: unknown } | undefined)?.table, where: 'global_defs' },
  { keyword: 'nftables_ipvs', typed: (g) => (g['nftablesIpvs'] as { table?: unknown } | undefined)?.table, where: 'global_defs' },
  { keyword: 'tmp_config_directory', typed: (g) => g['tmpConfigDirectory'], where: 'global_defs' },
  { keyword: 'disable_local_igmp', typed: (g) => g['disableLocalIgmp'] || undefined, where: 'global_defs' },
];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fromNodes(nodes: ConfigNode[], f: Fixed): unknown {
  const scope = f.where === 'top' ? nodes : nodes.filter((n) => n.keyword === 'global_defs').flatMap((n) => n.children ?? []);
  const hits = scope.filter((n) => n.keyword === f.keyword);
  const last = hits[hits.length - 1];
  if (!last) return undefined;
  return last.args.length > 0 ? last.args.join(' ') : true;
}

function valueOf(config: unknown, f: Fixed): unknown {
  if (!isObject(config)) return undefined;
  const g = config['global'];
  if (isObject(g)) return f.typed(g);
  const nodes = config['nodes'];
  if (Array.isArray(nodes)) return fromNodes(nodes as ConfigNode[], f);
  return undefined;
}

/** Pure: why `next` cannot replace `current` at a reload (empty: it can). */
export function reloadRefusals(current: unknown, next: unknown): string[] {
  const out: string[] = [];
  for (const f of FIXED) {
    const a = JSON.stringify(valueOf(current, f) ?? null);
    const b = JSON.stringify(valueOf(next, f) ?? null);
    if (a !== b) out.push(`Cannot change ${f.keyword} at a reload - please restart keepalived-ts`);
  }
  return out;
}
