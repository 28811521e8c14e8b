// Defaults that depend on other keywords, and keepalived's validation rules: ranges that need
// context, references between blocks, conflicts, strict mode. Corrections keepalived makes
// (clearing nopreempt, ignoring authentication, ...) are made here too, each with a diagnostic.
// Whether a problem is an error or a warning follows keepalived 2.2.7's `-t`: an error is
// what makes `keepalived -t` fail.
import type { SourceLoc } from './ast.js';
import { addressKey, compareAddresses, ipv4Value, isIpv6LinkLocal, type IpAddress } from './address.js';
import type {
  Checker, CheckerCommon, GlobalDefs, SmtpHost, MiscCheck, VirtualServerGroup, ScriptCommand, KeepalivedConfig, LvsMethod, RealServer, TrackProcess, TrackRef, VirtualServer,
  VrrpInstance, VrrpScript, VrrpSyncGroup,
} from './model.js';
import type { BuildContext } from './keywords/engine.js';
import type { BuildState } from './build.js';
import type { InstanceDraft } from './keywords/vrrp.js';
import type { RealServerDraft, VirtualServerDraft } from './keywords/lvs.js';
import type { CheckerDraft } from './keywords/checkers.js';

export function finalise(s: BuildState, ctx: BuildContext): KeepalivedConfig {
  const g = s.config.global;
  finaliseGlobal(g, s.globalSeen);
  const scripts: VrrpScript[] = s.scripts.map((d) => ({ ...d, timeoutUs: d.timeoutUs ?? d.intervalUs }));
  for (const sc of scripts) if (!sc.script) ctx.diags.error(sc.loc, `vrrp_script ${sc.name}: no script given - ignoring`);
  const trackProcesses: TrackProcess[] = s.trackProcesses.map(({ paramMatchGiven: _p, ...d }) => d);
  for (const p of trackProcesses) {
    if (p.process === undefined) ctx.diags.error(p.loc, `vrrp_track_process ${p.name}: no process given - ignoring`);
    if (p.quorumMax !== undefined && p.quorumMax < p.quorum) ctx.diags.error(p.loc, `vrrp_track_process ${p.name}: quorum_max ${p.quorumMax} is less than quorum ${p.quorum}`);
  }
  for (const f of s.config.trackFiles) if (f.file === undefined) ctx.diags.error(f.loc, `track_file ${f.name}: no file given - ignoring`);
  for (const b of s.config.bfdInstances) if (!b.neighborIp) ctx.diags.error(b.loc, `bfd_instance ${b.name}: no neighbor_ip - ignoring`);

  const config: KeepalivedConfig = {
    ...s.config,
    vrrpScripts: scripts.filter((x) => x.script),
    trackProcesses: trackProcesses.filter((p) => p.process !== undefined),
    trackFiles: s.config.trackFiles.filter((f) => f.file !== undefined),
    bfdInstances: s.config.bfdInstances.filter((b) => b.neighborIp),
    vrrpSyncGroups: s.syncGroups,
    vrrpInstances: [],
    virtualServers: [],
  };
  const groupOf = new Map<string, VrrpSyncGroup>();
  for (const sg of config.vrrpSyncGroups) for (const m of sg.members) if (!groupOf.has(m)) groupOf.set(m, sg);
  config.vrrpInstances = s.instances.map((d) => finaliseInstance(d, g, groupOf.get(d.name), ctx));
  validateVrrp(config, ctx);
  fillStaticDevs(config, ctx);
  const groupsByName = new Map(config.virtualServerGroups.map((x) => [x.name, x]));
  config.virtualServers = s.virtualServers.map((d) => finaliseVirtualServer(d, g, ctx, groupsByName));
  validateLvs(config, ctx);
  checkScriptSecurity(config, ctx, s.globalLoc);
  checkUsers(config, ctx, s.globalLoc);
  return config;
}

// ───────────────────────────── global ─────────────────────────────

function finaliseGlobal(g: GlobalDefs, seen: Set<string>): void {
  if (g.vrrpMinGarp) {
    // Only defaults nobody set are changed.
    if (!seen.has('vrrp_garp_master_repeat')) g.vrrpGarpMasterRepeat = 1;
    if (!seen.has('vrrp_garp_master_delay')) g.vrrpGarpMasterDelayUs = 0;
    if (!seen.has('vrrp_garp_master_refresh')) g.vrrpGarpMasterRefreshUs = 0;
  }
  if (!seen.has('vmac_addr_prefix')) g.vmacAddrPrefix = g.vmacPrefix;
  if (g.snmpRsStatsUpdateIntervalUs === undefined) g.snmpRsStatsUpdateIntervalUs = g.snmpVsStatsUpdateIntervalUs;
}

// ───────────────────────────── VRRP instance ─────────────────────────────

