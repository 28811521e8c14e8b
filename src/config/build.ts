// From ConfigNode trees (the reader's output) to a typed KeepalivedConfig plus diagnostics.
// Never throws: every problem becomes a diagnostic with its line, and processing goes on.
import { hostname as osHostname } from 'node:os';
import { accessSync, constants as fsConstants, readFileSync, statSync } from 'node:fs';
import type { ConfigNode, SourceLoc } from './ast.js';
import type { KeepalivedConfig, TrackGroup, GarpGroup, VirtualServerGroup, SslContext, BfdInstance, TrackFile } from './model.js';
import { BlockRunner, defineBlock, Diagnostics, runBlock, type BlockDef, type BuildContext, type BuildEnv, type ConfigDiagnostic, type Kw } from './keywords/engine.js';
import { defaultGlobal, globalDefsBlock } from './keywords/global.js';
import {
  addressBlockItems, garpGroupBlock, linkbeatLine, newInstanceDraft, newScript, newSyncGroup, newTrackFile, newTrackProcess,
  routeBlockItems, ruleBlockItems, trackFileBlock, trackGroupBlock, trackProcessBlock, upDownDelayLine, vrrpInstanceBlock,
  vrrpScriptBlock, vrrpSyncGroupBlock, type InstanceDraft, type ScriptDraft, type SyncGroupDraft, type TrackProcessDraft,
} from './keywords/vrrp.js';
import { newVirtualServer, parseVsgEntry, parseVsKey, sslBlock, virtualServerBlock, type VirtualServerDraft } from './keywords/lvs.js';
import { bfdInstanceBlock, newBfdInstance } from './keywords/bfd.js';
import { bareFlag, intKw, strKw } from './keywords/common.js';
import { finalise } from './validate.js';

export type { ConfigDiagnostic, BuildEnv, DiagnosticCode } from './keywords/engine.js';

/** Everything read from the file before defaults and validation. */
export interface BuildState {
  config: Omit<KeepalivedConfig, 'vrrpInstances' | 'vrrpScripts' | 'virtualServers' | 'trackProcesses' | 'vrrpSyncGroups'>;
  instances: InstanceDraft[];
  scripts: ScriptDraft[];
  syncGroups: SyncGroupDraft[];
  trackProcesses: TrackProcessDraft[];
  virtualServers: VirtualServerDraft[];
  /** Keywords given in global_defs (for "only if untouched" defaults). */
  globalSeen: Set<string>;
  /** Where the first global_defs block is (for diagnostics about global settings). */
  globalLoc?: SourceLoc;
}

/** `KEYWORD NAME { ... }`: the name, or an error. */
function blockName(kw: Kw): string | undefined {
  if (kw.args.length === 0) { kw.error(`'${kw.name}' needs a name`); return undefined; }
  if (kw.args.length > 1) kw.error(`${kw.name} ${kw.args[0] ?? ''}: unexpected '${kw.args[1] ?? ''}' after the name`);
  return kw.args[0];
}

/** Names already used per list, so duplicate checks stay linear on huge configs. */
const namesSeen = new WeakMap<object, Set<string>>();

/** Named objects must be unique: keepalived reports the second one and skips it. */
function unique(kw: Kw, list: { name: string }[], what: string, name: string): boolean {
  let names = namesSeen.get(list);
  if (!names) {
    names = new Set(list.map((x) => x.name));
    namesSeen.set(list, names);
  }
  if (names.has(name)) {
    kw.error(`${what} ${name} is defined more than once - skipping this one`);
    return false;
  }
  names.add(name);
  return true;
}

function namedBlock<D extends { name: string }>(
  keyword: string, what: string, block: BlockDef<D>, make: (name: string, kw: Kw) => D, list: (s: BuildState) => D[], doc: string,
  extra: { deprecated?: string[] } = {},
): import('./keywords/engine.js').KeywordDef<BuildState> {
  return {
    name: keyword, syntax: 'NAME { ... }', block: 'required', repeatable: true, doc, sub: block as BlockDef<never>, ...extra,
    handle: (kw, s) => {
      const name = blockName(kw);
      if (name === undefined || !unique(kw, list(s), what, name)) return;
      const d = make(name, kw);
      runBlock(kw.ctx, kw.children, block, d, `${keyword} ${name}`);
      list(s).push(d);
    },
  };
}

