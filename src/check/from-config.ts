// From the typed configuration (src/config/model.ts) to the checker process's own specs:
// times from microseconds to milliseconds, connect_ip/connect_port defaulting to the real
// server, virtualhost inheritance (url -> checker -> real server -> virtual server), the
// SSL{} block for SSL_GET, track_file resolution for FILE_CHECK, users resolved to ids.
import { readFileSync } from 'node:fs';
import type { Checker, CheckerCommon, KeepalivedConfig, RealServer, RunAs, SmtpCheck, VirtualServer } from '../config/model.js';
import type { IpAddress } from '../config/address.js';
import { virtualServerName } from '../lvs/from-config.js';
import { parseReplyPattern } from './udp.js';
import { DEFAULT_HELO_NAME } from './smtp.js';
import type { CheckerSpec, CheckTiming, ConnectOptions, HttpUrl, RealServerSpec, VirtualServerSpec } from './types.js';

export interface FromConfigResult {
  virtualServers: VirtualServerSpec[];
  /** Things configured that this checker cannot do (e.g. BFD_CHECK), as "FILE:LINE: message". */
  warnings: string[];
}

export interface FromConfigOptions {
  /** Resolves `user USER [GROUP]`; default reads /etc/passwd and /etc/group. */
  resolveUser?: (r: RunAs) => { uid: number; gid: number } | undefined;
}

const ms = (us: number): number => Math.round(us / 1000);

function hostText(a: IpAddress): string {
  return a.zone ? `${a.address}%${a.zone}` : a.address;
}

export function endpointId(a: IpAddress, port: number): string {
  return a.family === 6 ? `[${a.address}]:${port}` : `${a.address}:${port}`;
}

/** The LVS side's name for a virtual server ("[10.0.0.1]:tcp:80", "FWM 5", "GROUP web"), so
 *  the sink's `vs` keys its health map directly. */
export function virtualServerId(vs: VirtualServer): string {
  return virtualServerName(vs);
}

function timing(c: Pick<CheckerCommon, 'delayLoopUs' | 'retry' | 'delayBeforeRetryUs' | 'warmupUs' | 'alpha' | 'logAllFailures'>): CheckTiming {
  return { delayLoopMs: ms(c.delayLoopUs), retry: c.retry, delayBeforeRetryMs: ms(c.delayBeforeRetryUs), warmupMs: ms(c.warmupUs), alpha: c.alpha, logAllFailures: c.logAllFailures };
}

/**
 * Timing of a checker run by events (a track file's change, a BFD report): the real server's
 * delay_loop as a safety net, no retries, no warmup; one failure is decisive.
 */
function eventTiming(rs: Pick<RealServer, 'delayLoopUs'>, alpha: boolean): CheckTiming {
  return { delayLoopMs: ms(rs.delayLoopUs), retry: 0, delayBeforeRetryMs: ms(rs.delayLoopUs), warmupMs: 0, alpha, logAllFailures: false };
}

function connectOptions(c: Pick<CheckerCommon, 'connectIp' | 'connectPort' | 'bindTo' | 'bindPort' | 'bindIf' | 'fwmark' | 'connectTimeoutUs'>, rs: RealServer): ConnectOptions {
  const o: ConnectOptions = { host: hostText(c.connectIp ?? rs.address), port: c.connectPort ?? rs.port, connectTimeoutMs: ms(c.connectTimeoutUs) };
  if (c.bindTo) o.bindAddress = hostText(c.bindTo);
  if (c.bindPort) o.bindPort = c.bindPort;
  if (c.bindIf) o.bindInterface = c.bindIf;
  if (c.fwmark) o.fwmark = c.fwmark;
  return o;
}

/** SMTP_CHECK's connections: its own (unless only host blocks set any), then each host block's. */
function smtpHosts(c: SmtpCheck, rs: RealServer): ConnectOptions[] {
  const hosts = c.hosts ?? [];
  const own = hosts.length === 0 || c.checkOwnConnection !== false ? [connectOptions(c, rs)] : [];
  return [...own, ...hosts.map((h) => connectOptions(h, rs))];
}

