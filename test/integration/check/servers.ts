// Tiny servers the checker tests run themselves, on loopback, each on a port the kernel picks.
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectOptions } from '../../../src/check/types.js';
import { onCrlfLines } from '../../lib/crlf-lines.js';

export function conn(port: number, connectTimeoutMs = 400, host = '127.0.0.1'): ConnectOptions {
  return { host, port, connectTimeoutMs };
}

export async function listen<S extends net.Server>(server: S, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as net.AddressInfo).port;
}

export async function close(server: net.Server): Promise<void> {
  (server as http.Server).closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A port nothing listens on (bound then closed). */
export async function deadPort(): Promise<number> {
  const s = net.createServer();
  const p = await listen(s);
  await close(s);
  return p;
}

/** Accepts connections and never answers (an HTTP/SMTP server that hangs). */
export function silentServer(): net.Server {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((c) => { sockets.add(c); c.on('error', () => undefined); });
  s.on('close', () => { for (const c of sockets) c.destroy(); });
  const origClose = s.close.bind(s);
  s.close = ((cb?: (err?: Error) => void) => { for (const c of sockets) c.destroy(); return origClose(cb); }) as typeof s.close;
  return s;
}

export interface Page { status?: number; body: string | Buffer; headers?: Record<string, string> }

export function pageHandler(pages: Record<string, Page>, seen?: http.IncomingMessage[]): http.RequestListener {
  return (req, res) => {
    seen?.push(req);
    const p = pages[req.url ?? ''];
    if (!p) { res.writeHead(404, { 'Content-Length': 9 }); res.end('not found'); return; }
    const body = Buffer.from(p.body);
    res.writeHead(p.status ?? 200, { 'Content-Length': body.length, ...(p.headers ?? {}) });
    res.end(body);
  };
}

export interface TestCerts { dir: string; key: string; cert: string; clientKey: string; clientCert: string; keyPem: Buffer; certPem: Buffer }

/** A self-signed server certificate and a client certificate signed by it, made with openssl. */
export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'kts-certs-'));
  const f = (n: string): string => join(dir, n);
  const q = { stdio: 'ignore' as const };
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=rs.test',
    '-addext', 'subjectAltName=DNS:rs.test,IP:127.0.0.1', '-keyout', f('key.pem'), '-out', f('cert.pem')], q);
  execFileSync('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=checker', '-keyout', f('ckey.pem'), '-out', f('c.csr')], q);
  execFileSync('openssl', ['x509', '-req', '-in', f('c.csr'), '-CA', f('cert.pem'), '-CAkey', f('key.pem'), '-CAcreateserial', '-days', '2', '-out', f('ccert.pem')], q);
  return { dir, key: f('key.pem'), cert: f('cert.pem'), clientKey: f('ckey.pem'), clientCert: f('ccert.pem'), keyPem: readFileSync(f('key.pem')), certPem: readFileSync(f('cert.pem')) };
}

export function httpsServer(certs: TestCerts, handler: http.RequestListener, opts: https.ServerOptions = {}): https.Server {
  return https.createServer({ key: certs.keyPem, cert: certs.certPem, ...opts }, handler);
}

/** A UDP socket bound on loopback answering each datagram with reply(datagram) (undefined = silence). */
export async function udpServer(reply: (d: Buffer) => Buffer | undefined): Promise<{ port: number; received: Buffer[]; close: () => Promise<void> }> {
  const s = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  s.on('message', (m, r) => {
    received.push(m);
    const out = reply(m);
    if (out) s.send(out, r.port, r.address);
  });
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return { port: s.address().port, received, close: () => new Promise<void>((resolve) => s.close(() => resolve())) };
}

/** A scripted SMTP server: banner code, HELO reply code; records the commands it got. */
export function smtpServer(banner: string, heloReply: string, commands: string[]): net.Server {
  return net.createServer((c) => {
    c.on('error', () => undefined);
    c.write(banner);
    onCrlfLines(c, (line) => {
      commands.push(line);
      if (/^HELO /i.test(line)) c.write(heloReply);
      else if (/^QUIT/i.test(line)) c.end('221 bye\r\n');
    });
  });
}