function finaliseInstance(d: InstanceDraft, g: GlobalDefs, group: VrrpSyncGroup | undefined, ctx: BuildContext): VrrpInstance {
  const { garpOverrides, explicitVersion, locs } = d;
  const err = (m: string, loc: SourceLoc = d.loc, code?: 'fatal'): void => ctx.diags.error(loc, `(${d.name}) ${m}`, code);
  const warn = (m: string, loc: SourceLoc = d.loc): void => ctx.diags.warn(loc, `(${d.name}) ${m}`);

  const strict = d.strict ?? g.vrrpStrict;
  if (d.vrid === undefined) err('the virtual router id must be set', d.loc, 'fatal');

  // priority / state defaults (vrrp_complete_instance)
  const priority = d.priority ?? (d.state === 'MASTER' ? 255 : 100);
  let state = d.state ?? (priority === 255 ? 'MASTER' : 'BACKUP');

  // family: from the VIPs, else the configured source / peers, else IPv4
  const firstVip = d.virtualIpaddress[0];
  let family = d.family ?? firstVip?.prefix.family ?? d.unicastSrcIp?.family ?? d.mcastSrcIp?.family ?? d.unicastPeers[0]?.address.family ?? 4;
  if (d.family === 6 && firstVip && firstVip.prefix.family === 4) family = 4;
  const vips = d.virtualIpaddress.filter((v) => {
    if (v.prefix.family === family) return true;
    ctx.diags.error(v.loc, `(${d.name}): address family must match VRRP instance [${v.prefix.address}] - ignoring`);
    return false;
  });
  const evips = [...d.virtualIpaddressExcluded];

  let version: 2 | 3 = explicitVersion ?? g.vrrpVersion;
  if (family === 6 && version === 2) {
    if (explicitVersion === 2) ctx.diags.warn(locs.version ?? d.loc, `(${d.name}) cannot use VRRPv2 with IPv6 - using version 3`);
    version = 3;
  }

  // advert_int: v2 in whole seconds, v3 in centiseconds up to 40.95 s
  let advertIntUs = d.advertIntUs;
  if (version === 2) {
    const rounded = Math.max(1, Math.round(advertIntUs / 1e6)) * 1e6;
    if (rounded !== advertIntUs) {
      ctx.diags.error(locs.advert_int ?? d.loc, `(${d.name}) VRRPv2 advertisement interval ${advertIntUs / 1e6}s must be an integer - rounding to ${rounded / 1e6}`);
      advertIntUs = rounded;
    }
  } else {
    let cs = Math.round(advertIntUs / 10_000);
    if (cs > 4095) {
      ctx.diags.error(locs.advert_int ?? d.loc, `(${d.name}) VRRPv3 advert_int ${advertIntUs / 1e6} is more than 40.95 - using 40.95`);
      cs = 4095;
    }
    if (cs * 10_000 !== advertIntUs && cs !== 4095) ctx.diags.error(locs.advert_int ?? d.loc, `(${d.name}) VRRPv3 advertisement interval ${advertIntUs / 1e6}s must be in units of 10ms - rounding to ${cs / 100}`);
    advertIntUs = cs * 10_000;
  }

  let nopreempt = d.nopreempt;
  let preemptDelayUs = d.preemptDelayUs;
  let authentication = d.authentication;
  let accept = d.accept;
  let vmac = d.vmac;
  let vmacXmitBase = d.vmacXmitBase;
  let downTimerAdverts = d.downTimerAdverts ?? g.vrrpDownTimerAdverts;
  let noVirtualIpaddress = d.noVirtualIpaddress;

  if (strict) {
    if (authentication) { err('Strict mode does not support authentication. Ignoring.', locs.authentication); authentication = undefined; }
    if (state === 'MASTER' && priority !== 255) { err('Strict mode requires state MASTER only with priority 255 - using BACKUP', locs.state); state = 'BACKUP'; }
    if (priority === 255 && state !== 'MASTER') { err('State MASTER must match being address owner - using MASTER', locs.state); state = 'MASTER'; }
    if (d.unicastPeers.length > 0) err('Strict mode does not support unicast peers', locs.unicast_peer, 'fatal');
    if (vips.length === 0) err('No VIP specified; at least one is required', d.loc, 'fatal');
    noVirtualIpaddress = false;
    if (vmac?.mac !== undefined) { err('Strict mode does not allow a configured VMAC address - ignoring it', locs.use_vmac); vmac = { ...vmac }; delete vmac.mac; }
    if (vmacXmitBase) { err('Strict mode does not support vmac_xmit_base - clearing', locs.vmac_xmit_base); vmacXmitBase = false; }
    if (preemptDelayUs) { err('Strict mode does not support preempt_delay - clearing', locs.preempt_delay); preemptDelayUs = 0; }
    if (downTimerAdverts !== 3) { err('Strict mode requires down_timer_adverts 3 - resetting', locs.down_timer_adverts); downTimerAdverts = 3; }
    if (accept === true && version === 2) { err('Strict mode does not support accept mode with VRRPv2 - clearing', locs.accept); accept = false; }
    if (family === 6 && firstVip && !isIpv6LinkLocal(firstVip.prefix)) err('Strict mode: the first IPv6 VIP should be link-local', firstVip.loc);
  } else if (vips.length === 0 && !noVirtualIpaddress) {
    err(version === 3 ? 'No VIP specified; at least one is required' : 'No VIP specified; at least one is sensible', d.loc, version === 3 ? 'fatal' : undefined);
  }
  if (vips.length > 255) {
    err(`more than 255 VIPs - moving the excess to virtual_ipaddress_excluded`);
    evips.push(...vips.splice(255));
  }

  if (nopreempt && priority === 255) { err('nopreempt is incompatible with priority 255. resetting nopreempt', locs.nopreempt); nopreempt = false; }
  else if (nopreempt && state === 'MASTER') { err('Warning - nopreempt will not work with initial state MASTER - clearing', locs.nopreempt); nopreempt = false; }
  if (preemptDelayUs && (state === 'MASTER' || nopreempt)) {
    err(`Warning - preempt delay will not work with ${nopreempt ? 'nopreempt' : 'initial state MASTER'} - clearing`, locs.preempt_delay);
    preemptDelayUs = 0;
  }
  if (d.timerExpiredBackup !== undefined && !nopreempt) warn('timer_expired_backup needs nopreempt - ignoring');

  if (authentication) {
    if (version === 3) { err('VRRP version 3 does not support authentication. Ignoring.', locs.authentication); authentication = undefined; }
    else if (authentication.type === 'AH' && family === 6) { err('IPsec-AH authentication is not supported with IPv6 - ignoring', locs.authentication); authentication = undefined; }
    else if (authentication.type === 'AH' && state === 'MASTER' && priority !== 255) {
      err('Initial state master is incompatible with AH authentication - clearing', locs.state);
      state = 'BACKUP';
    }
  }

  if (accept === undefined) accept = strict ? priority === 255 : true;

  // interface
  if (d.interface === undefined) {
    if (!d.unicastSrcIp || d.unicastPeers.length === 0) {
      err('Unknown interface! (interface must be given unless unicast_src_ip and unicast_peer are)', d.loc, 'fatal');
    } else if (isIpv6LinkLocal(d.unicastSrcIp)) {
      err('unicast_src_ip must not be link-local without an interface', locs.unicast_src_ip, 'fatal');
    }
    if (vmac) err('use_vmac needs an interface', locs.use_vmac, 'fatal');
  } else if (ctx.env.interfaceExists && !g.dynamicInterfaces && !ctx.env.interfaceExists(d.interface)) {
    ctx.diags.warn(locs.interface ?? d.loc, `WARNING - interface ${d.interface} for vrrp_instance ${d.name} doesn't exist`, 'bad-interface');
  }
  if (vmacXmitBase && !vmac) { warn('vmac_xmit_base without use_vmac - ignoring'); vmacXmitBase = false; }
  if (vmac && d.unicastPeers.length > 0 && !vmacXmitBase) {
    err('unicast with use_vmac requires vmac_xmit_base - setting', locs.use_vmac);
    vmacXmitBase = true;
  }
  if (vmac) {
    for (const v of [...vips, ...evips]) if (v.useVmac) err(`use_vmac specified for VIP/eVIP ${v.prefix.address}/${v.prefix.prefixLen} and vrrp instance`, v.loc);
  }
  if (d.unicastPeers.length === 0 && !d.unicastFaultNoPeer && (d.unicastSrcIp || d.unicastTtl !== undefined || locs.unicast_peer)) {
    err('A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.', locs.unicast_src_ip ?? locs.unicast_peer);
  }
  if (vmac && vmac.name === '') vmac = { ...vmac, name: `${g.vmacPrefix}.${d.vrid ?? 0}` };

  // unicast addresses must match the family
  const peers = d.unicastPeers.filter((p) => {
    if (p.address.family !== family) { ctx.diags.error(p.loc, `(${d.name}) unicast peer ${p.address.address} is not the family of the instance - ignoring`); return false; }
    return true;
  });
  for (const [k, a] of [['unicast_src_ip', d.unicastSrcIp], ['mcast_src_ip', d.mcastSrcIp], ['mcast_dst_ip', d.mcastDstIp]] as const) {
    if (a && a.family !== family) err(`${k} ${a.address} is not the family of the instance`, locs[k]);
  }
  const hasTtlCheck = peers.some((p) => p.minTtl !== undefined || p.maxTtl !== undefined);

  // the interface that VIPs without `dev` go on
  const devOf = d.interface ?? g.defaultInterface;
  for (const list of [vips, evips]) for (const v of list) if (v.dev === undefined) v.dev = devOf;
  for (const list of [vips, evips]) checkDevs(list, g, ctx, 'ip address');
  checkDevs(d.virtualRoutes, g, ctx, 'route');
  untrackableRoutes(d.virtualRoutes, ctx, `(${d.name}) `);
  for (const r of d.virtualRules) {
    if (r.priority === undefined) ctx.diags.warn(r.loc, `(${d.name}) Rule has no preference specified - one is assigned. This is probably not what you want.`, 'keepalived-error');
  }


  const garp = {
    masterDelayUs: garpOverrides.masterDelayUs ?? g.vrrpGarpMasterDelayUs,
    masterRepeat: garpOverrides.masterRepeat ?? g.vrrpGarpMasterRepeat,
    masterRefreshUs: garpOverrides.masterRefreshUs ?? g.vrrpGarpMasterRefreshUs,
    masterRefreshRepeat: garpOverrides.masterRefreshRepeat ?? g.vrrpGarpMasterRefreshRepeat,
    lowerPrioDelayUs: 0,
    lowerPrioRepeat: 0,
  };
  garp.lowerPrioDelayUs = garpOverrides.lowerPrioDelayUs ?? g.vrrpGarpLowerPrioDelayUs ?? garp.masterDelayUs;
  garp.lowerPrioRepeat = garpOverrides.lowerPrioRepeat ?? g.vrrpGarpLowerPrioRepeat ?? garp.masterRepeat;
  let lowerPrioNoAdvert = d.lowerPrioNoAdvert ?? g.vrrpLowerPrioNoAdvert ?? strict;
  let higherPrioSendAdvert = d.higherPrioSendAdvert ?? g.vrrpHigherPrioSendAdvert ?? false;
  let ownerIgnoreAdverts = d.ownerIgnoreAdverts ?? g.vrrpOwnerIgnoreAdverts ?? strict;
  if (strict) {
    garp.lowerPrioDelayUs = 0;
    garp.lowerPrioRepeat = 0;
    lowerPrioNoAdvert = true;
    higherPrioSendAdvert = false;
    if (priority === 255) ownerIgnoreAdverts = true;
  }

  // One object literal with every field in a fixed order: spreading the draft and then adding
  // fields made V8 fall back to dictionary-mode objects (measured 5x slower on 20 000 instances).
  const inst: VrrpInstance = {
    name: d.name, loc: d.loc, state, vrid: d.vrid ?? 0, priority, advertIntUs, family, version, nopreempt, preemptDelayUs,
    downTimerAdverts, strict, debug: d.debug,
    virtualIpaddress: vips, virtualIpaddressExcluded: evips, noVirtualIpaddress, virtualRoutes: d.virtualRoutes,
    virtualRules: d.virtualRules, promoteSecondaries: d.promoteSecondaries, accept,
    skipCheckAdvAddr: d.skipCheckAdvAddr ?? g.vrrpSkipCheckAdvAddr,
    unicastPeers: peers, unicastFaultNoPeer: d.unicastFaultNoPeer,
    checkUnicastSrc: d.checkUnicastSrc ?? (g.vrrpCheckUnicastSrc || hasTtlCheck),
    v3ChecksumAsV2: d.v3ChecksumAsV2 ?? g.v3ChecksumAsV2, trackSrcIp: d.trackSrcIp,
    useVmacAddr: d.useVmacAddr, vmacXmitBase, dontTrackPrimary: d.dontTrackPrimary, linkbeatUsePolling: d.linkbeatUsePolling,
    trackInterfaces: d.trackInterfaces, trackScripts: d.trackScripts, trackFiles: d.trackFiles,
    trackProcesses: d.trackProcesses, trackBfds: d.trackBfds,
    garp, lowerPrioNoAdvert, higherPrioSendAdvert, ownerIgnoreAdverts, notify: d.notify,
    notifyPriorityChanges: d.notifyPriorityChanges ?? group?.notifyPriorityChanges ?? g.vrrpNotifyPriorityChanges,
    smtpAlert: d.smtpAlert ?? group?.smtpAlert ?? g.smtpAlertVrrp ?? g.smtpAlert ?? false,
  };
  if (d.interface !== undefined) inst.interface = d.interface;
  if (d.mcastSrcIp) inst.mcastSrcIp = d.mcastSrcIp;
  if (d.unicastSrcIp) inst.unicastSrcIp = d.unicastSrcIp;
  if (d.mcastDstIp) inst.mcastDstIp = d.mcastDstIp;
  if (d.unicastTtl !== undefined) inst.unicastTtl = d.unicastTtl;
  if (d.oldUnicastChecksum !== undefined) inst.oldUnicastChecksum = d.oldUnicastChecksum;
  if (d.vrf !== undefined) inst.vrf = d.vrf;
  if (d.kernelRxBufSize !== undefined) inst.kernelRxBufSize = d.kernelRxBufSize;
  if (d.ipvlan) inst.ipvlan = d.ipvlan;
  if (d.garpExtraIf) inst.garpExtraIf = d.garpExtraIf;
  if (d.lvsSyncDaemonInterface !== undefined) inst.lvsSyncDaemonInterface = d.lvsSyncDaemonInterface;
  if (vmac) inst.vmac = vmac;
  if (authentication) inst.authentication = authentication;
  if (d.timerExpiredBackup !== undefined && nopreempt) inst.timerExpiredBackup = d.timerExpiredBackup;
  return inst;
}

