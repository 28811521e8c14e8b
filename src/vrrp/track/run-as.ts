// `user USER [GROUP]` for scripts: names resolved from /etc/passwd and /etc/group (numeric
// ids accepted). Undefined when nothing is asked (run as ourselves).
import { readFileSync } from 'node:fs';

export interface Ids {
  uid: number;
  gid: number;
}

function table(path: string): string[][] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** Pure over the two files' lines: the ids of `user`/`group`, or undefined when unknown. */
export function lookupIds(passwd: string[][], groups: string[][], user: string, group?: string): Ids | undefined {
  const pw = passwd.find((f) => f[0] === user) ?? (/^\d+$/.test(user) ? passwd.find((f) => f[2] === user) ?? [user, '', user, user] : undefined);
  if (!pw) return undefined;
  const uid = Number(pw[2]);
  let gid = Number(pw[3]);
  if (group !== undefined) {
    const gr = groups.find((f) => f[0] === group);
    if (gr) gid = Number(gr[2]);
    else if (/^\d+$/.test(group)) gid = Number(group);
    else return undefined;
  }
  return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
}

export function resolveRunAs(runAs: { user: string; group?: string } | undefined): Ids | undefined {
  if (!runAs) return undefined;
  return lookupIds(table('/etc/passwd'), table('/etc/group'), runAs.user, runAs.group);
}
