// HTTP_GET / SSL_GET, and the fetch genhash shares with them. One request per URL, the
// way keepalived writes it:
//   GET <path> HTTP/1.<0|1>\r\nUser-Agent: KeepAliveClient\r\n[Connection: close\r\n]Host: <h>\r\n\r\n
// The reply is read by HttpResponseParser (http-response.ts). A URL passes when its status
// is in the accepted set, its digest (if given) matches and its regex (if given) matches,
// or does not with regex_no_match. keepalived checks one URL per delay_loop; we check all
// of a checker's URLs in one run, so a failure anywhere is seen within one delay_loop
// instead of N.
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { CheckFailure, SocketReader, connectTcp, connectTls, type TlsConnectOptions } from './conn.js';
import { EpollConnection, epollSocketsAvailable } from './epoll-socket.js';
import { PASSED } from './check-failure.js';
import { HttpResponseParser, type HttpFetchResult } from './http-response.js';
import type { CheckResult, CheckRun, ConnectOptions, HttpCheckSpec, HttpProtocol, HttpUrl, TlsClientOptions, RunSignal } from './types.js';

export { contentLength, parseStatusLine, type HttpFetchResult } from './http-response.js';

export interface HttpRequestSpec {
  path: string;
  /** Host: header value; default "ip:port" ("[ip6]:port"). */
  virtualhost?: string;
  protocol: HttpProtocol;
  tls?: TlsConnectOptions;
  /** No digest to compare: the body is not hashed (the result's digest is then ''). */
  skipDigest?: boolean;
  /** No regex to match: the body is not kept (the result's body is then empty). */
  skipBody?: boolean;
  /** A checker: the header's bytes are not kept (the result's header is then empty; genhash prints it). */
  skipHeader?: boolean;
}

export function buildRequest(conn: Pick<ConnectOptions, 'host' | 'port'>, req: Pick<HttpRequestSpec, 'path' | 'virtualhost' | 'protocol'>): string {
  const host = req.virtualhost ?? (isIPv6(conn.host) ? `[${conn.host}]:${conn.port}` : `${conn.host}:${conn.port}`);
  const version = req.protocol === '1.1' ? '1.1' : '1.0';
  const close = req.protocol === '1.0' ? '' : 'Connection: close\r\n';
  return `GET ${req.path} HTTP/${version}\r\nUser-Agent: KeepAliveClient\r\n${close}Host: ${host}\r\n\r\n`;
}

function parserFor(req: HttpRequestSpec): HttpResponseParser {
  return new HttpResponseParser({ digest: !req.skipDigest, body: !req.skipBody, header: !req.skipHeader });
}

/**
 * Plain HTTP on the addon's sockets (epoll-socket.ts): the request, then the reply into the
 * parser; `settle` makes the run's outcome of the response or the failure (a checker's
 * verdict straight away: no promise and no await between the reply and the verdict).
 */
class EpollHttpExchange<R> extends EpollConnection<R> {
  constructor(
    conn: ConnectOptions,
    signal: RunSignal,
    request: Buffer,
    private readonly parser: HttpResponseParser,
    private readonly settle: (r: HttpFetchResult | CheckFailure) => R,
  ) {
    super(conn, signal, request);
  }

  protected override received(chunk: Buffer): void {
    if (this.parser.push(chunk)) this.finish(this.settle(this.parser.result()));
  }

  protected override ended(): void {
    this.finish(this.settle(this.parser.end()));
  }

  protected failed(reason: string): R {
    return this.settle(new CheckFailure(reason));
  }
}

/** The exchange on Node's sockets: TLS, or a host without the addon. */
async function nodeExchange(conn: ConnectOptions, req: HttpRequestSpec, signal: RunSignal, request: Buffer): Promise<HttpFetchResult | CheckFailure> {
  try {
    const sock = req.tls ? await connectTls(conn, req.tls, signal) : await connectTcp(conn, signal);
    try {
      const reader = new SocketReader(sock, conn.connectTimeoutMs, signal);
      const parser = parserFor(req);
      sock.write(request);
      for (;;) {
        const c = await reader.read();
        if (c === null) return parser.end();
        if (parser.push(c)) return parser.result();
      }
    } finally {
      sock.destroy();
    }
  } catch (e) {
    return e instanceof CheckFailure ? e : new CheckFailure(String(e));
  }
}

const asIs = (r: HttpFetchResult | CheckFailure): HttpFetchResult | CheckFailure => r;

