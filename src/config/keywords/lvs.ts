// LVS blocks: virtual_server_group, virtual_server, real_server, SSL.
import type { SourceLoc } from '../ast.js';
import { addToAddress, compareAddresses, parseIpAddress, parseIpPrefix, type IpAddress } from '../address.js';
import type {
  LvsMethod, LvsProtocol, LvsScheduler, RealServer, SchedulerFlags, SslContext, VirtualServer, VirtualServerGroup,
  VirtualServerKey, VsgEntry,
} from '../model.js';
import { defineBlock, runBlock, type BlockDef, type Kw } from './engine.js';
import { bareFlag, boolKw, flag, intKw, scriptKw, strKw, timerKw } from './common.js';
import { buildChecker, CHECKER_TYPES, checkerBlocks, type CheckerDraft } from './checkers.js';

const SCHEDULERS: readonly LvsScheduler[] = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'];

/** `NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]` starting at args[i]. */
export function parseMethod(kw: Kw, i: number): LvsMethod | undefined {
  const a = kw.args;
  const m = (a[i] ?? '').toUpperCase();
  if (m === 'NAT' || m === 'DR') {
    if (a.length > i + 1) { kw.error(`${kw.name}: unexpected '${a[i + 1] ?? ''}' after ${m}`); return undefined; }
    return { kind: m };
  }
  if (m !== 'TUN') { kw.error(`${kw.name}: invalid method '${a[i] ?? ''}' (NAT|DR|TUN)`); return undefined; }
  const t: Extract<LvsMethod, { kind: 'TUN' }> = { kind: 'TUN', tunnel: 'ipip' };
  for (let j = i + 1; j < a.length; j++) {
    const w = a[j] ?? '';
    if (w === 'type') {
      const v = a[++j];
      if (v === 'ipip' || v === 'gre' || v === 'gue') t.tunnel = v;
      else { kw.error(`${kw.name}: invalid tunnel type '${v ?? ''}' (ipip|gue|gre)`); return undefined; }
    } else if (w === 'port') {
      const v = kw.int(++j, 1, 65535, `${kw.name} port`);
      if (v === undefined) return undefined;
      t.port = v;
    } else if (w === 'nocsum' || w === 'csum' || w === 'remcsum') t.checksum = w;
    else { kw.error(`${kw.name}: unknown option '${w}'`); return undefined; }
  }
  if (t.tunnel === 'gue' && t.port === undefined) { kw.error(`${kw.name}: TUN type gue needs a port`); return undefined; }
  if (t.tunnel !== 'gue' && t.port !== undefined) { kw.error(`${kw.name}: port is only for TUN type gue`); return undefined; }
  if (t.checksum === 'remcsum' && t.tunnel !== 'gue') { kw.error(`${kw.name}: remcsum is only for TUN type gue`); return undefined; }
  if (t.checksum !== undefined && t.tunnel === 'ipip') { kw.error(`${kw.name}: checksum options need TUN type gue or gre`); return undefined; }
  return t;
}

// ───────────── real_server ─────────────

export type RsInherited = 'method' | 'weight' | 'inhibitOnFailure' | 'alpha' | 'connectTimeoutUs' | 'delayLoopUs' | 'smtpAlert';
/** What a real_server block's own keywords set: the RealServer to be, without what it inherits. */
export type RealServerOwn = Omit<RealServer, RsInherited | 'checkers' | 'port'> & Partial<Pick<RealServer, RsInherited>>;
/**
 * A real_server block being read. `rs` holds only the server's own keywords, in the order
 * given, so that finalising can complete it in place into the RealServer (the inherited
 * values, port and checkers appended) instead of copying it.
 */
export interface RealServerDraft {
  rs: RealServerOwn;
  /** As written (undefined: none given). */
  port: number | undefined;
  checkers: CheckerDraft[];
}

