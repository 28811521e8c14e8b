// VRRP blocks: vrrp_instance, vrrp_sync_group, vrrp_script, track_file, vrrp_track_process,
// garp_group, static_* and the small top-level VRRP blocks.
import type { SourceLoc } from '../ast.js';
import type { IpAddress } from '../address.js';
import type {
  AddressEntry, GarpTiming, GarpGroup, InterfaceUpDownDelay, LinkbeatInterface, RouteEntry, RuleEntry, TrackFile,
  TrackGroup, TrackProcess, UnicastPeer, VrrpInstance, VrrpScript, VrrpSyncGroup,
} from '../model.js';
import { defineBlock, type KeywordDef, type Kw } from './engine.js';
import { bareFlag, fileWeightKw, flag, garpExtraIfKw, intKw, scriptKw, strKw, timerKw, trackBlock, wordList } from './common.js';
import { parseAddressLine, parseRouteLine, parseRuleLine } from './iproute.js';

/** Fields whose defaults depend on other keywords or on global_defs; filled in by finalisation. */
export type InstanceDerived = 'state' | 'priority' | 'family' | 'version' | 'vrid' | 'accept' | 'garp' | 'downTimerAdverts'
  | 'strict' | 'lowerPrioNoAdvert' | 'higherPrioSendAdvert' | 'ownerIgnoreAdverts' | 'skipCheckAdvAddr'
  | 'v3ChecksumAsV2' | 'notifyPriorityChanges' | 'smtpAlert' | 'checkUnicastSrc';

export type InstanceDraft = Omit<VrrpInstance, InstanceDerived> & Partial<Pick<VrrpInstance, InstanceDerived>> & {
  garpOverrides: Partial<GarpTiming>;
  /** `version` given explicitly (native_ipv6 counts as 3). */
  explicitVersion?: 2 | 3;
  /** Where each keyword was given, for diagnostics from finalisation. */
  locs: Record<string, SourceLoc>;
};

export function newInstanceDraft(name: string, loc: SourceLoc): InstanceDraft {
  return {
    name, loc, advertIntUs: 1_000_000, nopreempt: false, preemptDelayUs: 0, debug: 0,
    virtualIpaddress: [], virtualIpaddressExcluded: [], noVirtualIpaddress: false, virtualRoutes: [], virtualRules: [],
    promoteSecondaries: false, unicastPeers: [], unicastFaultNoPeer: false, trackSrcIp: false, useVmacAddr: false,
    vmacXmitBase: false, dontTrackPrimary: false, linkbeatUsePolling: false, trackInterfaces: [], trackScripts: [],
    trackFiles: [], trackProcesses: [], trackBfds: [], notify: {}, garpOverrides: {}, locs: {},
  };
}

function addresses(kw: Kw, list: AddressEntry[], kind: 'virtual' | 'static'): void {
  for (const item of kw.children) {
    if (item.children !== undefined) kw.ctx.diags.error(item.loc, `${kw.name}: unexpected '{'`);
    const e = parseAddressLine(kw.ctx, item, kind);
    if (e) list.push(e);
  }
}
function routes(kw: Kw, list: RouteEntry[], kind: 'virtual' | 'static'): void {
  for (const item of kw.children) { const e = parseRouteLine(kw.ctx, item, kind); if (e) list.push(e); }
}
function rules(kw: Kw, list: RuleEntry[], kind: 'virtual' | 'static'): void {
  for (const item of kw.children) { const e = parseRuleLine(kw.ctx, item, kind); if (e) list.push(e); }
}

/** A source address: keepalived refuses a `%zone` here (the interface gives the scope). */
function srcIp(kw: Kw): IpAddress | undefined {
  const a = kw.ip(0);
  if (a?.zone !== undefined) {
    kw.error(`Configuration error: malformed src address[${kw.args[0] ?? ''}]. Skipping...`);
    return undefined;
  }
  return a;
}

/** Record the location of an explicitly given keyword (for later cross-keyword diagnostics). */
function at<T extends { locs: Record<string, SourceLoc> }>(kw: Kw, t: T): void {
  t.locs[kw.name] = kw.loc;
}

const notifyKeywords = <T extends { notify: VrrpInstance['notify'] }>(what: string): KeywordDef<T>[] => [
  scriptKw('notify_master', `Run when the ${what} becomes MASTER.`, (t, v) => { t.notify.master = v; }),
  scriptKw('notify_backup', `Run when the ${what} becomes BACKUP.`, (t, v) => { t.notify.backup = v; }),
  scriptKw('notify_fault', `Run when the ${what} enters FAULT.`, (t, v) => { t.notify.fault = v; }),
  scriptKw('notify_stop', `Run when the ${what} stops.`, (t, v) => { t.notify.stop = v; }),
  scriptKw('notify', `Run on every state change with "${what === 'instance' ? 'INSTANCE' : 'GROUP'} NAME STATE PRIORITY" appended.`, (t, v) => { t.notify.generic = v; }),
];

