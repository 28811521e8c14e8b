// Sending one datagram to a unix socket path (/dev/log for syslog, $NOTIFY_SOCKET for
// systemd). Node's dgram module has no AF_UNIX, so this needs the native addon; until an
// opener is available the callers fall back (console logging, no sd_notify) and say so once.
//
// The opener is looked up in the addon's loader module (src/net/sys.ts) by name, so this
// file builds whether or not the addon has landed: an export
//   openUnixDatagram(path: string): { send(data: Buffer): void; close(): void }
// where `path` may start with "@" for the abstract namespace (systemd uses that).

export interface DatagramSender {
  send(data: Buffer): void;
  close(): void;
}

export type DatagramOpener = (path: string) => DatagramSender;

let opener: DatagramOpener | undefined;
let probed = false;

/** Lets the lead (or a test) wire an opener explicitly. */
export function setUnixDatagramOpener(fn: DatagramOpener | undefined): void {
  opener = fn;
  probed = true;
}

/** Finds the addon's opener once; undefined when the addon cannot send unix datagrams. */
export async function unixDatagramOpener(): Promise<DatagramOpener | undefined> {
  if (probed) return opener;
  probed = true;
  try {
    // A computed specifier: the module may not export this yet, or fail to load the addon.
    const specifier = '../net/sys.js';
    const mod = (await import(specifier)) as Record<string, unknown>;
    const fn = mod['openUnixDatagram'];
    if (typeof fn === 'function') opener = (path) => (fn as DatagramOpener)(path);
  } catch {
    opener = undefined;
  }
  return opener;
}
