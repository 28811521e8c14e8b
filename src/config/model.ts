// The typed keepalived configuration: what buildConfig() produces from ConfigNode trees.
// Plain JSON data only (no classes, Maps, bigint, undefined-vs-absent tricks): the daemon
// sends it from the parent to its children with JSON.stringify.
//
// Units: every duration is an integer number of MICROSECONDS in a field ending in `Us`
// (keepalived's TIMER_HZ resolution); plain counts and seconds say so in their names.
// Defaults are already applied (as keepalived applies them, including values derived from
// other keywords); optional fields are absent when keepalived has no value either.
import type { SourceLoc } from './ast.js';
import type { IpAddress, IpPrefix, IpFamily } from './address.js';

export type { IpAddress, IpPrefix, IpFamily } from './address.js';

/** A program to run: `notify_master "/bin/x a" user group`, `script ...`, `misc_path ...`. */
export interface ScriptCommand {
  /** The command as written (quotes and escapes unresolved), for messages. */
  command: string;
  /** argv after keepalived's quoting rules (`"`/`'` group, backslash escapes). */
  argv: string[];
  /** Run as this user (else script_user / default). */
  user?: string;
  group?: string;
}

/** `USER [[:]GROUP]` */
export interface RunAs {
  user: string;
  group?: string;
}

// ───────────────────────────── top level + global_defs ─────────────────────────────

export interface FifoSpec {
  path: string;
  user?: string;
  group?: string;
}

export interface LvsSyncDaemon {
  interface: string;
  /** VRRP instance the sync daemon follows (master while it is MASTER). */
  instance?: string;
  syncId?: number;
  maxLen?: number;
  port: number;
  ttl?: number;
  group?: IpAddress;
}

export interface LvsTimeouts {
  tcpS?: number;
  tcpFinS?: number;
  udpS?: number;
}

export interface GlobalDefs {
  // top-level switches (outside global_defs but process-wide)
  netNamespace?: string;
  netNamespaceIpvs?: string;
  namespaceWithIpsets: boolean;
  instanceName?: string;
  usePidDir: boolean;
  linkbeatUsePolling: boolean;
  childWaitTimeS: number;

  // process naming / scripts
  processNames: boolean;
  processName?: string;
  vrrpProcessName?: string;
  checkerProcessName?: string;
  bfdProcessName?: string;
  useSymlinkPaths: boolean;
  setSupplementaryGroups: boolean;
  scriptUser?: RunAs;
  enableScriptSecurity: boolean;
  startupScript?: ScriptCommand;
  startupScriptTimeoutS: number;
  shutdownScript?: ScriptCommand;
  shutdownScriptTimeoutS: number;
  umask: number;
  randomSeed?: number;
  maxAutoPriority: number;
  minAutoPriorityDelayUs: number;
  /** Per child process: nice, mlockall, realtime priority, cpu list, RLIMIT_RTTIME. */
  vrrpProcess: ProcessTuning;
  checkerProcess: ProcessTuning;
  bfdProcess: ProcessTuning;
  tmpConfigDirectory?: string;
  configSaveDir?: string;
  reloadCheckConfig?: { logFile?: string };
  reloadTimeFile?: string;
  reloadRepeat: boolean;
  reloadFile?: string;
  includeCheck?: string[];
  dataUseInstance: boolean;
  stateDumpFile?: string;
  statsDumpFile?: string;
  jsonDumpFile?: string;
  jsonVersion: 1 | 2;
  iprouteUsrDir?: string;
  iprouteEtcDir?: string;
  dynamicInterfaces: boolean;
  dynamicInterfacesAllowIfChanges: boolean;
  defaultInterface: string;
  disableLocalIgmp: boolean;

  // email / notification
  /** Default: the host name (env.hostname). */
  routerId: string;
  notificationEmail: string[];
  notificationEmailFrom?: string;
  smtpServer?: { host: string; address?: IpAddress; port: number };
  smtpHeloName?: string;
  smtpConnectTimeoutUs: number;
  smtpAlert?: boolean;
  smtpAlertVrrp?: boolean;
  smtpAlertChecker?: boolean;
  noEmailFaults: boolean;
  checkerLogAllFailures: boolean;
  noCheckerEmails: boolean;
  rsInitNotifies: boolean;

