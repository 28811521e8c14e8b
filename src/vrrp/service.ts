// The VRRP child's service (src/daemon/service.ts contract): the typed configuration mapped
// onto the VRRP runtime on the real system, with the pieces around it keepalived's VRRP
// process has: interface tracking (link monitor), vrrp_scripts, notifications, reload that
// keeps state, and the data/stats/json dumps.
import type { ChildContext, ChildService, DumpKind } from '../daemon/service.js';
import { EXIT, ServiceError } from '../daemon/service.js';
import { STATUS_VERSION, type StatusSnapshot, type VrrpInstanceStatus, type VrrpTransition } from '../daemon/status.js';
import type { StatName } from './fsm.js';
import type { FifoSpec, KeepalivedConfig, ScriptCommand, VrrpInstance as ModelInstance } from '../config/model.js';
import { LinkMonitor, linkUsable, type LinkEvent } from '../net/link-monitor.js';
import { RtnetlinkClient } from '../net/rtnetlink.js';
import { vrrpSpecsFromConfig, vrrpSyncGroupsFromConfig } from './from-config.js';
import { channelKeyFor, channelKeyString } from './instance.js';
import type { ChannelKey, StateChange, VrrpEventSink } from './ports.js';
import { VrrpRouter, type RouterOptions } from './router.js';
import { normaliseSpec, type VrrpInstanceSpec } from './spec.js';
import { warmUpFailover } from './warmup.js';
import { NetlinkAddresses } from './os/addresses.js';
import { DEFAULT_FIREWALL_TABLE, VrrpFirewall } from './os/firewall.js';
import { NfnetlinkSocket } from '../net/nftables/transport.js';
import { PacketAnnouncer } from './os/announce.js';
import { systemClock } from './os/clock.js';
import { RawSocketTransport } from './os/transport.js';
import { describeChannel, ResilientTransport } from './os/resilient-transport.js';
import { withSourceAddresses } from './os/system.js';
import { ProcSysctl } from './os/sysctl.js';
import { ensureVmacs, VmacManager } from './os/vmac.js';
import { linkFaults } from './vmac.js';
import { IprouteSet } from './iproute.js';
import { formatData, formatJson, formatStats, type InstanceView } from './service-dump.js';
import { TrackingTable } from './track/tracking.js';
import { ScriptRunner } from './track/scripts.js';
import { TrackFileWatcher } from './track/files.js';
import { ProcessTracker } from './track/processes.js';
import { scriptInsecurity } from './track/script-security.js';
import { resolveRunAs } from './track/run-as.js';
import { Notifier, type NotifyTarget } from './notify/notifier.js';
import { stateMail } from './notify/smtp.js';
import { sendMail, type MailSettings } from '../notify/smtp.js';
import { hostname } from 'node:os';
import { ChildSnmpAgent } from '../snmp/child-agent.js';
import { snmpSettings } from '../snmp/settings.js';
import { vrrpAgentSpec, vrrpGroupTraps, vrrpStateTraps } from '../snmp/vrrp-agent.js';
import { macBytes, type SnmpVrrpData } from '../snmp/vrrp-state.js';
import type { VrrpState } from '../daemon/status.js';
import { applyProcessTuning } from '../daemon/process-tuning.js';

function asModel(config: unknown): KeepalivedConfig {
  const c = config as Partial<KeepalivedConfig> | null;
  if (!c || typeof c !== 'object' || !Array.isArray(c.vrrpInstances) || !c.global) {
    throw new ServiceError('VRRP: the configuration was not understood (no typed model)', EXIT.CONFIG);
  }
  return c as KeepalivedConfig;
}

const SOCKET_FAULT = 'tracker:socket' as const;

export class VrrpService implements ChildService {
  private config: KeepalivedConfig | undefined;
  private previousConfig: KeepalivedConfig | undefined;
  private specs: VrrpInstanceSpec[] = [];
  private router: VrrpRouter | undefined;
  private rt: RtnetlinkClient | undefined;
  private firewall: VrrpFirewall | undefined;
  /** router.stop() begun by beginStop. */
  private routerStopping: Promise<void> | undefined;
  private monitor: LinkMonitor | undefined;
  private announcer: PacketAnnouncer | undefined;
  private tracking: TrackingTable | undefined;
  /** The BFD sessions' states as the BFD process last reported them (relayed by the parent). */
  private readonly bfdUp = new Map<string, boolean>();
  private scripts: ScriptRunner | undefined;
  private files: TrackFileWatcher | undefined;
  private processes: ProcessTracker | undefined;
  private notifier: Notifier | undefined;
  private readonly lastTransition = new Map<string, number>();
  /** For status: each instance's last state change and why. */
  private readonly transitions = new Map<string, VrrpTransition>();
  private iproute: IprouteSet | undefined;
  /** virtual_routes/rules changes, in order. */
  private routeQueue: Promise<void> = Promise.resolve();
  /** Channel key -> whether its socket is open (false: its instances are in FAULT). */
  private readonly socketDown = new Set<string>();
  private vmacs: VmacManager | undefined;
  /** VMAC re-creations, one at a time. */
  private vmacWork: Promise<void> = Promise.resolve();
  /** Instances whose VMAC could not be made: kept in FAULT. */
  private readonly vmacRefused = new Set<string>();
  /** For SNMP: when each instance last came up (left INIT/FAULT for BACKUP/MASTER), and group states. */
  private readonly upSince = new Map<string, number>();
  private readonly groupStates = new Map<string, VrrpState>();
  private readonly snmpStartedAt = Date.now();
  private readonly snmp: ChildSnmpAgent;

