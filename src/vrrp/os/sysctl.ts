// Interface sysctls, read and written through /proc/sys (the daemon never runs sysctl).
// Paths are relative to /proc/sys, e.g. "net/ipv4/conf/eth0/arp_ignore"; in /proc an
// interface name keeps its dots ("vrrp.51"), unlike sysctl(8)'s dotted notation.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

export interface SysctlPort {
  /** The value, or undefined when there is no such setting (interface gone, no IPv6). */
  read(path: string): number | undefined;
  /** Throws when it cannot be written. */
  write(path: string, value: number): void;
  /** The interfaces that have IPv4 settings (net/ipv4/conf/*, without all and default). */
  ipv4Interfaces(): string[];
}

export class ProcSysctl implements SysctlPort {
  constructor(private readonly root = '/proc/sys') {}

  read(path: string): number | undefined {
    try {
      const v = Number.parseInt(readFileSync(`${this.root}/${path}`, 'utf8').trim(), 10);
      return Number.isNaN(v) ? undefined : v;
    } catch {
      return undefined;
    }
  }

  write(path: string, value: number): void {
    writeFileSync(`${this.root}/${path}`, `${value}\n`);
  }

  ipv4Interfaces(): string[] {
    try {
      return readdirSync(`${this.root}/net/ipv4/conf`).filter((n) => n !== 'all' && n !== 'default');
    } catch {
      return [];
    }
  }
}

/** net/ipv4/conf/IF/NAME */
export function ipv4Conf(ifname: string, name: string): string {
  return `net/ipv4/conf/${ifname}/${name}`;
}

/** net/ipv6/conf/IF/NAME */
export function ipv6Conf(ifname: string, name: string): string {
  return `net/ipv6/conf/${ifname}/${name}`;
}

/** An in-memory SysctlPort for tests: a map of path -> value. */
export class FakeSysctl implements SysctlPort {
  readonly values = new Map<string, number>();
  readonly writes: Array<[string, number]> = [];

  read(path: string): number | undefined {
    return this.values.get(path);
  }

  write(path: string, value: number): void {
    this.writes.push([path, value]);
    this.values.set(path, value);
  }

  ipv4Interfaces(): string[] {
    const out = new Set<string>();
    for (const p of this.values.keys()) {
      const m = /^net\/ipv4\/conf\/([^/]+)\//.exec(p);
      if (m?.[1] && m[1] !== 'all' && m[1] !== 'default') out.add(m[1]);
    }
    return [...out];
  }
}