export const vrrpInstanceBlock = defineBlock<InstanceDraft>('vrrp_instance NAME', 'One VRRP virtual router.', [
  {
    name: 'state', syntax: 'MASTER|BACKUP', default: 'MASTER if priority 255, else BACKUP', doc: 'Initial state wanted.',
    handle: (kw, t) => {
      if (!kw.count(1)) return;
      const v = kw.args[0] ?? '';
      if (v === 'MASTER' || v === 'BACKUP') { t.state = v; at(kw, t); return; }
      // keepalived: anything else is reported and treated as BACKUP.
      kw.error(`state: unknown state '${v}', defaulting to BACKUP`);
      t.state = 'BACKUP';
    },
  },
  {
    name: 'interface', syntax: 'IFNAME', doc: 'Interface adverts are sent and received on.',
    handle: (kw, t) => {
      if (!kw.count(1)) return;
      const v = kw.args[0] ?? '';
      if (v.length > 15) { kw.error(`interface: name '${v}' longer than 15 characters`); return; }
      t.interface = v;
      at(kw, t);
    },
  },
  intKw('virtual_router_id', 1, 255, 'VRID (mandatory).', (t, v) => { t.vrid = v; }),
  {
    name: 'priority', syntax: '1..255', default: '100 (255 with state MASTER)', doc: 'Election priority; 255 means address owner.',
    handle: (kw, t) => {
      if (!kw.count(1)) return;
      const v = kw.int(0, 1, 255);
      if (v === undefined) { kw.error(`(${t.name}) Priority not valid! must be between 1 & 255. Using default 100`); return; }
      t.priority = v;
      at(kw, t);
    },
  },
  {
    name: 'advert_int', syntax: 'SECONDS', default: '1', doc: 'Advert interval: 0.01..255 (v2 whole seconds, v3 10 ms steps up to 40.95).',
    handle: (kw, t) => { if (!kw.count(1)) return; const v = kw.timerUs(0, 10_000, 255_000_000); if (v !== undefined) { t.advertIntUs = v; at(kw, t); } },
  },
  {
    name: 'version', syntax: '2|3', default: 'vrrp_version (IPv6: 3)', doc: 'VRRP version of this instance.',
    handle: (kw, t) => { if (!kw.count(1)) return; const v = kw.int(0, 2, 3); if (v !== undefined) { t.explicitVersion = v as 2 | 3; at(kw, t); } },
  },
  {
    name: 'native_ipv6', syntax: '', deprecated: [], doc: 'Force IPv6 (and so VRRPv3). Deprecated: the family follows the addresses.',
    handle: (kw, t) => { kw.bare(); kw.warn("'native_ipv6' is deprecated; the family is taken from the addresses"); t.family = 6; t.explicitVersion = 3; },
  },
  bareFlag('nopreempt', 'Do not take over from a lower-priority master (needs state BACKUP).', (t) => { t.nopreempt = true; }),
  bareFlag('preempt', 'Default behaviour; cancels nopreempt.', (t) => { t.nopreempt = false; }),
  {
    name: 'preempt_delay', syntax: 'SECONDS', default: '0', doc: 'Extra delay before preempting a lower-priority master after startup (0..1000).',
    handle: (kw, t) => { if (!kw.count(1)) return; const v = kw.timerUs(0, 0, 1_000_000_000); if (v !== undefined) { t.preemptDelayUs = v; at(kw, t); } },
  },
  intKw('down_timer_adverts', 1, 100, 'Adverts missed before the master is declared down.', (t, v) => { t.downTimerAdverts = v; }, { default: 'vrrp_down_timer_adverts (3)' }),
  {
    name: 'timer_expired_backup', syntax: '[HIGHEST_OTHER_PRIORITY]', since: '2.2.8', aliases: ['thread_timer_expired'], default: '254',
    doc: 'With nopreempt: go back to backup if our own process stalled long enough for another router to take over.',
    handle: (kw, t) => { if (!kw.count(0, 1)) return; if (kw.args.length === 0) { t.timerExpiredBackup = 254; return; } const v = kw.int(0, 1, 254); if (v !== undefined) t.timerExpiredBackup = v; },
  },
  flag('strict_mode', 'This instance follows the RFC strictly.', (t, v) => { t.strict = v; }, { default: 'vrrp_strict' }),
  intKw('debug', 0, 4, 'Accepted for compatibility; unused.', (t, v) => { t.debug = v; }, { default: '0' }),

  {
    name: 'virtual_ipaddress', syntax: '{ ADDRESS[/LEN] [dev IF] [brd ADDR] [scope S] [label L] [no_track] [use_vmac] ... }', block: 'required', repeatable: true,
    doc: 'Virtual addresses, advertised and added while MASTER.',
    handle: (kw, t) => { at(kw, t); addresses(kw, t.virtualIpaddress, 'virtual'); },
  },
  {
    name: 'virtual_ipaddress_excluded', syntax: '{ ADDRESS[/LEN] ... }', block: 'required', repeatable: true,
    doc: 'Addresses added while MASTER but not advertised (may mix families).',
    handle: (kw, t) => addresses(kw, t.virtualIpaddressExcluded, 'virtual'),
  },
  {
    name: 'no_virtual_ipaddress', syntax: '', since: '2.2.8', doc: 'Allow an instance without virtual addresses.',
    handle: (kw, t) => { kw.bare(); t.noVirtualIpaddress = true; },
  },
  {
    name: 'virtual_routes', syntax: '{ ROUTE ... }', block: 'required', repeatable: true, doc: 'Routes added while MASTER (ip route syntax).',
    handle: (kw, t) => routes(kw, t.virtualRoutes, 'virtual'),
  },
  {
    name: 'virtual_rules', syntax: '{ RULE ... }', block: 'required', repeatable: true, doc: 'Policy rules added while MASTER (ip rule syntax).',
    handle: (kw, t) => rules(kw, t.virtualRules, 'virtual'),
  },
  bareFlag('promote_secondaries', 'Set promote_secondaries on the interface.', (t) => { t.promoteSecondaries = true; }),
  {
    name: 'accept', syntax: '', default: 'accept (strict: only for priority 255)', doc: 'Accept traffic to the VIPs while MASTER (VRRPv3 Accept_Mode).',
    handle: (kw, t) => { kw.bare(); t.accept = true; at(kw, t); },
  },
  {
    name: 'no_accept', syntax: '', doc: 'Drop traffic to the VIPs while MASTER unless address owner.',
    handle: (kw, t) => { kw.bare(); t.accept = false; at(kw, t); },
  },
  flag('skip_check_adv_addr', 'Skip the address check of adverts from the current master.', (t, v) => { t.skipCheckAdvAddr = v; }, { default: 'vrrp_skip_check_adv_addr' }),

  {
    name: 'mcast_src_ip', syntax: 'ADDRESS', default: 'primary address of the interface', doc: 'Source address of adverts.',
    handle: (kw, t) => { if (!kw.count(1)) return; const a = srcIp(kw); if (a) { t.mcastSrcIp = a; at(kw, t); } },
  },
  {
    name: 'unicast_src_ip', syntax: 'ADDRESS', default: 'primary address of the interface', doc: 'Source address of unicast adverts.',
    handle: (kw, t) => { if (!kw.count(1)) return; const a = srcIp(kw); if (a) { t.unicastSrcIp = a; at(kw, t); } },
  },
  {
    name: 'mcast_dst_ip', syntax: 'ADDRESS', default: 'vrrp_mcast_group4/6', doc: 'Multicast group of this instance.',
    handle: (kw, t) => {
      if (!kw.count(1)) return;
      const a = kw.ip(0);
      if (!a) return;
      const first = a.family === 4 ? Number(a.address.split('.')[0]) : -1;
      if (a.family === 4 ? (first & 0xf0) !== 0xe0 : !a.address.startsWith('ff')) { kw.error(`mcast_dst_ip: '${a.address}' is not a multicast address`); return; }
      t.mcastDstIp = a;
    },
  },
  {
    name: 'unicast_peer', syntax: '{ ADDRESS [min_ttl 0..255] [max_ttl 0..255] ... }', block: 'required', repeatable: true,
    doc: 'Peers for unicast adverts (unicast mode when non-empty).',
    handle: (kw, t) => {
      at(kw, t);
      for (const item of kw.children) {
        const a = kw.parseIp(item.keyword);
        if (!a) continue;
        const p: UnicastPeer = { address: a, loc: item.loc };
        let ok = true;
        for (let i = 0; i < item.args.length; i += 2) {
          const o = item.args[i] ?? '';
          const v = item.args[i + 1];
          if ((o !== 'min_ttl' && o !== 'max_ttl') || v === undefined || !/^\d+$/.test(v) || Number(v) > 255) {
            kw.ctx.diags.error(item.loc, `unicast_peer ${item.keyword}: invalid option '${item.args.slice(i, i + 2).join(' ')}'`);
            ok = false;
            break;
          }
          if (o === 'min_ttl') p.minTtl = Number(v); else p.maxTtl = Number(v);
        }
        if (ok) t.unicastPeers.push(p);
      }
    },
  },
  intKw('unicast_ttl', 0, 255, 'TTL / hop limit of unicast adverts.', (t, v) => { t.unicastTtl = v; }, { default: '255' }),
  bareFlag('unicast_fault_no_peer', 'FAULT instead of multicast when no unicast peer is configured.', (t) => { t.unicastFaultNoPeer = true; }),
  bareFlag('check_unicast_src', 'Drop unicast adverts not from a configured peer.', (t) => { t.checkUnicastSrc = true; }, { default: 'vrrp_check_unicast_src' }),
  {
    name: 'old_unicast_checksum', syntax: '[never]', doc: 'Use the pre-1.3.6 VRRPv3 unicast checksum (never: do not auto-detect it).',
    handle: (kw, t) => {
      if (!kw.count(0, 1)) return;
      if (kw.args[0] === undefined) t.oldUnicastChecksum = 'old';
      else if (kw.args[0] === 'never') t.oldUnicastChecksum = 'never';
      else kw.error(`old_unicast_checksum: unknown option '${kw.args[0]}'`);
    },
  },
  flag('v3_checksum_as_v2', 'VRRPv3 IPv4 checksum without the pseudo-header.', (t, v) => { t.v3ChecksumAsV2 = v; }, { since: '2.2.8', default: 'global v3_checksum_as_v2' }),
  strKw('vrf', 'IFNAME', 'VRF of an interface-less unicast instance.', (t, v) => { t.vrf = v; }),
  intKw('kernel_rx_buf_size', 0, 0x7fffffff, 'SO_RCVBUF of this instance\'s socket.', (t, v) => { t.kernelRxBufSize = v; }),
  bareFlag('track_src_ip', 'FAULT when the source address goes away.', (t) => { t.trackSrcIp = true; }),

  {
    name: 'use_vmac', syntax: '[IFNAME] [MAC] [netlink_notify_msg] [group GID]', default: 'vrrp.VRID', doc: 'Own the VIPs and send adverts on a private-mode macvlan with the VRRP virtual MAC (00:00:5e:00:01:VRID, IPv6 00:00:5e:00:02:VRID); deleted on stop.',
    handle: (kw, t) => {
      const v: NonNullable<VrrpInstance['vmac']> = { name: '', netlinkNotifyMsg: false };
      const a = kw.args;
      for (let i = 0; i < a.length; i++) {
        const w = a[i] ?? '';
        if (w === 'netlink_notify_msg') v.netlinkNotifyMsg = true;
        else if (w === 'group') { const g = a[++i]; if (g === undefined) { kw.error("use_vmac: 'group' needs a value"); return; } v.group = g; }
        else if (w === 'name') { const n = a[++i]; if (n === undefined) { kw.error("use_vmac: 'name' needs a value"); return; } v.name = n; }
        else if (/^([0-9a-fA-F]{1,2}:){4,5}[0-9a-fA-F]{1,2}$/.test(w)) v.mac = w.toLowerCase();
        else if (v.name === '' && i === 0) {
          if (w.length > 15) { kw.error(`use_vmac: name '${w}' longer than 15 characters`); return; }
          v.name = w;
        } else { kw.error(`use_vmac: unknown option '${w}'`); return; }
      }
      t.vmac = v;
      at(kw, t);
    },
  },
  bareFlag('use_vmac_addr', 'Also put VIPs on other interfaces, or of the other family, on VMACs of their interface.', (t) => { t.useVmacAddr = true; }),
  {
    name: 'vmac_xmit_base', syntax: '', doc: 'Send and receive adverts on the parent interface, not the VMAC.',
    handle: (kw, t) => { kw.bare(); t.vmacXmitBase = true; at(kw, t); },
  },
  {
    name: 'use_ipvlan', syntax: '[IFNAME] [ADDRESS[/LEN]] [bridge|private|vepa] [group GID]', doc: 'Own the VIPs on an ipvlan interface; read and checked, not run yet (a warning says so).',
    handle: (kw, t) => {
      const v: NonNullable<VrrpInstance['ipvlan']> = { name: '', mode: 'bridge' }; // keepalived's ipvlan_type 0
      const a = kw.args;
      for (let i = 0; i < a.length; i++) {
        const w = a[i] ?? '';
        if (w === 'bridge' || w === 'private' || w === 'vepa') v.mode = w;
        else if (w === 'group') { const g = a[++i]; if (g === undefined) { kw.error("use_ipvlan: 'group' needs a value"); return; } v.group = g; }
        else if (/^[0-9a-fA-F:.]+(\/\d+)?$/.test(w) && /[.:]/.test(w)) { const p = kw.parsePrefix(w); if (!p) return; v.address = p; }
        else if (v.name === '') v.name = w;
        else { kw.error(`use_ipvlan: unknown option '${w}'`); return; }
      }
      t.ipvlan = v;
      // Said at -t and at start, so that nobody relies on an ipvlan that is not there.
      kw.warn('use_ipvlan is not supported by keepalived-ts yet; the instance runs on its interface without an ipvlan');
    },
  },
  garpExtraIfKw('garp_extra_if', 'vmac_garp_intvl', 0, 'Periodic gratuitous ARPs on the other interfaces of the VIPs.', (t, v) => { t.garpExtraIf = v; }),

  bareFlag('dont_track_primary', 'Do not FAULT when the instance\'s own interface fails.', (t) => { t.dontTrackPrimary = true; }),
  trackBlock('track_interface', 'Interfaces whose state changes the priority (weight 0: FAULT when down).', [-253, 253], (t) => t.trackInterfaces, { noreverse: false, what: 'IFNAME' }),
  trackBlock('track_script', 'vrrp_scripts whose result changes the priority.', [-253, 253], (t) => t.trackScripts, { what: 'SCRIPT' }),
  trackBlock('track_file', 'track_files whose value changes the priority.', [-254, 254], (t) => t.trackFiles, { what: 'FILE' }),
  trackBlock('track_process', 'vrrp_track_processes whose state changes the priority.', [-254, 254], (t) => t.trackProcesses, { what: 'PROCESS' }),
  trackBlock('track_bfd', 'bfd_instances whose state changes the priority.', [-253, 253], (t) => t.trackBfds, { what: 'BFD' }),
  {
    name: 'linkbeat_use_polling', syntax: '', doc: 'Deprecated: poll the link state of this instance\'s interface (use linkbeat_interfaces).',
    handle: (kw, t) => { kw.bare(); kw.warn("'linkbeat_use_polling' in vrrp_instance is deprecated - use the linkbeat_interfaces block", 'keepalived-error'); t.linkbeatUsePolling = true; },
  },

  timerKw('garp_master_delay', 0, 4294, 'Delay of the second gratuitous ARP burst after becoming master.', (t, v) => { t.garpOverrides.masterDelayUs = v; }, { default: 'vrrp_garp_master_delay' }),
  intKw('garp_master_repeat', 0, 2147483647, 'Gratuitous ARPs per burst.', (t, v) => { t.garpOverrides.masterRepeat = v; }, { default: 'vrrp_garp_master_repeat' }),
  timerKw('garp_master_refresh', 0, 4294, 'Period of gratuitous ARP refresh while master (0: off).', (t, v) => { t.garpOverrides.masterRefreshUs = v; }, { default: 'vrrp_garp_master_refresh' }),
  intKw('garp_master_refresh_repeat', 0, 2147483647, 'Gratuitous ARPs per refresh.', (t, v) => { t.garpOverrides.masterRefreshRepeat = v; }, { default: 'vrrp_garp_master_refresh_repeat' }),
  timerKw('garp_lower_prio_delay', 0, 4294, 'Delay of the burst after a lower-priority advert.', (t, v) => { t.garpOverrides.lowerPrioDelayUs = v; }, { default: 'vrrp_garp_lower_prio_delay' }),
  intKw('garp_lower_prio_repeat', 0, 2147483647, 'Gratuitous ARPs in that burst.', (t, v) => { t.garpOverrides.lowerPrioRepeat = v; }, { default: 'vrrp_garp_lower_prio_repeat' }),
  flag('lower_prio_no_advert', 'Do not answer a lower-priority advert with our own.', (t, v) => { t.lowerPrioNoAdvert = v; }, { default: 'vrrp_lower_prio_no_advert' }),
  flag('higher_prio_send_advert', 'Send one advert before yielding to a higher priority.', (t, v) => { t.higherPrioSendAdvert = v; }, { default: 'vrrp_higher_prio_send_advert' }),
  flag('owner_ignore_adverts', 'As address owner, ignore received adverts.', (t, v) => { t.ownerIgnoreAdverts = v; }, { since: '2.3.3', default: 'vrrp_owner_ignore_adverts' }),

  ...notifyKeywords<InstanceDraft>('instance'),
  {
    name: 'notify_deleted', syntax: '[SCRIPT [USER [[:]GROUP]]]', doc: 'Report DELETED (not FAULT) when a reload removes the instance; optional script.',
    handle: (kw, t) => {
      if (kw.args.length === 0) { t.notify.deleted = {}; return; }
      const s = kw.script();
      if (s) t.notify.deleted = { script: s };
    },
  },
  scriptKw('notify_master_rx_lower_pri', 'Run when the master receives a lower-priority advert.', (t, v) => { t.notify.masterRxLowerPri = v; }),
  flag('notify_priority_changes', 'Write priority changes to the notify FIFOs.', (t, v) => { t.notifyPriorityChanges = v; }, { default: 'sync group / vrrp_notify_priority_changes' }),
  flag('smtp_alert', 'Email on state changes.', (t, v) => { t.smtpAlert = v; }, { default: 'smtp_alert_vrrp / smtp_alert / off' }),
  {
    name: 'lvs_sync_daemon_interface', syntax: 'IFNAME', doc: 'Old way to tie lvs_sync_daemon to this instance.',
    handle: (kw, t) => {
      if (!kw.count(1)) return;
      kw.warn("'lvs_sync_daemon_interface' is deprecated, use 'lvs_sync_daemon' in global_defs", 'keepalived-error');
      t.lvsSyncDaemonInterface = kw.args[0] ?? '';
    },
  },
  {
    name: 'authentication', syntax: '{ auth_type PASS|AH; auth_pass PASSWORD }', block: 'required',
    doc: 'VRRPv2 authentication (RFC 2338); ignored for v3 and in strict mode.', sub: undefined,
    handle: (kw, t) => {
      at(kw, t);
      let type: 'PASS' | 'AH' | undefined;
      let pass: string | undefined;
      for (const item of kw.children) {
        if (item.keyword === 'auth_type') {
          const v = item.args[0];
          if (v === 'PASS' || v === 'AH') type = v;
          else kw.ctx.diags.error(item.loc, `auth_type: unknown authentication type '${v ?? ''}' (expected PASS|AH)`);
        } else if (item.keyword === 'auth_pass') {
          const v = item.args[0];
          if (v === undefined) { kw.ctx.diags.error(item.loc, "'auth_pass' needs a password"); continue; }
          if (v.length > 8) kw.ctx.diags.warn(item.loc, `auth_pass: password longer than 8 characters, only '${v.slice(0, 8)}' is used`, 'keepalived-error');
          pass = v;
        } else kw.ctx.diags.error(item.loc, `Unknown keyword '${item.keyword}' in authentication`);
      }
      if (type === undefined && pass === undefined) return;
      if (type === undefined) { kw.error('authentication: auth_pass without auth_type'); return; }
      if (pass === undefined) { kw.error('authentication: auth_type without auth_pass'); return; }
      t.authentication = { type, password: pass };
    },
  },
  {
    name: 'auth_hmac', syntax: '{ key ID SECRET; active_key ID; anti_replay time|monotonic; time_window S; mode enforce|permissive|receive-only }', block: 'required', since: '2.4.0',
    doc: 'HMAC-SHA256 authentication of adverts (keepalived 2.4); accepted but not implemented.',
    handle: (kw) => { kw.warn('auth_hmac is not supported by keepalived-ts yet; adverts are sent without HMAC authentication'); },
  },
]);