// ───────────────────────────── VRRP cross-checks ─────────────────────────────

function validateVrrp(c: KeepalivedConfig, ctx: BuildContext): void {
  const byName = new Map(c.vrrpInstances.map((i) => [i.name, i]));

  // sync groups: members exist, one group per instance, more than one member
  const memberOf = new Map<string, string>();
  for (const sg of c.vrrpSyncGroups) {
    const kept: string[] = [];
    for (const m of sg.members) {
      if (!byName.has(m)) { ctx.diags.error(sg.loc, `Virtual router ${m} specified in sync group ${sg.name} doesn't exist - ignoring`); continue; }
      const other = memberOf.get(m);
      if (other !== undefined) { ctx.diags.error(sg.loc, `Virtual router ${m} cannot exist in more than one sync group; it is in ${other} and ${sg.name} - ignoring`); continue; }
      memberOf.set(m, sg.name);
      kept.push(m);
    }
    sg.members = kept;
    if (kept.length === 0) ctx.diags.error(sg.loc, `Sync group ${sg.name} has no virtual router(s) - removing`);
    // keepalived 2.2.7 counts this as a config error (`-t` fails) but runs the group.
    else if (kept.length === 1) ctx.diags.error(sg.loc, `Sync group ${sg.name} has only 1 virtual router(s) - this probably isn't what you want`);
    // group trackers apply to every member
    for (const m of kept) {
      const inst = byName.get(m);
      if (!inst) continue;
      inst.syncGroup = sg.name;
      inst.trackInterfaces.push(...sg.trackInterfaces);
      inst.trackScripts.push(...sg.trackScripts);
      inst.trackFiles.push(...sg.trackFiles);
      inst.trackProcesses.push(...sg.trackProcesses);
      inst.trackBfds.push(...sg.trackBfds);
    }
    const members = kept.map((m) => byName.get(m)).filter((x): x is VrrpInstance => x !== undefined);
    const owners = members.filter((i) => i.priority === 255);
    if (owners.length > 0 && owners.length < members.length) {
      ctx.diags.warn(sg.loc, `Sync group ${sg.name} has some members with priority 255 and some without - all start as BACKUP`);
    }
  }
  c.vrrpSyncGroups = c.vrrpSyncGroups.filter((sg) => sg.members.length > 0);

  // tracker references
  const scripts = new Map(c.vrrpScripts.map((s) => [s.name, s]));
  const files = new Set(c.trackFiles.map((f) => f.name));
  const procs = new Set(c.trackProcesses.map((p) => p.name));
  const bfds = new Set(c.bfdInstances.map((b) => b.name));
  // vrrp_scripts whose program cannot be found are disabled (keepalived -t fails on them).
  const usable = ctx.env.scriptUsable;
  if (usable) {
    c.vrrpScripts = c.vrrpScripts.filter((s) => {
      const prog = s.script?.argv[0];
      if (prog === undefined || usable(prog)) return true;
      ctx.diags.error(s.loc, `Disabling track script ${s.name} since not found/accessible`);
      scripts.delete(s.name);
      return false;
    });
  }
  const usedScripts = new Set<string>();
  const procWeight = new Map(c.trackProcesses.map((p) => [p.name, p.weight]));
  const bfdWeight = new Map(c.bfdInstances.map((b) => [b.name, b.weight]));
  const fileWeight = new Map(c.trackFiles.map((f) => [f.name, f.weight]));
  const groupWeighted = new Map(c.vrrpSyncGroups.map((g) => [g.name, g.syncGroupTrackingWeight]));
  for (const inst of c.vrrpInstances) {
    const resolve = (list: TrackRef[], known: (n: string) => boolean, what: string): TrackRef[] => list.filter((r) => {
      if (!known(r.name)) { ctx.diags.error(r.loc, `(${inst.name}) ${what} ${r.name} not found, ignoring...`); return false; }
      return true;
    });
    inst.trackScripts = resolve(inst.trackScripts, (n) => scripts.has(n), 'track script');
    inst.trackFiles = resolve(inst.trackFiles, (n) => files.has(n), 'track file');
    inst.trackProcesses = resolve(inst.trackProcesses, (n) => procs.has(n), 'track process');
    inst.trackBfds = resolve(inst.trackBfds, (n) => bfds.has(n), 'track bfd');
    for (const r of inst.trackScripts) usedScripts.add(r.name);
    if (ctx.env.interfaceExists && !c.global.dynamicInterfaces) {
      for (const r of inst.trackInterfaces) {
        if (!ctx.env.interfaceExists(r.name)) ctx.diags.warn(r.loc, `(${inst.name}) tracked interface ${r.name} doesn't exist`, 'bad-interface');
      }
    }
    // weights: the owner's priority never changes; sync group members only with tracking weight
    const effectiveWeight = (r: TrackRef, own: number | undefined): number => r.weight ?? own ?? 0;
    const weighted = (list: TrackRef[], own: (n: string) => number | undefined, what: string): TrackRef[] => list.filter((r) => {
      const w = effectiveWeight(r, own(r.name));
      if (w === 0) return true;
      if (inst.priority === 255) {
        // The owner's priority can never change: keepalived drops the tracker.
        ctx.diags.error(r.loc, `(${inst.name}) ignoring ${r.name} ${what} due to address owner`);
        return false;
      }
      if (inst.syncGroup !== undefined && !groupWeighted.get(inst.syncGroup)) {
        ctx.diags.error(r.loc, `(${inst.name}) ignoring ${r.name} ${what} weight due to SYNC group (use sync_group_tracking_weight)`);
        r.weight = 0;
      }
      return true;
    });
    // Tracking the instance's own interface is implicit (unless dont_track_primary).
    inst.trackInterfaces = inst.trackInterfaces.filter((r) => {
      if (r.name !== inst.interface) return true;
      ctx.diags.error(r.loc, `(${inst.name}) Ignoring track_interface ${r.name} since own interface`);
      return false;
    });
    inst.trackInterfaces = weighted(inst.trackInterfaces, () => undefined, 'tracked interface');
    inst.trackScripts = weighted(inst.trackScripts, (n) => scripts.get(n)?.weight, 'track_script');
    inst.trackProcesses = weighted(inst.trackProcesses, (n) => procWeight.get(n), 'track_process');
    inst.trackBfds = weighted(inst.trackBfds, (n) => bfdWeight.get(n), 'track_bfd');
    inst.trackFiles = weighted(inst.trackFiles, (n) => fileWeight.get(n), 'track_file');
  }
  for (const s of c.vrrpScripts) {
    if (!usedScripts.has(s.name)) ctx.diags.warn(s.loc, `vrrp_script ${s.name} is not used by any instance - removing`);
  }
  c.vrrpScripts = c.vrrpScripts.filter((s) => usedScripts.has(s.name));

  // VRID conflicts: same family + VRID + interface + transport. Bucketed so that configs with
  // tens of thousands of instances (~SEQ) stay linear.
  const buckets = new Map<string, VrrpInstance[]>();
  for (const inst of c.vrrpInstances) {
    if (inst.vrid === 0) continue;
    const key = `${inst.vrid}|${inst.family}|${inst.interface ?? ''}`;
    const seen = buckets.get(key) ?? [];
    buckets.set(key, seen);
    for (const o of seen) {
      const ou = o.unicastPeers.length > 0;
      const iu = inst.unicastPeers.length > 0;
      if (ou !== iu) continue;
      if (!ou && sameGroup(o, inst, c.global)) {
        ctx.diags.error(inst.loc, `${o.name} and ${inst.name} both use VRID ${inst.vrid} with IPv${inst.family} on interface ${inst.interface ?? '(none)'}`);
      } else if (ou && sameAddr(o.unicastSrcIp, inst.unicastSrcIp) && o.unicastPeers.some((p) => inst.unicastPeers.some((q) => compareAddresses(p.address, q.address) === 0))) {
        ctx.diags.error(inst.loc, `${o.name} and ${inst.name} both use VRID ${inst.vrid} with IPv${inst.family} unicast to the same peer on interface ${inst.interface ?? '(none)'}`);
      }
    }
    seen.push(inst);
  }

  // track_group / garp_group / lvs_sync_daemon references
  for (const tg of c.trackGroups) {
    for (const m of tg.members) if (!byName.has(m)) ctx.diags.error(tg.loc, `track_group ${tg.name}: vrrp_instance ${m} doesn't exist`);
  }
  const sync = c.global.lvsSyncDaemon;
  if (sync?.instance !== undefined && !byName.has(sync.instance)) {
    ctx.diags.error(c.vrrpInstances[0]?.loc ?? { file: '(config)', line: 0 }, `lvs_sync_daemon: vrrp_instance ${sync.instance} doesn't exist`);
  }
}

