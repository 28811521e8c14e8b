// The checker process (keepalived's Keepalived_healthcheckers child) as a ChildService: the
// typed configuration becomes checker specs (./from-config.ts) and the LVS policy
// (../lvs/from-config.ts); the CheckerService's real-server and quorum verdicts feed a health
// map, from which the desired table is materialised and the reconciler applies the smallest
// change to the data plane (IPVS or nftables, `lvs_backend`).
//
// Start adopts what an earlier run left in the data plane (a restarted checker child drops
// no connection): IPVS is read back and diffed; our nftables table is listed back and only
// the services that differ from the configuration are rewritten, all in one transaction, so
// it is never seen empty. The same read-back runs at every reload and every
// `lvs_verify_interval` seconds (default 60): changes made by hand (`ipvsadm -d`, `nft delete
// rule`, `nft flush table`) are found and repaired (the drift check).
// Reload keeps unchanged virtual/real servers and their checker state (no remove/re-add).
// Stop removes our entries (IPVS: our services only, every one with `lvs_flush_on_stop`;
// nftables: our table) unless `-I` (KEEPALIVED_TS_DONT_RELEASE_IPVS=1 from the parent).
// `lvs_timeouts` and `lvs_flush` are applied at start as keepalived does (IPVS only).
import type { KeepalivedConfig } from '../config/model.js';
import type { ChildContext, ChildService, DumpKind } from '../daemon/service.js';
import { STATUS_VERSION, type StatusSnapshot } from '../daemon/status.js';
import { EXIT, ServiceError } from '../daemon/service.js';
import type { LvsBackend } from '../lvs/backend.js';
import { LvsReconciler } from '../lvs/backend.js';
import { materialize, realServerId, type HealthMap, type ServiceEntry, type VirtualServerSpec as LvsSpec } from '../lvs/desired.js';
import { lvsSpecsFromConfig } from '../lvs/from-config.js';
import { IpvsBackend, IpvsUnavailableError } from '../lvs/ipvs/client.js';
import { NftablesBackend } from '../lvs/nftables/backend.js';
import { DEFAULT_TABLE, nftablesRefusals } from '../lvs/nftables/ruleset.js';
import { NfnetlinkSocket } from '../net/nftables/transport.js';
import { describeOperation } from '../lvs/reconciler.js';
import { canonicalAddress } from '../lvs/desired.js';
import { virtualServerName } from '../lvs/from-config.js';
import { LinkMonitor } from '../net/link-monitor.js';
import { RtnetlinkClient } from '../net/rtnetlink.js';
import { hostname } from 'node:os';
import { checkerSpecsFromConfig } from './from-config.js';
import { sendMail, type MailSettings } from '../notify/smtp.js';
import type { QuorumChange, RsStateChange } from './rs-state.js';
import { CheckerService, formatEndpoint, rsFifoLine, spawnScript, type CheckerServiceOptions } from './service.js';
import { NotifyFifo } from '../notify/fifo.js';
import type { VirtualServerSpec as CheckSpec } from './types.js';
import { ChildSnmpAgent } from '../snmp/child-agent.js';
import { checkerAgentSpec, quorumTrap, realServerTrap } from '../snmp/checker-agent.js';
import type { SnmpCheckData } from '../snmp/keepalived-check-mib.js';
import { snmpSettings } from '../snmp/settings.js';
import { applyProcessTuning } from '../daemon/process-tuning.js';

export type LvsBackendChoice = 'ipvs' | 'nftables' | 'auto';

/**
 * Opens the data plane; `initial` gives the table to hold from the first instant (nftables).
 * A function: IPVS does not need it, and materialising 10,000 real servers for nothing cost
 * the start ~0.5 s under the VM's emulated CPU.
 */
export type BackendOpener = (choice: LvsBackendChoice, initial: () => ServiceEntry[]) => Promise<LvsBackend>;

