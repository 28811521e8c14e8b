// Sending one datagram to a unix socket path (/dev/log for syslog, $NOTIFY_SOCKET for
// systemd). Node's dgram module has no AF_UNIX, so this goes through the native addon's raw
// socket calls (socket/sendmsg with a struct sockaddr_un we encode here). When the addon is
// not built the opener is undefined and the callers fall back: console logging instead of
// syslog, no sd_notify, each said once.
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { NATIVE_ADDON_PATH } from '../net/sys.js';

export interface DatagramSender {
  send(data: Buffer): void;
  close(): void;
}

export type DatagramOpener = (path: string) => DatagramSender;

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
/** sizeof(sun_path) on Linux. */
const SUN_PATH_MAX = 108;

/** The addon calls this file uses (native/kts_native.c); addresses are raw structs. */
interface RawSocketCalls {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer): void;
  sendmsg(fd: number, data: Buffer[], addr: Buffer | null, cmsgs: null, flags: number): number;
  recvmsg(fd: number, size: number): { data: Buffer } | null;
  close(fd: number): void;
}

/**
 * Pure: struct sockaddr_un for a path; "@name" is the abstract namespace (as systemd writes
 * $NOTIFY_SOCKET). Throws RangeError for a path too long for sun_path.
 */
export function encodeSockaddrUn(path: string): Buffer {
  const abstract = path.startsWith('@');
  const name = abstract ? Buffer.concat([Buffer.from([0]), Buffer.from(path.slice(1))]) : Buffer.concat([Buffer.from(path), Buffer.from([0])]);
  if (name.length > SUN_PATH_MAX) throw new RangeError(`unix socket path too long: ${path}`);
  const b = Buffer.alloc(2 + name.length);
  if (endianness() === 'LE') b.writeUInt16LE(AF_UNIX, 0);
  else b.writeUInt16BE(AF_UNIX, 0);
  name.copy(b, 2);
  return b;
}

let raw: RawSocketCalls | undefined;
let probed = false;
let override: DatagramOpener | undefined;

function rawCalls(): RawSocketCalls | undefined {
  if (!probed) {
    probed = true;
    try {
      raw = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as RawSocketCalls;
    } catch {
      raw = undefined;
    }
  }
  return raw;
}

/** Lets a test (or an embedding) replace the opener; undefined restores the addon's. */
export function setUnixDatagramOpener(fn: DatagramOpener | undefined): void {
  override = fn;
}

/** The opener, or undefined when the addon cannot be loaded. */
export function unixDatagramOpener(): Promise<DatagramOpener | undefined> {
  if (override) return Promise.resolve(override);
  const calls = rawCalls();
  if (!calls) return Promise.resolve(undefined);
  return Promise.resolve((path: string): DatagramSender => {
    const addr = encodeSockaddrUn(path);
    let fd: number | undefined = calls.socket(AF_UNIX, SOCK_DGRAM, 0);
    return {
      // Unconnected sendto: a restarted syslogd's new socket at the same path is reached.
      send: (data) => {
        if (fd !== undefined) calls.sendmsg(fd, [data], addr, null, 0);
      },
      close: () => {
        if (fd !== undefined) calls.close(fd);
        fd = undefined;
      },
    };
  });
}

/** A bound unix datagram socket read by polling (for tests: a fake /dev/log or NOTIFY_SOCKET). */
export function bindUnixDatagram(path: string): { receive(): Buffer[]; close(): void } | undefined {
  const calls = rawCalls();
  if (!calls) return undefined;
  const fd = calls.socket(AF_UNIX, SOCK_DGRAM, 0);
  calls.bind(fd, encodeSockaddrUn(path));
  return {
    receive: () => {
      const out: Buffer[] = [];
      for (let m = calls.recvmsg(fd, 65536); m; m = calls.recvmsg(fd, 65536)) out.push(m.data);
      return out;
    },
    close: () => calls.close(fd),
  };
}
