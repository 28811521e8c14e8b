// The VRRP child's dumps in keepalived's layouts (inventory §3.4, §8.3): keepalived.data
// (SIGUSR1), keepalived.stats (SIGUSR2) and keepalived.json (SIGRTMIN+2). Pure: they take
// the typed configuration and the runtime's view of each instance.
import type { AddressEntry, KeepalivedConfig, ScriptCommand, VrrpInstance as ModelInstance } from '../config/model.js';
import type { InstanceStatus } from './instance.js';

export interface InstanceView {
  model: ModelInstance;
  status: InstanceStatus | undefined;
  /** Epoch seconds of the last state change. */
  lastTransition: number;
  /** The source address adverts go out from. */
  sourceAddress?: string;
  /** Current tracker readings, "name state" lines. */
  trackers?: string[];
}

const STATE_CODE: Record<string, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 };

function addressLine(e: AddressEntry): string {
  const parts = [`${e.prefix.address}/${e.prefix.prefixLen}`];
  if (e.broadcast !== undefined) parts.push(`brd ${e.broadcast}`);
  if (e.dev !== undefined) parts.push(`dev ${e.dev}`);
  parts.push(`scope ${e.scope ?? 'global'}`);
  if (e.label !== undefined) parts.push(`label ${e.label}`);
  if (e.noTrack) parts.push('no_track');
  return parts.join(' ');
}

function cmd(s: ScriptCommand | undefined): string | undefined {
  if (!s) return undefined;
  return s.user !== undefined ? `${s.command}, uid:${s.user}${s.group !== undefined ? ` gid:${s.group}` : ''}` : s.command;
}

function secs(us: number): string {
  return `${us / 1_000_000}`;
}

