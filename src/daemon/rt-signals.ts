// keepalived handles two real-time signals (lib/signals.h): SIGRTMIN+2 writes the JSON dump
// (`keepalived --signum=JSON`, 36 with glibc) and SIGRTMAX-1 writes the stats and clears
// them (`--signum=STATS_CLEAR`, 63). Node only lets JavaScript handle the signals named in
// os.constants.signals; real-time signals are not among them and their default action
// terminates the process, so without help an exporter's `kill -s RTMIN+2` would kill the
// daemon and drop its VIPs. The native addon's watchSignal (libuv uv_signal_t on Node's
// loop) catches them; without the addon the control socket's "json" command remains.

export type RtSignalKind = 'json' | 'stats_clear';

/** The numbers keepalived-ts needs from the addon (src/net/sys.ts). */
export interface RtSignalSource {
  watchSignal(signo: number, handler: (signo: number) => void): { close(): void };
  sigrtmin(): number;
  sigrtmax(): number;
}

/** keepalived's real-time signal numbers, as the C library of this process defines them. */
export function rtSignalNumbers(src: Pick<RtSignalSource, 'sigrtmin' | 'sigrtmax'>): Record<RtSignalKind, number> {
  return { json: src.sigrtmin() + 2, stats_clear: src.sigrtmax() - 1 };
}

async function loadSource(): Promise<RtSignalSource | undefined> {
  try {
    const specifier = '../net/sys.js';
    const mod = (await import(specifier)) as Partial<RtSignalSource> & { nativeAvailable?: () => boolean };
    if (!mod.nativeAvailable?.() || !mod.watchSignal || !mod.sigrtmin || !mod.sigrtmax) return undefined;
    return mod as RtSignalSource;
  } catch {
    return undefined;
  }
}

/**
 * Installs `handler` for keepalived's real-time signals. Returns false (nothing installed)
 * when the addon is not available.
 */
export async function watchRtSignals(handler: (kind: RtSignalKind) => void): Promise<boolean> {
  const src = await loadSource();
  if (!src) return false;
  const numbers = rtSignalNumbers(src);
  for (const kind of Object.keys(numbers) as RtSignalKind[]) src.watchSignal(numbers[kind], () => handler(kind));
  return true;
}
