// Without -n keepalived daemonises (fork, setsid, stdio to /dev/null). Node cannot fork, so
// the launcher re-runs the same command line as a detached process (new session, stdio
// ignored) with an extra pipe on fd 3. The daemon writes "ok" on that pipe once its pid
// file is written and the configuration accepted, or the one line saying why it cannot
// start; the launcher prints that line and exits with the daemon's status.
import { spawn } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';

/** Set in the detached daemon's environment: the fd of the status pipe. */
export const STATUS_FD_ENV = 'KTS_DAEMON_STATUS_FD';

/**
 * In the re-spawned daemon: the status pipe's fd, taken out of the environment so the
 * children (whose fd 3 is their IPC channel) never see it. Undefined in a launcher or with -n.
 */
export function takeStatusFd(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env[STATUS_FD_ENV];
  if (text === undefined) return undefined;
  delete env[STATUS_FD_ENV];
  const fd = Number(text);
  return Number.isInteger(fd) && fd > 2 ? fd : undefined;
}

/** In the detached daemon: tell the launcher how the start went (once; later calls do nothing). */
export function reportStartup(status: { fd: number | undefined }, result: { ok: true } | { ok: false; message: string }): void {
  const fd = status.fd;
  if (fd === undefined) return;
  status.fd = undefined;
  try {
    writeSync(fd, result.ok ? 'ok\n' : `${result.message}\n`);
    closeSync(fd);
  } catch {
    // The launcher is gone; nobody to tell.
  }
}

/** In the launcher: start the detached daemon and wait for its report. Resolves the exit code. */
export function launchDetached(argv: readonly string[] = process.argv, execArgv: readonly string[] = process.execArgv): Promise<number> {
  const [node, script, ...args] = argv;
  return new Promise((resolve) => {
    const child = spawn(node ?? process.execPath, [...execArgv, script ?? '', ...args], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
      env: { ...process.env, [STATUS_FD_ENV]: '3' },
    });
    let report = '';
    let exited: number | undefined;
    const pipe = child.stdio[3] as NodeJS.ReadableStream | null;
    const finish = () => {
      const text = report.trim();
      if (text === 'ok') {
        child.unref();
        resolve(0);
        return;
      }
      if (text) process.stderr.write(`${text}\n`);
      else process.stderr.write('keepalived-ts: the daemon ended during startup without saying why (see the system log)\n');
      const done = (code: number) => resolve(code === 0 ? 1 : code);
      if (exited !== undefined) done(exited);
      else child.once('exit', (code) => done(code ?? 1));
    };
    child.once('exit', (code) => (exited = code ?? 1));
    if (!pipe) {
      finish();
      return;
    }
    pipe.setEncoding('utf8');
    pipe.on('data', (d: string) => (report += d));
    pipe.on('end', finish);
    pipe.on('error', finish);
  });
}