// ───────────────────────── vrrp_sync_group ─────────────────────────

export type SyncGroupDraft = VrrpSyncGroup;

export const vrrpSyncGroupBlock = defineBlock<SyncGroupDraft>('vrrp_sync_group NAME', 'Instances that change state together.', [
  wordList('group', '{ INSTANCE ... }', 'Member instances (an instance belongs to at most one group).', (t) => t.members),
  trackBlock('track_interface', 'Interfaces tracked by every member.', [-253, 253], (t) => t.trackInterfaces, { noreverse: false, what: 'IFNAME' }),
  trackBlock('track_script', 'Scripts tracked by every member.', [-253, 253], (t) => t.trackScripts, { what: 'SCRIPT' }),
  trackBlock('track_file', 'Files tracked by every member.', [-254, 254], (t) => t.trackFiles, { what: 'FILE' }),
  trackBlock('track_process', 'Processes tracked by every member.', [-254, 254], (t) => t.trackProcesses, { what: 'PROCESS' }),
  trackBlock('track_bfd', 'BFD instances tracked by every member.', [-253, 253], (t) => t.trackBfds, { what: 'BFD' }),
  ...notifyKeywords<SyncGroupDraft>('group'),
  flag('notify_priority_changes', 'Default notify_priority_changes of the members.', (t, v) => { t.notifyPriorityChanges = v; }),
  flag('smtp_alert', 'Email on group state changes.', (t, v) => { t.smtpAlert = v; }),
  { name: 'global_tracking', syntax: '', doc: 'Obsolete; use sync_group_tracking_weight.', handle: (kw, t) => { kw.bare(); kw.warn("'global_tracking' is deprecated, use track_interface/script/file on the sync group or sync_group_tracking_weight", 'keepalived-error'); t.syncGroupTrackingWeight = true; } },
  bareFlag('sync_group_tracking_weight', 'Allow weighted trackers on member instances.', (t) => { t.syncGroupTrackingWeight = true; }),
]);