  constructor(private readonly ctx: ChildContext) {
    this.snmp = new ChildSnmpAgent(vrrpAgentSpec(() => this.snmpData()), ctx.log);
  }

  private log(line: string): void {
    this.ctx.log.info(line);
  }

  private readonly sink: VrrpEventSink = {
    log: (line) => this.log(line),
    stateChange: (c: StateChange) => {
      this.lastTransition.set(c.instance, Date.now() / 1000);
      this.transitions.set(c.instance, { at: Date.now(), from: c.from === 'DELETED' ? 'STOP' : c.from, to: c.state === 'DELETED' ? 'STOP' : c.state, reason: this.transitionReason(c) });
      this.followMaster(c);
      const t = this.notifyTarget(c.instance);
      if (t) this.notifier?.stateChange(t, c.state, c.priority);
      const up = c.state === 'BACKUP' || c.state === 'MASTER';
      if (up && c.from !== 'BACKUP' && c.from !== 'MASTER') this.upSince.set(c.instance, Date.now());
      this.snmp.invalidate();
      if (c.state !== 'DELETED') vrrpStateTraps(this.snmp, () => this.snmpData(), c.instance, c.state);
    },
    event: (instance, event, priority) => {
      const t = this.notifyTarget(instance);
      if (!t) return;
      const m = this.model(instance);
      // MASTER_PRIORITY/BACKUP_PRIORITY only with notify_priority_changes.
      if (event !== 'MASTER_RX_LOWER_PRI' && !(m?.notifyPriorityChanges || this.config?.global.vrrpNotifyPriorityChanges)) return;
      this.notifier?.event(t, event, priority);
    },
    groupStateChange: (c) => {
      const g = this.config?.vrrpSyncGroups.find((x) => x.name === c.group);
      if (!g) return;
      this.groupStates.set(g.name, c.state);
      this.snmp.invalidate();
      vrrpGroupTraps(this.snmp, () => this.snmpData(), g.name);
      this.notifier?.stateChange({ kind: 'GROUP', name: g.name, scripts: { ...g.notify } }, c.state, 0);
    },
  };

  /** virtual_routes / virtual_rules are installed while MASTER (after the VIPs they may use). */
  private followMaster(c: StateChange): void {
    const m = this.model(c.instance);
    const ipr = this.iproute;
    if (!m || !ipr || (m.virtualRoutes.length === 0 && m.virtualRules.length === 0)) return;
    const who = `(${m.name})`;
    if (c.state === 'MASTER') {
      this.routeQueue = this.routeQueue.then(async () => {
        await ipr.addRoutes(who, m.virtualRoutes);
        await ipr.addRules(who, m.virtualRules);
      });
    } else if (c.from === 'MASTER') {
      this.routeQueue = this.routeQueue.then(async () => {
        await ipr.removeRules(who, m.virtualRules);
        await ipr.removeRoutes(who, m.virtualRoutes);
      });
    }
  }

  private async applyStatic(cfg: KeepalivedConfig, old: KeepalivedConfig | undefined): Promise<void> {
    const ipr = this.iproute;
    if (!ipr) return;
    const key = (x: object) => JSON.stringify({ ...x, loc: undefined });
    const gone = <T extends object>(a: readonly T[] | undefined, b: readonly T[]) => (a ?? []).filter((x) => !b.some((y) => key(y) === key(x)));
    const dev = cfg.global.defaultInterface;
    if (old) {
      await ipr.removeRules('static_rules', gone(old.staticRules, cfg.staticRules));
      await ipr.removeRoutes('static_routes', gone(old.staticRoutes, cfg.staticRoutes));
      await ipr.removeAddresses(gone(old.staticIpaddress, cfg.staticIpaddress), old.global.defaultInterface);
    }
    await ipr.addAddresses('static_ipaddress', cfg.staticIpaddress, dev);
    await ipr.addRoutes('static_routes', cfg.staticRoutes);
    await ipr.addRules('static_rules', cfg.staticRules);
  }