  // notify FIFOs
  notifyFifo?: FifoSpec;
  notifyFifoScript?: ScriptCommand;
  vrrpNotifyFifo?: FifoSpec;
  vrrpNotifyFifoScript?: ScriptCommand;
  lvsNotifyFifo?: FifoSpec;
  lvsNotifyFifoScript?: ScriptCommand;
  vrrpNotifyPriorityChanges: boolean;
  fifoWriteVrrpStatesOnReload: boolean;

  // VRRP defaults
  vrrpMcastGroup4: IpAddress;
  vrrpMcastGroup6: IpAddress;
  vrrpVersion: 2 | 3;
  vrrpGarpMasterDelayUs: number;
  vrrpGarpMasterRepeat: number;
  vrrpGarpMasterRefreshUs: number;
  vrrpGarpMasterRefreshRepeat: number;
  vrrpGarpLowerPrioDelayUs?: number;
  vrrpGarpLowerPrioRepeat?: number;
  vrrpGarpIntervalUs: number;
  vrrpGnaIntervalUs: number;
  vrrpMinGarp: boolean;
  vrrpGarpExtraIf?: GarpExtraIf;
  vrrpDownTimerAdverts: number;
  vrrpLowerPrioNoAdvert?: boolean;
  vrrpHigherPrioSendAdvert?: boolean;
  vrrpOwnerIgnoreAdverts?: boolean;
  vrrpCheckUnicastSrc: boolean;
  vrrpSkipCheckAdvAddr: boolean;
  vrrpStrict: boolean;
  v3ChecksumAsV2: boolean;
  vrrpStartupDelayUs: number;
  vrrpDelayAfterBootUs: number;
  logUnknownVrids: boolean;
  vmacPrefix: string;
  vmacAddrPrefix: string;
  vrrpRxBufsPolicy?: { kind: 'mtu' | 'advert' } | { kind: 'size'; bytes: number };
  vrrpRxBufsMultiplier: number;
  /** Netlink / proc-connector receive buffer sizes, keyed by keyword (e.g. vrrp_netlink_cmd_rcv_bufs). */
  rcvBufs: Record<string, { bytes?: number; force?: boolean }>;

  // firewall
  vrrpIptables?: { inChain: string; outChain?: string };
  vrrpIpsets?: string[];
  nftables?: { table: string };
  nftablesPriority: number;
  nftablesCounters: boolean;
  nftablesIfindex: boolean;
  nftablesIpvs?: { table: string };
  nftablesIpvsPriority?: number;
  nftablesIpvsStartFwmark: number;

  // LVS
  lvsSyncDaemon?: LvsSyncDaemon;
  lvsTimeouts?: LvsTimeouts;
  lvsFlush: boolean;
  lvsFlushOnStop?: 'all' | 'vs';
  /** keepalived-ts extension `lvs_backend`: which LVS data plane (default auto). */
  lvsBackend?: 'ipvs' | 'nftables' | 'auto';
  /** keepalived-ts: seconds between drift checks of the LVS data plane (0: start and reload only; default 60). */
  lvsVerifyIntervalS?: number;
  /** keepalived-ts extension `status_http ADDR:PORT`: the status/metrics HTTP listener (off when absent). */
  statusHttp?: { host: string; port: number };

  // SNMP / DBus
  snmpSocket?: string;
  enableSnmpVrrp: boolean;
  enableSnmpChecker: boolean;
  enableSnmpRfcv2: boolean;
  enableSnmpRfcv3: boolean;
  enableTraps: boolean;
  snmpVsStatsUpdateIntervalUs: number;
  snmpRsStatsUpdateIntervalUs?: number;
  enableDbus: boolean;
  dbusServiceName: string;
  dbusNoInterfaceName: string;
}

export interface ProcessTuning {
  nice?: number;
  noSwap: boolean;
  rtPriority?: number;
  cpuAffinity?: number[];
  rlimitRttimeUs: number;
}

export interface GarpExtraIf {
  all: boolean;
  intervalS: number;
}

// ───────────────────────── addresses, routes, rules (ip(8)-like lines) ─────────────────────────

