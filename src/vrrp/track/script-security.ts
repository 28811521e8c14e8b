// enable_script_security: a script that runs as root must not be modifiable by anyone else:
// the file and every directory above it must belong to root and not be group/other
// writable (a sticky directory like /tmp does not protect a file in it either). Returns the
// reason a script is refused, or undefined.
import { statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

export interface StatLike {
  uid: number;
  mode: number;
}

export function scriptInsecurity(path: string, runUid: number, stat: (p: string) => StatLike | undefined = defaultStat): string | undefined {
  if (runUid !== 0) return undefined;
  if (!isAbsolute(path)) return `${path} is not an absolute path`;
  let p = resolve(path);
  for (;;) {
    const st = stat(p);
    if (!st) return `${p} does not exist`;
    if (st.uid !== 0) return `${p} is owned by uid ${st.uid}, not root, and could be modified by it`;
    if (st.mode & 0o022) return `${p} is writable by ${st.mode & 0o002 ? 'anyone' : 'its group'}`;
    const up = dirname(p);
    if (up === p) return undefined;
    p = up;
  }
}

function defaultStat(p: string): StatLike | undefined {
  try {
    const s = statSync(p);
    return { uid: s.uid, mode: s.mode };
  } catch {
    return undefined;
  }
}