function sameAddr(a: IpAddress | undefined, b: IpAddress | undefined): boolean {
  if (!a || !b) return a === b;
  return compareAddresses(a, b) === 0;
}

function sameGroup(a: VrrpInstance, b: VrrpInstance, g: GlobalDefs): boolean {
  const def = a.family === 4 ? g.vrrpMcastGroup4 : g.vrrpMcastGroup6;
  return compareAddresses(a.mcastDstIp ?? def, b.mcastDstIp ?? def) === 0;
}

function fillStaticDevs(c: KeepalivedConfig, ctx: BuildContext): void {
  const exists = ctx.env.interfaceExists;
  if (exists && !c.global.dynamicInterfaces) {
    for (const d of c.interfaceUpDownDelays) {
      if (!exists(d.name)) ctx.diags.warn(d.loc, `unknown interface ${d.name} specified for up/down delay`, 'bad-interface');
    }
  }
  for (const a of c.staticIpaddress) if (a.dev === undefined) a.dev = c.global.defaultInterface;
  checkDevs(c.staticIpaddress, c.global, ctx, 'ip address');
  checkDevs(c.staticRoutes, c.global, ctx, 'route');
  untrackableRoutes(c.staticRoutes, ctx, '');
  let pref = 16384;
  for (const r of [...c.staticRules]) {
    if (r.priority === undefined) {
      ctx.diags.warn(r.loc, `Rule has no preference specified - setting to ${pref}. This is probably not what you want.`, 'keepalived-error');
      r.priority = pref--;
    }
  }
}

