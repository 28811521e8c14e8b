// The parent process: reads and validates the configuration once, forks the VRRP and checker
// children that the configuration needs, hands each the resolved configuration over IPC,
// watches them (exit and heartbeat), respawns them with keepalived's backoff, and drives
// reload, stop and dumps from signals. Its messages are keepalived's words.
import { fork, type ChildProcess } from 'node:child_process';
import { release, version as osVersion } from 'node:os';
import { formatDiagnostic, type Diagnostic } from '../config/ast.js';
import { decideRestart, INITIAL_BACKOFF, type RestartBackoff } from './backoff.js';
import type { LogConfig, Logger } from './log.js';
import type { Notifier } from './sd-notify.js';
import { removePidFile, writePidFile, type PidFilePaths } from './pidfile.js';
import { ROLE_INFO, ROLES, type Role } from './roles.js';
import { EXIT, PERMANENT_EXIT_CODES, type DumpKind } from './service.js';
import { asChildMessage, type BfdEvent, type ParentMessage } from './ipc.js';
import { STATUS_VERSION, type DaemonStatus, type StatusSnapshot } from './status.js';
import { configuredDumpPath, dumpSettingsOf, writeFileAtomic } from './dumpfile.js';
import { reloadRefusals } from './reload-guard.js';
import { describeChildExit } from './child-exit.js';
import { childExecArgv } from './node-flags.js';
import { configForRole } from './config-source.js';

export { describeChildExit } from './child-exit.js';
import { childWaitMsOf, parentScriptOf, runParentScript } from './parent-scripts.js';

export interface LoadedConfig {
  /** The resolved configuration; absent when it could not be built. */
  config?: unknown;
  diagnostics: Diagnostic[];
  /**
   * The diagnostics that stop a start or a reload. keepalived runs with a config whose -t
   * reports errors (the offending keyword ignored); it stops only on fatal ones. Absent:
   * every error blocks.
   */
  blocking?: Diagnostic[];
  /** The children this configuration needs (keepalived starts only those). */
  roles?: Role[];
}

/** Where the parent gets its configuration from, at start and at every reload. */
export interface ConfigSource {
  /** Logged as "Configuration file <description>". */
  readonly description: string;
  load(): Promise<LoadedConfig>;
}

export interface ParentOptions {
  source: ConfigSource;
  /** The children a configuration needs, when its source does not say (LoadedConfig.roles). */
  rolesFor: (config: unknown) => Role[];
  /** -P / -C: run only these children. */
  only?: readonly Role[];
  /** --all: start the children even without configuration for them. */
  startAll?: boolean;
  /** False with -R: a dead child makes the parent stop. */
  respawn: boolean;
  pidFiles: PidFilePaths;
  log: Logger;
  /** Sent to each child, which logs by itself under its own ident. */
  logConfig: LogConfig;
  notifier: Notifier;
  /** Modules each child imports to register its services. */
  serviceModules: string[];
  /** Path of the compiled child entry (dist/src/daemon/child.js). */
  childScript: string;
  heartbeatIntervalMs: number;
  /** A child silent this long is killed and respawned. */
  heartbeatTimeoutMs: number;
  /** How long children get to stop before SIGKILL (keepalived's child_wait_time). */
  childWaitMs: number;
  dumpDir: () => string;
  /** Called with each configuration the parent adopts (start and every accepted reload). */
  onConfig?: (config: unknown) => void;
  version: string;
  commandLine: string[];
}

interface ChildSlot {
  role: Role;
  proc?: ChildProcess;
  pid?: number;
  startedAt: number;
  backoff: RestartBackoff;
  /**
   * How long the child has been silent, counting only the parent's own running time: each
   * heartbeat adds the time since the previous one, but never more than one interval, so a
   * parent that was itself stopped or starved (a paused VM, a frozen cgroup, SIGSTOP) does
   * not blame a child for it when it wakes before the child has had a chance to answer.
   */
  silentMs: number;
  /** The child has said it is ready: before that it is starting (parsing, programming the kernel), not hung. */
  answered: boolean;
  pingSeq: number;
  restartTimer?: NodeJS.Timeout;
}

