// Health checker blocks inside real_server: HTTP_GET, SSL_GET, TCP_CHECK, SMTP_CHECK, DNS_CHECK,
// UDP_CHECK, PING_CHECK, MISC_CHECK, FILE_CHECK, BFD_CHECK.
import type {
  BfdCheck, CheckerCommon, DnsCheck, DnsType, FileCheck, HttpCheck, HttpUrl, MiscCheck, PingCheck, SmtpCheck, SmtpHost,
  StatusCodeRange, TcpCheck, UdpCheck,
} from '../model.js';
import { defineBlock, runBlock, type BlockDef, type KeywordDef, type Kw } from './engine.js';
import { bareFlag, fileWeightKw, flag, intKw, scriptKw, strKw, timerKw } from './common.js';

/** Values a checker inherits from its real server / virtual server when it does not set them. */
export type Inherited = 'connectTimeoutUs' | 'retry' | 'delayBeforeRetryUs' | 'warmupUs' | 'delayLoopUs' | 'alpha';
type Draft<C> = Omit<C, Inherited> & Partial<Pick<CheckerCommon, Inherited>>;

export type HttpDraft = Draft<HttpCheck>;
export type TcpDraft = Draft<TcpCheck>;
export type SmtpDraft = Draft<SmtpCheck>;
export type DnsDraft = Draft<DnsCheck>;
export type UdpDraft = Draft<UdpCheck>;
export type PingDraft = Draft<PingCheck>;
export type MiscDraft = Omit<MiscCheck, Inherited | 'timeoutUs'> & Partial<Pick<CheckerCommon, Inherited>> & { timeoutUs?: number };
export type CheckerDraft = HttpDraft | TcpDraft | SmtpDraft | DnsDraft | UdpDraft | PingDraft | MiscDraft | FileCheck | BfdCheck;

/** What the common keywords write into. */
type ConnTarget = Draft<CheckerCommon>;
type TimingTarget = Partial<Pick<CheckerCommon, Inherited>> & { logAllFailures: boolean };

function addrKw(name: string, doc: string, set: (t: ConnTarget, v: NonNullable<CheckerCommon['connectIp']>) => void): KeywordDef<ConnTarget> {
  return { name, syntax: 'ADDRESS', doc, handle: (kw, t) => { if (!kw.count(1)) return; const a = kw.ip(0); if (a) set(t, a); } };
}

export const connectionKeywords: KeywordDef<ConnTarget>[] = [
  addrKw('connect_ip', 'Address to check.', (t, v) => { t.connectIp = v; }),
  intKw('connect_port', 0, 65535, 'Port to check.', (t, v) => { t.connectPort = v; }, { default: 'real server port' }),
  addrKw('bindto', 'Source address of checks.', (t, v) => { t.bindTo = v; }),
  intKw('bind_port', 0, 65535, 'Source port of checks.', (t, v) => { t.bindPort = v; }),
  strKw('bind_if', 'IFNAME', 'Interface to bind to (needed for IPv6 link-local).', (t, v) => { t.bindIf = v; }),
  timerKw('connect_timeout', 0.001, 86400, 'Connection timeout.', (t, v) => { t.connectTimeoutUs = v; }, { default: 'real server\'s (5)' }),
  intKw('fwmark', 0, 0xffffffff, 'SO_MARK of check packets.', (t, v) => { t.fwmark = v; }),
];

export const timingKeywords: KeywordDef<TimingTarget>[] = [
  intKw('retry', 0, 0x7fffffff, 'Failed checks before the real server is declared down.', (t, v) => { t.retry = v; }, { default: '1 (DNS 3, MISC 0)' }),
  timerKw('delay_before_retry', 0, 86400, 'Delay between retries.', (t, v) => { t.delayBeforeRetryUs = v; }, { default: '1 (HTTP/SSL 3, DNS delay_loop)' }),
  timerKw('warmup', 0, 86400, 'Random initial delay bound.', (t, v) => { t.warmupUs = v; }, { default: 'delay_loop' }),
  timerKw('delay_loop', 0.001, 86400, 'Period of checks.', (t, v) => { t.delayLoopUs = v; }, { default: 'real server\'s (60)' }),
  flag('alpha', 'Start with the real server down until the first success.', (t, v) => { t.alpha = v; }, { default: 'real server\'s' }),
  flag('log_all_failures', 'Log every failure, not only state changes.', (t, v) => { t.logAllFailures = v; }),
];


// ───────────── HTTP_GET / SSL_GET ─────────────

