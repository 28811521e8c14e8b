// The optional status HTTP listener (global_defs `status_http ADDR:PORT`), served by the
// parent: /metrics (Prometheus text), /status.json (DaemonStatus, docs/keepalivectl.md), and /
// (a live status page). It runs in the parent, not in a child, so that a scrape costs the
// VRRP process only one IPC message and a status() that copies state it holds; rendering,
// HTTP parsing and TLS-free socket handling stay out of the process that sends adverts.
// Requests are read-only (GET/HEAD); there is nothing to steer here, so no authentication:
// bind it to loopback or a management address.
//
// The HTTP server, the page and prom-client are imported only when status_http is configured
// (and prom-client at the first /metrics scrape): a parent without them stays ~4 MiB smaller.
import type { Server } from 'node:http';
import type { DaemonStatus } from './status.js';

export interface StatusSource {
  statusSnapshot(): Promise<DaemonStatus>;
}

export class StatusHttp {
  private server: Server | undefined;
  private bound: { host: string; port: number } | undefined;

  constructor(private readonly source: StatusSource, private readonly log: { info(m: string): void; warn(m: string): void }) {}

  /** Listens on `addr` (undefined: stops listening). A changed address on reload moves it. */
  async apply(addr: { host: string; port: number } | undefined): Promise<void> {
    if (this.bound && addr && this.bound.host === addr.host && this.bound.port === addr.port) return;
    await this.close();
    if (!addr) return;
    const [{ createServer }, { STATUS_PAGE }] = await Promise.all([import('node:http'), import('./status-page.js')]);
    const server = createServer((req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const path = (req.url ?? '/').split('?')[0];
      const send = (code: number, type: string, body: string) => {
        res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
        res.end(req.method === 'HEAD' ? undefined : body);
      };
      if (path === '/') { send(200, 'text/html; charset=utf-8', STATUS_PAGE); return; }
      if (path !== '/metrics' && path !== '/status.json') { send(404, 'text/plain', 'not found: try /, /status.json or /metrics\n'); return; }
      this.source.statusSnapshot().then(async (st) => {
        if (path === '/status.json') { send(200, 'application/json', JSON.stringify(st)); return; }
        const { renderMetrics } = await import('./status-metrics.js');
        const m = await renderMetrics(st);
        send(200, m.contentType, m.body);
      }).catch((e: unknown) => send(500, 'text/plain', `${e instanceof Error ? e.message : String(e)}\n`));
    });
    await new Promise<void>((resolve) => {
      server.once('error', (e) => {
        this.log.warn(`Cannot listen for status_http on ${addr.host}:${addr.port}: ${e.message}`);
        resolve();
      });
      server.listen(addr.port, addr.host, () => {
        this.server = server;
        this.bound = addr;
        this.log.info(`Status HTTP listening on ${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${addr.port}`);
        resolve();
      });
    });
    this.server?.unref();
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    this.bound = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