  private model(name: string): ModelInstance | undefined {
    // Instances removed by a reload still notify DELETED with their old scripts.
    return this.config?.vrrpInstances.find((i) => i.name === name) ?? this.previousConfig?.vrrpInstances.find((i) => i.name === name);
  }

  private notifyTarget(name: string): NotifyTarget | undefined {
    const m = this.model(name);
    if (!m) return undefined;
    const n = m.notify;
    const scripts: NotifyTarget['scripts'] = {};
    if (n.master) scripts.master = n.master;
    if (n.backup) scripts.backup = n.backup;
    if (n.fault) scripts.fault = n.fault;
    if (n.stop) scripts.stop = n.stop;
    if (n.generic) scripts.generic = n.generic;
    if (n.deleted?.script) scripts.deleted = n.deleted.script;
    if (n.masterRxLowerPri) scripts.masterRxLowerPri = n.masterRxLowerPri;
    return { kind: 'INSTANCE', name, scripts };
  }

  async start(config: unknown): Promise<void> {
    const cfg = asModel(config);
    this.config = cfg;
    applyProcessTuning(cfg.global.vrrpProcess, (l) => this.ctx.log.error(l));
    this.rt = RtnetlinkClient.open();
    this.iproute = new IprouteSet(this.rt, (l) => this.ctx.log.error(l));
    // The nftables table (no_accept, VMACs' IGMP/MLD): opened when first needed, so a
    // configuration with neither never touches nftables.
    this.firewall = new VrrpFirewall(() => NfnetlinkSocket.open(), { table: cfg.global.nftables?.table ?? DEFAULT_FIREWALL_TABLE, priority: cfg.global.nftablesPriority, log: (l) => this.log(l) });
    this.vmacs = new VmacManager(this.rt, new ProcSysctl(), (l) => this.log(l), { firewall: this.firewall, ipv4Reports: !cfg.global.disableLocalIgmp });
    if (cfg.global.disableLocalIgmp) this.vmacs.stopLinkLocalReports();
    await this.applyStatic(cfg, undefined);
    // VMACs first: the link monitor then starts knowing them, and the sockets can bind to them.
    this.specs = await this.buildSpecs(cfg);
    try {
      this.monitor = await LinkMonitor.open();
    } catch (e) {
      this.log(`cannot monitor links (${(e as Error).message}); interface tracking disabled`);
    }
    this.monitor?.on((e) => this.onLinkEvent(e));
    this.notifier = this.makeNotifier(cfg);
    this.announcer = new PacketAnnouncer((l) => this.log(l));
    const log = (l: string) => this.log(l);
    const transport = new ResilientTransport(new RawSocketTransport(log), (key, err) => this.onSocket(key, err));
    const created = VrrpRouter.create(
      this.specs,
      { transport, addresses: new NetlinkAddresses(this.rt, log, undefined, this.firewall), announce: this.announcer, clock: systemClock(), sink: this.sink },
      this.routerOptions(cfg),
    );
    for (const w of created.warnings) this.ctx.log.warn(w);
    for (const e of created.errors) this.ctx.log.error(e);
    this.router = created.router;
    this.setUpTracking(cfg, undefined);
    await this.awaitLinks(this.specs);
    this.applyLinkStates();
    await this.router.start();
    this.snmp.apply(snmpSettings(cfg.global));
    // The first failover should not wait for V8 to compile its code (src/vrrp/warmup.ts).
    await warmUpFailover(this.specs);
  }

  private routerOptions(cfg: KeepalivedConfig): RouterOptions {
    return { logUnknownVrids: cfg.global.logUnknownVrids, syncGroups: vrrpSyncGroupsFromConfig(cfg) };
  }

  /** The runtime's specs, with source addresses from the interfaces and the VMACs made. */
  private async buildSpecs(cfg: KeepalivedConfig): Promise<VrrpInstanceSpec[]> {
    const specs = vrrpSpecsFromConfig(cfg);
    if (!this.rt) return specs;
    const filled = await withSourceAddresses(specs, this.rt);
    return this.vmacs && this.rt ? ensureVmacs(filled, this.rt, this.vmacs, this.vmacRefused) : filled;
  }

