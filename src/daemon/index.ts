// The daemon's entry: runDaemon(options) is what `keepalived-ts` calls when it is not
// testing or dumping a configuration. It checks privileges, detaches unless -n, claims the
// pid files, starts the parent (which forks the children) and wires the signals.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkOwnPrivileges } from './caps.js';
import { launchDetached, reportStartup, takeStatusFd } from './detach.js';
import { dumpDirectory } from './dumpfile.js';
import { createLogger, DEFAULT_LOG_CONFIG, flushConsoleLog, parseFacility, type LogConfig } from './log.js';
import { ParentDaemon, type ConfigSource } from './parent.js';
import { AlreadyRunningError, assertPidFileFree, DEFAULT_PID_FILES, writePidFile, removePidFile, type PidFilePaths } from './pidfile.js';
import { PARENT_IDENT, ROLES, type Role } from './roles.js';
import { systemdNotifier } from './sd-notify.js';
import { EXIT } from './service.js';
import { defaultRolesFor, fileConfigSource } from './config-source.js';
import { ControlSocket, controlSocketPath } from './control.js';
import { StatusHttp } from './status-http.js';
import { packageVersion } from '../version.js';
import { withSnmpOptions } from './snmp-options.js';

/** The status_http address of a configuration (the typed model's global_defs), if any. */
function statusHttpOf(config: unknown): { host: string; port: number } | undefined {
  const g = (config as { global?: { statusHttp?: { host: string; port: number } } } | null)?.global;
  return g?.statusHttp;
}
import { watchRtSignals } from './rt-signals.js';

export type { ConfigSource, LoadedConfig } from './parent.js';
export type { ChildService, ChildContext, ServiceFactory, DumpKind } from './service.js';
export { registerService, ServiceError, EXIT } from './service.js';
export type { Role } from './roles.js';
export { Logger, type LogConfig } from './log.js';

/** The daemon's share of keepalived's command line (the CLI parses; this runs). */
export interface DaemonOptions {
  /** -f (default /etc/keepalived/keepalived.conf). */
  configFile?: string;
  /** Replaces reading `configFile` with src/config/load.ts (tests, embedding). */
  configSource?: ConfigSource;
  /** Which children a configuration needs; default looks at the typed model. */
  rolesFor?: (config: unknown) => Role[];
  /** -P */
  vrrpOnly?: boolean;
  /** -C */
  checkerOnly?: boolean;
  /** --all */
  all?: boolean;
  /** -n */
  dontFork?: boolean;
  /** -R */
  dontRespawn?: boolean;
  /** -p, -r, -c */
  pidFile?: string;
  vrrpPidFile?: string;
  checkersPidFile?: string;
  bfdPidFile?: string;
  /** -B: no BFD child. */
  noBfd?: boolean;
  /** -l */
  logConsole?: boolean;
  /** -G */
  noSyslog?: boolean;
  /** -S: a facility number (daemon = 3) or keepalived's -S text: 0-7 (local0-7), local0-7, user, daemon. */
  logFacility?: number | string;
  /** -g: the parent's log file ('' = $TMPDIR or /tmp, keepalived.log); children add _vrrp / _healthcheckers. */
  logFile?: string;
  /** --flush-log-file */
  flushLogFile?: boolean;
  /** -D (any count) */
  logDetail?: boolean;
  /** -i / -e, passed to the config reader. */
  configId?: string;
  allConfig?: boolean;
  /** The syslog socket (default /dev/log). */
  syslogSocket?: string;
  /** The control socket (default: the parent pid file with .ctl for .pid). */
  controlSocket?: string;
  /** Modules the children import to register services (default: ./services.js). */
  serviceModules?: string[];
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  /** keepalived's child_wait_time (default 5 s). */
  childWaitMs?: number;
  /** --ignore-sigint */
  ignoreSigint?: boolean;
  /** Skip the privilege check (only for embedding in tests that run unprivileged services). */
  skipPrivilegeCheck?: boolean;
  /** -x: every SNMP subagent on. */
  snmp?: boolean;
  /** -A: the AgentX master socket (before snmp_socket). */
  snmpSocket?: string;
}