export const topLevelBlock = defineBlock<BuildState>('(top level)', 'Keywords outside any block.', [
  {
    name: 'global_defs', syntax: '{ ... }', block: 'required', repeatable: true, sub: globalDefsBlock as BlockDef<never>, doc: 'Global settings.',
    handle: (kw, s) => {
      s.globalLoc ??= kw.loc;
      for (const k of runBlock(kw.ctx, kw.children, globalDefsBlock, s.config.global, 'global_defs')) s.globalSeen.add(k);
    },
  },
  strKw('net_namespace', 'NAME', 'Run the whole daemon in this network namespace.', (s, v) => { s.config.global.netNamespace = v; }),
  {
    name: 'net_namespace_ipvs', syntax: '[NAME]', doc: 'Network namespace of the IPVS configuration (no name: the default namespace).',
    handle: (kw, s) => { if (!kw.count(0, 1)) return; s.config.global.netNamespaceIpvs = kw.args[0] ?? ''; },
  },
  bareFlag('namespace_with_ipsets', 'Allow ipsets in a namespace on old kernels.', (s) => { s.config.global.namespaceWithIpsets = true; }),
  strKw('instance', 'NAME', 'Instance name (pid files, syslog ident).', (s, v) => { s.config.global.instanceName = v; }),
  bareFlag('use_pid_dir', 'Put pid files in /run/keepalived/.', (s) => { s.config.global.usePidDir = true; }),
  bareFlag('linkbeat_use_polling', 'Poll link state of all interfaces.', (s) => { s.config.global.linkbeatUsePolling = true; }),
  intKw('child_wait_time', 0, 3600, 'Seconds the parent waits for children at exit.', (s, v) => { s.config.global.childWaitTimeS = v; }, { default: '5' }),
  {
    name: 'linkbeat_interfaces', syntax: '{ IFNAME [MII|ETHTOOL|IOCTL] ... }', block: 'required', repeatable: true, doc: 'Interfaces whose link state is polled.',
    handle: (kw, s) => linkbeatLine(kw, s.config.linkbeatInterfaces),
  },
  {
    name: 'interface_up_down_delays', syntax: '{ IFNAME DOWN_DELAY [UP_DELAY] ... }', block: 'required', repeatable: true, doc: 'Debounce of interface state changes.',
    handle: (kw, s) => upDownDelayLine(kw, s.config.interfaceUpDownDelays),
  },
  namedBlock<TrackGroup>('track_group', 'track_group', trackGroupBlock, (name, kw) => ({ name, loc: kw.loc, members: [] }), (s) => s.config.trackGroups, 'Instances to FAULT when a static entry cannot be restored.'),
  {
    name: 'static_ipaddress', syntax: '{ ADDRESS ... }', block: 'required', repeatable: true, doc: 'Addresses installed while keepalived runs.',
    handle: (kw, s) => addressBlockItems(kw, s.config.staticIpaddress, 'static'),
  },
  {
    name: 'static_routes', syntax: '{ ROUTE ... }', block: 'required', repeatable: true, doc: 'Routes installed while keepalived runs.',
    handle: (kw, s) => routeBlockItems(kw, s.config.staticRoutes, 'static'),
  },
  {
    name: 'static_rules', syntax: '{ RULE ... }', block: 'required', repeatable: true, doc: 'Rules installed while keepalived runs.',
    handle: (kw, s) => ruleBlockItems(kw, s.config.staticRules, 'static'),
  },
  namedBlock<TrackFile>('track_file', 'track_file', trackFileBlock, (name, kw) => newTrackFile(name, kw.loc), (s) => s.config.trackFiles, 'A tracked file.', { deprecated: ['vrrp_track_file'] }),
  namedBlock<TrackProcessDraft>('vrrp_track_process', 'vrrp_track_process', trackProcessBlock, (name, kw) => newTrackProcess(name, kw.loc), (s) => s.trackProcesses, 'A tracked process.'),
  namedBlock<ScriptDraft>('vrrp_script', 'vrrp_script', vrrpScriptBlock, (name, kw) => newScript(name, kw.loc), (s) => s.scripts, 'A tracked script.'),
  namedBlock<SyncGroupDraft>('vrrp_sync_group', 'vrrp_sync_group', vrrpSyncGroupBlock, (name, kw) => newSyncGroup(name, kw.loc), (s) => s.syncGroups, 'A VRRP sync group.'),
  {
    name: 'garp_group', syntax: '{ ... }', block: 'required', repeatable: true, sub: garpGroupBlock as BlockDef<never>, doc: 'Shared GARP rate limit.',
    handle: (kw, s) => {
      const g: GarpGroup = { loc: kw.loc, interfaces: [] };
      runBlock(kw.ctx, kw.children, garpGroupBlock, g, 'garp_group');
      if (g.interfaces.length === 0) { kw.error('garp_group has no interface - ignoring'); return; }
      s.config.garpGroups.push(g);
    },
  },
  namedBlock<InstanceDraft>('vrrp_instance', 'vrrp_instance', vrrpInstanceBlock, (name, kw) => newInstanceDraft(name, kw.loc), (s) => s.instances, 'A VRRP instance.'),
  namedBlock<BfdInstance>('bfd_instance', 'bfd_instance', bfdInstanceBlock, (name, kw) => newBfdInstance(name, kw.loc), (s) => s.config.bfdInstances, 'A BFD session.'),
  {
    name: 'SSL', syntax: '{ ... }', block: 'required', sub: sslBlock as BlockDef<never>, doc: 'TLS client context for SSL_GET.',
    handle: (kw, s) => { const c: SslContext = s.config.ssl ?? { loc: kw.loc }; runBlock(kw.ctx, kw.children, sslBlock, c, 'SSL'); s.config.ssl = c; },
  },
  {
    name: 'virtual_server_group', syntax: 'NAME { ADDRESS[-END|/LEN] [PORT] | fwmark N [inet|inet6] ... }', block: 'required', repeatable: true, doc: 'Addresses and fwmarks sharing one set of real servers.',
    handle: (kw, s) => {
      const name = blockName(kw);
      if (name === undefined) return;
      // keepalived adds the entries of a repeated group to the first one.
      const existing = s.config.virtualServerGroups.find((x) => x.name === name);
      if (existing) kw.warn(`virtual_server_group ${name} is defined more than once - adding these entries to it`);
      const g: VirtualServerGroup = existing ?? { name, loc: kw.loc, entries: [] };
      parseVsgEntry(kw, g);
      if (!existing) s.config.virtualServerGroups.push(g);
    },
  },
  {
    name: 'virtual_server', syntax: 'ADDRESS [PORT] | fwmark N | group NAME { ... }', block: 'required', repeatable: true, sub: virtualServerBlock as BlockDef<never>, doc: 'An IPVS service.',
    handle: (kw, s) => {
      const key = parseVsKey(kw);
      if (!key) { kw.error('virtual_server skipped'); return; }
      const vs = newVirtualServer(kw.loc, key);
      runBlock(kw.ctx, kw.children, virtualServerBlock, vs, 'virtual_server');
      s.virtualServers.push(vs);
    },
  },
]);