type UrlDraft = Omit<HttpUrl, 'path' | 'statusCodes'> & { path?: string; statusCodes?: StatusCodeRange[] };

const REGEX_OPTIONS = ['allow_empty_class', 'alt_bsux', 'auto_callout', 'caseless', 'dollar_endonly', 'dotall', 'dupnames',
  'extended', 'firstline', 'match_unset_backref', 'multiline', 'never_ucp', 'never_utf', 'no_auto_capture',
  'no_auto_possess', 'no_dotstar_anchor', 'no_start_optimize', 'ucp', 'ungreedy', 'utf', 'never_backslash_c',
  'alt_circumflex', 'alt_verbnames', 'use_offset_limit'] as const;

export const urlBlock: BlockDef<UrlDraft> = defineBlock<UrlDraft>('url', 'One URL to fetch.', [
  { name: 'path', syntax: 'PATH', doc: 'Path (and query) requested (required).', handle: (kw, t) => { if (!kw.count(1)) return; t.path = kw.args[0] ?? ''; } },
  {
    name: 'digest', syntax: 'MD5HEX', doc: 'MD5 of the expected body (see genhash).',
    handle: (kw, t) => {
      if (!kw.count(1)) return;
      const v = kw.args[0] ?? '';
      if (!/^[0-9a-fA-F]{32}$/.test(v)) { kw.error(`digest: '${v}' is not 32 hex digits`); return; }
      t.digest = v.toLowerCase();
    },
  },
  {
    name: 'status_code', syntax: 'CODE|FROM-TO ...', default: '200-299', repeatable: true, doc: 'Accepted HTTP status codes (100..599).',
    handle: (kw, t) => {
      if (kw.args.length === 0) { kw.error("'status_code' needs a value"); return; }
      const list = t.statusCodes ?? [];
      for (const a of kw.args) {
        const m = /^(\d{3})(?:-(\d{3}))?$/.exec(a);
        const from = m ? Number(m[1]) : NaN;
        const to = m?.[2] !== undefined ? Number(m[2]) : from;
        if (!m || from < 100 || to > 599 || to < from) { kw.error(`status_code: invalid code or range '${a}' (100..599)`); return; }
        list.push({ from, to });
      }
      t.statusCodes = list;
    },
  },
  strKw('virtualhost', 'HOST', 'Host: header for this URL.', (t, v) => { t.virtualhost = v; }),
  { name: 'regex', syntax: 'REGEX', doc: 'Pattern the body must match.', handle: (kw, t) => { const v = kw.text(); if (v === undefined) return; try { new RegExp(v); } catch { kw.warn(`regex: '${v}' is not a valid JavaScript regular expression`); } t.regex = v; } },
  bareFlag('regex_no_match', 'The body must NOT match regex.', (t) => { t.regexNoMatch = true; }),
  {
    name: 'regex_options', syntax: 'OPTION ...', doc: `PCRE2 options (${REGEX_OPTIONS.join(' ')}).`, repeatable: true,
    handle: (kw, t) => {
      for (const a of kw.args) {
        if (!(REGEX_OPTIONS as readonly string[]).includes(a)) { kw.error(`regex_options: unknown option '${a}'`); continue; }
        t.regexOptions.push(a);
      }
    },
  },
  {
    name: 'regex_stack', syntax: 'START MAX', doc: 'PCRE2 JIT stack sizes.',
    handle: (kw, t) => { if (!kw.count(2)) return; const s = kw.int(0, 1, 0x7fffffff); const m = kw.int(1, 1, 0x7fffffff); if (s !== undefined && m !== undefined) t.regexStack = { start: s, max: m }; },
  },
  intKw('regex_min_offset', 0, 0x7fffffff, 'Earliest body offset a match may start at.', (t, v) => { t.regexMinOffset = v; }),
  intKw('regex_max_offset', 0, 0x7fffffff, 'Latest body offset a match may start at.', (t, v) => { t.regexMaxOffset = v; }),
  flag('tls_compliant', 'Shut down TLS properly for this URL.', (t, v) => { t.tlsCompliant = v; }, { since: '2.2.8' }),
]);