/** One line of virtual_ipaddress / virtual_ipaddress_excluded / static_ipaddress. */
export interface AddressEntry {
  loc: SourceLoc;
  /** Address with prefix; no `/len` written ⇒ /32 or /128. */
  prefix: IpPrefix;
  /** Interface: `dev IF`, else (filled in) the instance interface / default_interface. */
  dev?: string;
  /** `brd ADDR`, or '+'/'-' (compute / none). */
  broadcast?: string;
  scope?: 'global' | 'site' | 'link' | 'host' | 'nowhere' | number;
  label?: string;
  peer?: IpPrefix;
  home: boolean;
  noDad: boolean;
  mngTmpAddr: boolean;
  noPrefixRoute: boolean;
  autoJoin: boolean;
  /** `preferred_lft N|forever`; 'forever' is absent. IPv6 /128 VIPs default to 0. */
  preferredLft?: number;
  /** Virtual only: do not move the instance to FAULT if this address is removed. */
  noTrack: boolean;
  /** Virtual only: put this address on a VMAC. */
  useVmac: boolean;
  /** Static only. */
  trackGroup?: string;
}

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole'
  | 'unreachable' | 'prohibit' | 'throw' | 'nat';

export interface RouteNexthop {
  via?: IpAddress;
  dev?: string;
  weight?: number;
  onlink: boolean;
}

/** One line of virtual_routes / static_routes. Metrics etc. kept by name in `options`. */
export interface RouteEntry {
  loc: SourceLoc;
  type: RouteType;
  dst: IpPrefix;
  src?: IpAddress;
  via?: IpAddress;
  /** `or ADDR`: alternative gateway (keepalived feature). */
  orVia?: IpAddress;
  dev?: string;
  table?: string;
  metric?: number;
  scope?: string;
  protocol?: string;
  onlink: boolean;
  nexthops: RouteNexthop[];
  /** Other numeric/text attributes (tos, mtu, advmss, realms, pref, ...) as written. */
  options: Record<string, string>;
  mode: 'prepend' | 'add' | 'append';
  noTrack: boolean;
  trackGroup?: string;
}

/** One line of virtual_rules / static_rules. */
export interface RuleEntry {
  loc: SourceLoc;
  family: IpFamily;
  not: boolean;
  from?: IpPrefix;
  to?: IpPrefix;
  priority?: number;
  table?: string;
  action?: 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';
  gotoTarget?: number;
  iif?: string;
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  options: Record<string, string>;
  noTrack: boolean;
  trackGroup?: string;
}

// ───────────────────────────────── trackers ─────────────────────────────────

export interface VrrpScript {
  name: string;
  loc: SourceLoc;
  script?: ScriptCommand;
  intervalUs: number;
  /** Default: interval. */
  timeoutUs: number;
  weight: number;
  weightReverse: boolean;
  rise: number;
  fall: number;
  user?: RunAs;
  initFail: boolean;
}

export interface TrackFile {
  name: string;
  loc: SourceLoc;
  file?: string;
  weight: number;
  weightReverse: boolean;
  initFile?: { value: number; overwrite: boolean };
}

export interface TrackProcess {
  name: string;
  loc: SourceLoc;
  process?: string;
  params: string[];
  paramMatch: 'exact' | 'initial' | 'partial';
  weight: number;
  weightReverse: boolean;
  quorum: number;
  /** Absent: unlimited. */
  quorumMax?: number;
  forkDelayUs: number;
  terminateDelayUs: number;
  fullCommand: boolean;
}

/** A `track_*` reference from an instance or sync group. `weight` absent ⇒ the tracker's own. */
export interface TrackRef {
  name: string;
  loc: SourceLoc;
  weight?: number;
  reverse: boolean;
}

// ───────────────────────────────── VRRP ─────────────────────────────────

export interface Authentication {
  type: 'PASS' | 'AH';
  /** Only the first 8 bytes are used on the wire; kept as written. */
  password: string;
}

export interface VmacSpec {
  /** Interface name; default `vrrp.VRID` (filled in). */
  name: string;
  mac?: string;
  netlinkNotifyMsg: boolean;
  group?: string;
}

export interface IpvlanSpec {
  name: string;
  address?: IpPrefix;
  mode: 'bridge' | 'private' | 'vepa';
  group?: string;
}

export interface UnicastPeer {
  address: IpAddress;
  minTtl?: number;
  maxTtl?: number;
  loc: SourceLoc;
}

export interface GarpTiming {
  /** Second burst after becoming master (garp_master_delay), 0 = none. Default 5 s. */
  masterDelayUs: number;
  /** GARPs/NAs per VIP per burst (garp_master_repeat). Default 5. */
  masterRepeat: number;
  /** Periodic refresh while master (garp_master_refresh), 0 = none. */
  masterRefreshUs: number;
  masterRefreshRepeat: number;
  /** On a lower-priority advert while master (garp_lower_prio_delay / _repeat). */
  lowerPrioDelayUs: number;
  lowerPrioRepeat: number;
}