export function newSyncGroup(name: string, loc: SourceLoc): SyncGroupDraft {
  return { name, loc, members: [], trackInterfaces: [], trackScripts: [], trackFiles: [], trackProcesses: [], trackBfds: [], notify: {}, syncGroupTrackingWeight: false };
}

// ───────────────────────── trackers ─────────────────────────

export type ScriptDraft = Omit<VrrpScript, 'timeoutUs'> & { timeoutUs?: number };

export const vrrpScriptBlock = defineBlock<ScriptDraft>('vrrp_script NAME', 'A periodic check script instances can track.', [
  scriptKw('script', 'The command to run (exit 0: success).', (t, v) => { t.script = v; }),
  timerKw('interval', 0.001, 86400 * 365, 'Seconds between runs.', (t, v) => { t.intervalUs = v; }, { default: '1' }),
  timerKw('timeout', 0.001, 86400 * 365, 'Seconds before a run counts as failed.', (t, v) => { t.timeoutUs = v; }, { default: 'interval' }),
  {
    name: 'weight', syntax: '-253..253 [reverse]', default: '0', doc: 'Priority change (0: FAULT on failure).',
    handle: (kw, t) => {
      if (!kw.count(1, 2)) return;
      let w = kw.args[0] ?? '';
      if (w === '254' || w === '-254') { kw.warn(`weight ${w} changed to ${w === '254' ? 253 : -253}`, 'keepalived-error'); w = w === '254' ? '253' : '-253'; }
      const v = kw.parseInt(w, -253, 253);
      if (v === undefined) return;
      t.weight = v;
      if (kw.args[1] === 'reverse') t.weightReverse = true;
      else if (kw.args[1] !== undefined) kw.error(`weight: unexpected '${kw.args[1]}'`);
    },
  },
  intKw('rise', 1, 0x7fffffff, 'Successes needed to become OK.', (t, v) => { t.rise = v; }, { default: '1' }),
  intKw('fall', 1, 0x7fffffff, 'Failures needed to become failed.', (t, v) => { t.fall = v; }, { default: '1' }),
  {
    name: 'user', syntax: 'USER [[:]GROUP]', doc: 'Run the script as this user.',
    handle: (kw, t) => { const r = kw.runAs(); if (r) t.user = r; },
  },
  bareFlag('init_fail', 'Start in the failed state.', (t) => { t.initFail = true; }),
]);

