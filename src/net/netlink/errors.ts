// Kernel refusals as errors a user can act on: what was asked, the errno's name, and why.
import { constants as osConstants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

const errnoNames = new Map<number, string>();
for (const [name, num] of Object.entries(osConstants.errno)) {
  // Aliases (EWOULDBLOCK = EAGAIN, EDEADLOCK = EDEADLK): keep the first, canonical name.
  if (!errnoNames.has(num)) errnoNames.set(num, name);
}

/** "EEXIST" for 17; "errno 999" for a number this platform does not name. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

/** libuv's short description ("file already exists"), or undefined. */
export function errnoDescription(errno: number): string | undefined {
  return getSystemErrorMap().get(-errno)?.[1];
}

export function errnoNumber(name: string): number {
  const n = (osConstants.errno as Record<string, number | undefined>)[name];
  if (n === undefined) throw new Error(`unknown errno name ${name}`);
  return n;
}

export interface NetlinkErrorDetails {
  /** What we asked for, in words: "adding address 10.0.0.1/24 on eth0". */
  operation: string;
  errno: number;
  /** The kernel's extended-ack string, when it gave one. */
  kernelMessage?: string;
  /** What this errno means for this operation ("address already assigned"). */
  hint?: string;
}

/** A request the kernel refused (or that never got an answer). */
export class NetlinkError extends Error {
  override name = 'NetlinkError';
  readonly operation: string;
  readonly errno: number;
  /** Errno name, as Node names its own: "EEXIST". */
  readonly code: string;
  readonly kernelMessage: string | undefined;

  constructor(d: NetlinkErrorDetails) {
    const code = errnoName(d.errno);
    const why = d.hint ?? errnoDescription(d.errno) ?? 'refused';
    // Our hint already says it for the user; the kernel's words stay in `kernelMessage`.
    const kernel = d.kernelMessage && !d.hint ? `: ${d.kernelMessage}` : '';
    super(`${d.operation}: ${code} (${why})${kernel}`);
    this.operation = d.operation;
    this.errno = d.errno;
    this.code = code;
    this.kernelMessage = d.kernelMessage;
  }
}