/** A tracked route needs an interface to watch; keepalived says so (and `-t` fails). */
function untrackableRoutes(routes: { noTrack: boolean; dev?: string; nexthops: { dev?: string }[]; dst: { address: string; prefixLen: number }; loc: SourceLoc }[], ctx: BuildContext, prefix: string): void {
  for (const r of routes) {
    if (!r.noTrack && r.dev === undefined && r.nexthops.every((n) => n.dev === undefined)) {
      ctx.diags.warn(r.loc, `${prefix}cannot track route ${r.dst.address}/${r.dst.prefixLen} with no interface specified, not tracking`, 'keepalived-error');
    }
  }
}

/** keepalived warns about (and `-t` fails on) interfaces of addresses/routes that do not exist. */
function checkDevs(list: { dev?: string; loc: SourceLoc; prefix?: { address: string }; dst?: { address: string } }[], g: GlobalDefs, ctx: BuildContext, what: string): void {
  const exists = ctx.env.interfaceExists;
  if (!exists || g.dynamicInterfaces) return;
  for (const e of list) {
    if (e.dev !== undefined && !exists(e.dev)) {
      ctx.diags.warn(e.loc, `WARNING - interface ${e.dev} for ${what} ${(e.prefix ?? e.dst)?.address ?? ''} doesn't exist`, 'bad-interface');
    }
  }
}