export interface NotifyScripts {
  master?: ScriptCommand;
  backup?: ScriptCommand;
  fault?: ScriptCommand;
  stop?: ScriptCommand;
  /** Generic `notify`: gets `INSTANCE|GROUP NAME STATE PRIORITY` appended. */
  generic?: ScriptCommand;
}

export interface VrrpInstance {
  name: string;
  loc: SourceLoc;
  /** Initial wanted state. Default from priority (255 ⇒ MASTER). */
  state: 'MASTER' | 'BACKUP';
  interface?: string;
  /** 0 only when the config is missing it (an error diagnostic is emitted). */
  vrid: number;
  /** 1..255; default 100, or 255 with `state MASTER` and no priority. */
  priority: number;
  advertIntUs: number;
  /** Advert family (from the VIPs, else unicast/mcast addresses, else IPv4). */
  family: IpFamily;
  version: 2 | 3;
  nopreempt: boolean;
  preemptDelayUs: number;
  downTimerAdverts: number;
  timerExpiredBackup?: number;
  strict: boolean;
  debug: number;

  virtualIpaddress: AddressEntry[];
  virtualIpaddressExcluded: AddressEntry[];
  noVirtualIpaddress: boolean;
  virtualRoutes: RouteEntry[];
  virtualRules: RuleEntry[];
  promoteSecondaries: boolean;
  accept: boolean;
  skipCheckAdvAddr: boolean;

  mcastSrcIp?: IpAddress;
  unicastSrcIp?: IpAddress;
  mcastDstIp?: IpAddress;
  unicastPeers: UnicastPeer[];
  unicastTtl?: number;
  unicastFaultNoPeer: boolean;
  checkUnicastSrc: boolean;
  /** old_unicast_checksum: `old` (given alone) uses the pre-1.3.6 checksum; `never` does not detect it. */
  oldUnicastChecksum?: 'old' | 'never';
  v3ChecksumAsV2: boolean;
  vrf?: string;
  kernelRxBufSize?: number;
  trackSrcIp: boolean;

  vmac?: VmacSpec;
  useVmacAddr: boolean;
  vmacXmitBase: boolean;
  ipvlan?: IpvlanSpec;
  garpExtraIf?: GarpExtraIf;

  dontTrackPrimary: boolean;
  linkbeatUsePolling: boolean;
  trackInterfaces: TrackRef[];
  trackScripts: TrackRef[];
  trackFiles: TrackRef[];
  trackProcesses: TrackRef[];
  trackBfds: TrackRef[];

  garp: GarpTiming;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  ownerIgnoreAdverts: boolean;

  notify: NotifyScripts & {
    /** `notify_deleted` given: report DELETED (with this optional script) instead of FAULT. */
    deleted?: { script?: ScriptCommand };
    masterRxLowerPri?: ScriptCommand;
  };
  notifyPriorityChanges: boolean;
  smtpAlert: boolean;
  lvsSyncDaemonInterface?: string;

  authentication?: Authentication;
  /** The sync group this instance belongs to (filled in by validation). */
  syncGroup?: string;
}

export interface VrrpSyncGroup {
  name: string;
  loc: SourceLoc;
  members: string[];
  trackInterfaces: TrackRef[];
  trackScripts: TrackRef[];
  trackFiles: TrackRef[];
  trackProcesses: TrackRef[];
  trackBfds: TrackRef[];
  notify: NotifyScripts;
  notifyPriorityChanges?: boolean;
  smtpAlert?: boolean;
  syncGroupTrackingWeight: boolean;
}

export interface GarpGroup {
  loc: SourceLoc;
  garpIntervalUs?: number;
  gnaIntervalUs?: number;
  interfaces: string[];
}

export interface TrackGroup {
  name: string;
  loc: SourceLoc;
  members: string[];
}

export interface LinkbeatInterface {
  name: string;
  method?: 'MII' | 'ETHTOOL' | 'IOCTL';
}

export interface InterfaceUpDownDelay {
  name: string;
  loc: SourceLoc;
  downDelayUs: number;
  upDelayUs: number;
}

// ───────────────────────────────── BFD ─────────────────────────────────

export interface BfdInstance {
  name: string;
  loc: SourceLoc;
  neighborIp?: IpAddress;
  sourceIp?: IpAddress;
  minRxUs: number;
  minTxUs: number;
  idleTxUs: number;
  multiplier: number;
  passive: boolean;
  ttl?: number;
  hoplimit?: number;
  maxHops: number;
  multihop: boolean;
  weight: number;
  weightReverse: boolean;
  /** Which process receives events; both when neither is given. */
  sendTo: { vrrp: boolean; checker: boolean };
}