export function newScript(name: string, loc: SourceLoc): ScriptDraft {
  return { name, loc, intervalUs: 1_000_000, weight: 0, weightReverse: false, rise: 1, fall: 1, initFail: false };
}

export const trackFileBlock = defineBlock<TrackFile>('track_file NAME', 'A file holding a number that changes priorities or RS weights.', [
  strKw('file', 'PATH', 'File watched with inotify.', (t, v) => { t.file = v; }),
  fileWeightKw('-2147483647..2147483647 [reverse]', 'Multiplier of the file value (0: non-zero value means failure).', { default: '1' }),
  {
    name: 'init_file', syntax: '[VALUE] [overwrite]', doc: 'Create the file at startup (with VALUE, default 0).',
    handle: (kw, t) => {
      const f = { value: 0, overwrite: false };
      for (const a of kw.args) {
        if (a === 'overwrite') f.overwrite = true;
        else { const v = kw.parseInt(a, -2147483648, 2147483647, 'init_file'); if (v === undefined) return; f.value = v; }
      }
      t.initFile = f;
    },
  },
]);

export function newTrackFile(name: string, loc: SourceLoc): TrackFile {
  return { name, loc, weight: 1, weightReverse: false };
}

export type TrackProcessDraft = TrackProcess & { paramMatchGiven: boolean };

