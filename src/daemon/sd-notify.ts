// systemd readiness protocol: datagrams such as "READY=1" to the unix socket named by
// $NOTIFY_SOCKET ("@name" = abstract namespace). Sent only by the parent (the unit's main
// process, so NotifyAccess=main suffices). Needs the addon's unix datagram support; without
// it the notifier is inert and says so once, so use Type=simple units in such builds.
import { unixDatagramOpener, type DatagramSender } from './unix-dgram.js';

export interface Notifier {
  ready(mainPid: number): void;
  reloading(): void;
  stopping(): void;
  status(text: string): void;
  close(): void;
}

/** Pure: the datagram for a state change; MONOTONIC_USEC lets systemd order RELOADING=1. */
export function notifyMessage(fields: Record<string, string | number>): string {
  return Object.entries(fields).map(([k, v]) => `${k}=${v}`).join('\n');
}

export const nullNotifier: Notifier = {
  ready: () => undefined,
  reloading: () => undefined,
  stopping: () => undefined,
  status: () => undefined,
  close: () => undefined,
};

export class SdNotifier implements Notifier {
  constructor(private sender: DatagramSender | undefined) {}

  private send(fields: Record<string, string | number>): void {
    try {
      this.sender?.send(Buffer.from(notifyMessage(fields)));
    } catch {
      // systemd went away; nothing to tell.
    }
  }

  ready(mainPid: number): void { this.send({ READY: 1, MAINPID: mainPid, STATUS: 'running' }); }
  reloading(): void {
    const usec = process.hrtime.bigint() / 1000n;
    this.send({ RELOADING: 1, MONOTONIC_USEC: usec.toString(), STATUS: 'reloading' });
  }
  stopping(): void { this.send({ STOPPING: 1, STATUS: 'stopping' }); }
  status(text: string): void { this.send({ STATUS: text }); }
  close(): void {
    this.sender?.close();
    this.sender = undefined;
  }
}

/**
 * The notifier for this process: inert outside systemd; `warn` hears once why it is inert
 * inside systemd. $NOTIFY_SOCKET is removed from the environment so children do not see it.
 */
export async function systemdNotifier(warn: (msg: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<Notifier> {
  const path = env['NOTIFY_SOCKET'];
  if (!path) return nullNotifier;
  delete env['NOTIFY_SOCKET'];
  const open = await unixDatagramOpener();
  if (!open) {
    warn('NOTIFY_SOCKET is set but this build cannot send unix datagrams; systemd will not hear READY=1 (use Type=simple)');
    return nullNotifier;
  }
  try {
    return new SdNotifier(open(path));
  } catch (e) {
    warn(`Cannot reach systemd notify socket ${path}: ${(e as Error).message}`);
    return nullNotifier;
  }
}
