// Where keepalived writes its dumps and how: $TMPDIR when it is an existing directory, else
// /tmp; each file written whole through a temp file and rename, so a reader (an exporter
// scraping keepalived.json) never sees half a dump.
import { statSync, writeFileSync, renameSync, unlinkSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
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