export const trackProcessBlock = defineBlock<TrackProcessDraft>('vrrp_track_process NAME', 'A process whose presence changes priorities.', [
  {
    name: 'process', syntax: 'NAME [PARAM ...]', doc: 'Process name (/proc/PID/comm), or command line when parameters are given.',
    handle: (kw, t) => {
      if (!kw.count(1, 1000)) return;
      t.process = kw.args[0] ?? '';
      t.params = kw.args.slice(1);
      if (t.process.length > 15 && t.params.length === 0 && !t.fullCommand) kw.warn(`process: '${t.process}' is longer than 15 characters; it will only match with full_command`);
    },
  },
  {
    name: 'param_match', syntax: 'initial|partial', default: 'exact', doc: 'How parameters match.',
    handle: (kw, t) => { if (!kw.count(1)) return; const v = kw.oneOf(0, ['initial', 'partial'] as const); if (v) { t.paramMatch = v; t.paramMatchGiven = true; } },
  },
  {
    name: 'weight', syntax: '-254..254 [reverse]', default: '0', doc: 'Priority change (0: FAULT when the quorum is not met).',
    handle: (kw, t) => {
      if (!kw.count(1, 2)) return;
      const v = kw.int(0, -254, 254);
      if (v === undefined) return;
      t.weight = v;
      if (kw.args[1] === 'reverse') t.weightReverse = true;
      else if (kw.args[1] !== undefined) kw.error(`weight: unexpected '${kw.args[1]}'`);
    },
  },
  intKw('quorum', 1, 65535, 'Minimum number of matching processes.', (t, v) => { t.quorum = v; }, { default: '1' }),
  intKw('quorum_max', 0, 65535, 'Maximum number of matching processes.', (t, v) => { t.quorumMax = v; }, { default: 'unlimited' }),
  timerKw('fork_delay', 0, 86400, 'Delay before counting a new process.', (t, v) => { t.forkDelayUs = v; }, { default: '0' }),
  timerKw('terminate_delay', 0, 86400, 'Delay before counting a process as gone.', (t, v) => { t.terminateDelayUs = v; }, { default: '0' }),
  timerKw('delay', 0, 86400, 'Sets fork_delay and terminate_delay.', (t, v) => { t.forkDelayUs = v; t.terminateDelayUs = v; }),
  bareFlag('full_command', 'Match against the full command line.', (t) => { t.fullCommand = true; }),
]);

