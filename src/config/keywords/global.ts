// global_defs { ... } and the process-wide top-level switches.
import { isIP } from 'node:net';
import { parseIpAddress } from '../address.js';
import type { FifoSpec, GlobalDefs, ProcessTuning } from '../model.js';
import { defineBlock, type KeywordDef, type Kw } from './engine.js';
import { bareFlag, boolKw, flag, garpExtraIfKw, intKw, scriptKw, strKw, timerKw } from './common.js';

const tuning = (): ProcessTuning => ({ noSwap: false, rlimitRttimeUs: 10000 });

export function defaultGlobal(hostname: string): GlobalDefs {
  return {
    namespaceWithIpsets: false, usePidDir: false, linkbeatUsePolling: false, childWaitTimeS: 5,
    processNames: false, useSymlinkPaths: false, setSupplementaryGroups: false, enableScriptSecurity: false,
    startupScriptTimeoutS: 10, shutdownScriptTimeoutS: 10, umask: 0o177, maxAutoPriority: 0,
    minAutoPriorityDelayUs: 1_000_000, vrrpProcess: tuning(), checkerProcess: tuning(), bfdProcess: tuning(),
    reloadRepeat: false, dataUseInstance: false, jsonVersion: 1, dynamicInterfaces: false,
    dynamicInterfacesAllowIfChanges: false, defaultInterface: 'eth0', disableLocalIgmp: false,
    routerId: hostname, notificationEmail: [], smtpConnectTimeoutUs: 30_000_000, noEmailFaults: false,
    checkerLogAllFailures: false, noCheckerEmails: false, rsInitNotifies: false,
    vrrpNotifyPriorityChanges: false, fifoWriteVrrpStatesOnReload: false,
    vrrpMcastGroup4: { family: 4, address: '224.0.0.18' }, vrrpMcastGroup6: { family: 6, address: 'ff02::12' },
    vrrpVersion: 2, vrrpGarpMasterDelayUs: 5_000_000, vrrpGarpMasterRepeat: 5, vrrpGarpMasterRefreshUs: 0,
    vrrpGarpMasterRefreshRepeat: 1, vrrpGarpIntervalUs: 0, vrrpGnaIntervalUs: 0, vrrpMinGarp: false,
    vrrpDownTimerAdverts: 3, vrrpCheckUnicastSrc: false, vrrpSkipCheckAdvAddr: false, vrrpStrict: false,
    v3ChecksumAsV2: false, vrrpStartupDelayUs: 0, vrrpDelayAfterBootUs: 0, logUnknownVrids: false,
    vmacPrefix: 'vrrp', vmacAddrPrefix: 'vrrp', vrrpRxBufsMultiplier: 3, rcvBufs: {},
    nftablesPriority: -1, nftablesCounters: false, nftablesIfindex: false, nftablesIpvsStartFwmark: 1000,
    lvsFlush: false, enableSnmpVrrp: false, enableSnmpChecker: false, enableSnmpRfcv2: false,
    enableSnmpRfcv3: false, enableTraps: false, snmpVsStatsUpdateIntervalUs: 5_000_000, enableDbus: false,
    dbusServiceName: 'org.keepalived.Vrrp1', dbusNoInterfaceName: 'none',
  };
}

/** `FIFO [USER [GROUP]]` */
function fifoKw(name: string, doc: string, set: (g: GlobalDefs, f: FifoSpec) => void): KeywordDef<GlobalDefs> {
  return {
    name, syntax: 'FIFO [USER [[:]GROUP]]', doc,
    handle: (kw, g) => {
      if (!kw.count(1, 3)) return;
      const f: FifoSpec = { path: kw.args[0] ?? '' };
      if (kw.args[1] !== undefined) f.user = kw.args[1];
      if (kw.args[2] !== undefined) f.group = kw.args[2].replace(/^:/, '');
      set(g, f);
    },
  };
}

function cpuList(kw: Kw): number[] | undefined {
  const out: number[] = [];
  for (const a of kw.args) {
    // keepalived takes plain CPU numbers only (no ranges).
    if (!/^\d+$/.test(a) || Number(a) >= 4096) { kw.error(`${kw.name}: invalid number '${a}'`); return undefined; }
    out.push(Number(a));
  }
  if (out.length === 0) { kw.error(`'${kw.name}' needs a CPU list`); return undefined; }
  return out;
}