  private makeNotifier(cfg: KeepalivedConfig): Notifier {
    const g = cfg.global;
    const fifos: { spec: FifoSpec; script?: ScriptCommand }[] = [];
    if (g.notifyFifo) fifos.push({ spec: g.notifyFifo, ...(g.notifyFifoScript ? { script: g.notifyFifoScript } : {}) });
    // The same path under both keywords is one FIFO (one line per event).
    if (g.vrrpNotifyFifo && g.vrrpNotifyFifo.path !== g.notifyFifo?.path) fifos.push({ spec: g.vrrpNotifyFifo, ...(g.vrrpNotifyFifoScript ? { script: g.vrrpNotifyFifoScript } : {}) });
    return new Notifier({
      log: (l) => this.log(l),
      fifos,
      ...(g.scriptUser ? { scriptUser: g.scriptUser } : {}),
      extra: (t, state) => this.mail(t, state),
    });
  }

  private readonly lastMailed = new Map<string, string>();

  /** smtp_alert: one mail per state change (not for FAULT with no_email_faults); never waits. */
  private mail(t: NotifyTarget, state: string): void {
    const cfg = this.config;
    if (!cfg) return;
    const g = cfg.global;
    const wanted = t.kind === 'INSTANCE'
      ? (this.model(t.name)?.smtpAlert ?? false) || (g.smtpAlertVrrp ?? g.smtpAlert ?? false)
      : (cfg.vrrpSyncGroups.find((x) => x.name === t.name)?.smtpAlert ?? g.smtpAlertVrrp ?? g.smtpAlert ?? false);
    if (!wanted || !g.smtpServer || g.notificationEmail.length === 0) return;
    if (state === 'FAULT' && g.noEmailFaults) return;
    const key = `${t.kind}:${t.name}`;
    if (this.lastMailed.get(key) === state) return;
    this.lastMailed.set(key, state);
    // stateMail's subject already carries "[router_id] ", so the settings name no router.
    const settings: MailSettings = {
      server: {
        host: g.smtpServer.address?.address ?? g.smtpServer.host,
        port: g.smtpServer.port,
        connectTimeoutMs: Math.max(1, Math.round(g.smtpConnectTimeoutUs / 1000)),
      },
      heloName: g.smtpHeloName ?? hostname(),
      from: g.notificationEmailFrom ?? `keepalived@${hostname()}`,
      to: [...g.notificationEmail],
    };
    const where = `[${settings.server.host}]:${settings.server.port}`;
    sendMail(settings, stateMail(g.routerId, t.kind, t.name, state)).then(
      () => this.log(`SMTP alert successfully sent via ${where}.`),
      (e: unknown) => this.ctx.log.error(`Error sending SMTP alert to ${where}: ${e instanceof Error ? e.message : String(e)}`),
    );
  }

  /** Declares every instance's trackers and starts the scripts they use. */
  private setUpTracking(cfg: KeepalivedConfig, previous: ScriptRunner | undefined): void {
    const router = this.router;
    if (!router) return;
    const table = new TrackingTable(
      {
        setPriority: (i, total) => router.setPriority(i, total),
        setFault: (i, reason, active) => router.setFault(i, reason, active),
      },
      (l) => this.log(l),
    );
    const scriptsUsed = new Set<string>();
    const filesUsed = new Set<string>();
    const processesUsed = new Set<string>();
    for (const m of cfg.vrrpInstances) {
      const group = m.syncGroup !== undefined ? cfg.vrrpSyncGroups.find((g) => g.name === m.syncGroup) : undefined;
      const noWeights = group !== undefined && !group.syncGroupTrackingWeight;
      const ifRefs = [...m.trackInterfaces, ...(group?.trackInterfaces ?? [])];
      for (const ref of ifRefs) table.add(m.name, m.priority, `interface ${ref.name}`, ref, 0, false, noWeights);
      for (const ref of [...m.trackScripts, ...(group?.trackScripts ?? [])]) {
        const s = cfg.vrrpScripts.find((x) => x.name === ref.name);
        if (!s) continue;
        scriptsUsed.add(s.name);
        if (this.scriptRefused(cfg, s.name, s.script?.argv[0], s.user ?? s.script)) continue;
        scriptsUsed.add(s.name);
        table.add(m.name, m.priority, `script ${s.name}`, ref, s.weight, s.weightReverse, noWeights);
      }
      for (const ref of [...m.trackFiles, ...(group?.trackFiles ?? [])]) {
        const f = cfg.trackFiles.find((x) => x.name === ref.name);
        if (!f) continue;
        filesUsed.add(f.name);
        table.add(m.name, m.priority, `file ${f.name}`, ref, f.weight, f.weightReverse, noWeights);
      }
      for (const ref of [...m.trackProcesses, ...(group?.trackProcesses ?? [])]) {
        const p = cfg.trackProcesses.find((x) => x.name === ref.name);
        if (!p) continue;
        processesUsed.add(p.name);
        table.add(m.name, m.priority, `process ${p.name}`, ref, p.weight, p.weightReverse, noWeights);
      }
      for (const ref of [...m.trackBfds, ...(group?.trackBfds ?? [])]) {
        const b = (cfg.bfdInstances ?? []).find((x) => x.name === ref.name);
        if (b) table.add(m.name, m.priority, `bfd ${b.name}`, ref, b.weight, b.weightReverse, noWeights);
      }
    }
    // BFD sessions: down until the BFD process says up (keepalived's bfd_up starts false);
    // what it said before a reload still holds.
    for (const key of table.keys()) if (key.startsWith('bfd ')) table.update(key, { kind: 'status', ok: this.bfdUp.get(key.slice(4)) ?? false });
    this.files?.stop();
    this.files = new TrackFileWatcher((l) => this.log(l), (name, value) => table.update(`file ${name}`, { kind: 'value', value }));
    for (const name of filesUsed) {
      const f = cfg.trackFiles.find((x) => x.name === name);
      if (f) this.files.add(f);
    }
    this.processes?.stop();
    this.processes = new ProcessTracker((l) => this.log(l), (name, ok) => table.update(`process ${name}`, { kind: 'status', ok }));
    for (const name of processesUsed) {
      const p = cfg.trackProcesses.find((x) => x.name === name);
      if (p) this.processes.add(p);
    }
    this.processes.start();
    this.tracking = table;
    const runner = new ScriptRunner({
      log: (l) => this.log(l),
      onChange: (name, ok) => table.update(`script ${name}`, { kind: 'status', ok }),
      ...(cfg.global.scriptUser ? { scriptUser: cfg.global.scriptUser } : {}),
    });
    for (const name of scriptsUsed) {
      const s = cfg.vrrpScripts.find((x) => x.name === name);
      if (!s) continue;
      const prev = previous?.counter(name);
      runner.add(s, prev);
    }
    previous?.stop();
    this.scripts = runner;
    // Interfaces: their current state.
    for (const key of table.keys()) {
      if (!key.startsWith('interface ')) continue;
      const ifname = key.slice('interface '.length);
      const l = this.monitor?.linkByName(ifname);
      table.update(key, { kind: 'status', ok: l !== undefined && linkUsable(l) });
    }
    table.applyAll();
  }