export function newTrackProcess(name: string, loc: SourceLoc): TrackProcessDraft {
  return { name, loc, params: [], paramMatch: 'exact', weight: 0, weightReverse: false, quorum: 1, forkDelayUs: 0, terminateDelayUs: 0, fullCommand: false, paramMatchGiven: false };
}

export const garpGroupBlock = defineBlock<GarpGroup>('garp_group', 'Shared gratuitous ARP / NA rate limit for a set of interfaces.', [
  timerKw('garp_interval', 0.000001, 4294.967295, 'Minimum gap between gratuitous ARPs.', (t, v) => { t.garpIntervalUs = v; }),
  timerKw('gna_interval', 0.000001, 4294.967295, 'Minimum gap between unsolicited NAs.', (t, v) => { t.gnaIntervalUs = v; }),
  strKw('interface', 'IFNAME', 'An interface of the group.', (t, v) => { t.interfaces.push(v); }, { repeatable: true }),
  wordList('interfaces', '{ IFNAME ... }', 'Interfaces of the group.', (t) => t.interfaces),
]);

export const trackGroupBlock = defineBlock<TrackGroup>('track_group NAME', 'Instances put into FAULT when a static entry with this track_group cannot be restored.', [
  wordList('group', '{ INSTANCE ... }', 'Member instances.', (t) => t.members),
]);

