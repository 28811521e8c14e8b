// From a CheckerSpec to the function that runs it once, and that run's hard deadline.
import { dnsCheck } from './dns.js';
import { fileCheck } from './file.js';
import { httpCheck } from './http.js';
import { miscCheck } from './misc.js';
import { pingCheck, type PingSocketOpener } from './ping.js';
import type { PingSocketOptions } from './ping-socket.js';
import { smtpCheck } from './smtp.js';
import { tcpCheck } from './tcp.js';
import { udpCheck } from './udp.js';
import type { CheckerSpec, CheckRun } from './types.js';

/** Slack past a checker's own timeouts, so it reports its own precise reason first. */
const DEADLINE_SLACK_MS = 500;

export interface BuiltCheck {
  run: CheckRun;
  deadlineMs: number;
  /** How a result's weight combines with the RS weight: misc_dynamic sets it, FILE_CHECK adds. */
  weightMode: 'absolute' | 'delta';
  delayWhileDownMs?: number;
}

/** Makes the ICMP socket opener for one PING_CHECK (its fwmark and bind_if applied). */
export type PingSocketFactory = (opts: PingSocketOptions) => PingSocketOpener | undefined;

export function buildCheck(spec: CheckerSpec, pingSockets?: PingSocketFactory, bfdUp?: (name: string) => boolean | undefined): BuiltCheck {
  switch (spec.kind) {
    case 'BFD_CHECK': {
      // Before the first report the server keeps its starting state, as keepalived's: up,
      // or down with alpha.
      const alpha = spec.timing.alpha;
      return {
        run: () => {
          const up = bfdUp?.(spec.name) ?? !alpha;
          return Promise.resolve(up ? { ok: true } : { ok: false, reason: `BFD instance ${spec.name} is down` });
        },
        deadlineMs: 1000, weightMode: 'absolute',
      };
    }
    case 'TCP_CHECK':
      return { run: tcpCheck(spec), deadlineMs: spec.conn.connectTimeoutMs + DEADLINE_SLACK_MS, weightMode: 'absolute' };
    case 'HTTP_GET':
    case 'SSL_GET':
      // connect + one read timeout per phase, for each URL.
      return {
        run: httpCheck(spec), deadlineMs: spec.conn.connectTimeoutMs * 3 * spec.urls.length + DEADLINE_SLACK_MS, weightMode: 'absolute',
        delayWhileDownMs: Math.max(spec.timing.delayLoopMs, spec.timing.delayBeforeRetryMs),
      };
    case 'SMTP_CHECK':
      return { run: smtpCheck(spec), deadlineMs: spec.hosts.reduce((a, h) => a + h.connectTimeoutMs * 3, 0) + DEADLINE_SLACK_MS, weightMode: 'absolute' };
    case 'MISC_CHECK':
      return { run: miscCheck(spec), deadlineMs: spec.timeoutMs + 2000 + DEADLINE_SLACK_MS, weightMode: 'absolute' };
    case 'DNS_CHECK':
      return { run: dnsCheck(spec), deadlineMs: spec.conn.connectTimeoutMs + DEADLINE_SLACK_MS, weightMode: 'absolute' };
    case 'UDP_CHECK':
      return { run: udpCheck(spec), deadlineMs: spec.conn.connectTimeoutMs + DEADLINE_SLACK_MS, weightMode: 'absolute' };
    case 'PING_CHECK':
      return { run: pingCheck(spec, pingSockets?.({ ...(spec.conn.fwmark ? { fwmark: spec.conn.fwmark } : {}), ...(spec.conn.bindInterface ? { bindInterface: spec.conn.bindInterface } : {}) })), deadlineMs: spec.conn.connectTimeoutMs + DEADLINE_SLACK_MS, weightMode: 'absolute' };
    case 'FILE_CHECK':
      return { run: fileCheck(spec), deadlineMs: 5000, weightMode: 'delta' };
  }
}

/** A short name for logs: "TCP_CHECK [10.0.0.1]:tcp:80". */
export function describeCheck(spec: CheckerSpec): string {
  switch (spec.kind) {
    case 'MISC_CHECK': return `MISC_CHECK [${spec.command}]`;
    case 'FILE_CHECK': return `FILE_CHECK [${spec.file}]`;
    case 'BFD_CHECK': return `BFD_CHECK [${spec.name}]`;
    case 'SMTP_CHECK': return `SMTP_CHECK ${spec.hosts.map((h) => `[${h.host}]:tcp:${h.port}`).join(',')}`;
    case 'DNS_CHECK': case 'UDP_CHECK': return `${spec.kind} [${spec.conn.host}]:udp:${spec.conn.port}`;
    case 'PING_CHECK': return `PING_CHECK [${spec.conn.host}]`;
    default: return `${spec.kind} [${spec.conn.host}]:tcp:${spec.conn.port}`;
  }
}
