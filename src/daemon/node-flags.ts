// The Node/V8 flags the daemon's children run with, chosen for memory without costing
// advert timing (measured with bench/memory.bench.mjs and bench/advert-jitter.bench.mjs;
// docs/architecture.md, "Memory").
//
// --max-semi-space-size=1 (MiB): V8 grows its young generation up to 16 MiB per semi-space
//   under a steady allocation rate and keeps it committed. 1,000 VRRP instances allocate a
//   few MB/s (one advert each per second), which held the VRRP child at ~90 MiB private;
//   capped, it stays at ~35 MiB. Scavenges run more often but each scans less (shorter
//   pauses); the CPU time stayed within the run-to-run noise.
// Rejected after measuring at 1,000 instances: --optimize-for-size (~9 MiB less again, ~35%
// more CPU time in the VRRP child), --lite-mode (~15 MiB less, 2.7 times the CPU time: no
// optimising compiler), --v8-pool-size=1 and MALLOC_ARENA_MAX=1 (under 0.5 MiB each). The parent runs without: its allocation rate is
// low, V8 shrinks its heap back after the configuration is read, and the flag made no
// difference to it at 1,000 instances.
export const NODE_MEMORY_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/** Replaces NODE_MEMORY_FLAGS (space-separated; empty: none), to tune or measure. */
export const NODE_FLAGS_ENV = 'KEEPALIVED_TS_NODE_FLAGS';

/**
 * Pure: the flags a child is forked with: ours (or $KEEPALIVED_TS_NODE_FLAGS), never the
 * parent's own execArgv (an --inspect given to the parent must not make every child open
 * the same debugger port).
 */
export function childExecArgv(env: NodeJS.ProcessEnv = process.env): string[] {
  const v = env[NODE_FLAGS_ENV];
  return v === undefined ? [...NODE_MEMORY_FLAGS] : v.split(/\s+/).filter(Boolean);
}