const here = dirname(fileURLToPath(import.meta.url));


/** Pure: the pid files of these options. */
export function pidFilesOf(o: DaemonOptions): PidFilePaths {
  return {
    parent: o.pidFile ?? DEFAULT_PID_FILES.parent,
    vrrp: o.vrrpPidFile ?? DEFAULT_PID_FILES.vrrp,
    checker: o.checkersPidFile ?? DEFAULT_PID_FILES.checker,
    bfd: o.bfdPidFile ?? DEFAULT_PID_FILES.bfd,
  };
}

/**
 * Pure: the children -P, -C and -B allow, or undefined for all. -P and -C together mean
 * both (the CLI warns); neither touches the BFD child, which only -B leaves out (keepalived's
 * daemon_mode bits).
 */
export function onlyRoles(o: Pick<DaemonOptions, 'vrrpOnly' | 'checkerOnly' | 'noBfd'>): Role[] | undefined {
  const both = o.vrrpOnly && o.checkerOnly;
  const roles = ROLES.filter((r) => (r === 'bfd' ? !o.noBfd : both || (!o.vrrpOnly && !o.checkerOnly) || (r === 'vrrp' ? o.vrrpOnly : o.checkerOnly)));
  return roles.length === ROLES.length ? undefined : roles;
}

/** Pure: the log configuration of these options, or the complaint about -S. */
export function logConfigOf(o: DaemonOptions): LogConfig | string {
  let facility = DEFAULT_LOG_CONFIG.facility;
  if (typeof o.logFacility === 'number') {
    facility = o.logFacility;
  } else if (o.logFacility !== undefined) {
    const f = parseFacility(o.logFacility);
    if (f === undefined) return `keepalived-ts: invalid log facility '${o.logFacility}' (0-7, local0-7, user or daemon)`;
    facility = f;
  }
  return {
    console: o.logConsole ?? false,
    syslog: !(o.noSyslog ?? false),
    facility,
    ...(o.logFile !== undefined ? { file: o.logFile === '' ? join(dumpDirectory(), 'keepalived.log') : o.logFile } : {}),
    flushFile: o.flushLogFile ?? false,
    detail: o.logDetail ?? false,
    ...(o.syslogSocket !== undefined ? { syslogSocket: o.syslogSocket } : {}),
  };
}

function fail(status: { fd: number | undefined }, message: string, code: number): number {
  flushConsoleLog();
  process.stderr.write(`${message}\n`);
  reportStartup(status, { ok: false, message });
  return code;
}

/**
 * Runs the daemon until it stops; resolves with the process exit code (the caller exits).
 * Without -n this process only launches the detached daemon and resolves when it is up.
 */