/** PCRE2 options keepalived accepts that JavaScript's RegExp can express. */
const REGEX_FLAGS: Record<string, string> = { caseless: 'i', multiline: 'm', dotall: 's', utf: 'u', ucp: 'u' };

export function defaultResolveUser(r: RunAs): { uid: number; gid: number } | undefined {
  const rows = (file: string): string[][] => {
    try { return readFileSync(file, 'latin1').split('\n').map((l) => l.split(':')); } catch { return []; }
  };
  const pw = rows('/etc/passwd').find((f) => f[0] === r.user || f[2] === r.user);
  if (!pw) return undefined;
  let gid = Number(pw[3]);
  if (r.group !== undefined) {
    const g = rows('/etc/group').find((f) => f[0] === r.group || f[2] === r.group);
    if (!g) return undefined;
    gid = Number(g[2]);
  }
  return { uid: Number(pw[2]), gid };
}

export function checkerSpecsFromConfig(cfg: KeepalivedConfig, opts: FromConfigOptions = {}): FromConfigResult {
  const warnings: string[] = [];
  const resolveUser = opts.resolveUser ?? defaultResolveUser;
  const warn = (loc: { file: string; line: number }, m: string): void => { warnings.push(`${loc.file}:${loc.line}: warning: ${m}`); };

  const checker = (vs: VirtualServer, rs: RealServer, c: Checker): CheckerSpec | undefined => {
    switch (c.type) {
      case 'TCP_CHECK':
      case 'PING_CHECK':
        return { kind: c.type, conn: connectOptions(c, rs), timing: timing(c) };
      case 'HTTP_GET':
      case 'SSL_GET': {
        const vhost = c.virtualhost ?? rs.virtualhost ?? vs.virtualhost;
        const urls: HttpUrl[] = c.urls.map((u) => {
          const url: HttpUrl = { path: u.path, statusCodes: u.statusCodes.map((r) => [r.from, r.to] as [number, number]) };
          if (u.digest) url.digest = u.digest;
          if (u.virtualhost) url.virtualhost = u.virtualhost;
          if (u.regex !== undefined) {
            const flags = [...new Set(u.regexOptions.map((o) => REGEX_FLAGS[o]).filter((f): f is string => f !== undefined))].join('');
            for (const o of u.regexOptions) if (!(o in REGEX_FLAGS)) warn(u.loc, `regex_options ${o} is not supported; ignored`);
            url.regex = { source: u.regex, flags, noMatch: u.regexNoMatch };
            if (u.regexMinOffset !== undefined) url.regex.minOffset = u.regexMinOffset;
            if (u.regexMaxOffset !== undefined) url.regex.maxOffset = u.regexMaxOffset;
            try { new RegExp(u.regex, flags); } catch (e) { warn(u.loc, `regex ${JSON.stringify(u.regex)}: ${(e as Error).message}`); return url; }
          }
          return url;
        });
        const spec: CheckerSpec = { kind: c.type, conn: connectOptions(c, rs), urls, protocol: c.httpProtocol, timing: timing(c) };
        if (vhost !== undefined) spec.virtualhost = vhost;
        if (c.type === 'SSL_GET') {
          spec.tls = {};
          if (cfg.ssl?.certificate) spec.tls.certFile = cfg.ssl.certificate;
          if (cfg.ssl?.key) spec.tls.keyFile = cfg.ssl.key;
          if (cfg.ssl?.ca) spec.tls.caFile = cfg.ssl.ca;
          if (cfg.ssl?.password !== undefined) spec.tls.password = cfg.ssl.password;
          const sni = c.sniName ?? (c.enableSni ? vhost : undefined);
          if (sni) spec.tls.serverName = sni;
        }
        return spec;
      }
      case 'SMTP_CHECK':
        return { kind: 'SMTP_CHECK', hosts: smtpHosts(c, rs), heloName: c.heloName || DEFAULT_HELO_NAME, timing: timing(c) };
      case 'DNS_CHECK':
        return { kind: 'DNS_CHECK', conn: connectOptions(c, rs), type: c.queryType, name: c.name, timing: timing(c) };
      case 'UDP_CHECK': {
        const spec: CheckerSpec = {
          kind: 'UDP_CHECK', conn: connectOptions(c, rs), payload: Buffer.from(c.payload ?? '', 'hex'),
          minReplyLength: c.minReplyLength, maxReplyLength: c.maxReplyLength, timing: timing(c),
        };
        if (c.requireReply !== undefined) spec.requireReply = parseReplyPattern(c.requireReply);
        else if (c.replyRequired) spec.requireReply = { data: Buffer.alloc(0), mask: Buffer.alloc(0) };
        return spec;
      }
      case 'MISC_CHECK': {
        if (!c.path) { warn(c.loc, 'MISC_CHECK without misc_path; ignored'); return undefined; }
        const spec: CheckerSpec = { kind: 'MISC_CHECK', command: c.path.command, argv: c.path.argv, timeoutMs: ms(c.timeoutUs), dynamic: c.dynamic, timing: timing(c) };
        const runAs = c.user ?? (c.path.user ? { user: c.path.user, ...(c.path.group ? { group: c.path.group } : {}) } : undefined);
        if (runAs) {
          const ids = resolveUser(runAs);
          if (!ids) { warn(c.loc, `unknown user ${runAs.user}${runAs.group ? ` group ${runAs.group}` : ''}; MISC_CHECK ignored`); return undefined; }
          spec.uid = ids.uid;
          spec.gid = ids.gid;
        }
        return spec;
      }
      case 'FILE_CHECK': {
        const tf = cfg.trackFiles.find((t) => t.name === c.trackFile);
        if (!tf?.file) { warn(c.loc, `FILE_CHECK: no track_file ${c.trackFile ?? '(none given)'}; ignored`); return undefined; }
        const spec: CheckerSpec = {
          kind: 'FILE_CHECK', file: tf.file,
          weight: c.weight ?? tf.weight, reverse: c.weight !== undefined ? c.weightReverse : tf.weightReverse,
          // The file is read at start and on every change; the period is only a safety net.
          timing: eventTiming(rs, false),
        };
        if (tf.initFile) spec.initValue = tf.initFile.value;
        return spec;
      }
      case 'BFD_CHECK': {
        if (c.name === undefined) { warn(c.loc, 'BFD_CHECK: no name given; ignored'); return undefined; }
        // Run on every report of the session; the period only re-reads the last one.
        return { kind: 'BFD_CHECK', name: c.name, timing: eventTiming(rs, c.alpha) };
      }
    }
  };

  const virtualServers = cfg.virtualServers.map((vs): VirtualServerSpec => {
    const realServers = vs.realServers.map((rs): RealServerSpec => {
      const spec: RealServerSpec = {
        id: endpointId(rs.address, rs.port), address: hostText(rs.address), port: rs.port, weight: rs.weight,
        inhibitOnFailure: rs.inhibitOnFailure, smtpAlert: rs.smtpAlert,
        checkers: rs.checkers.map((c) => checker(vs, rs, c)).filter((c): c is CheckerSpec => c !== undefined),
      };
      if (rs.notifyUp) spec.notifyUp = rs.notifyUp.command;
      if (rs.notifyDown) spec.notifyDown = rs.notifyDown.command;
      return spec;
    });
    const spec: VirtualServerSpec = { id: virtualServerId(vs), protocol: vs.protocol.toLowerCase() as 'tcp' | 'udp' | 'sctp', quorum: vs.quorum, hysteresis: vs.hysteresis, smtpAlert: vs.smtpAlert, realServers };
    if (vs.quorumUp) spec.quorumUp = vs.quorumUp.command;
    if (vs.quorumDown) spec.quorumDown = vs.quorumDown.command;
    if (vs.sorryServer) spec.sorryServer = endpointId(vs.sorryServer.address, vs.sorryServer.port);
    return spec;
  });
  return { virtualServers, warnings };
}
