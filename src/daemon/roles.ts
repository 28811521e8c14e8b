// The child processes the parent can run, with the names keepalived gives them.

export type Role = 'vrrp' | 'checker' | 'bfd';
export const ROLES: readonly Role[] = ['vrrp', 'checker', 'bfd'];

export interface RoleInfo {
  /** Syslog ident of the process. */
  ident: string;
  /** Name in the parent's messages ("Starting VRRP child process, pid=..."). */
  title: string;
  /** Suffix of the process's log file (-g). */
  logSuffix: string;
}

export const ROLE_INFO: Record<Role, RoleInfo> = {
  vrrp: { ident: 'Keepalived_vrrp', title: 'VRRP', logSuffix: '_vrrp' },
  checker: { ident: 'Keepalived_healthcheckers', title: 'Healthcheck', logSuffix: '_healthcheckers' },
  bfd: { ident: 'Keepalived_bfd', title: 'BFD', logSuffix: '_bfd' },
};

export const PARENT_IDENT = 'Keepalived';

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}