export function formatData(cfg: KeepalivedConfig, views: readonly InstanceView[], now: Date = new Date()): string {
  const g = cfg.global;
  const out: string[] = [];
  out.push('------< Global definitions >------');
  out.push(` Network namespace = ${g.netNamespace ?? '(default)'}`);
  out.push(` Router ID = ${g.routerId}`);
  if (g.smtpServer) out.push(` Smtp server = ${g.smtpServer.host}`, ` Smtp server port = ${g.smtpServer.port}`);
  if (g.notificationEmailFrom !== undefined) out.push(` Email notification from = ${g.notificationEmailFrom}`);
  for (const e of g.notificationEmail) out.push(` Email notification = ${e}`);
  out.push(` Default interface = ${g.defaultInterface}`);
  out.push(` VRRP IPv4 mcast group = ${g.vrrpMcastGroup4.address}`);
  out.push(` VRRP IPv6 mcast group = ${g.vrrpMcastGroup6.address}`);
  out.push(` Dump time = ${now.toUTCString()}`);
  if (cfg.vrrpScripts.length > 0) {
    out.push('------< VRRP Scripts >------');
    for (const s of cfg.vrrpScripts) {
      out.push(` VRRP Script = ${s.name}`);
      out.push(`   Command = ${s.script?.command ?? ''}`);
      out.push(`   Interval = ${secs(s.intervalUs)} sec`);
      out.push(`   Timeout = ${secs(s.timeoutUs)} sec`);
      out.push(`   Weight = ${s.weight}${s.weightReverse ? ' reverse' : ''}`);
      out.push(`   Rise = ${s.rise}`);
      out.push(`   Fall = ${s.fall}`);
    }
  }
  out.push('------< VRRP Topology >------');
  for (const v of views) {
    const m = v.model;
    const s = v.status;
    out.push(` VRRP Instance = ${m.name}`);
    out.push(`   VRRP Version = ${m.version}`);
    out.push(`   State = ${s?.state ?? 'INIT'}`);
    if (s?.masterAddress) out.push(`   Master router = ${s.masterAddress}`);
    out.push(`   Wantstate = ${s?.state ?? 'INIT'}`);
    out.push(`   Last transition = ${v.lastTransition.toFixed(6)} (${new Date(v.lastTransition * 1000).toUTCString()})`);
    if (m.interface !== undefined) out.push(`   Interface = ${m.interface}`);
    if (v.sourceAddress !== undefined) out.push(`   Using src_ip = ${v.sourceAddress}`);
    out.push(`   Virtual Router ID = ${m.vrid}`);
    out.push(`   Priority = ${m.priority}`);
    out.push(`   Effective priority = ${s?.effectivePriority ?? m.priority}`);
    out.push(`   Advert interval = ${secs(m.advertIntUs)} sec`);
    out.push(`   Accept = ${m.accept ? 'enabled' : 'disabled'}`);
    out.push(`   Preempt = ${m.nopreempt ? 'disabled' : 'enabled'}`);
    if (m.preemptDelayUs) out.push(`   Preempt delay = ${secs(m.preemptDelayUs)} secs`);
    if (s && s.faults.length > 0) out.push(`   Faults = ${s.faults.join(', ')}`);
    if (m.authentication) out.push(`   Authentication type = ${m.authentication.type === 'AH' ? 'IPSEC_AH' : 'SIMPLE_PASSWORD'}`, '   Password = ********');
    if (m.unicastPeers.length > 0) {
      out.push(`   Unicast Peer = ${m.unicastPeers.length}`);
      for (const p of m.unicastPeers) out.push(`     ${p.address.address}`);
    }
    out.push(`   Virtual IP (${m.virtualIpaddress.length}):`);
    for (const e of m.virtualIpaddress) out.push(`     ${addressLine(e)}`);
    if (m.virtualIpaddressExcluded.length > 0) {
      out.push(`   Virtual IP Excluded (${m.virtualIpaddressExcluded.length}):`);
      for (const e of m.virtualIpaddressExcluded) out.push(`     ${addressLine(e)}`);
    }
    if (v.trackers && v.trackers.length > 0) {
      out.push(`   Tracked (${v.trackers.length}):`);
      for (const t of v.trackers) out.push(`     ${t}`);
    }
    const n = m.notify;
    for (const [label, c] of [['Backup state transition script', n.backup], ['Master state transition script', n.master], ['Fault state transition script', n.fault], ['Stop state transition script', n.stop], ['Generic state transition script', n.generic]] as const) {
      const t = cmd(c);
      if (t !== undefined) out.push(`   ${label} = ${t}`);
    }
  }
  if (cfg.vrrpSyncGroups.length > 0) {
    out.push('------< VRRP Sync groups >------');
    for (const gr of cfg.vrrpSyncGroups) {
      out.push(` VRRP Sync Group = ${gr.name}`);
      for (const m of gr.members) out.push(`   monitor = ${m}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export function formatStats(views: readonly InstanceView[]): string {
  const out: string[] = [];
  for (const v of views) {
    const st = v.status?.stats;
    const n = (k: keyof NonNullable<typeof st>) => String(st ? st[k] : 0);
    out.push(
      `VRRP Instance: ${v.model.name}`,
      '  Advertisements:',
      `    Received: ${n('advertRcvd')}`,
      `    Sent: ${n('advertSent')}`,
      `  Became master: ${n('becomeMaster')}`,
      `  Released master: ${n('releaseMaster')}`,
      '  Packet Errors:',
      `    Length: ${n('packetLenErr')}`,
      `    TTL: ${n('ipTtlErr')}`,
      `    Invalid Type: ${n('invalidTypeRcvd')}`,
      '    Advertisement Interval: 0',
      `    Address List: ${n('addrListErr')}`,
      '  Authentication Errors:',
      `    Invalid Type: ${n('invalidAuthtype')}`,
      `    Type Mismatch: ${n('authtypeMismatch')}`,
      `    Failure: ${n('authFailure')}`,
      '  Priority Zero:',
      `    Received: ${n('priZeroRcvd')}`,
      `    Sent: ${n('priZeroSent')}`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** keepalived.json, json_version 1: an array of { data, stats } per instance. */
export function formatJson(views: readonly InstanceView[]): string {
  const arr = views.map((v) => {
    const m = v.model;
    const s = v.status;
    const data: Record<string, unknown> = {
      iname: m.name,
      dont_track_primary: m.dontTrackPrimary ? 1 : 0,
      skip_check_adv_addr: m.skipCheckAdvAddr ? 1 : 0,
      strict_mode: m.strict ? 1 : 0,
      vmac_ifname: m.vmac?.name ?? '',
      ifp_ifname: m.interface ?? '',
      master_priority: s?.state === 'MASTER' ? s.effectivePriority : 0,
      last_transition: v.lastTransition,
      garp_delay: m.garp.masterDelayUs / 1_000_000,
      garp_refresh: m.garp.masterRefreshUs / 1_000_000,
      garp_rep: m.garp.masterRepeat,
      garp_refresh_rep: m.garp.masterRefreshRepeat,
      garp_lower_prio_delay: m.garp.lowerPrioDelayUs / 1_000_000,
      garp_lower_prio_rep: m.garp.lowerPrioRepeat,
      lower_prio_no_advert: m.lowerPrioNoAdvert ? 1 : 0,
      higher_prio_send_advert: m.higherPrioSendAdvert ? 1 : 0,
      vrid: m.vrid,
      base_priority: m.priority,
      effective_priority: s?.effectivePriority ?? m.priority,
      vipset: s?.vipsSet ?? false,
      promote_secondaries: m.promoteSecondaries,
      adver_int: m.advertIntUs / 1_000_000,
      master_adver_int: m.advertIntUs / 1_000_000,
      accept: m.accept ? 1 : 0,
      nopreempt: m.nopreempt,
      preempt_delay: m.preemptDelayUs / 1_000_000,
      state: STATE_CODE[s?.state ?? 'INIT'] ?? 0,
      wantstate: STATE_CODE[s?.state ?? 'INIT'] ?? 0,
      version: m.version,
      smtp_alert: m.smtpAlert,
      notify_deleted: m.notify.deleted !== undefined,
    };
    const scripts: [string, ScriptCommand | undefined][] = [
      ['script_backup', m.notify.backup], ['script_master', m.notify.master], ['script_fault', m.notify.fault],
      ['script_stop', m.notify.stop], ['script_deleted', m.notify.deleted?.script], ['script', m.notify.generic],
      ['script_master_rx_lower_pri', m.notify.masterRxLowerPri],
    ];
    for (const [k, c] of scripts) if (c) data[k] = c.command;
    data.vips = m.virtualIpaddress.map(addressLine);
    data.evips = m.virtualIpaddressExcluded.map(addressLine);
    data.vroutes = [];
    data.vrules = [];
    data.track_ifp = m.trackInterfaces.map((t) => t.name);
    data.track_script = m.trackScripts.map((t) => t.name);
    data.track_process = m.trackProcesses.map((t) => t.name);
    data.auth_type = m.authentication ? (m.authentication.type === 'AH' ? 1 : 2) : 0;
    if (m.authentication) data.auth_data = '********';
    const st = s?.stats;
    const stats = {
      advert_rcvd: st?.advertRcvd ?? 0,
      advert_sent: st?.advertSent ?? 0,
      become_master: st?.becomeMaster ?? 0,
      release_master: st?.releaseMaster ?? 0,
      packet_len_err: st?.packetLenErr ?? 0,
      advert_interval_err: 0,
      ip_ttl_err: st?.ipTtlErr ?? 0,
      invalid_type_rcvd: st?.invalidTypeRcvd ?? 0,
      addr_list_err: st?.addrListErr ?? 0,
      invalid_authtype: st?.invalidAuthtype ?? 0,
      authtype_mismatch: st?.authtypeMismatch ?? 0,
      auth_failure: st?.authFailure ?? 0,
      pri_zero_rcvd: st?.priZeroRcvd ?? 0,
      pri_zero_sent: st?.priZeroSent ?? 0,
    };
    return { data, stats };
  });
  return JSON.stringify(arr);
}
