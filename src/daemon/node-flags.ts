// The Node/V8 flags the daemon's processes run with, chosen for memory without costing
// advert timing (measured with bench/memory.bench.mjs and bench/advert-jitter.bench.mjs;
// docs/architecture.md, "Memory").
//
// --max-semi-space-size=1 (MiB): V8 grows its young generation up to 16 MiB per semi-space
//   under a steady allocation rate and keeps it committed. 1,000 VRRP instances allocate a
//   few MB/s (one advert each per second), which held the VRRP child at ~90 MiB private;
//   capped, it stays at ~35 MiB. Scavenges run more often but each scans less (shorter
//   pauses); the CPU time stayed within the run-to-run noise.
// Rejected after measuring: --optimize-for-size (another ~9 MiB less at 1,000 instances but
// ~40% more CPU time in the VRRP child), --lite-mode and --jitless (no optimising compiler:
// more CPU per advert for little memory), --v8-pool-size / --single-threaded-gc (the GC
// helper threads cost well under 1 MiB).
export const NODE_MEMORY_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/** Replaces NODE_MEMORY_FLAGS (space-separated; empty: none), to tune or measure. */
export const NODE_FLAGS_ENV = 'KEEPALIVED_TS_NODE_FLAGS';

/** Pure: the flags in effect for this environment. */
export function memoryFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  const v = env[NODE_FLAGS_ENV];
  return v === undefined ? [...NODE_MEMORY_FLAGS] : v.split(/\s+/).filter(Boolean);
}

/**
 * The flags a child is forked with: ours, never the parent's own execArgv (an --inspect
 * given to the parent must not make every child open the same debugger port).
 */
export function childExecArgv(env: NodeJS.ProcessEnv = process.env): string[] {
  return memoryFlags(env);
}

/** The flags of the detached daemon: the launcher's own, plus ours where it did not set them. */
export function daemonExecArgv(launcher: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const named = (f: string) => (f.split('=')[0] ?? f).replace(/_/g, '-');
  const given = new Set(launcher.map(named));
  return [...launcher, ...memoryFlags(env).filter((f) => !given.has(named(f)))];
}
