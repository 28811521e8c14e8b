// A notify FIFO (notify_fifo, vrrp_notify_fifo, lvs_notify_fifo): one line per event,
// written by the VRRP and checker processes, read by the user's script (started here when
// `*_notify_fifo_script` is set, with the FIFO's path as its last argument, as keepalived does).
//
// The FIFO is opened read-write and non-blocking. Read-write so that opening never waits for
// a reader; non-blocking so that a reader that is slow, stuck or absent can never stop the
// process that writes: once the pipe is full, lines are dropped (and the drop is logged once
// per burst) rather than the VRRP process blocking in write(2) and missing its adverts.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync, rmSync, statSync, writeSync } from 'node:fs';
import type { FifoSpec, ScriptCommand } from '../config/model.js';
import { makeFifo } from '../net/sys.js';

export class NotifyFifo {
  private fd: number | undefined;
  private created = false;
  private broken = false;
  private dropping = 0;
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
        this.fd = openSync(this.spec.path, constants.O_RDWR | constants.O_NONBLOCK);
      }
      if (line === '') return;
      writeSync(this.fd, line);
      if (this.dropping > 0) {
        this.log(`Notify FIFO ${this.spec.path}: ${this.dropping} line(s) were dropped while it was full`);
        this.dropping = 0;
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        if (this.dropping++ === 0) this.log(`Notify FIFO ${this.spec.path} is full (is its reader running?); dropping lines`);
        return;
      }
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