// ───────────────────────────────── LVS ─────────────────────────────────

export type LvsProtocol = 'TCP' | 'UDP' | 'SCTP';
export type LvsScheduler = 'rr' | 'wrr' | 'lc' | 'wlc' | 'lblc' | 'sh' | 'mh' | 'dh' | 'fo' | 'ovf'
  | 'lblcr' | 'sed' | 'nq' | 'twos';

/** Forwarding method. TUN carries its encapsulation. */
export type LvsMethod =
  | { kind: 'NAT' }
  | { kind: 'DR' }
  | { kind: 'TUN'; tunnel: 'ipip' | 'gre' | 'gue'; port?: number; checksum?: 'nocsum' | 'csum' | 'remcsum' };

export interface SslContext {
  loc: SourceLoc;
  password?: string;
  ca?: string;
  certificate?: string;
  key?: string;
}

/** One line of a virtual_server_group. */
export type VsgEntry =
  | { kind: 'range'; loc: SourceLoc; first: IpAddress; last: IpAddress; port: number }
  | { kind: 'fwmark'; loc: SourceLoc; fwmark: number; family?: IpFamily };

export interface VirtualServerGroup {
  name: string;
  loc: SourceLoc;
  entries: VsgEntry[];
}

export type VirtualServerKey =
  | { kind: 'addr'; address: IpAddress; port: number }
  | { kind: 'fwmark'; fwmark: number }
  | { kind: 'group'; group: string };

export interface SchedulerFlags {
  hashed: boolean;
  flag1: boolean;
  flag2: boolean;
  flag3: boolean;
  shPort: boolean;
  shFallback: boolean;
  mhPort: boolean;
  mhFallback: boolean;
  ops: boolean;
}

export interface SorryServer {
  address: IpAddress;
  port: number;
  method?: LvsMethod;
}

export interface VirtualServer {
  loc: SourceLoc;
  key: VirtualServerKey;
  /** Family of the service (from the address, ip_family, or the real servers). */
  family: IpFamily;
  /** Default UDP for address-keyed services (keepalived warns). Ignored for fwmark. */
  protocol: LvsProtocol;
  scheduler: LvsScheduler;
  method: LvsMethod;
  /** Present when persistent; seconds. Port 0 forces 360. */
  persistenceTimeoutS?: number;
  persistenceGranularity?: string;
  persistenceEngine?: string;
  flags: SchedulerFlags;
  haSuspend: boolean;
  virtualhost?: string;
  alpha: boolean;
  omega: boolean;
  quorum: number;
  hysteresis: number;
  quorumUp?: ScriptCommand;
  quorumDown?: ScriptCommand;
  sorryServer?: SorryServer;
  sorryServerInhibit: boolean;
  inhibitOnFailure: boolean;
  delayLoopUs: number;
  connectTimeoutUs: number;
  retry?: number;
  delayBeforeRetryUs?: number;
  warmupUs?: number;
  /** Default weight of real servers. */
  weight: number;
  ipFamily?: IpFamily;
  smtpAlert: boolean;
  snmpName?: string;
  realServers: RealServer[];
}

export interface RealServer {
  loc: SourceLoc;
  address: IpAddress;
  /** After keepalived's rules: NAT defaults to VS port; DR/TUN forced to VS port; fwmark 0. */
  port: number;
  weight: number;
  method: LvsMethod;
  notifyUp?: ScriptCommand;
  notifyDown?: ScriptCommand;
  uthreshold?: number;
  lthreshold?: number;
  inhibitOnFailure: boolean;
  alpha: boolean;
  retry?: number;
  delayBeforeRetryUs?: number;
  warmupUs?: number;
  connectTimeoutUs: number;
  delayLoopUs: number;
  smtpAlert: boolean;
  virtualhost?: string;
  snmpName?: string;
  checkers: Checker[];
}

// ───────────────────────────────── checkers ─────────────────────────────────

/** When a checker runs and how its failures count: keywords every scheduled checker has. */
export interface CheckerSchedule {
  retry: number;
  delayBeforeRetryUs: number;
  /** Random initial offset bound. Default: delay_loop. */
  warmupUs: number;
  delayLoopUs: number;
  alpha: boolean;
  logAllFailures: boolean;
}

