// The SNMP side of a child process: the subagent with the MIBs this child serves, built from
// the settings, kept across reloads while they do not change, and the notifications it sends.
// In keepalived the VRRP child runs the VRRP, VRRP-MIB and VRRPv3-MIB subagents and the
// checker child the checker one; so do we: each child answers from its own live state.
import type { Oid, VarBind } from './agentx.js';
import { MibBuilder, type MibView } from './mib.js';
import { sameSettings, type SnmpSettings } from './settings.js';
import { AgentxSubagent } from './subagent.js';
import { ViewCache } from './view-cache.js';

export interface ChildAgentLog {
  info(m: string): void;
  warn(m: string): void;
  error(m: string): void;
}

/** A subtree registered with the master, and its AgentX priority (lower wins). */
export interface Registration {
  oid: Oid;
  priority?: number;
  /** Its name in the master's sysORTable. */
  module?: string;
}

export interface ChildAgentSpec {
  description: string;
  id: Oid;
  /** The subtrees these settings enable (none: no subagent in this child). */
  subtrees(s: SnmpSettings): Registration[];
  /** Fills the MIB with what these settings enable, from the state now. */
  build(b: MibBuilder, s: SnmpSettings): void;
}

export class ChildSnmpAgent {
  private settings: SnmpSettings | undefined;
  private subagent: AgentxSubagent | undefined;
  private cache: ViewCache | undefined;

  constructor(private readonly spec: ChildAgentSpec, private readonly log: ChildAgentLog) {}

  /** Starts, restarts or stops the subagent for these settings (from snmpSettings()). */
  apply(s: SnmpSettings | undefined | { error: string }): void {
    if (s && 'error' in s) {
      this.log.error(`SNMP: ${s.error}; SNMP disabled`);
      s = undefined;
    }
    if (s && this.spec.subtrees(s).length === 0) s = undefined;
    if (sameSettings(this.settings, s) && (this.subagent !== undefined) === (s !== undefined)) {
      this.cache?.invalidate();
      return;
    }
    this.stop();
    this.settings = s;
    if (!s) return;
    const settings = s;
    const cache = new ViewCache(() => {
      const b = new MibBuilder();
      this.spec.build(b, settings);
      return b.build();
    });
    this.cache = cache;
    this.log.info('Starting SNMP subagent');
    try {
      this.startSubagent(s, cache);
    } catch (e) {
      this.log.error(`SNMP: cannot start the subagent: ${e instanceof Error ? e.message : String(e)}; SNMP disabled`);
      this.stop();
    }
  }

  private startSubagent(s: SnmpSettings, cache: ViewCache): void {
    this.subagent = new AgentxSubagent({
      address: s.address,
      id: this.spec.id,
      description: this.spec.description,
      subtrees: this.spec.subtrees(s),
      view: () => cache.get(),
      log: this.log,
    });
    this.subagent.start();
  }

  /** The state changed: the next request sees a fresh MIB. */
  invalidate(): void {
    this.cache?.invalidate();
  }

  get traps(): boolean {
    return this.settings?.traps ?? false;
  }

  get enabled(): SnmpSettings | undefined {
    return this.settings;
  }

  /** The MIB now (tests, dumps). */
  view(): MibView | undefined {
    return this.cache?.get();
  }

  /**
   * Sends the notifications `build` makes (when enable_traps is on). Called from the VRRP and
   * checker event paths: a fault in building one is logged, never thrown into them.
   */
  notify(build: () => Array<{ trap: Oid; varbinds: VarBind[] } | undefined>): void {
    if (!this.traps || !this.subagent) return;
    try {
      for (const n of build()) if (n) this.subagent.notify(n.trap, n.varbinds);
    } catch (e) {
      this.log.error(`SNMP: cannot build a notification: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  stop(): void {
    this.subagent?.stop();
    this.subagent = undefined;
    this.cache = undefined;
    this.settings = undefined;
  }
}
