// The per-child tuning keywords keepalived applies when a child starts: the nice value
// (vrrp_priority; the VRRP child applies it). Set on the calling thread, which is the JS
// thread (Linux keeps nice per thread): the one that sends adverts. Not applied yet:
// checker_priority, *_rt_priority, *_no_swap, *_cpu_affinity, *_rlimit_rttime (a Node thread
// running past RLIMIT_RTTIME at SCHED_RR would be killed by SIGXCPU: realtime needs care).
import { setPriority } from 'node:os';
import type { ProcessTuning } from '../config/model.js';

/** Sets the nice value from `*_priority`; a failure (no CAP_SYS_NICE) is logged, not fatal. */
export function applyProcessTuning(t: ProcessTuning | undefined, log: (line: string) => void, set: (nice: number) => void = (n) => setPriority(0, n)): void {
  if (t?.nice === undefined) return;
  try {
    set(t.nice);
  } catch (e) {
    log(`cannot set the process priority to ${t.nice}: ${(e as Error).message}`);
  }
}