function httpKeywords(kind: 'HTTP_GET' | 'SSL_GET'): KeywordDef<HttpDraft>[] {
  return [
    ...connectionKeywords, ...timingKeywords,
    {
      name: 'url', syntax: '{ ... }', block: 'required', repeatable: true, sub: urlBlock as BlockDef<never>, doc: 'A URL to check (at least one).',
      handle: (kw, t) => {
        const u: UrlDraft = { loc: kw.loc, regexNoMatch: false, regexOptions: [] };
        runBlock(kw.ctx, kw.children, urlBlock, u, 'url');
        if (u.path === undefined) { kw.error(`${kind}: url without 'path' - ignoring`); return; }
        if (u.regexNoMatch && u.regex === undefined) kw.warn('url: regex_no_match without regex');
        t.urls.push({ ...u, path: u.path, statusCodes: u.statusCodes ?? [{ from: 200, to: 299 }] });
      },
    },
    {
      name: 'http_protocol', syntax: '1.0|1.0C|1.1', default: '1.0', doc: 'HTTP version of requests (1.0C and 1.1 send Connection: close).',
      handle: (kw, t) => {
        if (!kw.count(1)) return;
        const v = kw.args[0] ?? '';
        if (v === '1.0' || v === '1.1') t.httpProtocol = v;
        else if (v === '1.0C' || v === '1.0c') t.httpProtocol = '1.0C';
        else kw.error(`http_protocol: invalid value '${v}' (1.0|1.0C|1.1)`);
      },
    },
    strKw('virtualhost', 'HOST', 'Host: header (default: the real server\'s).', (t, v) => { t.virtualhost = v; }),
    flag('fast_recovery', 'Check every URL back to back when recovering.', (t, v) => { t.fastRecovery = v; }),
    {
      name: 'nb_get_retry', syntax: 'N', doc: 'Deprecated spelling of retry.',
      handle: (kw, t) => { kw.warn("'nb_get_retry' is deprecated, use 'retry'", 'keepalived-error'); if (!kw.count(1)) return; const v = kw.int(0, 0, 0x7fffffff); if (v !== undefined) t.retry = v; },
    },
    flag('enable_sni', 'Send SNI in the TLS handshake.', (t, v) => { t.enableSni = v; }),
    strKw('sni_name', 'NAME', 'Name sent as SNI.', (t, v) => { t.sniName = v; t.enableSni = true; }, { since: '2.3.0' }),
    flag('tls_compliant', 'Shut down TLS properly.', (t, v) => { t.tlsCompliant = v; }, { since: '2.2.8' }),
  ];
}

export const httpGetBlock = defineBlock<HttpDraft>('HTTP_GET', 'Fetch URLs over HTTP; up when every URL answers as expected.', httpKeywords('HTTP_GET'));
export const sslGetBlock = defineBlock<HttpDraft>('SSL_GET', 'Fetch URLs over HTTPS (context from the SSL block).', httpKeywords('SSL_GET'));

// ───────────── the others ─────────────

export const tcpCheckBlock = defineBlock<TcpDraft>('TCP_CHECK', 'Up when a TCP connection succeeds.', [...connectionKeywords, ...timingKeywords]);
export const pingCheckBlock = defineBlock<PingDraft>('PING_CHECK', 'Up when an ICMP echo is answered.', [...connectionKeywords, ...timingKeywords]);

export const smtpHostBlock = defineBlock<ConnTarget>('host', 'Deprecated: connection settings of SMTP_CHECK.', connectionKeywords);

export const smtpCheckBlock = defineBlock<SmtpDraft>('SMTP_CHECK', 'Up when the server greets with 220 and answers HELO with 250.', [
  ...connectionKeywords, ...timingKeywords,
  strKw('helo_name', 'NAME', 'Name sent in HELO.', (t, v) => { t.heloName = v; }, { default: 'smtpchecker.keepalived.org' }),
  {
    name: 'host', syntax: '{ CONNECTION KEYWORDS }', block: 'required', sub: smtpHostBlock as BlockDef<never>,
    doc: 'Deprecated: put connect_ip etc. directly in SMTP_CHECK.',
    handle: (kw, t) => {
      kw.warn("SMTP_CHECK 'host' blocks are deprecated; put the connection keywords directly in SMTP_CHECK");
      const host = { loc: kw.loc } as ConnTarget;
      runBlock(kw.ctx, kw.children, smtpHostBlock, host, 'host');
      (t.hosts ??= []).push(host as SmtpHost);
    },
  },
]);

