// HTTP_GET / SSL_GET, and the fetch genhash shares with them. One request per URL, the
// way keepalived writes it:
//   GET <path> HTTP/1.<0|1>\r\nUser-Agent: KeepAliveClient\r\n[Connection: close\r\n]Host: <h>\r\n\r\n
// The body's MD5 (bounded by Content-Length when the server sends one) is the `digest`
// genhash prints. A URL passes when its status is in the accepted set, its digest (if
// given) matches and its regex (if given) matches, or does not with regex_no_match.
// keepalived checks one URL per delay_loop; we check all of a checker's URLs in one run,
// so a failure anywhere is seen within one delay_loop instead of N.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { CheckFailure, SocketReader, connectTcp, connectTls, type TlsConnectOptions } from './conn.js';
import { epollConnect, epollSocketsAvailable, EpollStream } from './epoll-socket.js';
import type { CheckRun, ConnectOptions, HttpCheckSpec, HttpProtocol, HttpUrl, TlsClientOptions, RunSignal } from './types.js';

/** Bodies beyond this are hashed but not kept for the regex (a checker is not a crawler). */
const MAX_KEPT_BODY = 1 << 20;

export interface HttpRequestSpec {
  path: string;
  /** Host: header value; default "ip:port" ("[ip6]:port"). */
  virtualhost?: string;
  protocol: HttpProtocol;
  tls?: TlsConnectOptions;
  /** No digest to compare: the body is not hashed (the result's digest is then ''). */
  skipDigest?: boolean;
}

export interface HttpFetchResult {
  status: number;
  statusLine: string;
  header: Buffer;
  /** The body as far as it was kept (MAX_KEPT_BODY). */
  body: Buffer;
  bodyLength: number;
  /** Lowercase hex MD5 of the whole body ('' when the request skipped it). */
  digest: string;
}

export function buildRequest(conn: Pick<ConnectOptions, 'host' | 'port'>, req: Pick<HttpRequestSpec, 'path' | 'virtualhost' | 'protocol'>): string {
  const host = req.virtualhost ?? (isIPv6(conn.host) ? `[${conn.host}]:${conn.port}` : `${conn.host}:${conn.port}`);
  const version = req.protocol === '1.1' ? '1.1' : '1.0';
  const close = req.protocol === '1.0' ? '' : 'Connection: close\r\n';
  return `GET ${req.path} HTTP/${version}\r\nUser-Agent: KeepAliveClient\r\n${close}Host: ${host}\r\n\r\n`;
}

