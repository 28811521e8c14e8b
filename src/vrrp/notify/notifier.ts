// Notifications on state changes (inventory §4.1.12): per instance/group, in this order, the
// state script (notify_master/backup/fault/stop), the generic `notify` script with
// `INSTANCE|GROUP NAME STATE PRIORITY` appended, then the FIFO line(s). Scripts are
// spawned without a shell (names cannot inject anything) and run one after the other per
// instance, off the VRRP loop. FIFO lines keep their order per FIFO.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, writeSync, closeSync, statSync, rmSync } from 'node:fs';
import { makeFifo } from '../../net/sys.js';
import type { FifoSpec, ScriptCommand } from '../../config/model.js';
import { resolveRunAs } from '../track/run-as.js';

export type NotifyKind = 'INSTANCE' | 'GROUP';

export interface NotifyTarget {
  kind: NotifyKind;
  name: string;
  scripts: {
    master?: ScriptCommand;
    backup?: ScriptCommand;
    fault?: ScriptCommand;
    stop?: ScriptCommand;
    deleted?: ScriptCommand;
    generic?: ScriptCommand;
    masterRxLowerPri?: ScriptCommand;
  };
}

export interface NotifierOptions {
  log: (line: string) => void;
  fifos: { spec: FifoSpec; script?: ScriptCommand }[];
  scriptUser?: { user: string; group?: string };
  /** Called for every state change after the scripts are queued (e-mail, ...). */
  extra?: (t: NotifyTarget, state: string, priority: number) => void;
}

/** Pure: the argv of the generic notify script for a change. */
export function genericNotifyArgv(script: ScriptCommand, kind: NotifyKind, name: string, state: string, priority: number): string[] {
  return [...script.argv, kind, name, state, String(priority)];
}

/** Pure: keepalived's FIFO line. */
export function fifoLine(kind: NotifyKind, name: string, state: string, priority: number): string {
  return `${kind} "${name}" ${state} ${priority}\n`;
}

class Fifo {
  private fd: number | undefined;
  private created = false;
  private broken = false;
  private reader: ChildProcess | undefined;
  constructor(readonly spec: FifoSpec, private readonly log: (line: string) => void, private readonly script?: ScriptCommand) {}

  /** Opens (creating if missing) the FIFO and starts its reader script, if any. */
  open(): void {
    this.write('');
    const script = this.script;
    if (!script || this.broken || this.fd === undefined) return;
    const [file, ...args] = script.argv;
    if (file === undefined) return;
    try {
      // keepalived passes the FIFO's path as the script's last argument.
      this.reader = spawn(file, [...args, this.spec.path], { stdio: 'ignore' });
      this.reader.on('error', (e) => this.log(`Cannot run notify FIFO script ${script.command}: ${e.message}`));
    } catch (e) {
      this.log(`Cannot run notify FIFO script ${script.command}: ${(e as Error).message}`);
    }
  }

  write(line: string): void {
    if (this.broken) return;
    try {
      if (this.fd === undefined) {
        const st = statSync(this.spec.path, { throwIfNoEntry: false });
        if (!st) {
          // Created as keepalived does (mode 0644), and removed again at close.
          makeFifo(this.spec.path, 0o644);
          this.created = true;
        } else if (!st.isFIFO()) {
          this.log(`Notify FIFO ${this.spec.path} exists and is not a FIFO; not writing notifications to it`);
          this.broken = true;
          return;
        }
        // Read-write, as keepalived: opening does not wait for a reader, writes queue in the pipe.
        this.fd = openSync(this.spec.path, 'r+');
      }
      if (line !== '') writeSync(this.fd, line);
    } catch (e) {
      this.log(`Error writing to notify FIFO ${this.spec.path}: ${(e as Error).message}`);
    }
  }

  /** `final`: the daemon stops (the reader script ends, a FIFO we created is removed). */
  close(final: boolean): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (!final) return;
    this.reader?.kill('SIGTERM');
    this.reader = undefined;
    if (this.created) rmSync(this.spec.path, { force: true });
    this.created = false;
  }
}

export class Notifier {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly fifos: Fifo[];

  constructor(private readonly opts: NotifierOptions) {
    this.fifos = opts.fifos.map((f) => new Fifo(f.spec, opts.log, f.script));
    for (const f of this.fifos) f.open();
  }

  /** A state change of an instance or group. */
  stateChange(t: NotifyTarget, state: string, priority: number): void {
    const s = t.scripts;
    const byState = state === 'MASTER' ? s.master : state === 'BACKUP' ? s.backup : state === 'FAULT' ? s.fault : state === 'STOP' ? s.stop : state === 'DELETED' ? (s.deleted ?? s.fault) : undefined;
    if (byState) this.run(t, byState.argv, byState);
    if (s.generic) this.run(t, genericNotifyArgv(s.generic, t.kind, t.name, state, priority), s.generic);
    for (const f of this.fifos) f.write(fifoLine(t.kind, t.name, state, priority));
    this.opts.extra?.(t, state, priority);
  }

  /** FIFO-only events (MASTER_RX_LOWER_PRI, MASTER_PRIORITY, BACKUP_PRIORITY). */
  event(t: NotifyTarget, event: string, priority: number): void {
    if (event === 'MASTER_RX_LOWER_PRI' && t.scripts.masterRxLowerPri) this.run(t, t.scripts.masterRxLowerPri.argv, t.scripts.masterRxLowerPri);
    for (const f of this.fifos) f.write(fifoLine(t.kind, t.name, event, priority));
  }

  /** Resolves when every queued script has exited. */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }

  close(final = true): void {
    for (const f of this.fifos) f.close(final);
  }

  private run(t: NotifyTarget, argv: string[], cmd: ScriptCommand): void {
    const key = `${t.kind}:${t.name}`;
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.then(() => this.exec(argv, cmd));
    this.queues.set(key, next);
  }

  private exec(argv: string[], cmd: ScriptCommand): Promise<void> {
    return new Promise((resolve) => {
      const [file, ...args] = argv;
      if (file === undefined) return resolve();
      const ids = resolveRunAs(cmd.user !== undefined ? { user: cmd.user, ...(cmd.group !== undefined ? { group: cmd.group } : {}) } : this.opts.scriptUser);
      let child;
      try {
        child = spawn(file, args, { stdio: 'ignore', ...(ids ? { uid: ids.uid, gid: ids.gid } : {}) });
      } catch (e) {
        this.opts.log(`Failed to exec notify script ${cmd.command}: ${(e as Error).message}`);
        return resolve();
      }
      child.on('error', (e) => {
        this.opts.log(`Failed to exec notify script ${cmd.command}: ${e.message}`);
        resolve();
      });
      child.on('exit', () => resolve());
    });
  }
}