/** The real data planes: IPVS when asked or (auto) when its genetlink family resolves; else nftables. */
export const openSystemBackend: BackendOpener = async (choice, initial) => {
  const nft = async (): Promise<LvsBackend> => {
    const b = new NftablesBackend(NfnetlinkSocket.open(), DEFAULT_TABLE);
    try {
      await b.converge(initial());
    } catch (e) {
      b.close();
      throw e;
    }
    return b;
  };
  if (choice === 'nftables') return nft();
  try {
    return await IpvsBackend.open();
  } catch (e) {
    if (choice === 'ipvs' || !(e instanceof IpvsUnavailableError)) throw e;
    return nft();
  }
};

/** The host's addresses as they come and go (ha_suspend). */
export interface AddressWatch {
  /** Addresses present now (canonical text). */
  readonly present: ReadonlySet<string>;
  /** Calls `fn` after every change; returns a function that unregisters it. */
  onChange(fn: () => void): void;
  close(): void;
}

/** The system's addresses from rtnetlink: one listing, then address events. */
export async function watchSystemAddresses(): Promise<AddressWatch> {
  const present = new Set<string>();
  const monitor = await LinkMonitor.open();
  const fns: Array<() => void> = [];
  const rt = RtnetlinkClient.open();
  try {
    for (const a of await rt.addresses()) present.add(canonicalAddress(a.address));
  } finally {
    rt.close();
  }
  monitor.on((e) => {
    if (e.kind === 'address-add') present.add(canonicalAddress(e.address.address));
    else if (e.kind === 'address-delete') present.delete(canonicalAddress(e.address.address));
    else return;
    for (const f of fns) f();
  });
  return { present, onChange: (f) => { fns.push(f); }, close: () => monitor.close() };
}

export interface CheckerProcessOptions {
  /** ha_suspend: the host's addresses (default: rtnetlink, opened only when a VS uses it). */
  watchAddresses?: () => Promise<AddressWatch>;
  openBackend?: BackendOpener;
  /** -I: leave the data plane as it is at stop. Default: KEEPALIVED_TS_DONT_RELEASE_IPVS=1. */
  keepOnStop?: boolean;
  /** Passed to each CheckerService (tests: clock, fake ping sockets, script runner). */
  checker?: Omit<CheckerServiceOptions, 'sink' | 'log' | 'migrate'>;
}

interface Generation {
  config: KeepalivedConfig;
  lvs: LvsSpec[];
  /** `lvs` by name, in order: a checker event looks its virtual server up here. */
  lvsByName: Map<string, LvsSpec[]>;
  checks: CheckSpec[];
  checker: CheckerService;
}

function asModel(config: unknown): KeepalivedConfig {
  const c = config as Partial<KeepalivedConfig> | null;
  if (!c || typeof c !== 'object' || !Array.isArray(c.virtualServers) || !c.global) {
    throw new ServiceError('Healthcheck: the configuration was not understood (no typed model)', EXIT.CONFIG);
  }
  return c as KeepalivedConfig;
}

export class CheckerProcess implements ChildService {
  private gen: Generation | undefined;
  /** BFD sessions as the BFD process last reported them (relayed by the parent), for BFD_CHECK. */
  private readonly bfdUp = new Map<string, boolean>();
  private backend: LvsBackend | undefined;
  private reconciler: LvsReconciler | undefined;
  /** Checker verdicts: virtual server name -> real server id -> alive. */
  private health = new Map<string, Map<string, boolean>>();
  /** Effective weights the checkers report (misc_dynamic, FILE_CHECK weights). */
  private weights = new Map<string, Map<string, number>>();
  private quorum = new Map<string, boolean>();
  private syncing: Promise<void> = Promise.resolve();
  private syncWanted = false;
  /**
   * Virtual servers whose checkers reported since the last sync, so that an event costs a
   * diff of its own virtual server, not of the whole table (1,000 virtual servers starting
   * up made every first check result a full materialize and diff); undefined: the next sync
   * is a full one (at start, after a reload or a failed sync).
   */
  private dirty: Set<string> | undefined;
  private stopped = false;
  /** stop() was called (pending syncs still finish; nothing new starts). */
  private stopping = false;
  private applied = 0;
  private addresses: AddressWatch | undefined;
  private verifyTimer: NodeJS.Timeout | undefined;
  private verifyIntervalS = 0;
  /** Drift checks run, and repairs they made (the stats dump shows them). */
  private verifications = 0;
  private repairs = 0;
  private lastRepair: string | undefined;
  /** ha_suspend virtual servers -> whether their checkers run (their VIP is on this host). */
  private readonly suspended = new Map<string, boolean>();
  /** notify_fifo and lvs_notify_fifo, with the settings they were opened with. */
  private fifos: { settings: string; open: NotifyFifo[] } = { settings: '', open: [] };