  /**
   * enable_script_security: a script that would run as root but that another user could
   * modify is refused (keepalived disables it); says why.
   */
  private scriptRefused(cfg: KeepalivedConfig, name: string, file: string | undefined, runAs: { user?: string; group?: string } | undefined): boolean {
    if (!cfg.global.enableScriptSecurity || file === undefined) return false;
    const who = runAs?.user !== undefined ? { user: runAs.user, ...(runAs.group !== undefined ? { group: runAs.group } : {}) } : cfg.global.scriptUser;
    const uid = who ? (resolveRunAs(who)?.uid ?? 0) : (process.getuid?.() ?? 0);
    const why = scriptInsecurity(file, uid);
    if (why === undefined) return false;
    this.ctx.log.error(`VRRP_Script(${name}): unsafe script ${file} would run as root (${why}) - disabling`);
    return true;
  }

  /** Instances whose own interface is down or missing start (or go) in FAULT. */
  private applyLinkStates(): void {
    if (!this.monitor || !this.router) return;
    for (const s of this.specs) {
      for (const [ifname, reason] of linkFaults(s)) {
        const l = this.monitor.linkByName(ifname);
        this.router.setFault(s.name, reason, l === undefined || !linkUsable(l));
      }
      // A VMAC that could not be made (its name taken by another kind of interface).
      this.router.setFault(s.name, 'config-error', this.vmacRefused.has(s.name));
    }
  }

  private onLinkEvent(e: LinkEvent): void {
    const router = this.router;
    if (!router) return;
    if (e.kind === 'address-delete') {
      router.addressDeleted(e.address.address);
      return;
    }
    if (e.kind !== 'link-up' && e.kind !== 'link-down' && e.kind !== 'link-delete' && e.kind !== 'link-new' && e.kind !== 'link-rename') return;
    const name = e.link.name;
    if (e.kind === 'link-delete' || e.kind === 'link-new') this.vmacLinkChanged(e.kind, name);
    const up = e.kind !== 'link-delete' && linkUsable(e.link);
    let ours = false;
    for (const s of this.specs) {
      for (const [ifname, reason] of linkFaults(s)) {
        if (ifname !== name) continue;
        ours = true;
        router.setFault(s.name, reason, !up);
      }
    }
    const key = `interface ${name}`;
    if (this.tracking?.keys().includes(key)) {
      ours = true;
      this.tracking.update(key, { kind: 'status', ok: up });
    }
    if (ours && (e.kind === 'link-up' || e.kind === 'link-down')) this.log(`Netlink reports ${name} ${up ? 'up' : 'down'}`);
  }