export const realServerBlock = defineBlock<RealServerDraft>('real_server ADDRESS [PORT]', 'A back-end server of the virtual server.', [
  intKw('weight', 0, 2147483647, 'IPVS weight.', (t, v) => { t.rs.weight = v; }, { default: 'virtual server weight (1)' }),
  { name: 'lvs_method', syntax: 'NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]', default: 'virtual server\'s', doc: 'Forwarding method of this real server.', handle: (kw, t) => { const m = parseMethod(kw, 0); if (m) t.rs.method = m; } },
  scriptKw('notify_up', 'Run when the real server comes up.', (t, v) => { t.rs.notifyUp = v; }),
  scriptKw('notify_down', 'Run when the real server goes down.', (t, v) => { t.rs.notifyDown = v; }),
  intKw('uthreshold', 0, 0xffffffff, 'Upper connection threshold.', (t, v) => { t.rs.uthreshold = v; }),
  intKw('lthreshold', 0, 0xffffffff, 'Lower connection threshold.', (t, v) => { t.rs.lthreshold = v; }),
  flag('inhibit_on_failure', 'Set weight 0 on failure instead of removing the server.', (t, v) => { t.rs.inhibitOnFailure = v; }, { default: 'virtual server\'s' }),
  flag('alpha', 'Start down until the checkers succeed.', (t, v) => { t.rs.alpha = v; }, { default: 'virtual server\'s' }),
  intKw('retry', 0, 0x7fffffff, 'Default retry of the checkers.', (t, v) => { t.rs.retry = v; }),
  timerKw('delay_before_retry', 0, 86400, 'Default delay_before_retry of the checkers.', (t, v) => { t.rs.delayBeforeRetryUs = v; }),
  timerKw('warmup', 0, 86400, 'Default warmup of the checkers.', (t, v) => { t.rs.warmupUs = v; }),
  timerKw('connect_timeout', 0.001, 86400, 'Default connect_timeout of the checkers.', (t, v) => { t.rs.connectTimeoutUs = v; }, { default: 'virtual server\'s (5)' }),
  timerKw('delay_loop', 0.001, 86400, 'Default delay_loop of the checkers.', (t, v) => { t.rs.delayLoopUs = v; }, { default: 'virtual server\'s (60)' }),
  boolKw('smtp_alert', 'Email on state changes.', (t, v) => { t.rs.smtpAlert = v; }, { default: 'smtp_alert_checker / smtp_alert / on' }),
  strKw('virtualhost', 'HOST', 'Default Host: for HTTP/SSL checkers.', (t, v) => { t.rs.virtualhost = v; }),
  strKw('snmp_name', 'NAME', 'Name in SNMP.', (t, v) => { t.rs.snmpName = v; }),
  ...CHECKER_TYPES.map((name) => ({
    name, syntax: '{ ... }', block: 'required' as const, repeatable: true, sub: checkerBlocks[name], doc: checkerBlocks[name].doc,
    handle: (kw: Kw, t: RealServerDraft) => { const c = buildChecker(kw); if (c) addChecker(t, c); },
  })),
]);

/**
 * Most real servers have one checker: it gets an exact-size array rather than a pushed-to
 * one with 16 spare slots, which the draft would carry through many scavenges (10,000s of
 * real servers in large files).
 */
function addChecker(t: RealServerDraft, c: CheckerDraft): void {
  if (t.checkers.length === 0) t.checkers = [c];
  else t.checkers.push(c);
}

// ───────────── virtual_server ─────────────

export type VsInherited = 'protocol' | 'scheduler' | 'method' | 'family' | 'smtpAlert';
export type VirtualServerDraft = Omit<VirtualServer, VsInherited | 'realServers'> & Partial<Pick<VirtualServer, VsInherited>> & {
  realServers: RealServerDraft[];
  persistenceGiven: boolean;
  locs: Record<string, SourceLoc>;
};

function flags(): SchedulerFlags {
  return { hashed: false, flag1: false, flag2: false, flag3: false, shPort: false, shFallback: false, mhPort: false, mhFallback: false, ops: false };
}

/** `ADDRESS [PORT]` of real_server / sorry_server. */
function addrPort(kw: Kw, i: number): { address: IpAddress; port?: number } | undefined {
  const a = kw.ip(i);
  if (!a) return undefined;
  if (kw.args[i + 1] === undefined) return { address: a };
  const p = kw.int(i + 1, 0, 65535, `${kw.name} port`);
  if (p === undefined) return undefined;
  if (kw.args.length > i + 2) { kw.error(`${kw.name}: unexpected '${kw.args[i + 2] ?? ''}'`); return undefined; }
  return p === 0 ? { address: a } : { address: a, port: p };
}