export async function runDaemon(o: DaemonOptions): Promise<number> {
  const status = { fd: takeStatusFd() };
  const detached = status.fd !== undefined;
  const logConfig = logConfigOf(o);
  if (typeof logConfig === 'string') return fail(status, logConfig, EXIT.FATAL);

  if (!o.skipPrivilegeCheck) {
    const problem = checkOwnPrivileges();
    if (problem) return fail(status, problem, EXIT.MISSING_PERMISSION);
  }

  if (!o.dontFork && !detached) return launchDetached();

  const pidFiles = pidFilesOf(o);
  try {
    for (const path of Object.values(pidFiles)) assertPidFileFree(path);
    writePidFile(pidFiles.parent, process.pid);
  } catch (e) {
    if (e instanceof AlreadyRunningError) return fail(status, `keepalived-ts: ${e.message}`, EXIT.FATAL);
    return fail(status, `keepalived-ts: cannot write pid file ${pidFiles.parent}: ${(e as Error).message}`, EXIT.FATAL);
  }
  // Whatever ends this process, its pid file goes with it.
  process.on('exit', () => removePidFile(pidFiles.parent, process.pid));

  const log = await createLogger(PARENT_IDENT, logConfig);
  const notifier = await systemdNotifier((m) => log.warn(m));
  const configFile = o.configFile ?? '/etc/keepalived/keepalived.conf';
  const only = onlyRoles(o);
  // Created before the parent so a reload can move it; it listens once the children run.
  let started = false;
  const statusHttp = new StatusHttp({ statusSnapshot: () => parent.statusSnapshot() }, { info: (m) => log.info(m), warn: (m) => log.warn(m) });
  const parent: ParentDaemon = new ParentDaemon({
    onConfig: (config) => { if (started) void statusHttp.apply(statusHttpOf(config)); },
    source: withSnmpOptions(o.configSource ?? fileConfigSource(configFile, {
      ...(o.configId !== undefined ? { configId: o.configId } : {}),
      allConfig: o.allConfig ?? false,
    }), { ...(o.snmp ? { snmp: true } : {}), ...(o.snmpSocket !== undefined ? { snmpSocket: o.snmpSocket } : {}) }),
    rolesFor: o.rolesFor ?? defaultRolesFor,
    ...(only ? { only } : {}),
    startAll: o.all ?? false,
    respawn: !(o.dontRespawn ?? false),
    pidFiles,
    log,
    logConfig,
    notifier,
    serviceModules: o.serviceModules ?? [join(here, 'services.js')],
    childScript: join(here, 'child.js'),
    // Every 2 s, not every second: each ping wakes the parent and every child (a Node
    // wake-up costs ~1 ms of CPU under emulation; keepalived's idle checker wakes for
    // nothing). Silence is counted in beats, so a stuck child is still killed after 6 s:
    // three silent beats of 2 s, where it was six of 1 s.
    heartbeatIntervalMs: o.heartbeatIntervalMs ?? 2000,
    heartbeatTimeoutMs: o.heartbeatTimeoutMs ?? 5000,
    childWaitMs: o.childWaitMs ?? 5000,
    dumpDir: () => dumpDirectory(),
    version: packageVersion(),
    commandLine: process.argv.slice(1),
  });

  // A bug in the parent must not leave children running unsupervised: log it and stop
  // everything the orderly way (children release what they hold), exit PROGRAM_ERROR.
  const crash = (e: unknown) => {
    log.alert(`Keepalived parent: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    void parent.stop(EXIT.PROGRAM_ERROR);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  process.on('SIGTERM', () => { parent.signalChildren(); void parent.stop(); });
  // --ignore-sigint (keepalived's, for running under gdb): Ctrl-C does not stop the daemon.
  process.on('SIGINT', () => { if (!o.ignoreSigint) { parent.signalChildren(); void parent.stop(); } });
  process.on('SIGHUP', () => void parent.reload());
  process.on('SIGUSR1', () => parent.dump('data'));
  process.on('SIGUSR2', () => parent.dump('stats'));
  process.on('SIGPIPE', () => undefined);
  // SIGRTMIN+2 (JSON) and SIGRTMAX-1 (STATS_CLEAR: write the stats, then zero them) go to
  // the VRRP child, as keepalived's parent forwards them.
  if (!(await watchRtSignals((kind) => (kind === 'json' ? parent.dump('json') : parent.dump('stats', { clearStats: true }))))) {
    log.detail('SIGRTMIN+2 (JSON dump) cannot be caught in this build; use the control socket\'s "json" command');
  }

  const startError = await parent.start();
  if (startError) {
    // The reasons reach the user's terminal whatever the log settings (the launcher prints
    // them when detached; the console log already has them with -l).
    const text = [...startError.details, startError.error].join('\n');
    reportStartup(status, { ok: false, message: text });
    flushConsoleLog();
    if (!detached) process.stderr.write(`${logConfig.console ? startError.error : text}\n`);
    return parent.done;
  }
  const control = new ControlSocket(o.controlSocket ?? controlSocketPath(pidFiles.parent), parent, (m) => log.warn(m));
  await control.listen();
  process.on('exit', () => control.close());
  started = true;
  await statusHttp.apply(statusHttpOf(parent.currentConfig));
  reportStartup(status, { ok: true });
  const code = await parent.done;
  control.close();
  await statusHttp.close();
  return code;
}