// ───────────────────────────── LVS ─────────────────────────────

function methodEq(a: LvsMethod, b: LvsMethod): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function finaliseVirtualServer(d: VirtualServerDraft, g: GlobalDefs, ctx: BuildContext, groups: Map<string, VirtualServerGroup>): VirtualServer {
  const locs = d.locs;
  const rsDrafts = d.realServers;
  const key = d.key;
  const name = key.kind === 'addr' ? `${key.address.family === 6 ? `[${key.address.address}]` : key.address.address}:${key.port}` : key.kind === 'fwmark' ? `fwmark ${key.fwmark}` : `group ${key.group}`;
  const err = (m: string, loc: SourceLoc = d.loc): void => ctx.diags.error(loc, `virtual_server ${name}: ${m}`);

  // keepalived 2.2.7 reports each missing default as a config error (`-t` fails), then uses it.
  let protocol = d.protocol;
  if (protocol === undefined) {
    protocol = 'UDP';
    // A group of fwmarks only needs no protocol either.
    const grp = key.kind === 'group' ? groups.get(key.group) : undefined;
    const addrGroup = grp === undefined || grp.entries.some((e) => e.kind === 'range');
    if (key.kind === 'addr' || (key.kind === 'group' && addrGroup)) err('no protocol set - defaulting to UDP');
  } else if (key.kind === 'fwmark') {
    err('protocol specified for fwmark - protocol will be ignored', locs.protocol);
  }
  if (d.scheduler === undefined) err("no scheduler set, setting default 'wlc'");
  if (d.method === undefined) err('no forwarding method set, setting default NAT');
  const scheduler = d.scheduler ?? 'wlc';
  const method = d.method ?? { kind: 'NAT' as const };
  // `{ ...rest, protocol, ... }` without object rest's slow generic copy (same keys, same order).
  const vs = copyExcept<VirtualServer>(d, 'persistenceGiven', 'locs', 'realServers');
  vs.protocol = protocol;
  vs.scheduler = scheduler;
  vs.method = method;
  vs.family = 4;
  vs.smtpAlert = d.smtpAlert ?? g.smtpAlertChecker ?? g.smtpAlert ?? false;
  vs.realServers = [];
  if (key.kind === 'addr' && key.port === 0 && vs.persistenceTimeoutS === undefined) {
    err('zero port only valid for persistent services - setting persistence_timeout 360');
    vs.persistenceTimeoutS = 360;
  }
  if (vs.flags.ops && protocol !== 'UDP' && key.kind !== 'fwmark') { err('one-packet scheduling (ops) is only for UDP - ignoring', locs.ops); vs.flags.ops = false; }
  if (vs.haSuspend && key.kind === 'fwmark') { err('ha_suspend is not supported with fwmark services - ignoring', locs.ha_suspend); vs.haSuspend = false; }

  // real servers inherit from the virtual server
  const rss: RealServer[] = [];
  // address:port already taken, by the numeric address (one map instead of comparing each pair).
  const taken = new Set<string | number>();
  for (const r of rsDrafts) {
    const rs = finaliseRealServer(r, vs, g, ctx, name);
    const k = endpointKey(rs.address, rs.port);
    if (taken.has(k)) { ctx.diags.error(rs.loc, `virtual_server ${name}: real server ${rs.address.address}:${rs.port} is duplicated - removing`); continue; }
    taken.add(k);
    rss.push(rs);
  }
  vs.realServers = rss;

  // family: from the address, else ip_family, else the real servers
  if (key.kind === 'addr') vs.family = key.address.family;
  else if (vs.ipFamily !== undefined) vs.family = vs.ipFamily;
  else vs.family = rss[0]?.address.family ?? 4;
  for (const rs of rss) {
    if (rs.address.family !== vs.family && rs.method.kind !== 'TUN') {
      ctx.diags.error(rs.loc, `virtual_server ${name}: real server ${rs.address.address} is not the family of the service (only TUN may mix families)`);
    }
  }
  if (vs.sorryServer) {
    const ss = vs.sorryServer;
    if (ss.port === 0 && key.kind === 'addr') ss.port = key.port;
    const same = rss.find((rs) => compareAddresses(rs.address, ss.address) === 0 && rs.port === ss.port);
    if (same && same.inhibitOnFailure !== vs.sorryServerInhibit) err('sorry server is also a real server and their inhibit settings differ');
  }

  const total = rss.reduce((a, r) => a + r.weight, 0);
  if (rss.length > 0 && vs.quorum > total) {
    err(`quorum ${vs.quorum} exceeds total weight of real servers ${total}, reducing quorum to ${Math.max(total, 1)}`);
    vs.quorum = Math.max(total, 1);
  }
  if (vs.hysteresis >= vs.quorum) {
    if (vs.hysteresis !== 0) err(`hysteresis ${vs.hysteresis} must be less than quorum ${vs.quorum} - using ${vs.quorum - 1}`);
    vs.hysteresis = Math.max(vs.quorum - 1, 0);
  }
  void methodEq;
  return vs;
}

/**
 * Equal for two address:port pairs exactly when the addresses compare equal and the ports
 * match. IPv4 (nearly every real server) gets a number, without building strings per server.
 */
function endpointKey(a: IpAddress, port: number): string | number {
  if (a.family === 4) {
    const v = ipv4Value(a.address);
    if (v >= 0) return v * 65536 + port;
  }
  return `${addressKey(a)}|${port}`;
}

/**
 * What `const { a, b, ...rest } = src` leaves in rest: src's own enumerable keys in order
 * without the excluded ones. Object rest goes through a slow generic path in V8; this loop
 * is several times faster on the 10,000s of real servers of big configs.
 */