  /**
   * keepalived re-creates a VMAC someone deleted (or that went with its parent, once the
   * parent is back), and its sockets with it: they were bound to the old interface.
   */
  private vmacLinkChanged(kind: 'link-delete' | 'link-new', name: string): void {
    const vmacs = this.vmacs;
    const rt = this.rt;
    if (!vmacs || !rt) return;
    const missing = (vmac: string) => this.monitor?.linkByName(vmac) === undefined;
    // The instance's VMAC, and the VMACs of its addresses (use_vmac_addr), alike.
    const gone = (s: VrrpInstanceSpec): string | undefined => {
      if (kind === 'link-delete') {
        if (vmacs.ownerOf(name) === undefined) return undefined;
        return s.vmac?.name === name || s.addressVmacs?.some((av) => av.name === name) ? name : undefined;
      }
      if (s.vmac && s.interface === name && missing(s.vmac.name)) return s.vmac.name;
      return s.addressVmacs?.find((av) => av.parent === name && missing(av.name))?.name;
    };
    const affected = this.specs.flatMap((s) => {
      const vmac = gone(s);
      return vmac === undefined ? [] : [{ s, vmac }];
    });
    if (affected.length === 0) return;
    this.vmacWork = this.vmacWork.then(async () => {
      if (!this.router) return;
      for (const { s, vmac } of affected) {
        if (kind === 'link-delete') this.log(`(${s.name}) VMAC interface ${vmac} was deleted; re-creating it`);
        await ensureVmacs([s], rt, vmacs, this.vmacRefused);
      }
      await this.awaitLinks(affected.map((a) => a.s));
      for (const { s } of affected) if (s.vmac && !s.vmac.xmitBase) await this.router?.reopenChannels(s.vmac.name);
      this.applyLinkStates();
    }).catch((e: unknown) => this.ctx.log.error(`re-creating VMACs: ${String(e)}`));
  }

