// Where keepalived writes its dumps and how: $TMPDIR when it is an existing directory, else
// /tmp; each file written whole through a temp file and rename, so a reader (an exporter
// scraping keepalived.json) never sees half a dump.
import { statSync, writeFileSync, renameSync, unlinkSync } from 'node:fs';
import { join, dirname, basename, extname, isAbsolute } from 'node:path';
import type { DumpKind } from './service.js';
import type { Role } from './roles.js';

export function dumpDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env['TMPDIR'];
  if (dir) {
    try {
      if (statSync(dir).isDirectory()) return dir;
    } catch {
      // Not there: keepalived falls back to /tmp too.
    }
  }
  return '/tmp';
}

/** Pure: keepalived's file name for a dump by a role (the parent's data dump has role 'parent'). */
export function dumpFileName(role: Role | 'parent', kind: DumpKind): string {
  if (kind === 'stats') return 'keepalived.stats';
  if (kind === 'json') return 'keepalived.json';
  switch (role) {
    case 'vrrp': return 'keepalived.data';
    case 'checker': return 'keepalived_check.data';
    case 'bfd': return 'keepalived_bfd.data';
    case 'parent': return 'keepalived_parent.data';
  }
}

export function dumpPath(dir: string, role: Role | 'parent', kind: DumpKind): string {
  return join(dir, dumpFileName(role, kind));
}

export function writeFileAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode: 0o644 });
  try {
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* gone */ }
    throw e;
  }
}

/** global_defs state_dump_file / stats_dump_file / json_dump_file, as the typed model names them. */
export interface DumpFileSettings {
  stateDumpFile?: string;
  statsDumpFile?: string;
  jsonDumpFile?: string;
}

/** Pure: the settings from a configuration (the typed model's `global`), if any. */
export function dumpSettingsOf(config: unknown): DumpFileSettings {
  const g = typeof config === 'object' && config !== null ? (config as Record<string, unknown>)['global'] : undefined;
  if (typeof g !== 'object' || g === null) return {};
  const str = (k: string) => { const v = (g as Record<string, unknown>)[k]; return typeof v === 'string' && v ? v : undefined; };
  const out: DumpFileSettings = {};
  const state = str('stateDumpFile');
  const stats = str('statsDumpFile');
  const json = str('jsonDumpFile');
  if (state) out.stateDumpFile = state;
  if (stats) out.statsDumpFile = stats;
  if (json) out.jsonDumpFile = json;
  return out;
}

/**
 * Pure: where a dump goes. A configured file name replaces keepalived.data / .stats / .json
 * (relative names are in the dump directory); the checker's and the parent's data dumps
 * insert _check / _parent before the extension, as keepalived does.
 */
export function configuredDumpPath(settings: DumpFileSettings, dir: string, role: Role | 'parent', kind: DumpKind): string {
  const configured = kind === 'data' ? settings.stateDumpFile : kind === 'stats' ? settings.statsDumpFile : settings.jsonDumpFile;
  if (!configured) return dumpPath(dir, role, kind);
  const full = isAbsolute(configured) ? configured : join(dir, configured);
  if (kind !== 'data' || role === 'vrrp') return full;
  const suffix = role === 'checker' ? '_check' : '_parent';
  const ext = extname(full);
  return ext ? `${full.slice(0, -ext.length)}${suffix}${ext}` : `${full}${suffix}`;
}