const DNS_TYPES: readonly DnsType[] = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA', 'RRSIG', 'DNSKEY'];
export const dnsCheckBlock = defineBlock<DnsDraft>('DNS_CHECK', 'Up when a DNS query gets a NOERROR answer.', [
  ...connectionKeywords, ...timingKeywords,
  {
    name: 'type', syntax: DNS_TYPES.join('|'), default: 'SOA', doc: 'Query type.',
    handle: (kw, t) => { if (!kw.count(1)) return; const v = kw.oneOf(0, DNS_TYPES, true); if (v) t.queryType = v; },
  },
  strKw('name', 'NAME', 'Name queried.', (t, v) => { t.name = v; }, { default: '.' }),
]);

/**
 * Hex bytes as keepalived reads them: blanks may separate bytes, a lone digit before a blank
 * (or at the end) is one byte, and with wildcards allowed X (or x) matches any nibble.
 * Returns lower-case hex, two digits per byte ('x' for wildcard nibbles).
 */
export function parseHexBytes(text: string, wild: boolean): string | undefined {
  const digit = wild ? /^[0-9a-fA-FxX]$/ : /^[0-9a-fA-F]$/;
  let out = '';
  for (const word of text.split(/[ \t]+/).filter((w) => w !== '')) {
    for (let i = 0; i < word.length; i += 2) {
      const pair = word.slice(i, i + 2);
      if (![...pair].every((c) => digit.test(c))) return undefined;
      out += (pair.length === 1 ? `0${pair}` : pair).toLowerCase();
    }
  }
  return out === '' ? undefined : out;
}

function hexKw(kw: Kw, wild: boolean): string | undefined {
  if (kw.args.length === 0) { kw.error(`'${kw.name}' needs hex data`); return undefined; }
  const v = parseHexBytes(kw.args.join(' '), wild);
  if (v === undefined) { kw.error(`Invalid hex string for UDP_CHECK ${kw.name === 'payload' ? 'payload' : 'reply'}${wild ? ' (hex digits, X for any nibble)' : ''}`); return undefined; }
  // keepalived 2.2.7 wrongly rejects data whose last byte is ff (its end-of-parse sentinel).
  if (v.endsWith('ff')) kw.warn(`keepalived 2.2.7 rejects UDP_CHECK ${kw.name} data ending in byte ff (accepted here)`, 'keepalived-error');
  return v;
}

export const udpCheckBlock = defineBlock<UdpDraft>('UDP_CHECK', 'Up when a UDP probe is not refused (and answered as required).', [
  ...connectionKeywords, ...timingKeywords,
  { name: 'payload', syntax: 'HEX', doc: 'Bytes sent.', handle: (kw, t) => { const v = hexKw(kw, false); if (v !== undefined) t.payload = v; } },
  {
    name: 'require_reply', syntax: '[HEX]', doc: 'A reply is required; with HEX (X = any nibble) it must start with it.',
    handle: (kw, t) => { t.replyRequired = true; if (kw.args.length === 0) return; const v = hexKw(kw, true); if (v !== undefined) t.requireReply = v; },
  },
  intKw('min_reply_length', 0, 65535, 'Shortest acceptable reply.', (t, v) => { t.minReplyLength = v; }, { default: '0' }),
  intKw('max_reply_length', 0, 65535, 'Longest acceptable reply.', (t, v) => { t.maxReplyLength = v; }, { default: '255' }),
]);

export const miscCheckBlock = defineBlock<MiscDraft>('MISC_CHECK', 'Up when a script exits 0 (misc_dynamic: 2..255 set the weight).', [
  ...timingKeywords,
  scriptKw('misc_path', 'The command to run.', (t, v) => { t.path = v; }),
  timerKw('misc_timeout', 0.001, 86400, 'Seconds before the script is killed and counts as failed.', (t, v) => { t.timeoutUs = v; }, { default: 'delay_loop' }),
  bareFlag('misc_dynamic', 'Exit codes 2..255 set the real server weight to code-2.', (t) => { t.dynamic = true; }),
  { name: 'user', syntax: 'USER [[:]GROUP]', doc: 'Run the script as this user.', handle: (kw, t) => { const r = kw.runAs(); if (r) t.user = r; } },
]);

export const fileCheckBlock = defineBlock<FileCheck>('FILE_CHECK', 'Real server state/weight from a track_file.', [
  strKw('track_file', 'NAME', 'The track_file (required).', (t, v) => { t.trackFile = v; }),
  fileWeightKw('W [reverse]', 'Multiplier of the file value.'),
]);

export const bfdCheckBlock = defineBlock<BfdCheck>('BFD_CHECK', 'Real server down while a BFD session is down.', [
  strKw('name', 'BFD_INSTANCE', 'The bfd_instance (required).', (t, v) => { t.name = v; }),
  flag('alpha', 'Start down until BFD is up (bare: yes).', (t, v) => { t.alpha = v; }),
]);