/** One request and its reply, or why there is none, as `settle` makes it the run's outcome (never rejects). */
function exchange<R>(conn: ConnectOptions, req: HttpRequestSpec, signal: RunSignal, request: Buffer, settle: (r: HttpFetchResult | CheckFailure) => R): Promise<R> {
  if (!req.tls && epollSocketsAvailable()) return new EpollHttpExchange(conn, signal, request, parserFor(req), settle).run();
  return nodeExchange(conn, req, signal, request).then(settle);
}

/** One request and its reply (genhash); `request` is buildRequest's text as bytes. Throws a CheckFailure. */
export async function httpFetch(conn: ConnectOptions, req: HttpRequestSpec, signal: RunSignal, request = Buffer.from(buildRequest(conn, req))): Promise<HttpFetchResult> {
  const r = await exchange(conn, req, signal, request, asIs);
  if (r instanceof CheckFailure) throw r;
  return r;
}

export function statusAccepted(status: number, ranges: Array<[number, number]> | undefined): boolean {
  const set = ranges && ranges.length ? ranges : [[200, 299] as [number, number]];
  return set.some(([lo, hi]) => status >= lo && status <= hi);
}

/** A url's `regex`, compiled once per checker (its spec never changes), not once per run. */
const compiled = new WeakMap<NonNullable<HttpUrl['regex']>, RegExp>();

function regexOf(spec: NonNullable<HttpUrl['regex']>): RegExp {
  let re = compiled.get(spec);
  // Without 'g': no lastIndex carried from one run to the next.
  if (!re) compiled.set(spec, (re = new RegExp(spec.source, spec.flags.replace(/g/g, ''))));
  return re;
}

/** Why this response fails the URL's expectations, or undefined when it passes. */
export function judgeResponse(url: HttpUrl, r: HttpFetchResult): string | undefined {
  if (!statusAccepted(r.status, url.statusCodes)) return `HTTP status code error to [${url.path}]: ${r.status}`;
  if (url.digest && url.digest.toLowerCase() !== r.digest) return `MD5 digest error to [${url.path}]: got ${r.digest}, expected ${url.digest.toLowerCase()}`;
  if (url.regex) {
    const re = regexOf(url.regex);
    const text = r.body.toString('latin1');
    const min = url.regex.minOffset ?? 0;
    const max = url.regex.maxOffset;
    const m = re.exec(text.slice(min, max));
    const matched = m !== null;
    if (matched === url.regex.noMatch) return `Regex ${url.regex.noMatch ? 'matched' : 'did not match'} on [${url.path}]`;
  }
  return undefined;
}

/** Reads the SSL{} block's files once, when the checker is built. */
export function loadTls(t: TlsClientOptions | undefined, fallbackServerName: string | undefined): TlsConnectOptions {
  const o: TlsConnectOptions = { verify: t?.verify ?? false };
  if (t?.certFile) o.cert = readFileSync(t.certFile);
  if (t?.keyFile) o.key = readFileSync(t.keyFile);
  if (t?.caFile) o.ca = readFileSync(t.caFile);
  if (t?.password !== undefined) o.passphrase = t.password;
  const sni = t?.serverName ?? fallbackServerName;
  if (sni) o.serverName = sni;
  return o;
}

/** A URL's outcome as the checker reports it. */
function verdict(url: HttpUrl, r: HttpFetchResult | CheckFailure): CheckResult {
  if (r instanceof CheckFailure) return { ok: false, reason: `${r.message} on [${url.path}]` };
  const why = judgeResponse(url, r);
  return why ? { ok: false, reason: why } : PASSED;
}

export function httpCheck(spec: Pick<HttpCheckSpec, 'kind' | 'conn' | 'urls' | 'virtualhost' | 'protocol' | 'tls'>): CheckRun {
  const tls = spec.kind === 'SSL_GET' ? loadTls(spec.tls, undefined) : undefined;
  // One request per URL, made once: the same objects and bytes every run.
  const fetches = spec.urls.map((url) => {
    const vhost = url.virtualhost ?? spec.virtualhost;
    const req: HttpRequestSpec = { path: url.path, protocol: spec.protocol };
    if (vhost !== undefined) req.virtualhost = vhost;
    if (tls) req.tls = tls;
    if (!url.digest) req.skipDigest = true;
    if (!url.regex) req.skipBody = true;
    req.skipHeader = true;
    const request = Buffer.from(buildRequest(spec.conn, req));
    const settle = (r: HttpFetchResult | CheckFailure): CheckResult => verdict(url, r);
    return (signal: RunSignal) => exchange(spec.conn, req, signal, request, settle);
  });
  // The usual single URL: its exchange is the run.
  if (fetches.length === 1) return fetches[0]!;
  return async (signal) => {
    for (const fetch of fetches) {
      const r = await fetch(signal);
      if (!r.ok) return r;
    }
    return PASSED;
  };
}