  private readonly snmp: ChildSnmpAgent;

  constructor(private readonly ctx: ChildContext, private readonly opts: CheckerProcessOptions = {}) {
    this.snmp = new ChildSnmpAgent(checkerAgentSpec(() => this.snmpData()), ctx.log);
  }

  private info(m: string): void {
    this.ctx.log.info(m);
  }

  private prepare(config: unknown): Omit<Generation, 'checker'> {
    const cfg = asModel(config);
    const lvs = lvsSpecsFromConfig(cfg);
    for (const p of lvs.problems) this.ctx.log.error(p);
    const checks = checkerSpecsFromConfig(cfg);
    for (const w of checks.warnings) this.ctx.log.warn(w);
    const choice = cfg.global.lvsBackend ?? 'auto';
    if (choice === 'nftables' || (choice === 'auto' && this.backend?.name === 'nftables')) {
      // Refuse what nftables cannot do before anything changes.
      const problems = nftablesRefusals(materialize(lvs.specs, new Map(), new Map()));
      if (problems.length) throw new ServiceError(problems.join('\n'), EXIT.CONFIG);
    }
    const lvsByName = new Map<string, LvsSpec[]>();
    for (const vs of lvs.specs) {
      const same = lvsByName.get(vs.name);
      if (same) same.push(vs);
      else lvsByName.set(vs.name, [vs]);
    }
    return { config: cfg, lvs: lvs.specs, lvsByName, checks: checks.virtualServers };
  }

  /** smtp_alert: global_defs smtp_server and notification_email, else no mail. */
  private mailSettings(cfg: KeepalivedConfig): MailSettings | undefined {
    const g = cfg.global;
    if (!g.smtpServer || !g.notificationEmail.length) return undefined;
    const host = hostname();
    return {
      server: { host: g.smtpServer.address?.address ?? g.smtpServer.host, port: g.smtpServer.port, connectTimeoutMs: Math.round(g.smtpConnectTimeoutUs / 1000) },
      heloName: g.smtpHeloName ?? host,
      from: g.notificationEmailFrom ?? `keepalived@${host}`,
      to: g.notificationEmail,
      ...(g.routerId ? { routerId: g.routerId } : {}),
    };
  }

  bfdEvent(name: string, up: boolean): void {
    if (this.bfdUp.get(name) === up) return;
    this.bfdUp.set(name, up);
    this.gen?.checker.bfdChanged(name);
  }

  private newChecker(checks: CheckSpec[], cfg: KeepalivedConfig, previous?: CheckerService): CheckerService {
    const mail = this.mailSettings(cfg);
    return new CheckerService(checks, {
      ...(mail ? { alert: (a) => { sendMail(mail, { subject: a.subject, body: a.body }).catch((e: unknown) => this.ctx.log.error(`smtp_alert: ${e instanceof Error ? e.message : String(e)}`)); } } : {}),
      ...this.opts.checker,
      sink: {
        rsChanged: (c) => this.onRs(c),
        quorumChanged: (q) => this.onQuorum(q),
      },
      log: (m) => this.info(m),
      fifoLine: (line) => this.writeFifos(line),
      bfdUp: (name) => this.bfdUp.get(name),
      ...(previous ? { migrate: previous.migrationState() } : {}),
    });
  }

