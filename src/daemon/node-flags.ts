// The Node/V8 flags the daemon's children run with: none by default (docs/architecture.md,
// "Memory"). KEEPALIVED_TS_NODE_FLAGS sets them, for a host that would rather spend CPU than
// memory:
//
// --max-semi-space-size=1 (MiB): V8 grows its young generation up to 16 MiB per semi-space
//   under a steady allocation rate and keeps it committed. 1,000 VRRP instances allocate a
//   few MB/s (one advert each per second), which holds the VRRP child at ~90 MiB private;
//   capped, it stays at ~35 MiB. But scavenges then run so often that the VRRP child's CPU
//   time doubled (1,000 masters at advert_int 1: 14-15% of a core without, 32-39% with, 22%
//   with =4; measured side by side), and CPU is what advert timing and flood resistance need,
//   so it is not the default.
// Also measured at 1,000 instances: --optimize-for-size (~9 MiB less again, ~35%
// more CPU time in the VRRP child), --lite-mode (~15 MiB less, 2.7 times the CPU time: no
// optimising compiler), --v8-pool-size=1 and MALLOC_ARENA_MAX=1 (under 0.5 MiB each). The parent runs without: its allocation rate is
// low, V8 shrinks its heap back after the configuration is read, and the flag made no
// difference to it at 1,000 instances.
export const NODE_MEMORY_FLAGS: readonly string[] = [];

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