export const virtualServerBlock = defineBlock<VirtualServerDraft>('virtual_server ADDRESS PORT | fwmark N | group NAME', 'An IPVS service and its real servers.', [
  timerKw('delay_loop', 0.001, 86400, 'Default period of the checkers.', (t, v) => { t.delayLoopUs = v; }, { default: '60' }),
  { name: 'lvs_sched', syntax: SCHEDULERS.join('|'), aliases: ['lb_algo'], default: 'wlc', doc: 'IPVS scheduler.', handle: (kw, t) => { if (!kw.count(1)) return; const v = kw.oneOf(0, SCHEDULERS); if (v) t.scheduler = v; } },
  { name: 'lvs_method', syntax: 'NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]', aliases: ['lb_kind'], default: 'NAT', doc: 'Forwarding method.', handle: (kw, t) => { const m = parseMethod(kw, 0); if (m) t.method = m; } },
  {
    name: 'protocol', syntax: 'TCP|UDP|SCTP', default: 'UDP (with a warning)', doc: 'Service protocol (ignored for fwmark services).',
    handle: (kw, t) => { if (!kw.count(1)) return; const v = kw.oneOf(0, ['TCP', 'UDP', 'SCTP'] as const, true); if (v) { t.protocol = v; t.locs.protocol = kw.loc; } },
  },
  {
    name: 'persistence_timeout', syntax: '[SECONDS]', default: 'not persistent (360 when given without value)', doc: 'Persistence timeout.',
    handle: (kw, t) => { if (!kw.count(0, 1)) return; t.persistenceGiven = true; if (kw.args.length === 0) { t.persistenceTimeoutS = 360; return; } const v = kw.int(0, 1, 0x7fffffff); if (v !== undefined) t.persistenceTimeoutS = v; },
  },
  {
    name: 'persistence_granularity', syntax: 'NETMASK|PREFIXLEN', doc: 'Persistence granularity.',
    handle: (kw, t) => {
      if (!kw.count(1)) return;
      const v = kw.args[0] ?? '';
      const ok = /^\d{1,3}$/.test(v) ? Number(v) <= 128 : (() => { const a = parseIpAddress(v); return a.ok && a.value.family === 4; })();
      if (!ok) { kw.error(`persistence_granularity: invalid netmask '${v}'`); return; }
      t.persistenceGranularity = v;
    },
  },
  strKw('persistence_engine', 'NAME', 'Persistence engine (e.g. sip).', (t, v) => { t.persistenceEngine = v; }),
  bareFlag('hashed', 'IPVS scheduler flag hashed.', (t) => { t.flags.hashed = true; }),
  bareFlag('flag-1', 'IPVS scheduler flag 1.', (t) => { t.flags.flag1 = true; }),
  bareFlag('flag-2', 'IPVS scheduler flag 2.', (t) => { t.flags.flag2 = true; }),
  bareFlag('flag-3', 'IPVS scheduler flag 3.', (t) => { t.flags.flag3 = true; }),
  bareFlag('sh-port', 'sh scheduler: include the port.', (t) => { t.flags.shPort = true; }),
  bareFlag('sh-fallback', 'sh scheduler: fall back when the server is unavailable.', (t) => { t.flags.shFallback = true; }),
  bareFlag('mh-port', 'mh scheduler: include the port.', (t) => { t.flags.mhPort = true; }),
  bareFlag('mh-fallback', 'mh scheduler: fall back when the server is unavailable.', (t) => { t.flags.mhFallback = true; }),
  { name: 'ops', syntax: '', doc: 'One-packet scheduling (UDP only).', handle: (kw, t) => { kw.bare(); t.flags.ops = true; t.locs.ops = kw.loc; } },
  { name: 'ha_suspend', syntax: '', doc: 'Suspend checkers while the virtual address is absent.', handle: (kw, t) => { kw.bare(); t.haSuspend = true; t.locs.ha_suspend = kw.loc; } },
  strKw('virtualhost', 'HOST', 'Default Host: of HTTP/SSL checkers.', (t, v) => { t.virtualhost = v; }),
  bareFlag('alpha', 'Real servers start down until their checks succeed.', (t) => { t.alpha = true; }),
  bareFlag('omega', 'Run quorum_down and notify_down scripts at shutdown.', (t) => { t.omega = true; }),
  intKw('quorum', 1, 0xffffffff, 'Minimum total weight of live real servers.', (t, v) => { t.quorum = v; }, { default: '1' }),
  intKw('hysteresis', 0, 0xffffffff, 'Quorum hysteresis.', (t, v) => { t.hysteresis = v; }, { default: '0' }),
  scriptKw('quorum_up', 'Run when the quorum is reached.', (t, v) => { t.quorumUp = v; }),
  scriptKw('quorum_down', 'Run when the quorum is lost.', (t, v) => { t.quorumDown = v; }),
  {
    name: 'sorry_server', syntax: 'ADDRESS [PORT]', doc: 'Server used when no real server is up.',
    handle: (kw, t) => { if (!kw.count(1, 2)) return; const r = addrPort(kw, 0); if (r) t.sorryServer = { address: r.address, port: r.port ?? 0 }; },
  },
  bareFlag('sorry_server_inhibit', 'Inhibit the sorry server instead of removing it.', (t) => { t.sorryServerInhibit = true; }),
  {
    name: 'sorry_server_lvs_method', syntax: 'NAT|DR|TUN ...', doc: 'Forwarding method of the sorry server.',
    handle: (kw, t) => { const m = parseMethod(kw, 0); if (!m) return; if (!t.sorryServer) { kw.error('sorry_server_lvs_method before sorry_server'); return; } t.sorryServer.method = m; },
  },
  flag('inhibit_on_failure', 'Failed real servers get weight 0 instead of being removed.', (t, v) => { t.inhibitOnFailure = v; }),
  timerKw('connect_timeout', 0.001, 86400, 'Default connect_timeout of the checkers.', (t, v) => { t.connectTimeoutUs = v; }, { default: '5' }),
  intKw('retry', 0, 0x7fffffff, 'Default retry of the checkers.', (t, v) => { t.retry = v; }),
  timerKw('delay_before_retry', 0, 86400, 'Default delay_before_retry of the checkers.', (t, v) => { t.delayBeforeRetryUs = v; }),
  timerKw('warmup', 0, 86400, 'Default warmup of the checkers.', (t, v) => { t.warmupUs = v; }),
  intKw('weight', 0, 2147483647, 'Default weight of the real servers.', (t, v) => { t.weight = v; }, { default: '1' }),
  {
    name: 'ip_family', syntax: 'inet|inet6', doc: 'Family of a fwmark service whose real servers are all tunnelled.',
    handle: (kw, t) => { if (!kw.count(1)) return; const v = kw.oneOf(0, ['inet', 'inet6'] as const); if (v) t.ipFamily = v === 'inet' ? 4 : 6; },
  },
  boolKw('smtp_alert', 'Email on quorum changes.', (t, v) => { t.smtpAlert = v; }, { default: 'smtp_alert_checker / smtp_alert / off' }),
  strKw('snmp_name', 'NAME', 'Name in SNMP.', (t, v) => { t.snmpName = v; }),
  {
    name: 'real_server', syntax: 'ADDRESS [PORT] { ... }', block: 'required', repeatable: true, sub: realServerBlock as BlockDef<never>, doc: 'A real server.',
    handle: (kw, t) => {
      if (!kw.count(1, 2)) return;
      const r = addrPort(kw, 0);
      if (!r) return;
      // Every field in the literal: one added later would need a property array of its own.
      const rs: RealServerDraft = { rs: { loc: kw.loc, address: r.address }, port: r.port, checkers: [] };
      if (kw.node.children) runBlockLazy(kw, rs);
      t.realServers.push(rs);
    },
  },
]);