  private onRs(c: RsStateChange): void {
    let h = this.health.get(c.vs);
    if (!h) this.health.set(c.vs, (h = new Map()));
    const was = h.get(c.rs);
    h.set(c.rs, c.up);
    let w = this.weights.get(c.vs);
    if (!w) this.weights.set(c.vs, (w = new Map()));
    w.set(c.rs, c.weight);
    this.snmp.invalidate();
    if (was !== undefined && was !== c.up) realServerTrap(this.snmp, () => this.snmpData(), c.vs, c.rs);
    this.requestSync(c.vs);
  }

  /** What the SNMP MIB is built from: the configuration and the checkers' verdicts now. */
  private snmpData(): SnmpCheckData {
    const cfg = this.gen?.config;
    return {
      global: cfg?.global ?? ({} as KeepalivedConfig['global']),
      virtualServers: (cfg?.virtualServers ?? []).map((v) => {
        const name = virtualServerName(v);
        return {
          model: v,
          quorumUp: this.quorum.get(name) !== false,
          realServers: v.realServers.map((rs) => {
            const id = realServerId({ address: canonicalAddress(rs.address.address), port: rs.port });
            return { model: rs, alive: this.health.get(name)?.get(id) ?? !rs.alpha, weight: this.weights.get(name)?.get(id) ?? rs.weight };
          }),
        };
      }),
    };
  }

  private onQuorum(q: QuorumChange): void {
    const before = this.quorum.get(q.vs);
    this.quorum.set(q.vs, q.up);
    this.snmp.invalidate();
    if (before !== undefined && before !== q.up) quorumTrap(this.snmp, () => this.snmpData(), q.vs);
    const spec = this.gen?.lvsByName.get(q.vs)?.[0];
    const sorry = spec?.sorryServer;
    if (sorry && before !== undefined && before !== q.up) {
      const rs = formatEndpoint(realServerId(sorry), spec.services[0]?.kind === 'addr' ? spec.services[0].protocol : 'tcp');
      this.info(q.up ? `Removing sorry server ${rs} from VS ${q.vs}` : `Adding sorry server ${rs} to VS ${q.vs}`);
    }
    this.requestSync(q.vs);
  }

  /** A virtual server's LVS policy with the weights its checkers report (dynamic weights). */
  private effectiveSpec(vs: LvsSpec): LvsSpec {
    const w = this.weights.get(vs.name);
    if (!w) return vs;
    // Every real server reports its weight, nearly always the configured one: the spec is
    // copied only where a checker changed it (a start copied all 10,000 real servers twice).
    let out: LvsSpec['realServers'] | undefined;
    vs.realServers.forEach((rs, i) => {
      if (!rs) return;
      const x = w.get(realServerId(rs));
      if (x === undefined || x === rs.weight) return;
      out ??= vs.realServers.slice();
      out[i] = { ...rs, weight: x };
    });
    return out ? { ...vs, realServers: out } : vs;
  }

  /** Every virtual server's LVS policy with its checkers' weights, or only those named in `only`. */
  private effectiveSpecs(only?: ReadonlySet<string>): LvsSpec[] {
    const g = this.gen;
    if (!g) return [];
    if (!only) return g.lvs.map((vs) => this.effectiveSpec(vs));
    // One event names one virtual server: looked up, not searched for among all of them.
    const out: LvsSpec[] = [];
    for (const name of only) for (const vs of g.lvsByName.get(name) ?? []) out.push(this.effectiveSpec(vs));
    return out;
  }

  /** The table the data plane should hold: all of it, or only the services of `only`. */
  private desired(only?: ReadonlySet<string>): ServiceEntry[] {
    const health: HealthMap = this.health;
    return materialize(this.effectiveSpecs(only), health, this.quorum);
  }

