// KEEPALIVED-MIB global branch (enterprises.9586.100.5.1): version, router id, mail
// settings and process-wide switches, from the typed configuration. Pure.
//
// Served by one child only, as in keepalived: the checker child when it runs the checker
// subagent, else the VRRP child (two registrations of one subtree would collide at the master).
import type { GlobalDefs } from '../config/model.js';
import type { Oid } from './agentx.js';
import { gauge, int, str, truth, type MibBuilder } from './mib.js';
import { addressBytes, inetAddressType } from './vrrp-state.js';

/** enterprises.debian(9586).project(100).keepalived(5) */
export const KEEPALIVED_OID: Oid = [1, 3, 6, 1, 4, 1, 9586, 100, 5];
export const KEEPALIVED_GLOBAL_OID: Oid = [...KEEPALIVED_OID, 1];

/** on(1) / off(2) / unset(3), for the smtp_alert* switches. */
const triState = (v: boolean | undefined) => int(v === undefined ? 3 : v ? 1 : 2);

export function addKeepalivedGlobal(b: MibBuilder, g: GlobalDefs, version: string): void {
  const G = KEEPALIVED_GLOBAL_OID;
  const mail = [...G, 3];
  const smtp = g.smtpServer ? addressBytes(g.smtpServer.address?.address ?? g.smtpServer.host) : undefined;
  b.scalar([...G, 1], str(version))
    .scalar([...G, 2], str(g.routerId))
    // No (numeric) SMTP server: unknown(0) and an empty address, not keepalived's zeroes.
    .scalar([...mail, 1], int(smtp ? inetAddressType(smtp) : 0))
    .scalar([...mail, 2], str(smtp ?? Buffer.alloc(0)))
    .scalar([...mail, 3], gauge(Math.floor(g.smtpConnectTimeoutUs / 1_000_000)))
    .scalar([...mail, 4], g.notificationEmailFrom !== undefined ? str(g.notificationEmailFrom) : undefined)
    .table({ entry: [...mail, 5, 1], rows: g.notificationEmail.map((a, i) => ({ a, i: i + 1 })), index: (r) => [r.i], columns: { 2: (r) => str(r.a) } })
    .scalar([...mail, 6], gauge(g.smtpServer?.port ?? 0))
    .scalar([...mail, 7], truth(!g.noEmailFaults))
    .scalar([...mail, 8], triState(g.smtpAlert))
    .scalar([...mail, 9], triState(g.smtpAlertVrrp))
    .scalar([...mail, 10], triState(g.smtpAlertChecker))
    .scalar([...G, 4], truth(g.enableTraps))
    .scalar([...G, 5], int(g.linkbeatUsePolling ? 2 : 1))
    .scalar([...G, 6], truth(g.lvsFlush))
    // IPVS counters are 64-bit in our generic netlink client.
    .scalar([...G, 7], truth(true))
    .scalar([...G, 8], str(g.netNamespace ?? ''))
    // DBus is not implemented.
    .scalar([...G, 9], truth(false))
    .scalar([...G, 10], truth(g.dynamicInterfaces))
    .scalar([...G, 11], int(g.lvsFlushOnStop === 'all' ? 1 : g.lvsFlushOnStop === 'vs' ? 3 : 2));
}