/** Keywords common to the connection-based checkers (check_api.c). Inherited values filled in. */
export interface CheckerCommon extends CheckerSchedule {
  loc: SourceLoc;
  connectIp?: IpAddress;
  connectPort?: number;
  bindTo?: IpAddress;
  bindPort?: number;
  bindIf?: string;
  connectTimeoutUs: number;
  fwmark?: number;
}

export interface StatusCodeRange {
  from: number;
  to: number;
}

export interface HttpUrl {
  loc: SourceLoc;
  path: string;
  /** Lower-case hex MD5 of the body. */
  digest?: string;
  /** Default [200-299]. */
  statusCodes: StatusCodeRange[];
  virtualhost?: string;
  regex?: string;
  regexNoMatch: boolean;
  regexOptions: string[];
  regexStack?: { start: number; max: number };
  regexMinOffset?: number;
  regexMaxOffset?: number;
  tlsCompliant?: boolean;
}

export interface HttpCheck extends CheckerCommon {
  type: 'HTTP_GET' | 'SSL_GET';
  urls: HttpUrl[];
  httpProtocol: '1.0' | '1.0C' | '1.1';
  virtualhost?: string;
  fastRecovery: boolean;
  enableSni: boolean;
  sniName?: string;
  tlsCompliant: boolean;
}

export interface TcpCheck extends CheckerCommon {
  type: 'TCP_CHECK';
}

/** The connection settings of one SMTP_CHECK `host { }` block (deprecated, still read). */
export type SmtpHost = Pick<CheckerCommon, 'loc' | 'connectIp' | 'connectPort' | 'bindTo' | 'bindPort' | 'bindIf' | 'connectTimeoutUs' | 'fwmark'>;

export interface SmtpCheck extends CheckerCommon {
  type: 'SMTP_CHECK';
  heloName: string;
  /**
   * `host { }` blocks, each checked too (keepalived makes one checker per block; a host's
   * connect_timeout defaults to the checker's). When there are some and SMTP_CHECK itself sets
   * no connection keyword, its own connection is not checked (keepalived's rule).
   */
  hosts?: SmtpHost[];
  /** SMTP_CHECK's own connection is checked (it sets a connection keyword, or has no host block). */
  checkOwnConnection?: boolean;
}

export type DnsType = 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA' | 'RRSIG' | 'DNSKEY';

export interface DnsCheck extends CheckerCommon {
  type: 'DNS_CHECK';
  queryType: DnsType;
  name: string;
}

export interface UdpCheck extends CheckerCommon {
  type: 'UDP_CHECK';
  /** Hex string of the payload bytes. */
  payload?: string;
  /** Hex with `X` nibbles as wildcards; present ⇒ a reply is required. */
  requireReply?: string;
  replyRequired: boolean;
  minReplyLength: number;
  maxReplyLength: number;
}

export interface PingCheck extends CheckerCommon {
  type: 'PING_CHECK';
}

export interface MiscCheck extends CheckerSchedule {
  type: 'MISC_CHECK';
  loc: SourceLoc;
  path?: ScriptCommand;
  /** Default: delay_loop. */
  timeoutUs: number;
  dynamic: boolean;
  user?: RunAs;
}

export interface FileCheck {
  type: 'FILE_CHECK';
  loc: SourceLoc;
  trackFile?: string;
  weight?: number;
  weightReverse: boolean;
}

export interface BfdCheck {
  type: 'BFD_CHECK';
  loc: SourceLoc;
  name?: string;
  alpha: boolean;
}

export type Checker = HttpCheck | TcpCheck | SmtpCheck | DnsCheck | UdpCheck | PingCheck | MiscCheck | FileCheck | BfdCheck;
export type CheckerType = Checker['type'];

// ───────────────────────────────── the whole file ─────────────────────────────────

export interface KeepalivedConfig {
  global: GlobalDefs;
  linkbeatInterfaces: LinkbeatInterface[];
  interfaceUpDownDelays: InterfaceUpDownDelay[];
  trackGroups: TrackGroup[];
  staticIpaddress: AddressEntry[];
  staticRoutes: RouteEntry[];
  staticRules: RuleEntry[];
  trackFiles: TrackFile[];
  trackProcesses: TrackProcess[];
  vrrpScripts: VrrpScript[];
  vrrpSyncGroups: VrrpSyncGroup[];
  garpGroups: GarpGroup[];
  vrrpInstances: VrrpInstance[];
  bfdInstances: BfdInstance[];
  ssl?: SslContext;
  virtualServerGroups: VirtualServerGroup[];
  virtualServers: VirtualServer[];
}
