// genhash(1): fetches one URL the way HTTP_GET/SSL_GET do and prints the MD5 of the body,
// the value to put in a url block's `digest`. Same options and output as keepalived's
// genhash (2.2.7), including -v's hex dumps. One difference on purpose: a failed fetch
// prints keepalived's message and exits 1 (keepalived exits 0), so scripts can tell.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CheckFailure } from '../check/conn.js';
import { httpFetch, loadTls, type HttpRequestSpec } from '../check/http.js';
import type { HttpProtocol } from '../check/types.js';

const USAGE = `Usage: genhash COMMAND [OPTIONS]
Commands:
   -s server-address -p port -u url
   -S -s server-address -p port -u url
   -h

Options:
Either long or short options are allowed.
   --use-ssl         -S       Use SSL connection to remote server.
   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).
   --server          -s       Use the specified remote server address.
   --port            -p       Use the specified remote server port.
   --url             -u       Use the specified remote server url.
   --use-virtualhost -V       Use the specified virtualhost in GET query.
   --verbose         -v       Use verbose mode output.
   --help            -h       Display this short inlined help screen.
   --fwmark          -m       Use the specified FW mark.
   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.
                                1.0c means 1.0 with 'Connection: close'
   --timeout         -t       Timeout in seconds
`;

const RULE = (title: string): string => `-----------------------[${title}]-----------------------\n`;

/** genhash's hex dump: "%04d  " offset, 16 bytes with "- " after 8, then the printable bytes. */
export function hexDump(buf: Buffer): string {
  let out = '';
  for (let off = 0; off < buf.length; off += 16) {
    let hex = '';
    let ascii = '';
    for (let j = 0; j < 16; j++) {
      if (j === 8) hex += '- ';
      const b = buf[off + j];
      if (b === undefined) {
        hex += '   ';
        ascii += ' ';
      } else {
        hex += b.toString(16).padStart(2, '0') + ' ';
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      }
    }
    out += `${String(off).padStart(4, '0')}  ${hex}  ${ascii}\n`;
  }
  return out;
}

export interface GenhashOptions {
  server: string;
  port: number;
  url: string;
  ssl: boolean;
  sni: boolean;
  virtualhost?: string;
  verbose: boolean;
  protocol: HttpProtocol;
  timeoutMs: number;
  fwmark?: number;
}

export type ParsedArgs = { help: true } | { error: string } | { options: GenhashOptions };

export function parseGenhashArgs(argv: string[]): ParsedArgs {
  let v;
  try {
    v = parseArgs({
      args: argv, allowPositionals: false, strict: true,
      options: {
        'use-ssl': { type: 'boolean', short: 'S' },
        'use-sni': { type: 'boolean', short: 'I' },
        server: { type: 'string', short: 's' },
        port: { type: 'string', short: 'p' },
        url: { type: 'string', short: 'u' },
        'use-virtualhost': { type: 'string', short: 'V' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
        fwmark: { type: 'string', short: 'm' },
        protocol: { type: 'string', short: 'P' },
        timeout: { type: 'string', short: 't' },
      },
    }).values;
  } catch (e) {
    return { error: (e as Error).message };
  }
  if (v.help) return { help: true };
  if (v.server === undefined || v.port === undefined || v.url === undefined) return { error: '' };
  if (!isIP(v.server)) return { error: `server should be an IP, not ${v.server}` };
  const port = Number(v.port);
  if (!/^\d+$/.test(v.port) || port < 1 || port > 65535) return { error: `invalid port ${v.port}` };
  const protocols: Record<string, HttpProtocol> = { '1.0': '1.0', '1.0c': '1.0C', '1.0C': '1.0C', '1.1': '1.1' };
  const protocol = v.protocol === undefined ? '1.0' : protocols[v.protocol];
  if (!protocol) return { error: `invalid protocol ${v.protocol} - must be 1.0, 1.0c or 1.1` };
  let timeoutMs = 5000;
  if (v.timeout !== undefined) {
    const t = Number(v.timeout);
    if (!Number.isFinite(t) || t <= 0) return { error: `invalid timeout ${v.timeout}` };
    timeoutMs = Math.round(t * 1000);
  }
  const options: GenhashOptions = {
    server: v.server, port, url: v.url, ssl: v['use-ssl'] ?? false, sni: v['use-sni'] ?? false,
    verbose: v.verbose ?? false, protocol, timeoutMs,
  };
  if (v['use-virtualhost'] !== undefined) options.virtualhost = v['use-virtualhost'];
  if (v.fwmark !== undefined) {
    const m = Number(v.fwmark);
    if (!/^\d+$/.test(v.fwmark) || m > 0xffffffff) return { error: `invalid fwmark ${v.fwmark}` };
    options.fwmark = m;
  }
  return { options };
}

export interface GenhashIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Runs genhash; returns the exit code. */
export async function genhash(argv: string[], io: GenhashIo): Promise<number> {
  const parsed = parseGenhashArgs(argv);
  if ('help' in parsed) {
    io.err(USAGE);
    return 0;
  }
  if ('error' in parsed) {
    if (parsed.error) io.err(`${parsed.error}\n`);
    io.err(USAGE);
    return 1;
  }
  const o = parsed.options;
  if (o.fwmark !== undefined) io.err('genhash: warning: --fwmark needs SO_MARK, which this build cannot set; ignored\n');
  const req: HttpRequestSpec = { path: o.url, protocol: o.protocol };
  if (o.virtualhost !== undefined) req.virtualhost = o.virtualhost;
  if (o.ssl) req.tls = loadTls(undefined, o.sni ? o.virtualhost : undefined);
  const controller = new AbortController();
  const started = performance.now();
  try {
    const r = await httpFetch({ host: o.server, port: o.port, connectTimeoutMs: o.timeoutMs }, req, controller.signal);
    const usecs = Math.round((performance.now() - started) * 1000);
    if (o.verbose) {
      const headerWithEnd = Buffer.concat([r.header, Buffer.from(r.header.includes('\r\n') ? '\r\n\r\n' : '\n\n')]);
      io.out(RULE('    HTTP Header Buffer    ') + hexDump(headerWithEnd));
      io.out(RULE(' HTTP Header Ascii Buffer ') + headerWithEnd.toString('latin1') + '\n');
      if (r.bodyLength) io.out(RULE('        HTML Buffer        ') + hexDump(r.body));
      io.out('\n');
      io.out(RULE('    HTML hash resulting    ') + hexDump(Buffer.from(r.digest, 'hex')));
      io.out(RULE(' HTML hash final resulting ') + `${r.digest}\n\nGlobal response time for [${o.url}] = ${usecs} usecs\n`);
    } else {
      io.out(`${r.digest}\n`);
    }
    return 0;
  } catch (e) {
    const msg = e instanceof CheckFailure ? e.message : String(e);
    io.out(/refused|unreachable|connect timeout|reset/.test(msg) ? 'Connection failed\n' : `${msg[0]?.toUpperCase() ?? ''}${msg.slice(1)}\n`);
    return 1;
  }
}

/** MD5 helper for tests and tools: what `digest` must be for this body. */
export function bodyDigest(body: Buffer): string {
  return createHash('md5').update(body).digest('hex');
}

const isMain = process.argv[1] !== undefined && /genhash(\.js)?$/.test(process.argv[1]);
if (isMain) {
  genhash(process.argv.slice(2), { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) })
    .then((code) => { process.exitCode = code; }, (e: unknown) => { process.stderr.write(`genhash: ${String(e)}\n`); process.exitCode = 1; });
}
