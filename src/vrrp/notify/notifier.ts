// Notifications on state changes (inventory §4.1.12): per instance/group, in this order, the
// state script (notify_master/backup/fault/stop), the generic `notify` script with
// `INSTANCE|GROUP NAME STATE PRIORITY` appended, then the FIFO line(s). Scripts are
// spawned without a shell (names cannot inject anything) and run one after the other per
// instance, off the VRRP loop. FIFO lines keep their order per FIFO.
import { spawn } from 'node:child_process';
import { NotifyFifo } from '../../notify/fifo.js';
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

export class Notifier {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly fifos: NotifyFifo[];

  constructor(private readonly opts: NotifierOptions) {
    this.fifos = opts.fifos.map((f) => new NotifyFifo(f.spec, opts.log, f.script));
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