  /**
   * Coalesces checker events: one sync runs at a time, the next one sees every later event.
   * `vs`: the virtual server the event changed (the next sync covers it, unless it is a full one).
   */
  private requestSync(vs?: string): void {
    if (vs !== undefined) this.dirty?.add(vs);
    if (!this.reconciler || this.stopped) return;
    if (this.syncWanted) return;
    this.syncWanted = true;
    this.syncing = this.syncing.then(async () => {
      this.syncWanted = false;
      await this.syncNow();
    });
  }

  private async syncNow(): Promise<void> {
    const r = this.reconciler;
    if (!r || this.stopped) return;
    const dirty = this.dirty;
    this.dirty = new Set();
    try {
      const ops = dirty === undefined ? await r.sync(this.desired()) : dirty.size ? await r.syncServices(this.desired(dirty)) : [];
      this.applied += ops.length;
      // Described only when they are logged (-D): a 10,000-server start is 11,000 of them.
      if (this.ctx.log.detailed) for (const o of ops) this.ctx.log.debug(`LVS: ${describeOperation(o)}`);
    } catch (e) {
      this.ctx.log.error(`LVS: ${e instanceof Error ? e.message : String(e)}`);
      // Read the data plane again and retry in full once the next event or a timer comes.
      this.dirty = undefined;
      r.forgetState();
      setTimeout(() => this.requestSync(), 1000).unref();
    }
  }

  /** Queues a drift check: the data plane read back and repaired to the desired table. */
  private requestVerify(): void {
    if (!this.reconciler || this.stopped) return;
    this.syncing = this.syncing.then(() => this.verifyNow());
  }

  private async verifyNow(): Promise<void> {
    const r = this.reconciler;
    if (!r || this.stopped) return;
    try {
      const repairs = await r.verify(this.desired());
      this.verifications++;
      if (repairs.length) {
        this.repairs += repairs.length;
        this.lastRepair = `${new Date().toISOString()} ${repairs.join('; ')}`;
        this.ctx.log.warn(`LVS: the ${this.backend?.name === 'nftables' ? `nftables table inet ${DEFAULT_TABLE}` : 'IPVS table'} differed from the configuration (changed by hand?); repaired: ${repairs.join('; ')}`);
      }
    } catch (e) {
      this.ctx.log.error(`LVS: drift check: ${e instanceof Error ? e.message : String(e)}`);
      r.forgetState();
    }
  }

  /** (Re)arms the periodic drift check: `lvs_verify_interval` seconds, default 60, 0 = off. */
  private armVerify(cfg: KeepalivedConfig): void {
    const s = cfg.global.lvsVerifyIntervalS ?? 60;
    if (s === this.verifyIntervalS && this.verifyTimer) return;
    clearInterval(this.verifyTimer);
    this.verifyTimer = undefined;
    this.verifyIntervalS = s;
    if (s > 0) {
      this.verifyTimer = setInterval(() => this.requestVerify(), s * 1000);
      this.verifyTimer.unref();
    }
  }

  private resetState(): void {
    this.health = new Map();
    this.weights = new Map();
    this.quorum = new Map();
  }