function runBlockLazy(kw: Kw, rs: RealServerDraft): void {
  runBlock(kw.ctx, kw.children, realServerBlock, rs, 'real_server');
}

/** Parse `virtual_server` arguments into its key. */
export function parseVsKey(kw: Kw): VirtualServerKey | undefined {
  const a = kw.args;
  if (a[0] === 'fwmark') {
    if (!kw.count(2)) return undefined;
    const v = kw.int(1, 1, 0xffffffff, 'virtual_server fwmark');
    return v === undefined ? undefined : { kind: 'fwmark', fwmark: v };
  }
  if (a[0] === 'group') {
    if (!kw.count(2)) return undefined;
    return { kind: 'group', group: a[1] ?? '' };
  }
  if (!kw.count(1, 2)) return undefined;
  const ip = kw.ip(0);
  if (!ip) return undefined;
  let port = 0;
  if (a[1] !== undefined) {
    const p = kw.int(1, 0, 65535, 'virtual_server port');
    if (p === undefined) return undefined;
    port = p;
  }
  return { kind: 'addr', address: ip, port };
}

export function newVirtualServer(loc: SourceLoc, key: VirtualServerKey): VirtualServerDraft {
  return {
    loc, key, flags: flags(), haSuspend: false, alpha: false, omega: false, quorum: 1, hysteresis: 0,
    sorryServerInhibit: false, inhibitOnFailure: false, delayLoopUs: 60_000_000, connectTimeoutUs: 5_000_000, weight: 1,
    realServers: [], persistenceGiven: false, locs: {},
  };
}