function copyExcept<T>(src: object, ex1: string, ex2: string, ex3?: string): T {
  const from = src as Record<string, unknown>;
  const to: Record<string, unknown> = {};
  for (const k in from) {
    if (k !== ex1 && k !== ex2 && k !== ex3 && Object.prototype.hasOwnProperty.call(from, k)) to[k] = from[k];
  }
  return to as T;
}

function finaliseRealServer(r: RealServerDraft, vs: VirtualServer, g: GlobalDefs, ctx: BuildContext, vsName: string): RealServer {
  const own = r.rs;
  const givenPort = r.port;
  const method = own.method ?? vs.method;
  const key = vs.key;
  let port = givenPort ?? 0;
  if (key.kind === 'fwmark') {
    if (givenPort && method.kind !== 'NAT') port = 0;
  } else if (key.kind === 'addr') {
    if (method.kind !== 'NAT' && givenPort !== undefined && givenPort !== key.port && key.port !== 0) {
      ctx.diags.error(own.loc, `virtual_server ${vsName}: ${method.kind} real server ${own.address.address} port ${givenPort} does not match the service port - resetting to ${key.port}`);
      port = key.port;
    } else if (givenPort === undefined) port = key.port;
  }
  // Completed in place: the server's own keys in the order given, then the inherited values
  // (a value it set keeps its place). The same object `{ ...own, port, method, ... }` would
  // be, without copying 10,000s of real servers.
  const rs = own as RealServer;
  rs.port = port;
  rs.method = method;
  rs.weight = own.weight ?? vs.weight;
  rs.inhibitOnFailure = own.inhibitOnFailure ?? vs.inhibitOnFailure;
  rs.alpha = own.alpha ?? vs.alpha;
  rs.connectTimeoutUs = own.connectTimeoutUs ?? vs.connectTimeoutUs;
  rs.delayLoopUs = own.delayLoopUs ?? vs.delayLoopUs;
  rs.smtpAlert = own.smtpAlert ?? g.smtpAlertChecker ?? g.smtpAlert ?? true;
  rs.checkers = [];
  if (rs.retry === undefined && vs.retry !== undefined) rs.retry = vs.retry;
  if (rs.delayBeforeRetryUs === undefined && vs.delayBeforeRetryUs !== undefined) rs.delayBeforeRetryUs = vs.delayBeforeRetryUs;
  if (rs.warmupUs === undefined && vs.warmupUs !== undefined) rs.warmupUs = vs.warmupUs;
  if (rs.virtualhost === undefined && vs.virtualhost !== undefined) rs.virtualhost = vs.virtualhost;
  // The draft's own array (exact-size for one checker: see addChecker), finalised in place.
  const checkers = r.checkers as Array<CheckerDraft | Checker>;
  for (let i = 0; i < checkers.length; i++) checkers[i] = finaliseChecker(checkers[i] as CheckerDraft, rs, ctx);
  rs.checkers = checkers as Checker[];
  return rs;
}

function finaliseChecker(c: CheckerDraft, rs: RealServer, ctx: BuildContext): Checker {
  if (c.type === 'FILE_CHECK' || c.type === 'BFD_CHECK') return c;
  const delayLoopUs = c.delayLoopUs ?? rs.delayLoopUs;
  const alpha = c.alpha ?? rs.alpha;
  const defRetry = c.type === 'DNS_CHECK' ? 3 : c.type === 'MISC_CHECK' ? 0 : 1;
  const defDelay = c.type === 'HTTP_GET' || c.type === 'SSL_GET' ? 3_000_000 : c.type === 'DNS_CHECK' ? delayLoopUs : 1_000_000;
  const retry = c.retry ?? rs.retry ?? defRetry;
  const delayBeforeRetryUs = c.delayBeforeRetryUs ?? rs.delayBeforeRetryUs ?? defDelay;
  const warmupUs = c.warmupUs ?? rs.warmupUs ?? delayLoopUs;
  // Written as assignments onto a copy rather than `{ ...c, ...timing, x }` (same keys in the
  // same order): spreading a fresh object per checker dominated big configs.
  if (c.type === 'MISC_CHECK') {
    const m = copyExcept<MiscCheck>(c, 'connectTimeoutUs', '');
    m.retry = retry;
    m.delayBeforeRetryUs = delayBeforeRetryUs;
    m.warmupUs = warmupUs;
    m.delayLoopUs = delayLoopUs;
    m.alpha = alpha;
    m.timeoutUs = c.timeoutUs ?? delayLoopUs;
    return m;
  }
  // SMTP_CHECK: whether the checker set its own connection, before the inherited values land.
  const own = c as Partial<CheckerCommon>;
  const ownConnection = c.type === 'SMTP_CHECK' && (own.connectIp !== undefined || own.connectPort !== undefined || own.bindTo !== undefined || own.bindPort !== undefined
    || own.bindIf !== undefined || own.fwmark !== undefined || own.connectTimeoutUs !== undefined);
  // Completed in place (the draft is not used again): its keys keep their order and the
  // inherited ones are appended, which is the object `{ ...c, retry, ... }` without the copy.
  const out = c as typeof c & { retry: number; delayBeforeRetryUs: number; warmupUs: number; delayLoopUs: number; alpha: boolean; connectTimeoutUs: number };
  out.retry = retry;
  out.delayBeforeRetryUs = delayBeforeRetryUs;
  out.warmupUs = warmupUs;
  out.delayLoopUs = delayLoopUs;
  out.alpha = alpha;
  out.connectTimeoutUs = c.connectTimeoutUs ?? rs.connectTimeoutUs;
  const target = out.connectIp ?? rs.address;
  if (out.bindTo && out.bindTo.family !== target.family) {
    ctx.diags.error(c.loc, `bindto address ${out.bindTo.address} does not match address family of connect_ip - skipping`);
    delete out.bindTo;
  }
  if ((out.type === 'HTTP_GET' || out.type === 'SSL_GET') && out.virtualhost === undefined && rs.virtualhost !== undefined) out.virtualhost = rs.virtualhost;
  if (out.type === 'SMTP_CHECK' && out.hosts) {
    out.checkOwnConnection = ownConnection;
    out.hosts = out.hosts.map((h) => ({ ...h, connectTimeoutUs: (h as Partial<SmtpHost>).connectTimeoutUs ?? out.connectTimeoutUs }));
  }
  return out as Checker;
}

