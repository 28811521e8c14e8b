// What a child process runs. The parent forks one child per role (VRRP, checker); the child
// builds the service registered for its role and drives it from the parent's messages:
//
//   start(config)   once, with the configuration the parent read and validated;
//   reload(config)  on SIGHUP, with a new configuration that passed validation;
//   stop()          on SIGTERM/SIGINT (VRRP masters send priority 0 and remove their VIPs);
//   dump(kind)      on SIGUSR1 ('data'), SIGUSR2 ('stats') or a JSON request ('json'): the
//                   text the child writes to keepalived.data / .stats / .json.
//   status()        optional: the child's part of the live status (src/daemon/status.ts),
//                   asked by the parent for keepalivectl, /status.json and /metrics. Called
//                   outside the start/reload queue, so it must be cheap and never block.
//
// `config` is whatever the configuration loader produced, after a JSON round trip through
// the IPC channel (plain objects, arrays, strings, numbers, booleans, null).
//
// A service that cannot run with its configuration throws ServiceError with exit code
// CONFIG (2) or FATAL (1): the child exits with it and the parent, like keepalived's,
// terminates instead of respawning. Any other throw or crash is respawned with backoff.
import type { BfdEvent } from './ipc.js';
import type { Logger } from './log.js';
import type { Role } from './roles.js';
import type { StatusSnapshot } from './status.js';

export type DumpKind = 'data' | 'stats' | 'json';

export interface ChildService {
  start(config: unknown): Promise<void>;
  reload(config: unknown): Promise<void>;
  stop(): Promise<void>;
  /**
   * Called at once when a stop is asked for and no start or reload is running, before
   * anything else the stop does (stop() follows): what must reach the network first goes
   * here (a VRRP master's priority-0 advert, the backup's cue to take over).
   */
  beginStop?(): void;
  dump(kind: DumpKind): Promise<string>;
  status?(): Promise<StatusSnapshot>;
  /** Zeroes the counters the stats dump shows (SIGRTMAX-1, after the dump is written). */
  clearStats?(): void;
  /** A tracked BFD session went up or down (relayed by the parent from the BFD child). */
  bfdEvent?(name: string, up: boolean): void;
}

export interface ChildContext {
  role: Role;
  /** The child's logger: ident Keepalived_vrrp / Keepalived_healthcheckers / Keepalived_bfd. */
  log: Logger;
  /** Tells the parent of a BFD session's state, for the children that track it (the BFD child's). */
  emit(event: BfdEvent): void;
}

/**
 * Builds a role's service. It may be async so that a service module loads its code with a
 * dynamic import: each child then holds only its own role's code (src/daemon/services.ts).
 */
export type ServiceFactory = (ctx: ChildContext) => ChildService | Promise<ChildService>;

/** Exit codes with keepalived's meaning (lib/scheduler.h). */
export const EXIT = {
  OK: 0,
  FATAL: 1,
  CONFIG: 2,
  MISSING_PERMISSION: 4,
  NO_CONFIG: 6,
  PROGRAM_ERROR: 70,
} as const;

/** Exit codes with which a child makes the parent stop rather than respawn it. */
export const PERMANENT_EXIT_CODES: ReadonlySet<number> = new Set([EXIT.FATAL, EXIT.CONFIG, EXIT.MISSING_PERMISSION]);

export class ServiceError extends Error {
  constructor(
    message: string,
    readonly exitCode: typeof EXIT.FATAL | typeof EXIT.CONFIG | typeof EXIT.MISSING_PERMISSION = EXIT.FATAL,
  ) {
    super(message);
  }
}

const registry = new Map<Role, ServiceFactory>();

/** Registers the service a role's child runs (a later registration replaces an earlier one). */
export function registerService(role: Role, factory: ServiceFactory): void {
  registry.set(role, factory);
}

export function serviceFactory(role: Role): ServiceFactory | undefined {
  return registry.get(role);
}