  async start(config: unknown): Promise<void> {
    const g = this.prepare(config);
    applyProcessTuning(g.config.global.checkerProcess, (l) => this.ctx.log.error(l));
    this.openFifos(g.config);
    this.gen = { ...g, checker: this.newChecker(g.checks, g.config) };
    // The checker's initial verdicts (alpha servers out, others in; quorum) fill the health
    // map synchronously before the data plane is touched; the checks start once it holds them.
    this.gen.checker.startVerdicts();
    if (g.config.global.rsInitNotifies) this.initNotifies(g.checks);
    await this.applyHaSuspend();
    const choice = g.config.global.lvsBackend ?? 'auto';
    const open = this.opts.openBackend ?? openSystemBackend;
    try {
      this.backend = await open(choice, () => this.desired());
    } catch (e) {
      this.gen.checker.stop();
      const msg = e instanceof Error ? e.message : String(e);
      throw new ServiceError(`LVS: cannot open the ${choice === 'auto' ? 'IPVS or nftables' : choice} data plane: ${msg}`, EXIT.FATAL);
    }
    if (choice === 'auto' && this.backend.name === 'nftables') {
      const problems = nftablesRefusals(this.desired());
      if (problems.length) {
        this.gen.checker.stop();
        this.backend.close();
        throw new ServiceError(problems.join('\n'), EXIT.CONFIG);
      }
    }
    this.info(`Using ${this.backend.name === 'ipvs' ? 'IPVS' : this.backend.name === 'nftables' ? `nftables table inet ${DEFAULT_TABLE}` : this.backend.name} for LVS`);
    if (this.backend instanceof NftablesBackend && this.backend.lastConverge) {
      const p = this.backend.lastConverge;
      this.info(p.rewrite ? `nftables: wrote table inet ${DEFAULT_TABLE} (${p.rewrite})` : `nftables: adopted table inet ${DEFAULT_TABLE}: ${p.kept.length} services kept as they were, ${p.replaced.length} rewritten, ${p.removed.length} leftovers removed`);
    }
    if (this.backend instanceof IpvsBackend) await this.ipvsGlobals(g.config);
    this.reconciler = new LvsReconciler(this.backend);
    this.requestSync();
    await this.syncing;
    if (!this.stopping) this.gen.checker.startChecking();
    this.snmp.apply(snmpSettings(g.config.global));
    this.armVerify(g.config);
  }

  /** rs_init_notifies: real servers that start alive get their notify_up (and FIFO line) at startup. */
  private initNotifies(checks: CheckSpec[]): void {
    const run = this.opts.checker?.runScript ?? spawnScript;
    for (const vs of checks) {
      for (const rs of vs.realServers) {
        if (this.health.get(vs.id)?.get(rs.id) !== true) continue;
        if (rs.notifyUp) run(rs.notifyUp, { type: 'script', command: rs.notifyUp, vs: vs.id, rs: rs.id, state: 'UP' });
        this.writeFifos(rsFifoLine({ vs: vs.id, rs: rs.id, up: true }, vs.protocol));
      }
    }
  }

  /**
   * The checker's FIFOs: the shared notify_fifo and lvs_notify_fifo (one FIFO when both name
   * the same path); lvs_notify_fifo_script is started here, notify_fifo_script by the VRRP
   * process (which owns the shared FIFO's reader, as in keepalived). Kept across reloads
   * unless their settings change.
   */
  private openFifos(cfg: KeepalivedConfig): void {
    const g = cfg.global;
    const settings = JSON.stringify([g.notifyFifo, g.lvsNotifyFifo, g.lvsNotifyFifoScript]);
    if (settings === this.fifos.settings) return;
    for (const f of this.fifos.open) f.close(true);
    const open: NotifyFifo[] = [];
    const log = (m: string) => this.ctx.log.error(m);
    if (g.notifyFifo) open.push(new NotifyFifo(g.notifyFifo, log));
    if (g.lvsNotifyFifo && g.lvsNotifyFifo.path !== g.notifyFifo?.path) open.push(new NotifyFifo(g.lvsNotifyFifo, log, g.lvsNotifyFifoScript));
    for (const f of open) f.open();
    this.fifos = { settings, open };
  }

  private writeFifos(line: string): void {
    for (const f of this.fifos.open) f.write(line);
  }