function validateLvs(c: KeepalivedConfig, ctx: BuildContext): void {
  const groups = new Map(c.virtualServerGroups.map((g) => [g.name, g]));
  const used = new Set<string>();
  const files = new Set(c.trackFiles.map((f) => f.name));
  const bfds = new Set(c.bfdInstances.map((b) => b.name));
  for (const vs of c.virtualServers) {
    if (vs.key.kind === 'group') {
      const g = groups.get(vs.key.group);
      // keepalived 2.2.7 drops such a service silently (`-t` passes); we say so.
      if (!g) ctx.diags.warn(vs.loc, `virtual_server group ${vs.key.group}: no virtual_server_group ${vs.key.group} - ignoring this virtual server`);
      else {
        used.add(g.name);
        const fams = new Set(g.entries.filter((e) => e.kind === 'range').map((e) => (e.kind === 'range' ? e.first.family : 4)));
        if (fams.size > 1) ctx.diags.warn(g.loc, `virtual_server_group ${g.name} mixes IPv4 and IPv6 addresses`);
        const fam = [...fams][0];
        if (fam !== undefined && vs.ipFamily === undefined) vs.family = fam;

      }
    }
    for (const rs of vs.realServers) {
      for (const ch of rs.checkers) {
        if (ch.type === 'FILE_CHECK' && ch.trackFile !== undefined && !files.has(ch.trackFile)) ctx.diags.error(ch.loc, `FILE_CHECK: track_file ${ch.trackFile} not found`);
        if (ch.type === 'BFD_CHECK' && ch.name !== undefined && !bfds.has(ch.name)) ctx.diags.error(ch.loc, `BFD_CHECK: bfd_instance ${ch.name} not found`);
        if (ch.type === 'SSL_GET' && !c.ssl) { /* keepalived builds a default context: nothing to say */ }
      }
    }
  }
  c.virtualServers = c.virtualServers.filter((vs) => vs.key.kind !== 'group' || groups.has(vs.key.group));
  // keepalived drops a service without real servers (a sorry server alone is not enough).
  c.virtualServers = c.virtualServers.filter((vs) => {
    if (vs.realServers.length > 0) return true;
    ctx.diags.error(vs.loc, 'virtual_server has no real servers - ignoring');
    return false;
  });
  for (const g of c.virtualServerGroups) {
    if (g.entries.length === 0) ctx.diags.error(g.loc, `virtual server group ${g.name} has no entries - removing`);
    else if (!used.has(g.name)) ctx.diags.warn(g.loc, `virtual_server_group ${g.name} is not used by any virtual_server`);
  }
  c.virtualServerGroups = c.virtualServerGroups.filter((g) => g.entries.length > 0);

  // the same service twice
  const keys = new Map<string, SourceLoc>();
  for (const vs of c.virtualServers) {
    const k = vs.key.kind === 'addr' ? `${vs.key.address.address}|${vs.key.port}|${vs.protocol}` : vs.key.kind === 'fwmark' ? `fwmark|${vs.key.fwmark}|${vs.family}` : `group|${vs.key.group}|${vs.protocol}`;
    const prev = keys.get(k);
    if (prev) ctx.diags.warn(vs.loc, `virtual_server is defined twice (also at line ${prev.line})`);
    else keys.set(k, vs.loc);
  }
}

// ───────────────────────────── scripts ─────────────────────────────

/** keepalived refuses (`-t` exits 6) when scripts run without enable_script_security. */
function checkScriptSecurity(c: KeepalivedConfig, ctx: BuildContext, globalLoc: SourceLoc | undefined): void {
  if (c.global.enableScriptSecurity) return;
  let where: SourceLoc | undefined;
  // Only scripts keepalived would actually run count: with env.scriptUsable, those whose
  // program exists (keepalived drops the others before its security check).
  const usable = ctx.env.scriptUsable;
  const runs = (x: unknown): boolean => {
    if (!x) return false;
    if (!usable) return true;
    const cmds = [x, (x as { script?: unknown }).script].filter((v): v is ScriptCommand => typeof v === 'object' && v !== null && Array.isArray((v as ScriptCommand).argv));
    return cmds.some((c) => c.argv[0] !== undefined && usable(c.argv[0]));
  };
  const note = (loc: SourceLoc | undefined, present: unknown): void => { if (!where && loc && runs(present)) where = loc; };
  for (const s of c.vrrpScripts) note(s.loc, s.script);
  for (const i of c.vrrpInstances) for (const x of Object.values(i.notify)) note(i.loc, x);
  for (const sg of c.vrrpSyncGroups) for (const x of Object.values(sg.notify)) note(sg.loc, x);
  for (const vs of c.virtualServers) {
    note(vs.loc, vs.quorumUp);
    note(vs.loc, vs.quorumDown);
    for (const rs of vs.realServers) {
      note(rs.loc, rs.notifyUp);
      note(rs.loc, rs.notifyDown);
      for (const ch of rs.checkers) if (ch.type === 'MISC_CHECK') note(ch.loc, ch.path);
    }
  }
  const g = c.global;
  const gloc = globalLoc ?? c.vrrpInstances[0]?.loc ?? c.virtualServers[0]?.loc;
  // FIFO reader scripts do not count for keepalived 2.2.7; start/shutdown scripts do.
  note(gloc, g.startupScript);
  note(gloc, g.shutdownScript);
  if (where) ctx.diags.warn(where, 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.', 'security');
}

/** script_user (and script users of keywords) must exist when env.userExists can tell. */
function checkUsers(c: KeepalivedConfig, ctx: BuildContext, globalLoc: SourceLoc | undefined): void {
  const exists = ctx.env.userExists;
  const su = c.global.scriptUser;
  if (!exists || !su) return;
  if (!exists(su.user)) ctx.diags.error(globalLoc ?? { file: '(config)', line: 0 }, `Error setting global script uid/gid: no user '${su.user}'`);
}