/** The per-child tuning keywords (vrrp_*, checker_*, bfd_*). */
function processTuning(prefix: 'vrrp' | 'checker' | 'bfd', get: (g: GlobalDefs) => ProcessTuning): KeywordDef<GlobalDefs>[] {
  const proc = prefix === 'checker' ? 'checker (LVS)' : prefix;
  return [
    intKw(`${prefix}_priority`, -20, 19, `Nice value of the ${proc} process.`, (g, v) => { get(g).nice = v; }),
    bareFlag(`${prefix}_no_swap`, `Lock the ${proc} process in memory (mlockall).`, (g) => { get(g).noSwap = true; }),
    intKw(`${prefix}_rt_priority`, 1, 99, `Realtime (SCHED_RR) priority of the ${proc} process.`, (g, v) => { get(g).rtPriority = v; }),
    {
      name: `${prefix}_cpu_affinity`, syntax: 'CPU...', doc: `CPUs the ${proc} process may run on.`,
      handle: (kw, g) => { const l = cpuList(kw); if (l) get(g).cpuAffinity = l; },
    },
    {
      name: `${prefix}_rlimit_rttime`, syntax: 'MICROSECONDS', default: '10000', deprecated: [`${prefix}_rlimit_rtime`],
      doc: `RLIMIT_RTTIME of the ${proc} process when it runs realtime.`,
      handle: (kw, g) => { if (!kw.count(1)) return; const v = kw.int(0, 1, 0x7fffffff); if (v !== undefined) get(g).rlimitRttimeUs = v; },
    },
  ];
}

function rcvBufKeywords(): KeywordDef<GlobalDefs>[] {
  const out: KeywordDef<GlobalDefs>[] = [];
  for (const base of ['vrrp_netlink_cmd_rcv_bufs', 'vrrp_netlink_monitor_rcv_bufs', 'lvs_netlink_cmd_rcv_bufs',
    'lvs_netlink_monitor_rcv_bufs', 'process_monitor_rcv_bufs']) {
    out.push(intKw(base, 0, 0x7fffffff, 'Receive buffer size (bytes) of that netlink socket.', (g, v) => { (g.rcvBufs[base] ??= {}).bytes = v; }));
    out.push(flag(`${base}_force`, 'Set that buffer with SO_RCVBUFFORCE.', (g, v) => { (g.rcvBufs[base] ??= {}).force = v; }));
  }
  return out;
}

const LVS_SYNC_OPTS = ['id', 'maxlen', 'port', 'ttl', 'group', 'inst'] as const;

