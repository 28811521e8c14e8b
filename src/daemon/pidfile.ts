// Pid files as keepalived keeps them: /run/keepalived.pid for the parent, /run/vrrp.pid,
// /run/checkers.pid and /run/bfd.pid for the children. keepalived locks them with an OFD lock; Node has no
// fcntl, so ownership is decided by the pid inside: a file naming a live process other than
// us means another daemon runs, a file naming a dead one is stale and taken over. Files are
// written whole (temp file + rename) so a reader never sees a partial pid.
import { readFileSync, writeFileSync, renameSync, unlinkSync, openSync, closeSync, constants as fsc } from 'node:fs';
import { dirname, basename, join } from 'node:path';

export interface PidFilePaths {
  parent: string;
  vrrp: string;
  checker: string;
  bfd: string;
}

export const DEFAULT_PID_FILES: PidFilePaths = {
  parent: '/run/keepalived.pid',
  vrrp: '/run/vrrp.pid',
  checker: '/run/checkers.pid',
  bfd: '/run/bfd.pid',
};

/** Pure: the pid a pid file's text names, or undefined when it names none. */
export function parsePidFile(text: string): number | undefined {
  const m = /^\s*(\d{1,10})\s*$/.exec(text);
  if (!m?.[1]) return undefined;
  const pid = Number(m[1]);
  return pid > 0 && pid <= 0x3fffffff ? pid : undefined;
}

export type PidFileState =
  | { kind: 'absent' }
  | { kind: 'stale'; pid?: number }
  | { kind: 'ours' }
  | { kind: 'running'; pid: number };

/** Pure decision from what the file holds and whether that pid lives. */
export function classifyPidFile(text: string | undefined, ownPid: number, isAlive: (pid: number) => boolean): PidFileState {
  if (text === undefined) return { kind: 'absent' };
  const pid = parsePidFile(text);
  if (pid === undefined) return { kind: 'stale' };
  if (pid === ownPid) return { kind: 'ours' };
  return isAlive(pid) ? { kind: 'running', pid } : { kind: 'stale', pid };
}

/** Whether a process with this pid exists (EPERM: it exists but is not ours to signal). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readPidFileText(path: string): string | undefined {
  try {
    // O_NOFOLLOW: a symlink planted at the pid file's path is not followed.
    const fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW);
    try {
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export class AlreadyRunningError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`daemon is already running (pid ${pid} in ${path})`);
  }
}

/** Writes `pid` to `path` atomically, mode 0644. */
export function writePidFile(path: string, pid: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, `${pid}\n`, { mode: 0o644, flag: 'w' });
  try {
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
}

/** Throws AlreadyRunningError when `path` names another live process. */
export function assertPidFileFree(path: string, ownPid = process.pid, isAlive = processAlive): void {
  const state = classifyPidFile(readPidFileText(path), ownPid, isAlive);
  if (state.kind === 'running') throw new AlreadyRunningError(path, state.pid);
}

/** Removes `path` if it still names `pid` (never another daemon's file). */
export function removePidFile(path: string, pid: number): void {
  try {
    if (parsePidFile(readPidFileText(path) ?? '') === pid) unlinkSync(path);
  } catch {
    // Nothing to remove, or not ours to remove.
  }
}