/**
 * How long a child that has not said it is ready may stay silent: loading Node.js and our
 * modules, parsing a large configuration and programming the kernel can block its event
 * loop longer than the heartbeat timeout on a slow machine (seen under CPU emulation), and
 * killing it then would only start the same slow start again.
 */
const STARTUP_GRACE_MS = 60_000;

type Phase = 'idle' | 'starting' | 'running' | 'reloading' | 'stopping';

/** A diagnostic as the user reads it; whole-file problems (line 0) have no line number. */
function describeDiagnostic(d: Diagnostic): string {
  if (d.loc.line >= 1) return formatDiagnostic(d);
  return `${d.loc.file}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}

/** One file a dump request produced (or why it could not). */
export interface DumpResult {
  path: string;
  error?: string;
}

export class ParentDaemon {
  private config: unknown;
  private roles: Role[] = [];
  private generation = 0;
  private readonly slots = new Map<Role, ChildSlot>();
  private phase: Phase = 'idle';
  /** signalChildren has sent SIGTERM to the children of this stop. */
  private childrenSignalled = false;
  private reloadQueued = false;
  /** Children whose answer (ready / reloaded) the current start or reload waits for. */
  private readonly awaiting = new Set<Role>();
  /**
   * The last state the BFD child reported of each session: relayed to the VRRP and checker
   * children as it changes, and again to one that (re)starts, which would otherwise take
   * every session for down until its next change.
   */
  private readonly bfdStates = new Map<string, BfdEvent>();
  private heartbeat: NodeJS.Timeout | undefined;
  /** performance.now() of the last heartbeat, for the silence it may add (see ChildSlot.silentMs). */
  private lastBeatAt: number | undefined;
  /** Dumps asked of children, by file path, waiting for the child's answer. */
  private readonly pendingDumps = new Map<string, { role: Role; done: (r: DumpResult) => void }>();
  /** Status requests asked of children, by sequence number. */
  private readonly pendingStatus = new Map<number, { role: Role; done: (r: { snapshot?: StatusSnapshot; error?: string }) => void }>();
  private statusSeq = 0;
  private exitCode = 0;
  private finished!: (code: number) => void;
  /** Resolves with the exit code once the daemon has stopped and cleaned up. */
  readonly done: Promise<number>;

  constructor(private readonly o: ParentOptions) {
    this.done = new Promise((resolve) => (this.finished = resolve));
  }

  /** The running configuration (for tests and dumps). */
  get currentConfig(): unknown {
    return this.config;
  }

  /** One line for the control socket's status command. */
  status(): string {
    const pid = (role: Role) => this.slots.get(role)?.proc?.pid ?? '-';
    return `${this.phase} parent=${process.pid} vrrp=${pid('vrrp')} checker=${pid('checker')}`;
  }

  /** The pid of a role's child, when one runs. */
  childPid(role: Role): number | undefined {
    return this.slots.get(role)?.proc?.pid;
  }

  /**
   * Reads the configuration and starts the children. Returns a clear line and exit code when
   * the daemon cannot start (the caller reports it); the daemon is then already cleaned up.
   */
  async start(): Promise<{ error: string; details: string[]; code: number } | undefined> {
    const { log } = this.o;
    this.phase = 'starting';
    log.info(`Starting Keepalived v${this.o.version} (keepalived-ts)`);
    log.info(`Running on Linux ${release()} ${osVersion()}`);
    log.info(`Command line: ${this.o.commandLine.map((a) => `'${a}'`).join(' ')}`);
    log.info(`Configuration file ${this.o.source.description}`);
    const loaded = await this.loadValidated();
    if (!loaded.ok) {
      const error = `Stopping: configuration has ${loaded.errors} error(s)`;
      log.error(error);
      await this.stop(EXIT.CONFIG);
      return {
        error: `keepalived-ts: ${this.o.source.description}: configuration has ${loaded.errors} error(s); not starting`,
        details: loaded.details,
        code: EXIT.CONFIG,
      };
    }
    this.config = loaded.config;
    this.o.onConfig?.(loaded.config);
    this.roles = loaded.roles;
    this.generation = 1;
    const startup = parentScriptOf(this.config, 'startup');
    if (startup) {
      const problem = await runParentScript(startup, 'Startup script');
      if (problem) log.error(problem);
      if ((this.phase as Phase) === 'stopping') return undefined;
    }
    for (const role of this.wantedRoles()) {
      this.awaiting.add(role);
      this.spawn(this.slotFor(role));
    }
    this.heartbeat = setInterval(() => this.beat(), this.o.heartbeatIntervalMs);
    this.heartbeat.unref();
    this.checkAwaited();
    return undefined;
  }

  /** SIGHUP: re-read, validate, and hand a good configuration to the children. */
  async reload(): Promise<void> {
    if (this.phase === 'stopping' || this.phase === 'idle') return;
    if (this.phase !== 'running') {
      // keepalived queues a HUP that arrives while it is starting or reloading.
      this.reloadQueued = true;
      return;
    }
    const { log } = this.o;
    this.phase = 'reloading';
    log.info('Reloading ...');
    this.o.notifier.reloading();
    log.info(`Configuration file ${this.o.source.description}`);
    const loaded = await this.loadValidated();
    // A stop may have come in while the files were read.
    if ((this.phase as Phase) === 'stopping') return;
    if (!loaded.ok) {
      log.error(`Reload failed: the new configuration has ${loaded.errors} error(s); keeping the running configuration`);
      this.endRejectedReload();
      return;
    }
    const refusals = reloadRefusals(this.config, loaded.config);
    if (refusals.length > 0) {
      for (const r of refusals) log.error(r);
      log.error('Reload failed: keeping the running configuration');
      this.endRejectedReload();
      return;
    }
    this.config = loaded.config;
    this.o.onConfig?.(loaded.config);
    this.roles = loaded.roles;
    this.generation += 1;
    const wanted = this.wantedRoles();
    for (const role of ROLES) {
      const slot = this.slots.get(role);
      if (slot?.proc) {
        // Every running child reloads, as each of keepalived's re-reads the file: one whose
        // blocks are all gone must let go of them (instances, sessions), not keep the old ones.
        this.awaiting.add(role);
        this.sendTo(slot, { type: 'reload', config: configForRole(slot.role, this.config), generation: this.generation });
      } else if (wanted.includes(role) && !slot?.restartTimer) {
        // keepalived starts the children that the new configuration needs.
        this.awaiting.add(role);
        this.spawn(this.slotFor(role));
      }
      // A child waiting out its restart delay gets the new configuration when it starts.
    }
    this.checkAwaited();
  }

  private endRejectedReload(): void {
    this.phase = 'running';
    this.o.notifier.ready(process.pid);
    this.runQueuedReload();
  }

  /** SIGUSR1 ('data'), SIGUSR2 ('stats'), JSON request ('json'). */
  dump(kind: DumpKind, opts: { clearStats?: boolean } = {}): void {
    void this.dumpAndWait(kind, opts);
  }

  /** Like dump(), resolving with the files written once every child involved has answered. */
  async dumpAndWait(kind: DumpKind, opts: { clearStats?: boolean } = {}): Promise<DumpResult[]> {
    if (this.phase === 'stopping' || this.phase === 'idle') return [];
    const dir = this.o.dumpDir();
    const settings = dumpSettingsOf(this.config);
    const results: Promise<DumpResult>[] = [];
    if (kind === 'data') {
      const path = configuredDumpPath(settings, dir, 'parent', 'data');
      try {
        writeFileAtomic(path, this.parentData());
        this.o.log.info(`Printing parent data for process(${process.pid}) on signal`);
        results.push(Promise.resolve({ path }));
      } catch (e) {
        this.o.log.error(`Unable to write ${path}: ${(e as Error).message}`);
        results.push(Promise.resolve({ path, error: (e as Error).message }));
      }
    }
    // Stats and JSON describe VRRP instances only: keepalived forwards those to the VRRP child.
    const roles: Role[] = kind === 'data' ? [...ROLES] : ['vrrp'];
    for (const role of roles) {
      const slot = this.slots.get(role);
      if (!slot?.proc) continue;
      const path = configuredDumpPath(settings, dir, role, kind);
      this.pendingDumps.get(path)?.done({ path, error: 'superseded by a newer request' });
      results.push(new Promise((done) => this.pendingDumps.set(path, { role, done })));
      this.sendTo(slot, { type: 'dump', kind, path, ...(opts.clearStats && kind === 'stats' ? { clear: true } : {}) });
    }
    return Promise.all(results);
  }

  /**
   * The live status of both children, merged. A child that does not answer within
   * `timeoutMs` (busy, stalled, being respawned) is listed in `errors`, not waited for.
   */
  async statusSnapshot(timeoutMs = 2000): Promise<DaemonStatus> {
    const out: DaemonStatus = {
      version: STATUS_VERSION, at: Date.now(), phase: this.phase,
      pids: { parent: process.pid, vrrp: this.childPid('vrrp'), checker: this.childPid('checker'), bfd: this.childPid('bfd') },
      vrrp: [], virtualServers: [], errors: {},
    };
    const asks: Promise<void>[] = [];
    for (const role of ROLES) {
      const slot = this.slots.get(role);
      if (!slot?.proc?.connected) continue;
      const seq = ++this.statusSeq;
      asks.push(new Promise<{ snapshot?: StatusSnapshot; error?: string }>((done) => {
        const timer = setTimeout(() => {
          this.pendingStatus.delete(seq);
          done({ error: `no answer within ${timeoutMs} ms` });
        }, timeoutMs);
        timer.unref();
        this.pendingStatus.set(seq, { role, done: (r) => { clearTimeout(timer); done(r); } });
        this.sendTo(slot, { type: 'status', seq });
      }).then((r) => {
        if (r.error !== undefined) out.errors[role] = r.error;
        if (r.snapshot?.vrrp) out.vrrp.push(...r.snapshot.vrrp);
        if (r.snapshot?.virtualServers) out.virtualServers.push(...r.snapshot.virtualServers);
        if (r.snapshot?.bfd) out.bfd = [...(out.bfd ?? []), ...r.snapshot.bfd];
      }));
    }
    await Promise.all(asks);
    return out;
  }

  private settleDumps(role: Role, error: string): void {
    for (const [seq, p] of this.pendingStatus) {
      if (p.role !== role) continue;
      this.pendingStatus.delete(seq);
      p.done({ error });
    }
    for (const [path, p] of this.pendingDumps) {
      if (p.role !== role) continue;
      this.pendingDumps.delete(path);
      p.done({ path, error });
    }
  }

  /**
   * The first thing SIGTERM/SIGINT do, before stop(): SIGTERM to each child, one system call
   * each from a function small enough to cost nothing to compile on its first run (a VRRP
   * master's priority-0 advert, the backup's cue to take over, waits on this; the child
   * handles SIGTERM as its stop message). process.kill was warmed at spawn with signal 0.
   */
  signalChildren(): void {
    if (this.phase === 'stopping' || this.childrenSignalled) return;
    this.childrenSignalled = true;
    for (const slot of this.slots.values()) {
      const pid = slot.proc?.pid;
      if (pid === undefined || slot.proc?.exitCode !== null || slot.proc.signalCode !== null) continue;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone: its exit is handled */
      }
    }
  }

  /** SIGTERM/SIGINT: stop the children, wait for them, remove the pid files, finish. */
  async stop(code = EXIT.OK as number): Promise<void> {
    if (this.phase === 'stopping') return;
    // Every way to a stop signals the children (a permanent error, a failed start, ...), not
    // only the signal handlers, which call this first themselves.
    this.signalChildren();
    const { log } = this.o;
    const wasStarted = this.phase !== 'idle';
    this.phase = 'stopping';
    this.exitCode = code;
    // The children hear first: a VRRP master's priority-0 advert (the backup's cue to take
    // over after only the skew time) should not wait for our own logging.
    const exits = this.stopChildren();
    if (wasStarted) log.info('Stopping');
    this.o.notifier.stopping();
    if (this.heartbeat) clearInterval(this.heartbeat);
    const waitMs = childWaitMsOf(this.config) ?? this.o.childWaitMs;
    if (exits.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.all(exits).then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), waitMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        for (const slot of this.slots.values()) {
          if (!slot.proc) continue;
          log.info(`${ROLE_INFO[slot.role].title} child process(${slot.proc.pid}) did not stop within ${waitMs} ms; killing it`);
          slot.proc.kill('SIGKILL');
        }
        await Promise.all(exits);
      }
    }
    const shutdown = wasStarted ? parentScriptOf(this.config, 'shutdown') : undefined;
    if (shutdown) {
      const problem = await runParentScript(shutdown, 'Shutdown script');
      if (problem) log.error(problem);
    }
    removePidFile(this.o.pidFiles.parent, process.pid);
    const cpu = process.cpuUsage();
    if (wasStarted) {
      log.info(`CPU usage (self) user: ${(cpu.user / 1e6).toFixed(6)} system: ${(cpu.system / 1e6).toFixed(6)}`);
      log.info(`Stopped Keepalived v${this.o.version} (keepalived-ts)`);
    }
    this.o.notifier.close();
    this.finished(this.exitCode);
  }

  /** Tells every running child to stop (or signals it); resolves each one's exit. */
  private stopChildren(): Promise<void>[] {
    const exits: Promise<void>[] = [];
    for (const slot of this.slots.values()) {
      if (slot.restartTimer) clearTimeout(slot.restartTimer);
      slot.restartTimer = undefined;
      const proc = slot.proc;
      if (!proc) continue;
      if (proc.exitCode !== null || proc.signalCode !== null) {
        // Already gone (its exit was being looked at a moment later): just forget it.
        slot.proc = undefined;
        removePidFile(this.o.pidFiles[slot.role], proc.pid ?? 0);
        continue;
      }
      // signalChildren has usually sent SIGTERM already; the message follows as before (a
      // child that is already stopping ignores it).
      exits.push(new Promise((resolve) => proc.once('exit', () => resolve())));
      if (proc.connected) this.sendTo(slot, { type: 'stop' });
    }
    return exits;
  }

  private async loadValidated(): Promise<{ ok: true; config: unknown; roles: Role[] } | { ok: false; errors: number; details: string[] }> {
    let loaded: LoadedConfig;
    try {
      loaded = await this.o.source.load();
    } catch (e) {
      const line = `${this.o.source.description}: ${(e as Error).message}`;
      this.o.log.error(line);
      return { ok: false, errors: 1, details: [line] };
    }
    for (const d of loaded.diagnostics) {
      if (d.severity === 'error') this.o.log.error(describeDiagnostic(d));
      else this.o.log.warn(describeDiagnostic(d));
    }
    const blocking = loaded.blocking ?? loaded.diagnostics.filter((d) => d.severity === 'error');
    if (blocking.length > 0 || loaded.config === undefined) {
      return { ok: false, errors: Math.max(blocking.length, 1), details: blocking.map(describeDiagnostic) };
    }
    return { ok: true, config: loaded.config, roles: loaded.roles ?? this.o.rolesFor(loaded.config) };
  }

  private wantedRoles(): Role[] {
    const configured = this.o.startAll ? [...ROLES] : this.roles;
    return ROLES.filter((r) => configured.includes(r) && (!this.o.only || this.o.only.includes(r)));
  }

  private slotFor(role: Role): ChildSlot {
    let slot = this.slots.get(role);
    if (!slot) {
      slot = { role, startedAt: 0, backoff: INITIAL_BACKOFF, silentMs: 0, answered: false, pingSeq: 0 };
      this.slots.set(role, slot);
    }
    return slot;
  }

  private spawn(slot: ChildSlot): void {
    const { log } = this.o;
    const info = ROLE_INFO[slot.role];
    let proc: ChildProcess;
    try {
      proc = fork(this.o.childScript, [slot.role, ...this.o.serviceModules], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'json',
        execArgv: childExecArgv(),
      });
    } catch (e) {
      log.error(`${info.title} child process: fork error(${(e as Error).message})`);
      this.scheduleRestart(slot);
      return;
    }
    slot.proc = proc;
    slot.pid = proc.pid;
    // Compiles process.kill's path now, not when signalChildren first needs it.
    if (proc.pid !== undefined) try { process.kill(proc.pid, 0); } catch { /* not there yet */ }
    slot.startedAt = Date.now();
    slot.silentMs = 0;
    slot.answered = false;
    log.info(`Starting ${info.title} child process, pid=${proc.pid}`);
    if (proc.pid !== undefined) {
      try {
        writePidFile(this.o.pidFiles[slot.role], proc.pid);
      } catch (e) {
        log.error(`${info.title} child process: cannot write pidfile ${this.o.pidFiles[slot.role]}: ${(e as Error).message}`);
      }
    }
    proc.on('message', (raw) => this.onChildMessage(slot, proc, raw));
    proc.on('error', (e) => log.error(`${info.title} child process(${proc.pid}): ${e.message}`));
    proc.on('exit', (code, signal) => this.onChildExit(slot, proc, code, signal));
    this.sendTo(slot, { type: 'start', config: configForRole(slot.role, this.config), generation: this.generation, log: this.o.logConfig });
  }

  private sendTo(slot: ChildSlot, msg: ParentMessage): void {
    const proc = slot.proc;
    if (!proc?.connected) return;
    try {
      proc.send(msg, (err) => {
        // The child died between the check and the write; its exit handler deals with it.
        if (err) this.o.log.detail(`${ROLE_INFO[slot.role].title} child process(${proc.pid}): ${err.message}`);
      });
    } catch (e) {
      // Only a configuration that is not plain JSON data gets here: a program error.
      this.o.log.error(`${ROLE_INFO[slot.role].title} child process(${proc.pid}): cannot send '${msg.type}': ${(e as Error).message}`);
    }
  }

  private onChildMessage(slot: ChildSlot, proc: ChildProcess, raw: unknown): void {
    if (slot.proc !== proc) return;
    const msg = asChildMessage(raw);
    if (!msg) return;
    switch (msg.type) {
      case 'pong':
        slot.silentMs = 0;
        break;
      case 'ready':
      case 'reloaded':
        slot.silentMs = 0;
        slot.answered = true;
        if (msg.type === 'reloaded' && msg.error !== undefined) {
          this.o.log.error(`${ROLE_INFO[slot.role].title} child process(${proc.pid}) could not apply the new configuration: ${msg.error}`);
        }
        if (msg.type === 'ready') this.replayBfd(slot);
        if (msg.generation === this.generation) {
          this.awaiting.delete(slot.role);
          this.checkAwaited();
        }
        break;
      case 'bfd':
        if (slot.role === 'bfd') this.relayBfd(msg);
        break;
      case 'status': {
        const pending = this.pendingStatus.get(msg.seq);
        if (pending) {
          this.pendingStatus.delete(msg.seq);
          pending.done(msg.error !== undefined ? { error: msg.error } : msg.snapshot ? { snapshot: msg.snapshot } : { error: 'empty answer' });
        }
        break;
      }
      case 'dumped': {
        const pending = this.pendingDumps.get(msg.path);
        if (pending) {
          this.pendingDumps.delete(msg.path);
          pending.done(msg.error === undefined ? { path: msg.path } : { path: msg.path, error: msg.error });
        }
        break;
      }
    }
  }

  private onChildExit(slot: ChildSlot, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null, deferred = false): void {
    if (slot.proc !== proc) return;
    if (code === 0 && !signal && !deferred && this.phase !== 'stopping') {
      // A child that exits cleanly on its own was sent SIGTERM; under a supervisor that
      // signals the whole group (systemd KillMode=control-group) our own SIGTERM is on its
      // way, so decide a moment later rather than respawn a child into a stopping daemon.
      setTimeout(() => this.onChildExit(slot, proc, code, signal, true), 200).unref();
      return;
    }
    const { log } = this.o;
    const info = ROLE_INFO[slot.role];
    const pid = proc.pid ?? 0;
    slot.proc = undefined;
    removePidFile(this.o.pidFiles[slot.role], pid);
    this.settleDumps(slot.role, 'the child process ended');
    const line = describeChildExit(pid, code, signal);
    if (this.phase === 'stopping') {
      if (line) log.info(line);
      return;
    }
    this.awaiting.delete(slot.role);
    if (line) log.info(line);
    if (code !== null && PERMANENT_EXIT_CODES.has(code)) {
      void this.stop(code);
      return;
    }
    if (!this.o.respawn) {
      log.alert(`${info.title} child process(${pid}) died: Exiting`);
      void this.stop(EXIT.FATAL);
      return;
    }
    log.alert(`${info.title} child process(${pid}) died: Respawning`);
    this.scheduleRestart(slot);
    this.checkAwaited();
  }

  private scheduleRestart(slot: ChildSlot): void {
    const decision = decideRestart(slot.backoff, slot.startedAt, Date.now());
    slot.backoff = decision.backoff;
    const info = ROLE_INFO[slot.role];
    if (decision.rateLimited) this.o.log.info(`Restart of ${info.title} process delayed ${decision.delayS} seconds to limit respawn rate`);
    if (decision.delayS === 0) {
      this.spawn(slot);
      return;
    }
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (this.phase !== 'stopping') this.spawn(slot);
    }, decision.delayS * 1000);
  }

  /** Heartbeat: ping every child; kill one whose event loop has not answered for too long. */
  private beat(): void {
    const now = performance.now();
    const sinceLast = Math.min(this.lastBeatAt === undefined ? 0 : now - this.lastBeatAt, this.o.heartbeatIntervalMs);
    this.lastBeatAt = now;
    for (const slot of this.slots.values()) {
      const proc = slot.proc;
      if (!proc) continue;
      slot.silentMs += sinceLast;
      const silentMs = Math.round(slot.silentMs);
      if (silentMs > (slot.answered ? this.o.heartbeatTimeoutMs : Math.max(this.o.heartbeatTimeoutMs, STARTUP_GRACE_MS))) {
        this.o.log.alert(`${ROLE_INFO[slot.role].title} child process(${proc.pid}) did not answer the heartbeat for ${silentMs} ms: killing it`);
        proc.kill('SIGKILL');
        continue;
      }
      slot.pingSeq += 1;
      this.sendTo(slot, { type: 'ping', seq: slot.pingSeq });
    }
  }

  private checkAwaited(): void {
    if (this.awaiting.size > 0) return;
    if (this.phase === 'starting') {
      this.phase = 'running';
      this.o.log.info('Startup complete');
      this.o.notifier.ready(process.pid);
      this.runQueuedReload();
    } else if (this.phase === 'reloading') {
      this.phase = 'running';
      this.o.log.info('Reload complete');
      this.o.notifier.ready(process.pid);
      this.runQueuedReload();
    }
  }

  private runQueuedReload(): void {
    if (!this.reloadQueued) return;
    this.reloadQueued = false;
    void this.reload();
  }

  /** A BFD session changed: tell the children it is for (only changes: a repeat is dropped). */
  private relayBfd(e: BfdEvent): void {
    const last = this.bfdStates.get(e.name);
    if (last && last.up === e.up && last.vrrp === e.vrrp && last.checker === e.checker) return;
    this.bfdStates.set(e.name, e);
    for (const role of ['vrrp', 'checker'] as const) {
      const slot = this.slots.get(role);
      if (e[role] && slot?.proc) this.sendTo(slot, { type: 'bfd', name: e.name, up: e.up });
    }
  }

  private replayBfd(slot: ChildSlot): void {
    if (slot.role === 'bfd') return;
    for (const e of this.bfdStates.values()) if (e[slot.role]) this.sendTo(slot, { type: 'bfd', name: e.name, up: e.up });
  }

  private parentData(): string {
    const lines = ['------< Parent process >------', ` Pid = ${process.pid}`, ` Configuration = ${this.o.source.description}`,
      ` Configuration generation = ${this.generation}`, ` State = ${this.phase}`];
    for (const role of ROLES) {
      const slot = this.slots.get(role);
      if (!slot) continue;
      lines.push(` ${ROLE_INFO[role].title} child: ${slot.proc ? `pid ${slot.proc.pid}` : 'not running'}, restart delay ${slot.backoff.nextDelayS} s`);
    }
    return `${lines.join('\n')}\n`;
  }
}