export const globalDefsBlock = defineBlock<GlobalDefs>('global_defs', 'Process-wide settings and defaults for VRRP instances and virtual servers.', [
  // process naming / scripts
  bareFlag('process_names', 'Name the processes keepalived, keepalived_vrrp, keepalived_ipvs, keepalived_bfd.', (g) => { g.processNames = true; }),
  strKw('process_name', 'NAME', 'Name of the parent process.', (g, v) => { g.processName = v; }),
  strKw('vrrp_process_name', 'NAME', 'Name of the VRRP process.', (g, v) => { g.vrrpProcessName = v; }),
  strKw('checker_process_name', 'NAME', 'Name of the checker process.', (g, v) => { g.checkerProcessName = v; }, { deprecated: ['lvs_process_name'] }),
  strKw('bfd_process_name', 'NAME', 'Name of the BFD process.', (g, v) => { g.bfdProcessName = v; }),
  flag('use_symlink_paths', 'Do not resolve symbolic links in script paths.', (g, v) => { g.useSymlinkPaths = v; }, { since: '2.3.0' }),
  bareFlag('set_supplementary_groups', 'Set the supplementary groups of the user scripts run as.', (g) => { g.setSupplementaryGroups = true; }, { since: '2.3.0' }),
  {
    name: 'script_user', syntax: 'USER [[:]GROUP]', default: 'keepalived_script if it exists, else root',
    doc: 'Default user (and group) scripts run as.',
    handle: (kw, g) => { const r = kw.runAs(); if (r) g.scriptUser = r; },
  },
  bareFlag('enable_script_security', 'Refuse to run scripts as root when any part of their path is writable by a non-root user.', (g) => { g.enableScriptSecurity = true; }),
  scriptKw('startup_script', 'Script run by the parent before the children start.', (g, v) => { g.startupScript = v; }),
  intKw('startup_script_timeout', 1, 1000, 'Seconds to wait for startup_script.', (g, v) => { g.startupScriptTimeoutS = v; }, { default: '10' }),
  scriptKw('shutdown_script', 'Script run by the parent after the children have stopped.', (g, v) => { g.shutdownScript = v; }),
  intKw('shutdown_script_timeout', 1, 1000, 'Seconds to wait for shutdown_script.', (g, v) => { g.shutdownScriptTimeoutS = v; }, { default: '10' }),
  {
    name: 'umask', syntax: 'NUMBER|IRUSR|IWUSR|...', default: '0177 (IXUSR|IRWXG|IRWXO)', doc: 'File creation mask for files keepalived writes.',
    handle: (kw, g) => {
      const text = kw.args.join('');
      if (text === '') { kw.error("'umask' needs a value"); return; }
      if (/^(0x[0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.test(text)) {
        const v = text.startsWith('0x') ? parseInt(text, 16) : text.startsWith('0') ? parseInt(text, 8) : parseInt(text, 10);
        if (v > 0o777) { kw.error(`umask: '${text}' is more than 0777`); return; }
        g.umask = v;
        return;
      }
      const bits: Record<string, number> = {
        IRUSR: 0o400, IWUSR: 0o200, IXUSR: 0o100, IRGRP: 0o40, IWGRP: 0o20, IXGRP: 0o10, IROTH: 0o4, IWOTH: 0o2, IXOTH: 0o1,
        IRWXU: 0o700, IRWXG: 0o70, IRWXO: 0o7,
      };
      let v = 0;
      for (const b of text.split('|')) {
        const x = bits[b];
        if (x === undefined) { kw.error(`umask: unknown bit '${b}'`); return; }
        v |= x;
      }
      g.umask = v;
    },
  },
  intKw('random_seed', 0, 0xffffffff, 'Seed for ${_RANDOM}.', (g, v) => { g.randomSeed = v; }, { default: 'time based' }),
  {
    name: 'max_auto_priority', syntax: '[-1..99]', default: '0 (disabled)', doc: 'Highest realtime priority keepalived may raise itself to when it runs late; no value means the maximum.',
    handle: (kw, g) => { if (!kw.count(0, 1)) return; if (kw.args.length === 0) { g.maxAutoPriority = 99; return; } const v = kw.int(0, -1, 99); if (v !== undefined) g.maxAutoPriority = v; },
  },
  {
    name: 'min_auto_priority_delay', syntax: 'MICROSECONDS', default: '1000000', doc: 'How late a process must be before its priority is raised.',
    handle: (kw, g) => { if (!kw.count(1)) return; const v = kw.int(0, 1, 10_000_000); if (v !== undefined) g.minAutoPriorityDelayUs = v; },
  },
  ...processTuning('vrrp', (g) => g.vrrpProcess),
  ...processTuning('checker', (g) => g.checkerProcess),
  ...processTuning('bfd', (g) => g.bfdProcess),
  strKw('tmp_config_directory', 'DIR', 'Directory for the consolidated config copy (instead of a memfd).', (g, v) => { g.tmpConfigDirectory = v; }),
  strKw('config_save_dir', 'DIR', 'Save config copies and dumps around each reload (debugging).', (g, v) => { g.configSaveDir = v; }),
  {
    name: 'reload_check_config', syntax: '[LOGFILE]', doc: 'Check the new config (like -t) before a reload and reload only if it is clean.',
    handle: (kw, g) => { if (!kw.count(0, 1)) return; g.reloadCheckConfig = kw.args[0] === undefined ? {} : { logFile: kw.args[0] }; },
  },
  strKw('reload_time_file', 'ABS_PATH', 'File holding a time at which to reload.', (g, v) => { g.reloadTimeFile = v; }),
  bareFlag('reload_repeat', 'Keep reload_time_file after the reload (daily repeat).', (g) => { g.reloadRepeat = true; }),
  {
    name: 'reload_file', syntax: '[ABS_PATH]', default: '/run/keepalived.reload', doc: 'File that exists while the config is being read.',
    handle: (kw, g) => { if (!kw.count(0, 1)) return; g.reloadFile = kw.args[0] ?? '/run/keepalived.reload'; },
  },
  {
    name: 'include_check', syntax: '[read|match|wildcard_match|brace_match|+OPT|-OPT ...]', doc: 'Make include problems errors (all checks when no option).',
    handle: (kw, g) => {
      const opts = ['read', 'match', 'wildcard_match', 'brace_match'];
      for (const a of kw.args) if (!opts.includes(a.replace(/^[+-]/, ''))) kw.error(`include_check: unknown option '${a}'`);
      g.includeCheck = kw.args.length ? [...kw.args] : opts;
    },
  },
  flag('data_use_instance', 'Put the network namespace and instance name into dump file names.', (g, v) => { g.dataUseInstance = v; }),
  strKw('state_dump_file', 'PATH', 'Where SIGUSR1 dumps go.', (g, v) => { g.stateDumpFile = v; }, { since: '2.3.0', default: '$TMPDIR/keepalived.data', manualNames: ['state_file_location'] }),
  strKw('stats_dump_file', 'PATH', 'Where SIGUSR2 statistics go.', (g, v) => { g.statsDumpFile = v; }, { since: '2.3.0', default: '$TMPDIR/keepalived.stats', manualNames: ['stats_file_location'] }),
  strKw('json_dump_file', 'PATH', 'Where the JSON dump goes.', (g, v) => { g.jsonDumpFile = v; }, { since: '2.3.0', default: '$TMPDIR/keepalived.json', manualNames: ['json_file_location'] }),
  {
    name: 'json_version', syntax: '1|2', default: '1', since: '2.2.8', doc: 'Layout of the JSON dump.',
    handle: (kw, g) => { if (!kw.count(1)) return; const v = kw.int(0, 1, 2); if (v !== undefined) g.jsonVersion = v as 1 | 2; },
  },
  strKw('iproute_usr_dir', 'PATH', 'Directory of iproute2 rt_* files shipped by the system.', (g, v) => { g.iprouteUsrDir = v; }, { since: '2.3.0' }),
  strKw('iproute_etc_dir', 'PATH', 'Directory of local iproute2 rt_* files.', (g, v) => { g.iprouteEtcDir = v; }, { since: '2.3.0' }),
  {
    name: 'dynamic_interfaces', syntax: '[allow_if_changes]', doc: 'Allow interfaces that do not exist yet or come and go.',
    handle: (kw, g) => {
      if (!kw.count(0, 1)) return;
      g.dynamicInterfaces = true;
      if (kw.args[0] === 'allow_if_changes') g.dynamicInterfacesAllowIfChanges = true;
      else if (kw.args[0] !== undefined) kw.error(`dynamic_interfaces: unknown option '${kw.args[0]}'`);
    },
  },
  strKw('default_interface', 'IFNAME', 'Interface for static and virtual addresses that name none.', (g, v) => { g.defaultInterface = v; }, { default: 'eth0' }),
  bareFlag('disable_local_igmp', 'Set igmp_link_local_mcast_reports to 0.', (g) => { g.disableLocalIgmp = true; }),

  // email
  {
    name: 'router_id', syntax: 'STRING', default: 'host name', doc: 'Name of this node in email subjects.',
    handle: (kw, g) => {
      if (kw.args.length === 0) { kw.error("'router_id' needs a value"); return; }
      // keepalived takes the first word and ignores the rest.
      if (kw.args.length > 1) kw.warn(`router_id: only '${kw.args[0] ?? ''}' is used`);
      g.routerId = kw.args[0] ?? '';
    },
  },
  {
    name: 'notification_email', syntax: '{ ADDRESS ... }', block: 'required', repeatable: true, doc: 'Recipients of notification emails.',
    handle: (kw, g) => {
      if (kw.children.length === 0) kw.error('Warning - empty notification_email block');
      for (const item of kw.children) g.notificationEmail.push(...[item.keyword, ...item.args]);
    },
  },
  {
    name: 'notification_email_from', syntax: 'ADDRESS', default: 'USER@HOSTNAME', doc: 'From: of notification emails.',
    handle: (kw, g) => { const t = kw.text(); if (t !== undefined) g.notificationEmailFrom = t; },
  },
  {
    name: 'smtp_server', syntax: 'IP|NAME [PORT]', doc: 'SMTP relay for notification emails (port 25 by default).',
    handle: (kw, g) => {
      if (!kw.count(1, 2)) return;
      const host = kw.args[0] ?? '';
      let port = 25;
      if (kw.args[1] !== undefined) { const p = kw.int(1, 1, 65535, 'smtp_server port'); if (p === undefined) return; port = p; }
      const a = parseIpAddress(host);
      g.smtpServer = a.ok ? { host, address: a.value, port } : { host, port };
    },
  },
  strKw('smtp_helo_name', 'NAME', 'HELO name sent to the SMTP server.', (g, v) => { g.smtpHeloName = v; }, { default: 'host name' }),
  timerKw('smtp_connect_timeout', 0.000001, 4294, 'SMTP connection timeout.', (g, v) => { g.smtpConnectTimeoutUs = v; }, { default: '30' }),
  boolKw('smtp_alert', 'Default for every smtp_alert.', (g, v) => { g.smtpAlert = v; }),
  boolKw('smtp_alert_vrrp', 'Default smtp_alert of VRRP instances and sync groups.', (g, v) => { g.smtpAlertVrrp = v; }),
  boolKw('smtp_alert_checker', 'Default smtp_alert of virtual and real servers.', (g, v) => { g.smtpAlertChecker = v; }),
  bareFlag('no_email_faults', 'Do not send email for FAULT transitions.', (g) => { g.noEmailFaults = true; }),
  flag('checker_log_all_failures', 'Log every failed check, not only state changes.', (g, v) => { g.checkerLogAllFailures = v; }),
  bareFlag('no_checker_emails', 'Only email when a real server is added or removed.', (g) => { g.noCheckerEmails = true; }),
  bareFlag('rs_init_notifies', 'Run real server notify_up scripts at startup.', (g) => { g.rsInitNotifies = true; }),

  // FIFOs
  fifoKw('notify_fifo', 'FIFO receiving VRRP and LVS events.', (g, f) => { g.notifyFifo = f; }),
  scriptKw('notify_fifo_script', 'Script started to read notify_fifo.', (g, v) => { g.notifyFifoScript = v; }),
  fifoKw('vrrp_notify_fifo', 'FIFO receiving VRRP events.', (g, f) => { g.vrrpNotifyFifo = f; }),
  scriptKw('vrrp_notify_fifo_script', 'Script started to read vrrp_notify_fifo.', (g, v) => { g.vrrpNotifyFifoScript = v; }),
  fifoKw('lvs_notify_fifo', 'FIFO receiving LVS events.', (g, f) => { g.lvsNotifyFifo = f; }),
  scriptKw('lvs_notify_fifo_script', 'Script started to read lvs_notify_fifo.', (g, v) => { g.lvsNotifyFifoScript = v; }),
  flag('vrrp_notify_priority_changes', 'Also write MASTER_PRIORITY/BACKUP_PRIORITY FIFO lines.', (g, v) => { g.vrrpNotifyPriorityChanges = v; }),
  bareFlag('fifo_write_vrrp_states_on_reload', 'Write every instance state to the FIFOs after a reload.', (g) => { g.fifoWriteVrrpStatesOnReload = true; }),

  // VRRP defaults
  {
    name: 'vrrp_mcast_group4', syntax: 'ADDRESS', default: '224.0.0.18', doc: 'IPv4 multicast group of adverts.',
    handle: (kw, g) => {
      if (!kw.count(1)) return;
      const a = kw.ip(0);
      if (!a) return;
      if (a.family !== 4) { kw.error(`vrrp_mcast_group4: '${a.address}' is not an IPv4 address`); return; }
      if (((Number(a.address.split('.')[0]) & 0xf0) !== 0xe0)) { kw.error(`vrrp_mcast_group4: '${a.address}' is not a multicast address`); return; }
      g.vrrpMcastGroup4 = a;
    },
  },
  {
    name: 'vrrp_mcast_group6', syntax: 'ADDRESS', default: 'ff02::12', doc: 'IPv6 multicast group of adverts.',
    handle: (kw, g) => {
      if (!kw.count(1)) return;
      const a = kw.ip(0);
      if (!a) return;
      if (a.family !== 6 || !a.address.startsWith('ff')) { kw.error(`vrrp_mcast_group6: '${a.address}' is not an IPv6 multicast address`); return; }
      g.vrrpMcastGroup6 = a;
    },
  },
  {
    name: 'vrrp_version', syntax: '2|3', default: '2', doc: 'Default VRRP version (IPv6 instances always use 3).',
    handle: (kw, g) => { if (!kw.count(1)) return; const v = kw.int(0, 2, 3); if (v !== undefined) g.vrrpVersion = v as 2 | 3; },
  },
  timerKw('vrrp_garp_master_delay', 0, 4294, 'Delay of the second gratuitous ARP burst after becoming master (0: none).', (g, v) => { g.vrrpGarpMasterDelayUs = v; }, { default: '5' }),
  intKw('vrrp_garp_master_repeat', 0, 2147483647, 'Gratuitous ARPs per burst.', (g, v) => { g.vrrpGarpMasterRepeat = v; }, { default: '5' }),
  timerKw('vrrp_garp_master_refresh', 0, 4294, 'Period of gratuitous ARP refresh while master (0: off).', (g, v) => { g.vrrpGarpMasterRefreshUs = v; }, { default: '0' }),
  intKw('vrrp_garp_master_refresh_repeat', 0, 2147483647, 'Gratuitous ARPs per refresh.', (g, v) => { g.vrrpGarpMasterRefreshRepeat = v; }, { default: '1' }),
  timerKw('vrrp_garp_lower_prio_delay', 0, 4294, 'Delay of the burst after a lower-priority advert is received as master.', (g, v) => { g.vrrpGarpLowerPrioDelayUs = v; }, { default: 'vrrp_garp_master_delay' }),
  intKw('vrrp_garp_lower_prio_repeat', 0, 2147483647, 'Gratuitous ARPs in that burst.', (g, v) => { g.vrrpGarpLowerPrioRepeat = v; }, { default: 'vrrp_garp_master_repeat' }),
  timerKw('vrrp_garp_interval', 0.000001, 4294.967295, 'Minimum gap between gratuitous ARPs on one interface.', (g, v) => { g.vrrpGarpIntervalUs = v; }, { default: '0' }),
  timerKw('vrrp_gna_interval', 0.000001, 4294.967295, 'Minimum gap between unsolicited neighbour advertisements on one interface.', (g, v) => { g.vrrpGnaIntervalUs = v; }, { default: '0' }),
  flag('vrrp_min_garp', 'One gratuitous ARP, no second burst, no refresh (only changes untouched defaults).', (g, v) => { g.vrrpMinGarp = v; }),
  garpExtraIfKw('vrrp_garp_extra_if', 'vrrp_vmac_garp_intvl', 1, 'Periodic gratuitous ARPs on VMAC and other interfaces of the VIPs.', (g, v) => { g.vrrpGarpExtraIf = v; }),
  intKw('vrrp_down_timer_adverts', 1, 100, 'Adverts missed before a backup declares the master down.', (g, v) => { g.vrrpDownTimerAdverts = v; }, { default: '3' }),
  flag('vrrp_lower_prio_no_advert', 'A master does not answer a lower-priority advert with its own.', (g, v) => { g.vrrpLowerPrioNoAdvert = v; }, { default: 'off (on with vrrp_strict)' }),
  flag('vrrp_higher_prio_send_advert', 'A master sends one advert before yielding to a higher priority.', (g, v) => { g.vrrpHigherPrioSendAdvert = v; }),
  flag('vrrp_owner_ignore_adverts', 'Priority-255 owners ignore received adverts.', (g, v) => { g.vrrpOwnerIgnoreAdverts = v; }, { since: '2.3.3', default: 'off (on with vrrp_strict)' }),
  bareFlag('vrrp_check_unicast_src', 'Drop unicast adverts not from a configured peer.', (g) => { g.vrrpCheckUnicastSrc = true; }),
  bareFlag('vrrp_skip_check_adv_addr', 'Skip the address-list check of adverts from the current master.', (g) => { g.vrrpSkipCheckAdvAddr = true; }),
  flag('vrrp_strict', 'Enforce RFC 5798/9568 strictly (no auth, no unicast, VIPs required, ...).', (g, v) => { g.vrrpStrict = v; }),
  flag('v3_checksum_as_v2', 'VRRPv3 IPv4 checksum without the pseudo-header (RFC 9568 / Cisco interop).', (g, v) => { g.v3ChecksumAsV2 = v; }, { since: '2.2.8' }),
  timerKw('vrrp_startup_delay', 0, 3600, 'Delay before VRRP instances start.', (g, v) => { g.vrrpStartupDelayUs = v; }, { default: '0' }),
  timerKw('vrrp_delay_after_boot', 0, 3600, 'Do not start VRRP before this long after boot.', (g, v) => { g.vrrpDelayAfterBootUs = v; }, { since: '2.4.0', default: '0' }),
  bareFlag('log_unknown_vrids', 'Log adverts for VRIDs that are not configured.', (g) => { g.logUnknownVrids = true; }),
  {
    name: 'vmac_prefix', syntax: 'PREFIX', default: 'vrrp', doc: 'Prefix of VMAC interface names.',
    handle: (kw, g) => { if (!kw.count(1)) return; g.vmacPrefix = kw.args[0] ?? ''; },
  },
  strKw('vmac_addr_prefix', 'PREFIX', 'Prefix of VMAC names for use_vmac_addr interfaces.', (g, v) => { g.vmacAddrPrefix = v; }, { default: 'vmac_prefix' }),
  {
    name: 'vrrp_rx_bufs_policy', syntax: 'MTU|ADVERT|BYTES', doc: 'How the receive buffer of VRRP sockets is sized.',
    handle: (kw, g) => {
      if (!kw.count(1)) return;
      const w = kw.args[0] ?? '';
      if (w.toUpperCase() === 'MTU') g.vrrpRxBufsPolicy = { kind: 'mtu' };
      else if (w.toUpperCase() === 'ADVERT') g.vrrpRxBufsPolicy = { kind: 'advert' };
      else { const v = kw.int(0, 1, 0x7fffffff); if (v !== undefined) g.vrrpRxBufsPolicy = { kind: 'size', bytes: v }; }
    },
  },
  intKw('vrrp_rx_bufs_multiplier', 1, 0x7fffffff, 'Multiplier for vrrp_rx_bufs_policy.', (g, v) => { g.vrrpRxBufsMultiplier = v; }, { default: '3' }),
  ...rcvBufKeywords(),

  // firewall
  {
    name: 'vrrp_iptables', syntax: '[IN_CHAIN [OUT_CHAIN]]', doc: 'Use iptables chains for no_accept (default INPUT/OUTPUT).',
    handle: (kw, g) => {
      if (!kw.count(0, 2)) return;
      // Debian's 2.2.7 (like keepalived-ts) has no iptables support and says so as an error.
      kw.warn("iptables not supported, using nftables instead; replace 'vrrp_iptables' with 'nftables'", 'keepalived-error');
      g.vrrpIptables = { inChain: kw.args[0] ?? 'INPUT' };
      if (kw.args[1] !== undefined) g.vrrpIptables.outChain = kw.args[1];
      else if (kw.args.length === 0) g.vrrpIptables.outChain = 'OUTPUT';
    },
  },
  {
    name: 'vrrp_ipsets', since: '2.2.7 built with ipset', syntax: '[SET4 [SET6 [SET_IF6 [IGMP [MLD [VMAC_ND]]]]]]', doc: 'ipset names used with vrrp_iptables.',
    handle: (kw, g) => { if (!kw.count(0, 6)) return; g.vrrpIpsets = kw.args.length ? [...kw.args] : ['keepalived', 'keepalived6', 'keepalived_if6']; },
  },
  {
    name: 'nftables', syntax: '[TABLE]', doc: 'Use nftables (table default "keepalived") for no_accept.',
    handle: (kw, g) => { if (!kw.count(0, 1)) return; g.nftables = { table: kw.args[0] ?? 'keepalived' }; },
  },
  intKw('nftables_priority', -2147483648, 2147483647, 'Priority of the nftables chains.', (g, v) => { g.nftablesPriority = v; }, { default: '-1' }),
  bareFlag('nftables_counters', 'Add counters to the nftables rules.', (g) => { g.nftablesCounters = true; }),
  bareFlag('nftables_ifindex', 'Match interfaces by index in nftables rules.', (g) => { g.nftablesIfindex = true; }),
  {
    name: 'nftables_ipvs', syntax: '[TABLE]', doc: 'Use nftables to give virtual_server_groups one fwmark service.',
    handle: (kw, g) => { if (!kw.count(0, 1)) return; g.nftablesIpvs = { table: kw.args[0] ?? 'keepalived_ipvs' }; },
  },
  intKw('nftables_ipvs_priority', -2147483648, 2147483647, 'Priority of the nftables_ipvs chains.', (g, v) => { g.nftablesIpvsPriority = v; }),
  intKw('nftables_ipvs_start_fwmark', 1, 0xffffffff, 'First fwmark nftables_ipvs allocates.', (g, v) => { g.nftablesIpvsStartFwmark = v; }, { default: '1000' }),

  // LVS
  {
    name: 'lvs_sync_daemon', syntax: 'IFNAME [[inst] VRRP_INSTANCE] [id 0..255] [maxlen 1..65507] [port 1..65535] [ttl 1..255] [group ADDRESS]',
    doc: 'Run the IPVS connection sync daemon (master while the instance is MASTER).',
    handle: (kw, g) => {
      if (!kw.count(1, 13)) return;
      const d = { interface: kw.args[0] ?? '', port: 8848 } as NonNullable<GlobalDefs['lvsSyncDaemon']>;
      let i = 1;
      if (kw.args[1] !== undefined && !(LVS_SYNC_OPTS as readonly string[]).includes(kw.args[1])) { d.instance = kw.args[1]; i = 2; }
      for (; i < kw.args.length; i += 2) {
        const o = kw.args[i] ?? '';
        if (kw.args[i + 1] === undefined) { kw.error(`lvs_sync_daemon: '${o}' needs a value`); return; }
        switch (o) {
          case 'inst': d.instance = kw.args[i + 1] ?? ''; break;
          case 'id': { const v = kw.int(i + 1, 0, 255, 'lvs_sync_daemon id'); if (v === undefined) return; d.syncId = v; break; }
          case 'maxlen': { const v = kw.int(i + 1, 1, 65507, 'lvs_sync_daemon maxlen'); if (v === undefined) return; d.maxLen = v; break; }
          case 'port': { const v = kw.int(i + 1, 1, 65535, 'lvs_sync_daemon port'); if (v === undefined) return; d.port = v; break; }
          case 'ttl': { const v = kw.int(i + 1, 1, 255, 'lvs_sync_daemon ttl'); if (v === undefined) return; d.ttl = v; break; }
          case 'group': { const a = kw.ip(i + 1); if (!a) return; d.group = a; break; }
          default: kw.error(`lvs_sync_daemon: unknown option '${o}'`); return;
        }
      }
      g.lvsSyncDaemon = d;
    },
  },
  {
    name: 'lvs_timeouts', syntax: '[tcp SECONDS] [tcpfin SECONDS] [udp SECONDS]', doc: 'IPVS connection timeouts.',
    handle: (kw, g) => {
      const t: NonNullable<GlobalDefs['lvsTimeouts']> = {};
      for (let i = 0; i < kw.args.length; i += 2) {
        const o = kw.args[i] ?? '';
        const v = kw.int(i + 1, 0, 86400 * 31, `lvs_timeouts ${o}`);
        if (v === undefined) return;
        if (o === 'tcp') t.tcpS = v;
        else if (o === 'tcpfin') t.tcpFinS = v;
        else if (o === 'udp') t.udpS = v;
        else { kw.error(`lvs_timeouts: unknown option '${o}'`); return; }
      }
      g.lvsTimeouts = t;
    },
  },
  bareFlag('lvs_flush', 'Flush all IPVS services at startup.', (g) => { g.lvsFlush = true; }),
  {
    name: 'lvs_flush_on_stop', syntax: '[VS]', deprecated: ['lvs_flush_onstop'], doc: 'Flush IPVS at shutdown (VS: only the virtual servers).',
    handle: (kw, g) => {
      if (!kw.count(0, 1)) return;
      if (kw.args[0] === undefined) g.lvsFlushOnStop = 'all';
      else if (kw.args[0] === 'VS') g.lvsFlushOnStop = 'vs';
      else kw.error(`lvs_flush_on_stop: unknown option '${kw.args[0]}'`);
    },
  },

  {
    // keepalived-ts extension: the LVS data plane (IPVS, or nftables where the kernel has no IPVS).
    name: 'lvs_backend', syntax: 'ipvs|nftables|auto', doc: 'keepalived-ts: LVS data plane (default auto: IPVS when the kernel has it, else nftables).',
    handle: (kw, g) => {
      if (!kw.count(1, 1)) return;
      const v = kw.args[0];
      if (v === 'ipvs' || v === 'nftables' || v === 'auto') g.lvsBackend = v;
      else kw.error(`lvs_backend: unknown data plane '${v}' (ipvs, nftables or auto)`);
    },
  },
  // keepalived-ts extension: the drift check of the LVS data plane.
  intKw('lvs_verify_interval', 0, 86400, 'keepalived-ts: every SECONDS, read the LVS data plane back (IPVS services, or our nftables table) and repair what differs from the configuration (changes made by hand with ipvsadm or nft); also done at start and at every reload. 0: only at start and reload.', (g, v) => { g.lvsVerifyIntervalS = v; }, { default: '60' }),
  {
    // keepalived-ts extension: /metrics (Prometheus), /status.json and a live status page.
    name: 'status_http', syntax: 'ADDR:PORT', doc: 'keepalived-ts: serve /metrics (Prometheus), /status.json and a live status page / over HTTP on ADDR:PORT (IPv6: [ADDR]:PORT). Off by default; no authentication, so bind it to a management or loopback address.',
    handle: (kw, g) => {
      if (!kw.count(1, 1)) return;
      const v = kw.args[0] ?? '';
      const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(v);
      const host = m?.[1] ?? m?.[2];
      const port = Number(m?.[3]);
      if (!m || host === undefined || !(port >= 1 && port <= 65535) || isIP(host) === 0) {
        kw.error(`status_http: '${v}' is not ADDR:PORT (e.g. 127.0.0.1:9650 or [::1]:9650)`);
        return;
      }
      g.statusHttp = { host, port };
    },
  },

  // SNMP / DBus
  strKw('snmp_socket', 'SPEC', 'AgentX master socket.', (g, v) => { g.snmpSocket = v; }, { default: 'unix:/var/agentx/master' }),
  bareFlag('enable_snmp_vrrp', 'SNMP for VRRP (KEEPALIVED-MIB).', (g) => { g.enableSnmpVrrp = true; }, { deprecated: ['enable_snmp_keepalived'] }),
  bareFlag('enable_snmp_checker', 'SNMP for the checkers.', (g) => { g.enableSnmpChecker = true; }),
  bareFlag('enable_snmp_rfc', 'SNMP VRRP-MIB and VRRPv3-MIB.', (g) => { g.enableSnmpRfcv2 = true; g.enableSnmpRfcv3 = true; }),
  bareFlag('enable_snmp_rfcv2', 'SNMP VRRP-MIB (RFC 2787).', (g) => { g.enableSnmpRfcv2 = true; }),
  bareFlag('enable_snmp_rfcv3', 'SNMP VRRPv3-MIB (RFC 6527).', (g) => { g.enableSnmpRfcv3 = true; }),
  bareFlag('enable_traps', 'Send SNMP traps.', (g) => { g.enableTraps = true; }),
  timerKw('snmp_vs_stats_update_interval', 0.001, 30, 'Refresh period of virtual server statistics.', (g, v) => { g.snmpVsStatsUpdateIntervalUs = v; }, { since: '2.3.0', default: '5' }),
  timerKw('snmp_rs_stats_update_interval', 0.001, 30, 'Refresh period of real server statistics.', (g, v) => { g.snmpRsStatsUpdateIntervalUs = v; }, { since: '2.3.0', default: 'snmp_vs_stats_update_interval' }),
  bareFlag('enable_dbus', 'Export VRRP state on DBus.', (g) => { g.enableDbus = true; }),
  strKw('dbus_service_name', 'NAME', 'DBus service name.', (g, v) => { g.dbusServiceName = v; }, { default: 'org.keepalived.Vrrp1' }),
  strKw('dbus_no_interface_name', 'NAME', 'DBus name used for instances without an interface.', (g, v) => { g.dbusNoInterfaceName = v; }, { since: '2.3.0', default: 'none' }),
]);