  /**
   * Waits (briefly) until the link monitor has heard of the VMACs just made, so that the
   * link states applied next do not see them missing.
   */
  private async awaitLinks(specs: readonly VrrpInstanceSpec[]): Promise<void> {
    const names = specs.flatMap((s) => [...(s.vmac && !this.vmacRefused.has(s.name) ? [s.vmac.name] : []), ...(s.addressVmacs ?? []).map((av) => av.name)]);
    for (let i = 0; i < 100 && this.monitor; i++) {
      const monitor = this.monitor;
      if (names.every((n) => { const l = monitor.linkByName(n); return l !== undefined && linkUsable(l); })) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** A socket could not be opened (error) or finally was (no error). */
  private onSocket(key: ChannelKey, err: Error | undefined): void {
    const k = channelKeyString(key);
    const names = this.instancesOn(k);
    if (err) {
      this.socketDown.add(k);
      const code = (err as NodeJS.ErrnoException).code;
      this.ctx.log.error(`cannot open the VRRP socket on ${describeChannel(key)}: ${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}; ${names.map((n) => `(${n})`).join(' ')} kept in FAULT until it can be opened`);
    } else {
      this.socketDown.delete(k);
      this.log(`VRRP socket on ${describeChannel(key)} is now open`);
    }
    for (const n of names) this.router?.setFault(n, SOCKET_FAULT, err !== undefined);
  }

  private instancesOn(keyStr: string): string[] {
    const out: string[] = [];
    for (const s of this.specs) {
      const r = normaliseSpec(s);
      if (r.ok && channelKeyString(channelKeyFor(s, r.config)) === keyStr) out.push(s.name);
    }
    return out;
  }

  async reload(config: unknown): Promise<void> {
    const cfg = asModel(config);
    const router = this.router;
    if (!router) return this.start(cfg);
    const oldScripts = this.scripts;
    this.previousConfig = this.config;
    this.config = cfg;
    await this.applyStatic(cfg, this.previousConfig);
    const specs = await this.buildSpecs(cfg);
    this.specs = specs;
    // The FIFOs (and their reader scripts) stay as they are unless their settings changed.
    const fifoSettings = (c: KeepalivedConfig | undefined) => JSON.stringify([c?.global.notifyFifo, c?.global.notifyFifoScript, c?.global.vrrpNotifyFifo, c?.global.vrrpNotifyFifoScript, c?.global.scriptUser]);
    if (fifoSettings(this.previousConfig) !== fifoSettings(cfg)) {
      this.notifier?.close(true);
      this.notifier = this.makeNotifier(cfg);
    }
    // Matched instances keep their state (a MASTER stays MASTER, its VIPs stay put).
    const r = await router.reload(specs, this.routerOptions(cfg));
    for (const w of r.warnings) this.ctx.log.warn(w);
    for (const e of r.errors) this.ctx.log.error(e);
    // VMACs no longer configured go once their instances have stepped down.
    const wanted = new Set(specs.flatMap((s) => [...(s.vmac ? [s.vmac.name] : []), ...(s.addressVmacs ?? []).map((a) => a.name)]));
    for (const name of this.vmacs?.names() ?? []) if (!wanted.has(name)) await this.vmacs?.remove(name);
    await this.awaitLinks(specs);
    this.setUpTracking(cfg, oldScripts);
    // Tracker faults carried over from the old configuration that no longer hold.
    for (const st of router.statuses()) {
      for (const f of st.faults) {
        if (f.startsWith('tracker:') && f !== SOCKET_FAULT && !this.tracking?.faultsOf(st.name).includes(f.slice('tracker:'.length))) {
          router.setFault(st.name, f as `tracker:${string}`, false);
        }
      }
    }
    this.applyLinkStates();
    for (const k of this.socketDown) for (const n of this.instancesOn(k)) router.setFault(n, SOCKET_FAULT, true);
    this.snmp.apply(snmpSettings(cfg.global));
  }

  /** The stop's first step, at once: masters send their priority-0 adverts (see stopRouter). */
  beginStop(): void {
    this.routerStopping ??= this.router?.stop();
  }

  private async stopRouter(): Promise<void> {
    this.scripts?.stop();
    this.files?.stop();
    this.processes?.stop();
    if (this.router) {
      await (this.routerStopping ?? this.router.stop());
      await this.router.idle();
    }
    this.routerStopping = undefined;
    this.router = undefined;
    await this.routeQueue;
    if (this.config) {
      const c = this.config;
      await this.iproute?.removeRules('static_rules', c.staticRules);
      await this.iproute?.removeRoutes('static_routes', c.staticRoutes);
      await this.iproute?.removeAddresses(c.staticIpaddress, c.global.defaultInterface).catch(() => undefined);
    }
    this.monitor?.close();
    this.monitor = undefined;
    this.announcer?.close();
    await this.firewall?.close();
    this.firewall = undefined;
    // After the VIPs have gone: VMACs deleted, interface settings put back.
    await this.vmacWork;
    await this.vmacs?.removeAll();
    this.rt?.close();
  }

  async stop(): Promise<void> {
    await this.stopRouter();
    this.snmp.stop();
    // STOP notify scripts get a moment to run (keepalived waits up to 1 s for them).
    if (this.notifier) await Promise.race([this.notifier.idle(), new Promise((r) => setTimeout(r, 1000).unref())]);
    this.notifier?.close();
  }

  private views(): InstanceView[] {
    const cfg = this.config;
    if (!cfg) return [];
    return cfg.vrrpInstances.map((m) => {
      const v: InstanceView = {
        model: m,
        status: this.router?.status(m.name),
        lastTransition: this.lastTransition.get(m.name) ?? 0,
        trackers: this.tracking?.describe(m.name) ?? [],
      };
      const src = this.specs.find((s) => s.name === m.name)?.sourceAddress;
      if (src !== undefined) v.sourceAddress = src;
      return v;
    });
  }

  /** A vrrp_script's verdict as the tracking table holds it (init until the first result). */
  private scriptResult(name: string): 'init' | 'good' | 'bad' {
    const c = this.scripts?.counter(name);
    return c === undefined ? 'init' : c.ok ? 'good' : 'bad';
  }

  /** What the SNMP MIBs are built from: the configuration and each instance's state now. */
  private snmpData(): SnmpVrrpData {
    const cfg = this.config;
    const now = Date.now();
    const link = (name: string | undefined) => (name !== undefined ? this.monitor?.linkByName(name) : undefined);
    const sources = new Map(this.specs.map((x) => [x.name, x.sourceAddress]));
    return {
      global: cfg?.global ?? ({} as KeepalivedConfig['global']),
      instances: (cfg?.vrrpInstances ?? []).map((m) => {
        const st = this.router?.status(m.name);
        const l = link(m.interface);
        const mac = macBytes(l?.mac);
        const src = sources.get(m.name);
        const upSince = this.upSince.get(m.name);
        return {
          model: m,
          state: st?.state ?? 'INIT',
          effectivePriority: st?.effectivePriority ?? m.priority,
          vipsSet: st?.vipsSet ?? false,
          masterAddress: st?.masterAddress ?? null,
          ...(src !== undefined ? { primaryAddress: src } : {}),
          ...(l ? { ifindex: l.index } : {}),
          ...(mac ? { mac } : {}),
          ...(upSince !== undefined ? { upSinceMs: upSince } : {}),
          stats: st?.stats ?? zeroStats(),
        };
      }),
      groups: (cfg?.vrrpSyncGroups ?? []).map((g) => ({ model: g, state: this.groupStates.get(g.name) ?? 'INIT' })),
      staticAddresses: cfg?.staticIpaddress ?? [],
      scripts: (cfg?.vrrpScripts ?? []).map((model) => ({ model, result: this.scriptResult(model.name) })),
      startedAtMs: this.snmpStartedAt,
      nowMs: now,
      ifindexOf: (name) => link(name)?.index,
    };
  }

  /** Why an instance changed state, in words, from what the router knows right after it. */
  private transitionReason(c: StateChange): string {
    const st = this.router?.status(c.instance);
    if (c.state === 'FAULT') return `fault: ${st?.faults.join(', ') || 'unknown'}`;
    if (c.state === 'STOP') return 'stopped';
    if (c.from === 'FAULT') return 'fault cleared';
    if (c.from === 'INIT') return c.state === 'MASTER' ? 'startup as master' : 'startup';
    if (c.state === 'BACKUP') return st?.masterAddress ? `advert from ${st.masterAddress} with higher priority` : 'higher priority master seen';
    if (c.state === 'MASTER') return 'no advert from a master within master down interval';
    return `${c.from} -> ${c.state}`;
  }

  /** The status contract (src/daemon/status.ts): every instance, from state the router holds. */
  status(): Promise<StatusSnapshot> {
    const cfg = this.config;
    const vrrp: VrrpInstanceStatus[] = (cfg?.vrrpInstances ?? []).map((m) => {
      const st = this.router?.status(m.name);
      const s = st?.stats;
      const n = (k: StatName) => (s ? s[k] : 0);
      const group = cfg?.vrrpSyncGroups.find((g) => g.members.includes(m.name))?.name;
      const transition = this.transitions.get(m.name);
      const state = st?.state ?? 'INIT';
      const own = this.specs.find((x) => x.name === m.name)?.sourceAddress;
      return {
        name: m.name, interface: m.interface ?? '', vrid: m.vrid, family: m.family === 6 ? 'inet6' : 'inet', version: m.version,
        state, priority: m.priority, effectivePriority: st?.effectivePriority ?? m.priority,
        masterAddress: state === 'MASTER' ? (own ?? '') : (st?.masterAddress ?? ''),
        vips: m.virtualIpaddress.map((e) => `${e.prefix.address}/${e.prefix.prefixLen}`),
        vipsInstalled: st?.vipsSet ?? false,
        ...(group !== undefined ? { syncGroup: group } : {}),
        ...(transition ? { lastTransition: transition } : {}),
        counters: {
          advertRcvd: n('advertRcvd'), advertSent: n('advertSent'), becomeMaster: n('becomeMaster'), releaseMaster: n('releaseMaster'),
          packetLenErr: n('packetLenErr'), ipTtlErr: n('ipTtlErr'), invalidTypeRcvd: n('invalidTypeRcvd'), advertIntervalErr: 0,
          addrListErr: n('addrListErr'), invalidAuthType: n('invalidAuthtype'), authTypeMismatch: n('authtypeMismatch'),
          authFailure: n('authFailure'), priZeroRcvd: n('priZeroRcvd'), priZeroSent: n('priZeroSent'),
        },
        scripts: this.tracking?.statusOf(m.name) ?? [],
      };
    });
    return Promise.resolve({ version: STATUS_VERSION, vrrp });
  }

  bfdEvent(name: string, up: boolean): void {
    if (this.bfdUp.get(name) === up) return;
    this.bfdUp.set(name, up);
    const key = `bfd ${name}`;
    if (!this.tracking) return;
    for (const i of this.tracking.instancesTracking(key)) this.log(`VRRP_Instance(${i}) Tracked BFD instance ${name} is ${up ? 'UP' : 'DOWN'}`);
    this.tracking.update(key, { kind: 'status', ok: up });
  }

  clearStats(): void {
    this.router?.clearStats();
  }

  dump(kind: DumpKind): Promise<string> {
    const cfg = this.config;
    if (!cfg) return Promise.resolve('');
    if (kind === 'stats') return Promise.resolve(formatStats(this.views()));
    if (kind === 'json') return Promise.resolve(formatJson(this.views()));
    return Promise.resolve(formatData(cfg, this.views()));
  }
}

function zeroStats(): Record<StatName, number> {
  return {
    advertRcvd: 0, advertSent: 0, becomeMaster: 0, releaseMaster: 0, priZeroRcvd: 0, priZeroSent: 0, packetLenErr: 0, ipTtlErr: 0,
    versErr: 0, invalidAuthtype: 0, authtypeMismatch: 0, authFailure: 0, invalidTypeRcvd: 0, chkErr: 0, addrListErr: 0, droppedAdverts: 0,
  };
}

export function createVrrpService(ctx: ChildContext): ChildService {
  return new VrrpService(ctx);
}