// ───────────── construction ─────────────

export const CHECKER_TYPES = ['HTTP_GET', 'SSL_GET', 'TCP_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'MISC_CHECK', 'FILE_CHECK', 'BFD_CHECK'] as const;

/** Parse one checker block into a draft (inheritance is resolved by the real server). */
export function buildChecker(kw: Kw): CheckerDraft | undefined {
  const loc = kw.loc;
  const ctx = kw.ctx;
  const nodes = kw.children;
  switch (kw.name) {
    case 'HTTP_GET': case 'SSL_GET': {
      const t: HttpDraft = { loc, logAllFailures: false, type: kw.name, urls: [], httpProtocol: '1.0', fastRecovery: false, enableSni: false, tlsCompliant: false };
      runBlock(ctx, nodes, kw.name === 'HTTP_GET' ? httpGetBlock : sslGetBlock, t, kw.name);
      if (t.urls.length === 0) kw.error(`${kw.name} has no url - the checker is ignored`);
      return t.urls.length === 0 ? undefined : t;
    }
    case 'TCP_CHECK': { const t: TcpDraft = { loc, logAllFailures: false, type: 'TCP_CHECK' }; runBlock(ctx, nodes, tcpCheckBlock, t, kw.name); return t; }
    case 'PING_CHECK': { const t: PingDraft = { loc, logAllFailures: false, type: 'PING_CHECK' }; runBlock(ctx, nodes, pingCheckBlock, t, kw.name); return t; }
    case 'SMTP_CHECK': { const t: SmtpDraft = { loc, logAllFailures: false, type: 'SMTP_CHECK', heloName: 'smtpchecker.keepalived.org' }; runBlock(ctx, nodes, smtpCheckBlock, t, kw.name); return t; }
    case 'DNS_CHECK': { const t: DnsDraft = { loc, logAllFailures: false, type: 'DNS_CHECK', queryType: 'SOA', name: '.' }; runBlock(ctx, nodes, dnsCheckBlock, t, kw.name); return t; }
    case 'UDP_CHECK': {
      const t: UdpDraft = { loc, logAllFailures: false, type: 'UDP_CHECK', replyRequired: false, minReplyLength: 0, maxReplyLength: 255 };
      runBlock(ctx, nodes, udpCheckBlock, t, kw.name);
      if (t.minReplyLength > t.maxReplyLength) kw.error(`UDP_CHECK: min_reply_length ${t.minReplyLength} is more than max_reply_length ${t.maxReplyLength}`);
      return t;
    }
    case 'MISC_CHECK': {
      const t: MiscDraft = { type: 'MISC_CHECK', loc, dynamic: false, logAllFailures: false };
      runBlock(ctx, nodes, miscCheckBlock, t, kw.name);
      if (!t.path) { kw.error('MISC_CHECK without misc_path - the checker is ignored'); return undefined; }
      return t;
    }
    case 'FILE_CHECK': {
      const t: FileCheck = { type: 'FILE_CHECK', loc, weightReverse: false };
      runBlock(ctx, nodes, fileCheckBlock, t, kw.name);
      if (!t.trackFile) { kw.error('FILE_CHECK without track_file - the checker is ignored'); return undefined; }
      return t;
    }
    case 'BFD_CHECK': {
      const t: BfdCheck = { type: 'BFD_CHECK', loc, alpha: false };
      runBlock(ctx, nodes, bfdCheckBlock, t, kw.name);
      if (!t.name) { kw.error('BFD_CHECK without name - the checker is ignored'); return undefined; }
      return t;
    }
    default:
      return undefined;
  }
}

/** Each checker keyword's block, for the reference. */
export const checkerBlocks: Record<(typeof CHECKER_TYPES)[number], BlockDef<never>> = {
  HTTP_GET: httpGetBlock, SSL_GET: sslGetBlock, TCP_CHECK: tcpCheckBlock, SMTP_CHECK: smtpCheckBlock,
  DNS_CHECK: dnsCheckBlock, UDP_CHECK: udpCheckBlock, PING_CHECK: pingCheckBlock, MISC_CHECK: miscCheckBlock,
  FILE_CHECK: fileCheckBlock, BFD_CHECK: bfdCheckBlock,
} as unknown as Record<(typeof CHECKER_TYPES)[number], BlockDef<never>>;

export { scriptKw };
