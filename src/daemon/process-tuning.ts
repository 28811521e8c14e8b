// The per-child tuning keywords keepalived applies when a child starts (lib/process.c):
//
// * *_rt_priority: SCHED_RR at that priority (with SCHED_RESET_ON_FORK: scripts run from the
//   child do not inherit it), and RLIMIT_RTTIME from *_rlimit_rttime: the soft limit at half
//   (SIGXCPU, logged, warns that the thread ran that long without blocking), the hard limit
//   at the value (the kernel kills the process). Only the JS thread is made realtime: it sends
//   the adverts; V8's and libuv's helper threads stay as they were. Where keepalived is weak
//   for us: its default hard limit, 10 ms, is shorter than a Node thread may run without
//   blocking (a full garbage collection of a large heap, a reload of a big configuration), so
//   the hard limit is at least RTTIME_FLOOR_US; a runaway thread is still stopped.
// * *_priority (nice), when no realtime priority is set (as keepalived). Set on the calling
//   thread, the JS thread (Linux keeps nice per thread).
// * *_no_swap is not applied, and says so: mlockall in a Node process locks V8's reserved heap
//   (700 MB for an empty script, measured) and makes V8 abort when it later gives pages back
//   (madvise/mprotect on locked pages fail its checks).
// * *_cpu_affinity: the JS thread (keepalived's one thread); threads it makes later inherit it.
//   V8's helper threads, made at start, are left free: a realtime JS thread pinned to one CPU
//   with its helpers pinned there too waits on helpers that never get that CPU (measured: the
//   JS thread ran past RLIMIT_RTTIME's soft limit within seconds of start).
//
// A failure (no CAP_SYS_NICE, no CAP_IPC_LOCK) is logged and the child runs on untuned.
import { setPriority } from 'node:os';
import type { ProcessTuning } from '../config/model.js';
import { schedCalls, type SchedCalls } from '../net/sys.js';

export const SCHED_OTHER = 0;
export const SCHED_RR = 2;
export const SCHED_RESET_ON_FORK = 0x40000000;
export const RLIMIT_RTTIME = 15;
/** The least hard RLIMIT_RTTIME given to a realtime Node thread (µs). */
export const RTTIME_FLOOR_US = 1_000_000;

export interface TuningCalls {
  nice(value: number): void;
  sched: SchedCalls;
  onSigxcpu(handler: () => void): void;
}

let sigxcpuHandled = false;

function systemCalls(): TuningCalls {
  return {
    nice: (n) => setPriority(0, n),
    get sched() {
      return schedCalls();
    },
    onSigxcpu: (h) => {
      if (sigxcpuHandled) return;
      sigxcpuHandled = true;
      process.on('SIGXCPU', h);
    },
  };
}

/** The RLIMIT_RTTIME (µs) a realtime JS thread gets for `configuredUs`: soft at half the hard. */
export function rttimeLimits(configuredUs: number): { soft: number; hard: number } {
  const hard = Math.max(configuredUs, RTTIME_FLOOR_US);
  return { soft: Math.floor(hard / 2), hard };
}

/** Applies `t` to this process; what fails is logged, the rest still applied. */
export function applyProcessTuning(t: ProcessTuning | undefined, log: (line: string) => void, calls: TuningCalls = systemCalls()): void {
  if (!t) return;
  const attempt = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      log(`cannot ${what}: ${(e as Error).message}`);
    }
  };
  if (t.rtPriority !== undefined) {
    const prio = t.rtPriority;
    attempt(`set realtime priority ${prio}`, () => {
      calls.sched.setScheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, prio);
      const { soft, hard } = rttimeLimits(t.rlimitRttimeUs);
      attempt('set the realtime CPU limit (RLIMIT_RTTIME)', () => calls.sched.setRlimit(RLIMIT_RTTIME, soft, hard));
      calls.onSigxcpu(() => log(`SIGXCPU: the realtime thread ran over ${soft} us without blocking (the kernel stops it at ${hard} us)`));
    });
  } else if (t.nice !== undefined) {
    const nice = t.nice;
    attempt(`set the process priority to ${nice}`, () => calls.nice(nice));
  }
  if (t.noSwap) log('*_no_swap is not supported by keepalived-ts (locking a Node process in memory makes V8 abort); ignored');
  const cpus = t.cpuAffinity;
  if (cpus && cpus.length > 0) attempt(`set the CPU affinity to ${cpus.join(',')}`, () => calls.sched.setAffinity(0, cpus));
}
