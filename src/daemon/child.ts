// Entry point of a child process: `node child.js <role> [service module ...]`, forked by the
// parent with an IPC channel. It imports the service modules (which register services for
// the roles), builds its role's service and runs it from the parent's messages.
//
// Exit codes follow keepalived: 0 after a stop, CONFIG/FATAL when the service refuses its
// configuration (the parent then terminates), PROGRAM_ERROR (70) on a crash (the parent
// respawns it). When the parent disappears (its IPC channel closes) the child stops, the
// equivalent of keepalived's PR_SET_PDEATHSIG.
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { createLogger, formatConsoleLine, type Logger } from './log.js';
import { isRole, ROLE_INFO, type Role } from './roles.js';
import { watchRtSignals } from './rt-signals.js';
import { EXIT, ServiceError, serviceFactory, type ChildService, type DumpKind } from './service.js';
import { asParentMessage, type ChildMessage, type ParentMessage } from './ipc.js';
import { dumpDirectory, dumpPath, writeFileAtomic } from './dumpfile.js';
import { childStopGraceMs, DEFAULT_CHILD_STOP_GRACE_MS } from './parent-scripts.js';

const roleArg = process.argv[2] ?? '';
if (!isRole(roleArg) || !process.send) {
  process.stderr.write('keepalived-ts child: must be started by the keepalived-ts parent process\n');
  process.exit(EXIT.FATAL);
}
const role: Role = roleArg;
const serviceModules = process.argv.slice(3);

let log: Logger | undefined;
let service: ChildService | undefined;
let stopping = false;
/** How long stop() may take before the child exits anyway (the parent waits a little longer). */
let stopGraceMs = DEFAULT_CHILD_STOP_GRACE_MS;
/** start, reload and dump run one after the other, in the order the parent sent them. */
let queue: Promise<void> = Promise.resolve();
/** Jobs enqueued and not finished (start, reload, dump). */
let jobsRunning = 0;
/** beginStop has run. */
let stopBegun = false;

function send(msg: ChildMessage): void {
  if (process.connected) process.send?.(msg);
}

function say(level: 'info' | 'err' | 'alert', message: string): void {
  if (log) log.log(level, message);
  else process.stderr.write(`${formatConsoleLine(new Date(), `${ROLE_INFO[role].ident}: ${message}`)}\n`);
}

function exitWith(code: number): never {
  log?.close();
  process.exit(code);
}

