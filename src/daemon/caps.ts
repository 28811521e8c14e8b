// Does this process have what the daemon needs? keepalived needs CAP_NET_ADMIN (addresses,
// routes, IPVS) and CAP_NET_RAW (VRRP, ARP, NDP sockets). Being root is not enough in a
// container that dropped them, and not being root is fine with them granted (systemd
// AmbientCapabilities), so the effective capability set decides.
import { readFileSync } from 'node:fs';

export const CAP_NET_ADMIN = 12;
export const CAP_NET_RAW = 13;

const CAP_NAMES: Record<number, string> = { [CAP_NET_ADMIN]: 'CAP_NET_ADMIN', [CAP_NET_RAW]: 'CAP_NET_RAW' };
export const REQUIRED_CAPS: readonly number[] = [CAP_NET_ADMIN, CAP_NET_RAW];

/** Pure: the effective capability mask from the text of /proc/<pid>/status, or undefined. */
export function parseCapEff(statusText: string): bigint | undefined {
  const m = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(statusText);
  return m?.[1] === undefined ? undefined : BigInt(`0x${m[1]}`);
}

/** Pure: names of the required capabilities missing from `capEff`. */
export function missingCapabilities(capEff: bigint, required: readonly number[] = REQUIRED_CAPS): string[] {
  return required.filter((cap) => ((capEff >> BigInt(cap)) & 1n) === 0n).map((cap) => CAP_NAMES[cap] ?? `capability ${cap}`);
}

/**
 * Pure: the one line to print when the privileges are missing, or undefined when all is well.
 * `euid` is only used to word the advice.
 */
export function privilegeProblem(euid: number, capEff: bigint | undefined): string | undefined {
  if (capEff === undefined) {
    return euid === 0 ? undefined : 'keepalived-ts: must be run as root (or with CAP_NET_ADMIN and CAP_NET_RAW)';
  }
  const missing = missingCapabilities(capEff);
  if (missing.length === 0) return undefined;
  const who = euid === 0 ? 'running as root but' : `running as uid ${euid},`;
  return `keepalived-ts: missing privilege: ${who} without ${missing.join(' and ')}; run as root with these capabilities (see docs/keepalived-ts.service)`;
}

/** The privilege problem of this very process, if any. */
export function checkOwnPrivileges(): string | undefined {
  let status: string | undefined;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    status = undefined;
  }
  const euid = typeof process.geteuid === 'function' ? process.geteuid() : -1;
  return privilegeProblem(euid, status === undefined ? undefined : parseCapEff(status));
}
