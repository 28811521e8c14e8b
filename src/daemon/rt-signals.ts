// keepalived's JSON dump is SIGRTMIN+2 (36 on Linux/glibc; `keepalived --signum=JSON`).
// Node only lets JavaScript handle the signals named in os.constants.signals, and real-time
// signals are not among them; their default action terminates the process. So a
// keepalived-ts without help would DIE on `kill -s RTMIN+2`, which exporters send.
//
// libuv itself can watch any signal number. When the native addon's loader (src/net/sys.ts)
// exports `watchSignal(signo: number, handler: () => void): void` (uv_signal_start on Node's
// loop), the parent uses it for SIGRTMIN+2; otherwise the control socket's "json" command
// is the way to ask for the JSON dump (docs/daemon.md).

export const SIGRTMIN_PLUS_2 = 36;

export type SignalWatcher = (signo: number, handler: () => void) => void;

/** Installs `handler` for SIGRTMIN+2 if the addon can; returns whether it did. */
export async function watchJsonSignal(handler: () => void): Promise<boolean> {
  try {
    const specifier = '../net/sys.js';
    const mod = (await import(specifier)) as Record<string, unknown>;
    const watch = mod['watchSignal'];
    if (typeof watch !== 'function') return false;
    (watch as SignalWatcher)(SIGRTMIN_PLUS_2, handler);
    return true;
  } catch {
    return false;
  }
}