// ───────────── virtual_server_group ─────────────

/** One line of a virtual_server_group: `ADDR[-END|/LEN] [PORT]` or `fwmark N [inet|inet6]`. */
export function parseVsgEntry(kw: Kw, out: VirtualServerGroup): void {
  for (const item of kw.children) {
    const err = (m: string): void => kw.ctx.diags.error(item.loc, `virtual_server_group ${out.name}: ${m}`);
    if (item.keyword === 'fwmark') {
      const v = item.args[0];
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 0xffffffff) { err(`invalid fwmark '${v ?? ''}'`); continue; }
      const e: VsgEntry = { kind: 'fwmark', loc: item.loc, fwmark: Number(v) };
      const f = item.args[1];
      if (f === 'inet') e.family = 4;
      else if (f === 'inet6') e.family = 6;
      else if (f !== undefined) { err(`unexpected '${f}' after fwmark`); continue; }
      out.entries.push(e);
      continue;
    }
    const text = item.keyword;
    let first: IpAddress | undefined;
    let last: IpAddress | undefined;
    const dash = text.indexOf('-');
    if (dash > 0) {
      const a = parseIpAddress(text.slice(0, dash));
      if (!a.ok) { err(a.error); continue; }
      first = a.value;
      const endText = text.slice(dash + 1);
      if (/^[0-9a-fA-F]{1,4}$/.test(endText) && (a.value.family === 6 || /^\d{1,3}$/.test(endText))) {
        // Short form: the last octet (IPv4, decimal) or last group (IPv6, hex) of the range end.
        const n = a.value.family === 4 ? Number(endText) : parseInt(endText, 16);
        const parts = a.value.family === 4 ? a.value.address.split('.') : [];
        if (a.value.family === 4) {
          if (n > 255) { err(`invalid range end '${endText}'`); continue; }
          const lastOctet = Number(parts[3]);
          last = addToAddress(a.value, Math.max(0, n - lastOctet));
          if (n < lastOctet) { err(`range end ${n} is before the start`); continue; }
        } else {
          const bytes = a.value.address;
          const r = parseIpAddress(bytes);
          if (!r.ok) { err(r.error); continue; }
          const lowGroup = parseInt(expandLastGroup(bytes), 16);
          if (n < lowGroup) { err(`range end ${endText} is before the start`); continue; }
          last = addToAddress(a.value, n - lowGroup);
        }
      } else {
        const b = parseIpAddress(endText);
        if (!b.ok || b.value.family !== a.value.family) { err(`invalid range end '${endText}'`); continue; }
        if (compareAddresses(b.value, a.value) < 0) { err(`range end ${endText} is before the start`); continue; }
        last = b.value;
      }
    } else if (text.includes('/')) {
      const p = parseIpPrefix(text);
      if (!p.ok) { err(p.error); continue; }
      const size = (p.value.family === 4 ? 32 : 128) - p.value.prefixLen;
      if (size > 16) { err(`prefix '${text}' is too large for a group range`); continue; }
      first = { family: p.value.family, address: p.value.address };
      last = addToAddress(first, 2 ** size - 1);
    } else {
      const a = parseIpAddress(text);
      if (!a.ok) { err(a.error); continue; }
      first = a.value;
      last = a.value;
    }
    let port = 0;
    const ptext = item.args[0];
    if (ptext === undefined) { err(`${text} has no port - ignoring`); continue; }
    {
      if (!/^\d+$/.test(ptext) || Number(ptext) > 65535) { err(`invalid port '${ptext}'`); continue; }
      port = Number(ptext);
    }
    if (item.args.length > 1) { err(`unexpected '${item.args[1] ?? ''}'`); continue; }
    out.entries.push({ kind: 'range', loc: item.loc, first, last, port });
  }
}

function expandLastGroup(addr: string): string {
  const groups = addr.split(':');
  return groups[groups.length - 1] || '0';
}

// ───────────── SSL ─────────────

export const sslBlock = defineBlock<SslContext>('SSL', 'Client TLS context of SSL_GET checkers.', [
  strKw('password', 'PASSWORD', 'Password of the key.', (t, v) => { t.password = v; }),
  strKw('ca', 'FILE', 'CA certificate file.', (t, v) => { t.ca = v; }),
  strKw('certificate', 'FILE', 'Client certificate file.', (t, v) => { t.certificate = v; }),
  strKw('key', 'FILE', 'Client key file.', (t, v) => { t.key = v; }),
]);

export type { LvsProtocol };
