// What a process tree costs in memory, read from /proc (Linux; the PFNs in pagemap need root).
//
// VmRSS summed over processes counts every shared page once per process: three Node processes
// each map the same ~35 MiB of the node binary's code, so the sum says ~105 MiB where the
// machine spends ~35. Three numbers are reported so the cost is named honestly:
//   rss      VmRSS, what `ps`/`top` show for each process (shared pages counted in each);
//   private  Private_Clean + Private_Dirty from smaps_rollup: pages only this process maps
//            (its heap, its own data; what killing it would give back);
//   pss      proportional set size: shared pages split between the processes that map them
//            (machine-wide, so other Node programs running alongside lower it);
// and, for the whole tree, `distinct`: the physical pages mapped by any of its processes,
// each counted once (from /proc/PID/pagemap), i.e. the memory the daemon holds on a machine
// where nothing else shares its binaries.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';

const PAGE = 4096;

/** The pid and every descendant's pid, from /proc/PID/stat's ppid field. */
export function processTree(pid) {
  const parentOf = new Map();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      parentOf.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone */ }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [p, pp] of parentOf) if (pp === out[i]) out.push(p);
  return out;
}

function kib(text, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** One process: name, VmRSS, Pss, private, anonymous (KiB), or undefined when it is gone. */
export function processMemory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return {
      pid,
      cmdline,
      rssKiB: kib(status, 'VmRSS'),
      pssKiB: kib(rollup, 'Pss'),
      privateKiB: kib(rollup, 'Private_Clean') + kib(rollup, 'Private_Dirty'),
      anonKiB: kib(rollup, 'Anonymous'),
    };
  } catch {
    return undefined;
  }
}

/** The physical page numbers a process maps and holds resident (needs root for the PFNs). */
function residentFrames(pid, into) {
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
  const fd = openSync(`/proc/${pid}/pagemap`, 'r');
  try {
    for (const line of maps.split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+)/.exec(line);
      if (!m) continue;
      // Addresses stay below 2^47, page numbers below 2^35: exact as doubles.
      const first = parseInt(m[1], 16) / PAGE;
      const pages = parseInt(m[2], 16) / PAGE - first;
      if (line.includes('[vsyscall]')) continue;
      const chunk = 16384;
      const buf = Buffer.alloc(chunk * 8);
      for (let done = 0; done < pages; done += chunk) {
        const n = Math.min(chunk, pages - done);
        const got = readSync(fd, buf, 0, n * 8, (first + done) * 8);
        for (let i = 0; i + 8 <= got; i += 8) {
          const entry = buf.readBigUInt64LE(i);
          if (!(entry >> 63n)) continue; // not present (swapped or never touched)
          const pfn = Number(entry & ((1n << 55n) - 1n));
          if (pfn !== 0) into.add(pfn);
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Every process of the tree rooted at `pid`, and the tree's distinct resident KiB (undefined without PFNs). */
export function treeMemory(pid) {
  const procs = processTree(pid).map(processMemory).filter(Boolean);
  const frames = new Set();
  let distinctKiB;
  try {
    for (const p of procs) residentFrames(p.pid, frames);
    distinctKiB = frames.size > 0 ? frames.size * (PAGE / 1024) : undefined;
  } catch {
    distinctKiB = undefined;
  }
  const sum = (f) => procs.reduce((s, p) => s + p[f], 0);
  return { procs, rssKiB: sum('rssKiB'), pssKiB: sum('pssKiB'), privateKiB: sum('privateKiB'), distinctKiB };
}