export function linkbeatLine(kw: Kw, out: LinkbeatInterface[]): void {
  for (const item of kw.children) {
    const l: LinkbeatInterface = { name: item.keyword };
    const m = item.args[0];
    if (m === 'MII' || m === 'ETHTOOL' || m === 'IOCTL') l.method = m;
    else if (m !== undefined) { kw.ctx.diags.error(item.loc, `linkbeat_interfaces ${item.keyword}: unknown method '${m}' (MII|ETHTOOL|IOCTL)`); continue; }
    out.push(l);
  }
}

export function upDownDelayLine(kw: Kw, out: InterfaceUpDownDelay[]): void {
  for (const item of kw.children) {
    const sub = new (kw.constructor as new (c: Kw['ctx'], n: typeof item) => Kw)(kw.ctx, item);
    const down = item.args[0] === undefined ? undefined : sub.parseTimer(item.args[0], 0, 255_000_000);
    if (item.args[0] === undefined) { kw.ctx.diags.error(item.loc, `interface_up_down_delays ${item.keyword}: needs a down delay`); continue; }
    if (down === undefined) continue;
    const up = item.args[1] === undefined ? down : sub.parseTimer(item.args[1], 0, 255_000_000);
    if (up === undefined) continue;
    out.push({ name: item.keyword, loc: item.loc, downDelayUs: down, upDelayUs: up });
  }
}

export { addresses as addressBlockItems, routes as routeBlockItems, rules as ruleBlockItems };