  /** lvs_timeouts and lvs_flush (keepalived's start sequence: timeouts, then flush, then services). */
  private async ipvsGlobals(cfg: KeepalivedConfig): Promise<void> {
    if (!(this.backend instanceof IpvsBackend)) return;
    const t = cfg.global.lvsTimeouts;
    try {
      if (t) {
        await this.backend.client.setTimeouts({
          ...(t.tcpS !== undefined ? { tcp: t.tcpS } : {}),
          ...(t.tcpFinS !== undefined ? { tcpFin: t.tcpFinS } : {}),
          ...(t.udpS !== undefined ? { udp: t.udpS } : {}),
        });
      }
      if (cfg.global.lvsFlush) await this.backend.client.flush();
    } catch (e) {
      this.ctx.log.error(`IPVS: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async reload(config: unknown): Promise<void> {
    let g: Omit<Generation, 'checker'>;
    try {
      g = this.prepare(config);
    } catch (e) {
      // A configuration this data plane cannot carry fails the reload, not the process:
      // the running configuration stays (the child reports "Reload failed").
      throw new Error(e instanceof Error ? e.message : String(e));
    }
    const old = this.gen;
    old?.checker.stop();
    this.openFifos(g.config);
    this.resetState();
    this.dirty = undefined;
    this.gen = { ...g, checker: this.newChecker(g.checks, g.config, old?.checker) };
    // Migrated checkers keep their verdicts: initial events report them, so unchanged real
    // servers stay as they are in the data plane and only the differences are applied.
    this.gen.checker.start();
    this.suspended.clear();
    await this.applyHaSuspend();
    // A reload reads the data plane back: what was changed by hand is repaired now.
    this.requestVerify();
    await this.syncing;
    this.snmp.apply(snmpSettings(g.config.global));
    this.armVerify(g.config);
  }

  /**
   * ha_suspend (keepalived's netlink address watch): a virtual server's checkers run only
   * while its address is on this host (a VRRP VIP held by this node), so a BACKUP does not
   * flap real servers it cannot reach through the VIP.
   */
  private async applyHaSuspend(): Promise<void> {
    const vss = (this.gen?.config.virtualServers ?? []).filter((v) => v.haSuspend && v.key.kind === 'addr');
    if (!vss.length) return;
    if (!this.addresses) {
      try {
        this.addresses = await (this.opts.watchAddresses ?? watchSystemAddresses)();
      } catch (e) {
        this.ctx.log.error(`ha_suspend: cannot watch the host's addresses (${e instanceof Error ? e.message : String(e)}); checkers stay active`);
        return;
      }
      this.addresses.onChange(() => { void this.applyHaSuspend(); });
    }
    for (const v of vss) {
      if (v.key.kind !== 'addr') continue;
      const name = virtualServerName(v);
      const active = this.addresses.present.has(canonicalAddress(v.key.address.address));
      if (this.suspended.get(name) === active) continue;
      const first = !this.suspended.has(name);
      this.suspended.set(name, active);
      this.gen?.checker.setVirtualServerEnabled(name, active);
      if (!first || !active) this.info(`${active ? 'Activating' : 'Suspending'} healthchecker for service ${name}`);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.snmp.stop();
    clearInterval(this.verifyTimer);
    this.addresses?.close();
    this.gen?.checker.stop();
    await this.syncing.catch(() => undefined);
    this.stopped = true;
    const keep = this.opts.keepOnStop ?? process.env.KEEPALIVED_TS_DONT_RELEASE_IPVS === '1';
    try {
      if (!keep && this.backend) {
        if (this.backend instanceof NftablesBackend) await this.backend.destroy();
        else if (this.backend instanceof IpvsBackend && this.gen?.config.global.lvsFlushOnStop === 'all') await this.backend.client.flush();
        else if (this.reconciler) await this.reconciler.stop();
        this.info(`Removed LVS ${this.backend.name === 'ipvs' ? 'IPVS services' : 'nftables table'}`);
      }
    } finally {
      this.backend?.close();
      for (const f of this.fifos.open) f.close(true);
    }
  }

  /** Data for tests and dumps: what the service believes the data plane holds. */
  currentTable(): ServiceEntry[] {
    return this.desired();
  }

  async dump(kind: DumpKind): Promise<string> {
    const view = this.view();
    if (kind === 'json') return `${JSON.stringify({ backend: this.backend?.name ?? null, virtual_servers: view }, null, 2)}\n`;
    const lines: string[] = [];
    if (kind === 'stats') {
      lines.push('------< Health checker statistics >------');
      lines.push(` Data plane = ${this.backend?.name ?? 'none'}`);
      lines.push(` Checks completed = ${this.gen?.checker.completedRuns ?? 0}`);
      lines.push(` Checks in flight = ${this.gen?.checker.inFlight ?? 0}`);
      lines.push(` LVS operations applied = ${this.applied}`);
      lines.push(` LVS drift checks = ${this.verifications} (every ${this.verifyIntervalS || '-'} s), repairs = ${this.repairs}${this.lastRepair ? `, last: ${this.lastRepair}` : ''}`);
      for (const vs of view) {
        lines.push(` VS ${vs.name}: quorum ${vs.quorum_state}, ${vs.real_servers.filter((r) => r.alive).length}/${vs.real_servers.length} real servers alive`);
      }
      return `${lines.join('\n')}\n`;
    }
    lines.push('------< LVS Topology >------');
    lines.push(` Data plane = ${this.backend?.name ?? 'none'}`);
    for (const vs of view) {
      lines.push(` VS = ${vs.name}`);
      lines.push(`   lb_algo = ${vs.scheduler}`);
      lines.push(`   quorum = ${vs.quorum}, hysteresis = ${vs.hysteresis}, quorum state = ${vs.quorum_state}`);
      if (vs.sorry_server) lines.push(`   sorry server = ${vs.sorry_server}`);
      for (const rs of vs.real_servers) {
        lines.push(`   RS = ${rs.name}`);
        lines.push(`     weight = ${rs.weight}, alive = ${rs.alive ? 'yes' : 'no'}, inhibit_on_failure = ${rs.inhibit_on_failure ? 'yes' : 'no'}, alpha = ${rs.alpha ? 'yes' : 'no'}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }

  /** The status contract (src/daemon/status.ts): every virtual server and its real servers. */
  status(): Promise<StatusSnapshot> {
    const last = this.gen?.checker.lastChecks;
    return Promise.resolve({
      version: STATUS_VERSION,
      virtualServers: this.effectiveSpecs().map((vs) => {
        const proto = vs.services[0]?.kind === 'addr' ? vs.services[0].protocol : 'tcp';
        return {
          name: vs.name, protocol: proto.toUpperCase(), scheduler: vs.scheduler,
          quorumUp: this.quorum.get(vs.name) !== false,
          realServers: vs.realServers.map((rs) => {
            const id = realServerId(rs);
            const check = last?.get(vs.name)?.get(id);
            return {
              address: rs.address, port: rs.port, weight: rs.weight,
              up: this.health.get(vs.name)?.get(id) ?? !rs.alpha,
              ...(check ? { lastCheck: check } : {}),
            };
          }),
        };
      }),
    });
  }

  private view(): Array<{
    name: string; scheduler: string; quorum: number; hysteresis: number; quorum_state: 'UP' | 'DOWN'; sorry_server: string | null;
    real_servers: Array<{ name: string; weight: number; alive: boolean; inhibit_on_failure: boolean; alpha: boolean }>;
  }> {
    return this.effectiveSpecs().map((vs) => {
      const proto = vs.services[0]?.kind === 'addr' ? vs.services[0].protocol : 'tcp';
      return {
        name: vs.name, scheduler: vs.scheduler, quorum: vs.quorum, hysteresis: vs.hysteresis,
        quorum_state: this.quorum.get(vs.name) === false ? 'DOWN' : 'UP',
        sorry_server: vs.sorryServer ? formatEndpoint(realServerId(vs.sorryServer), proto) : null,
        real_servers: vs.realServers.map((rs) => ({
          name: formatEndpoint(realServerId(rs), proto), weight: rs.weight,
          alive: this.health.get(vs.name)?.get(realServerId(rs)) ?? !rs.alpha,
          inhibit_on_failure: rs.inhibitOnFailure, alpha: rs.alpha,
        })),
      };
    });
  }
}

export function createCheckerProcess(ctx: ChildContext, opts?: CheckerProcessOptions): CheckerProcess {
  return new CheckerProcess(ctx, opts);
}