function headerEnd(buf: Buffer): { end: number; bodyStart: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { end: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { end: lf, bodyStart: lf + 2 };
  return undefined;
}

/** Parses "HTTP/1.x NNN reason"; throws a CheckFailure on anything else. */
export function parseStatusLine(line: string): number {
  const m = /^HTTP\/\d+\.\d+\s+(\d{3})(?:\s|$)/.exec(line);
  if (!m) throw new CheckFailure('bad HTTP status line');
  return Number(m[1]);
}

export function contentLength(header: string): number | undefined {
  const m = /^content-length:[ \t]*(\d+)[ \t]*$/im.exec(header);
  return m ? Number(m[1]) : undefined;
}

/** What an exchange needs of its connection: each read within connect_timeout, null at the end. */
interface ByteStream {
  write(data: Buffer): void;
  read(): Promise<Buffer | null>;
  destroy(): void;
}

/**
 * The connection: plain HTTP on the addon's sockets (epoll-socket.ts: no libuv stream per
 * check), TLS or a host without the addon on Node's net/tls sockets.
 */
async function openStream(conn: ConnectOptions, req: HttpRequestSpec, signal: RunSignal): Promise<ByteStream> {
  if (!req.tls && epollSocketsAvailable()) {
    const r = await epollConnect(conn, signal);
    if ('reason' in r) throw new CheckFailure(r.reason);
    return new EpollStream(r.tag, conn.connectTimeoutMs, signal);
  }
  const sock = req.tls ? await connectTls(conn, req.tls, signal) : await connectTcp(conn, signal);
  const reader = new SocketReader(sock, conn.connectTimeoutMs, signal);
  return { write: (d) => sock.write(d), read: () => reader.read(), destroy: () => sock.destroy() };
}

/** One request and its reply; `request` is buildRequest's text as bytes (a checker makes it once). */
export async function httpFetch(conn: ConnectOptions, req: HttpRequestSpec, signal: RunSignal, request = Buffer.from(buildRequest(conn, req))): Promise<HttpFetchResult> {
  const stream = await openStream(conn, req, signal);
  try {
    stream.write(request);
    let buf = Buffer.alloc(0);
    let he: { end: number; bodyStart: number } | undefined;
    while (!(he = headerEnd(buf))) {
      const c = await stream.read();
      if (c === null) throw new CheckFailure(buf.length ? 'incomplete HTTP header' : 'no data received from remote webserver');
      buf = Buffer.concat([buf, c]);
      if (buf.length > 65536 && !headerEnd(buf)) throw new CheckFailure('HTTP header too long');
    }
    const header = buf.subarray(0, he.end);
    const headerText = header.toString('latin1');
    const statusLine = headerText.split(/\r?\n/, 1)[0] ?? '';
    const status = parseStatusLine(statusLine);
    const length = contentLength(headerText);
    const hash = req.skipDigest ? undefined : createHash('md5');
    const kept: Buffer[] = [];
    let keptLen = 0;
    let bodyLength = 0;
    const take = (chunk: Buffer): boolean => {
      const room = length === undefined ? chunk.length : Math.min(chunk.length, length - bodyLength);
      const part = chunk.subarray(0, room);
      hash?.update(part);
      bodyLength += part.length;
      if (keptLen < MAX_KEPT_BODY) {
        const k = part.subarray(0, MAX_KEPT_BODY - keptLen);
        kept.push(k);
        keptLen += k.length;
      }
      return length !== undefined && bodyLength >= length;
    };
    let done = take(buf.subarray(he.bodyStart)) || length === 0;
    while (!done) {
      const c = await stream.read();
      if (c === null) break;
      done = take(c);
    }
    return { status, statusLine, header, body: Buffer.concat(kept), bodyLength, digest: hash ? hash.digest('hex') : '' };
  } finally {
    stream.destroy();
  }
}

export function statusAccepted(status: number, ranges: Array<[number, number]> | undefined): boolean {
  const set = ranges && ranges.length ? ranges : [[200, 299] as [number, number]];
  return set.some(([lo, hi]) => status >= lo && status <= hi);
}

/** Why this response fails the URL's expectations, or undefined when it passes. */
export function judgeResponse(url: HttpUrl, r: HttpFetchResult): string | undefined {
  if (!statusAccepted(r.status, url.statusCodes)) return `HTTP status code error to [${url.path}]: ${r.status}`;
  if (url.digest && url.digest.toLowerCase() !== r.digest) return `MD5 digest error to [${url.path}]: got ${r.digest}, expected ${url.digest.toLowerCase()}`;
  if (url.regex) {
    const re = new RegExp(url.regex.source, url.regex.flags.replace(/g/g, ''));
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

export function httpCheck(spec: Pick<HttpCheckSpec, 'kind' | 'conn' | 'urls' | 'virtualhost' | 'protocol' | 'tls'>): CheckRun {
  const tls = spec.kind === 'SSL_GET' ? loadTls(spec.tls, undefined) : undefined;
  // One request per URL, made once: the same objects and bytes every run.
  const requests = spec.urls.map((url) => {
    const vhost = url.virtualhost ?? spec.virtualhost;
    const req: HttpRequestSpec = { path: url.path, protocol: spec.protocol };
    if (vhost !== undefined) req.virtualhost = vhost;
    if (tls) req.tls = tls;
    if (!url.digest) req.skipDigest = true;
    return [url, req, Buffer.from(buildRequest(spec.conn, req))] as const;
  });
  return async (signal) => {
    for (const [url, req, request] of requests) {
      let r: HttpFetchResult;
      try {
        r = await httpFetch(spec.conn, req, signal, request);
      } catch (e) {
        return { ok: false, reason: `${e instanceof CheckFailure ? e.message : String(e)} on [${url.path}]` };
      }
      const why = judgeResponse(url, r);
      if (why) return { ok: false, reason: why };
    }
    return { ok: true };
  };
}