function emptyState(hostname: string): BuildState {
  return {
    config: {
      global: defaultGlobal(hostname), linkbeatInterfaces: [], interfaceUpDownDelays: [], trackGroups: [], staticIpaddress: [],
      staticRoutes: [], staticRules: [], trackFiles: [], garpGroups: [], bfdInstances: [], virtualServerGroups: [],
    },
    instances: [], scripts: [], syncGroups: [], trackProcesses: [], virtualServers: [], globalSeen: new Set(),
  };
}

export interface BuildResult {
  config: KeepalivedConfig;
  diagnostics: ConfigDiagnostic[];
}

/** Build the typed configuration. Diagnostics are in file order within each phase. */
export function buildConfig(nodes: ConfigNode[], env: BuildEnv = {}): BuildResult {
  const builder = new ConfigBuilder(env);
  for (let i = 0; i < nodes.length; i++) builder.add(nodes[i] as ConfigNode);
  return builder.finish();
}

/**
 * buildConfig fed one top-level node at a time, e.g. as the reader completes each block:
 * the caller need not hold the whole tree, so a block's nodes can die young. Same result and
 * same diagnostics, in the same order, as buildConfig over the same nodes.
 */
export class ConfigBuilder {
  private readonly ctx: BuildContext;
  private readonly state: BuildState;
  private readonly top: BlockRunner<BuildState>;
  private firstLoc: SourceLoc | undefined;
  /** A bug of ours stopped the build: later nodes are ignored, as buildConfig always did. */
  private failure: unknown;
  private failed = false;