function fail(e: unknown): never {
  if (e instanceof ServiceError) {
    say('err', e.message);
    exitWith(e.exitCode);
  }
  say('alert', `${ROLE_INFO[role].title} child process: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  exitWith(EXIT.PROGRAM_ERROR);
}

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

async function loadModules(): Promise<void> {
  for (const m of serviceModules) await import(isAbsolute(m) ? pathToFileURL(m).href : m);
}

async function start(msg: Extract<ParentMessage, { type: 'start' }>): Promise<void> {
  log = await createLogger(ROLE_INFO[role].ident, msg.log, ROLE_INFO[role].logSuffix);
  await loadModules();
  const factory = serviceFactory(role);
  if (!factory) throw new ServiceError(`no ${ROLE_INFO[role].title} service is registered in this build`, EXIT.FATAL);
  service = await factory({ role, log, emit: (e) => send(e) });
  stopGraceMs = childStopGraceMs(msg.config);
  await service.start(msg.config);
  send({ type: 'ready', generation: msg.generation });
}

async function reload(msg: Extract<ParentMessage, { type: 'reload' }>): Promise<void> {
  if (!service) return;
  log?.info('Reloading');
  const t0 = process.hrtime.bigint();
  try {
    await service.reload(msg.config);
    stopGraceMs = childStopGraceMs(msg.config);
  } catch (e) {
    if (e instanceof ServiceError) throw e;
    const reason = e instanceof Error ? e.message : String(e);
    log?.error(`Reload failed: ${reason}`);
    send({ type: 'reloaded', generation: msg.generation, error: reason });
    return;
  }
  log?.info(`Reload finished in ${(process.hrtime.bigint() - t0) / 1000n} usec`);
  send({ type: 'reloaded', generation: msg.generation });
}

async function dump(kind: DumpKind, path: string, clear = false): Promise<void> {
  if (!service) return;
  const label = kind === 'stats' ? 'stats' : kind === 'json' ? 'JSON' : 'data';
  try {
    const text = await service.dump(kind);
    writeFileAtomic(path, text);
    if (clear) service.clearStats?.();
    log?.info(`Printing ${ROLE_INFO[role].title} ${label} for process(${process.pid}) on signal`);
    send({ type: 'dumped', kind, path });
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    log?.error(`Unable to write ${path}: ${reason}`);
    send({ type: 'dumped', kind, path, error: reason });
  }
}

/** The service's live status, answered at once (not behind a reload: a status must be fresh and quick). */
function status(seq: number): void {
  if (!service) { send({ type: 'status', seq, error: 'not started yet' }); return; }
  if (!service.status) { send({ type: 'status', seq, error: 'this service has no status' }); return; }
  service.status().then(
    (snapshot) => send({ type: 'status', seq, snapshot }),
    (e: unknown) => send({ type: 'status', seq, error: e instanceof Error ? e.message : String(e) }),
  );
}

/**
 * The service's urgent part of a stop, first and from a small function (a function's first
 * run costs compiling it, and stop() has not run before): unless a start or reload is half
 * done, when stop() waits for it instead.
 */
function beginStop(): void {
  if (stopBegun || jobsRunning > 0) return;
  stopBegun = true;
  try {
    service?.beginStop?.();
  } catch (e) {
    log?.error(`Error while stopping: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function stop(): Promise<never> {
  if (stopping) return new Promise<never>(() => undefined);
  beginStop();
  stopping = true;
  const grace = setTimeout(() => {
    log?.error(`${ROLE_INFO[role].title} service did not stop within ${stopGraceMs} ms; exiting`);
    exitWith(EXIT.OK);
  }, stopGraceMs);
  try {
    await queue.catch(() => undefined);
    await service?.stop();
  } catch (e) {
    log?.error(`Error while stopping: ${e instanceof Error ? e.message : String(e)}`);
  }
  clearTimeout(grace);
  const cpu = process.cpuUsage();
  log?.info(`Stopped - used ${(cpu.user / 1e6).toFixed(6)} user time, ${(cpu.system / 1e6).toFixed(6)} system time`);
  exitWith(EXIT.OK);
}

function enqueue(job: () => Promise<void>): void {
  jobsRunning++;
  queue = queue.then(job).catch(fail).finally(() => { jobsRunning--; });
}

process.on('message', (raw: unknown) => {
  const msg = asParentMessage(raw);
  if (!msg) return;
  switch (msg.type) {
    case 'ping':
      // Answered at once, outside the queue: the pong proves this event loop turns.
      send({ type: 'pong', seq: msg.seq });
      break;
    case 'status':
      if (!stopping) status(msg.seq);
      break;
    case 'start':
      enqueue(() => start(msg));
      break;
    case 'reload':
      if (!stopping) enqueue(() => reload(msg));
      break;
    case 'dump':
      if (!stopping) enqueue(() => dump(msg.kind, msg.path, msg.clear === true));
      break;
    case 'stop':
      void stop();
      break;
    case 'bfd':
      // Straight to the service, outside the queue: a session going down must count at once.
      if (!stopping) service?.bfdEvent?.(msg.name, msg.up);
      break;
  }
});

// The parent went away (killed, crashed): stop cleanly rather than run unsupervised.
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => { beginStop(); void stop(); });
// Ctrl-C reaches the whole foreground process group: the parent decides (it stops the
// children itself, or ignores it with --ignore-sigint).
process.on('SIGINT', () => undefined);
// Reloads come from the parent, which validated the new configuration first.
process.on('SIGHUP', () => undefined);
// Signals sent straight to a child's pid (kill -USR1 $(cat /run/vrrp.pid)) dump as keepalived's children do.
process.on('SIGUSR1', () => enqueue(() => dump('data', dumpPath(dumpDirectory(), role, 'data'))));
process.on('SIGUSR2', () => {
  if (role === 'vrrp') enqueue(() => dump('stats', dumpPath(dumpDirectory(), role, 'stats')));
});
process.on('SIGPIPE', () => undefined);
// Real-time signals sent straight to a child's pid: the VRRP child writes the JSON dump
// (SIGRTMIN+2) or its stats, then zeroes them (SIGRTMAX-1), as keepalived's does; the others
// ignore them rather than die of the default action.
void watchRtSignals((kind) => {
  if (role !== 'vrrp' || stopping) return;
  const file = kind === 'json' ? 'json' : 'stats';
  enqueue(() => dump(file, dumpPath(dumpDirectory(), role, file), kind === 'stats_clear'));
});
