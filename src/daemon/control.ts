// The parent's control socket: a unix stream socket (Node has those) next to the pid file,
// /run/keepalived.pid -> /run/keepalived.ctl, mode 0600. It exists because Node cannot catch
// real-time signals: keepalived's JSON dump is SIGRTMIN+2, which would terminate a Node
// process (see docs/daemon.md). One command per connection, one line each way:
//   json | data | stats   -> "ok <file> [<file>...]" once written, or "error <reason>"
//   reload                -> "ok" (the reload runs as on SIGHUP; its outcome is logged)
//   status                -> "ok <phase> parent=<pid> vrrp=<pid|-> checker=<pid|->"
//   snapshot              -> "ok <DaemonStatus as one line of JSON>" (src/daemon/status.ts;
//                            keepalivectl status/stats read this)
// e.g.  echo json | socat - UNIX-CONNECT:/run/keepalived.ctl
import { createServer, type Server } from 'node:net';
import { chmodSync, unlinkSync } from 'node:fs';
import type { DumpKind } from './service.js';
import type { DumpResult } from './parent.js';
import type { DaemonStatus } from './status.js';

/** Pure: the control socket path for a parent pid file. */
export function controlSocketPath(pidFile: string): string {
  return pidFile.endsWith('.pid') ? `${pidFile.slice(0, -4)}.ctl` : `${pidFile}.ctl`;
}

export interface ControlTarget {
  dumpAndWait(kind: DumpKind): Promise<DumpResult[]>;
  reload(): Promise<void>;
  status(): string;
  statusSnapshot(): Promise<DaemonStatus>;
}

/** Pure: the answer line for a command. */
export async function answerControl(command: string, target: ControlTarget): Promise<string> {
  const cmd = command.trim().toLowerCase();
  switch (cmd) {
    case 'json':
    case 'data':
    case 'stats': {
      const results = await target.dumpAndWait(cmd);
      if (results.length === 0) return 'error nothing to dump (no child runs)';
      const failed = results.filter((r) => r.error !== undefined);
      if (failed.length > 0) return `error ${failed.map((r) => `${r.path}: ${r.error}`).join('; ')}`;
      return `ok ${results.map((r) => r.path).join(' ')}`;
    }
    case 'reload':
      void target.reload();
      return 'ok';
    case 'status':
      return `ok ${target.status()}`;
    case 'snapshot':
      return `ok ${JSON.stringify(await target.statusSnapshot())}`;
    default:
      return `error unknown command '${cmd.slice(0, 40)}' (json, data, stats, reload, status, snapshot)`;
  }
}

export class ControlSocket {
  private server: Server | undefined;

  constructor(readonly path: string, private readonly target: ControlTarget, private readonly warn: (msg: string) => void) {}

  /** Listens; a stale socket file (the pid file was ours to take) is replaced. */
  async listen(): Promise<void> {
    try { unlinkSync(this.path); } catch { /* none */ }
    const server = createServer({ allowHalfOpen: true }, (conn) => {
      let text = '';
      conn.setEncoding('utf8');
      conn.setTimeout(10_000, () => conn.destroy());
      const answer = () => {
        const line = text.split('\n')[0] ?? '';
        text = '';
        void answerControl(line, this.target).then((reply) => conn.end(`${reply}\n`), (e: unknown) => conn.end(`error ${String(e)}\n`));
      };
      conn.on('data', (d: string) => {
        text += d;
        if (text.includes('\n')) {
          conn.removeAllListeners('data');
          conn.removeAllListeners('end');
          answer();
        } else if (text.length > 256) {
          conn.destroy();
        }
      });
      conn.on('end', () => { if (text) answer(); else conn.end(); });
      conn.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => {
      server.once('error', (e) => {
        this.warn(`Cannot listen on control socket ${this.path}: ${e.message}`);
        resolve();
      });
      // Created owner-only from the start, not opened up between bind and chmod.
      const umask = process.umask(0o177);
      server.listen(this.path, () => {
        try { chmodSync(this.path, 0o600); } catch { /* best effort */ }
        this.server = server;
        resolve();
      });
      process.umask(umask);
    });
    this.server?.unref();
  }

  close(): void {
    if (!this.server) return;
    this.server.close();
    this.server = undefined;
    try { unlinkSync(this.path); } catch { /* gone */ }
  }
}