  constructor(env: BuildEnv = {}) {
    this.ctx = { diags: new Diagnostics(), env };
    let host = env.hostname;
    if (host === undefined) {
      try { host = osHostname(); } catch { host = 'localhost'; }
    }
    this.state = emptyState(host);
    this.top = new BlockRunner(this.ctx, topLevelBlock, this.state);
  }

  add(node: ConfigNode): void {
    this.firstLoc ??= node.loc;
    if (this.failed) return;
    try {
      this.top.add(node);
    } catch (e) {
      this.failed = true;
      this.failure = e;
    }
  }

  finish(): BuildResult {
    const { ctx, state } = this;
    if (!this.failed) {
      try {
        return { config: finalise(state, ctx), diagnostics: ctx.diags.list };
      } catch (e) {
        this.failure = e;
      }
    }
    // A bug of ours must not take the daemon down: report it as an error of the whole file.
    const e = this.failure;
    const loc = this.firstLoc ?? { file: '(config)', line: 0 };
    ctx.diags.error(loc, `internal error building the configuration: ${(e as Error).stack ?? String(e)}`, 'fatal');
    return { config: { ...state.config, vrrpInstances: [], vrrpScripts: [], virtualServers: [], trackProcesses: [], vrrpSyncGroups: [] }, diagnostics: ctx.diags.list };
  }
}

/**
 * What `keepalived -t` (2.2.7) exits with for these diagnostics: 0 clean; 6 when scripts run
 * without enable_script_security (this wins over everything else); 5 for any config error,
 * including interfaces that do not exist here (which keepalived words as a WARNING).
 */
export function configTestExitCode(diagnostics: ConfigDiagnostic[]): 0 | 5 | 6 {
  if (diagnostics.some((d) => d.code === 'security')) return 6;
  return diagnostics.some(failsConfigTest) ? 5 : 0;
}

/** Whether keepalived 2.2.7's `-t` fails on this diagnostic (security aside). */
export function failsConfigTest(d: ConfigDiagnostic): boolean {
  return d.severity === 'error' || d.code === 'bad-interface' || d.code === 'keepalived-error';
}

/**
 * A BuildEnv.scriptUsable for the real host: the program exists and is executable, looked up
 * in PATH when it has no slash (as keepalived resolves scripts).
 */
export function scriptIsExecutable(program: string): boolean {
  const candidates = program.includes('/') ? [program]
    : (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':').filter(Boolean).map((d) => `${d}/${program}`);
  return candidates.some((p) => {
    try {
      accessSync(p, fsConstants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

/** The host-facing hooks the CLI and daemon should pass (besides interfaceExists and hostname). */
export function hostBuildEnv(): Required<Pick<BuildEnv, 'scriptUsable' | 'userExists'>> {
  return { scriptUsable: scriptIsExecutable, userExists: userExistsHere };
}

/** A BuildEnv.userExists for the real host (numeric ids are taken as existing). */
export function userExistsHere(user: string): boolean {
  if (/^\d+$/.test(user)) return true;
  try {
    return readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.split(':')[0] === user);
  } catch {
    return true;
  }
}

/**
 * Errors that leave an instance unusable: keepalived's VRRP process exits on them, so the daemon
 * should refuse to start while any is present.
 */
export function fatalDiagnostics(diagnostics: ConfigDiagnostic[]): ConfigDiagnostic[] {
  return diagnostics.filter((d) => d.code === 'fatal' || d.code === 'syntax');
}
