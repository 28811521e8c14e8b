// `npm run demo`: two keepalived-ts routers share a VIP in a lab of network namespaces on one
// bridge; a client requests the VIP in a loop. The demo prints who is master and which router
// answered, and every 10 s (or when you press Enter) stops the master, then starts it again,
// printing the gap the client saw. Everything it made is removed on exit, Ctrl-C included.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { Lab, labUnavailable, type Netns } from '../lab/netns.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const VIP = '10.77.0.100';
const PORT = 8080;

interface Router {
  name: string;
  ns: Netns;
  addr: string;
  priority: number;
  conf: string;
  daemon?: ChildProcess;
}

function routerConfig(r: Router): string {
  return `! written by the keepalived-ts demo for ${r.name}
global_defs {
    router_id ${r.name}
}
vrrp_instance VI_DEMO {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority ${r.priority}
    advert_int 1
    virtual_ipaddress {
        ${VIP}/24 dev eth0
    }
}
`;
}

// A web server in each router's namespace answers with the router's name, so the client
// sees which router holds the VIP.
const webServer = (name: string) =>
  `require('node:http').createServer((q,s)=>s.end(${JSON.stringify(name)})).listen(${PORT},'0.0.0.0')`;

// The client prints one JSON line per request: who answered, or the error.
const clientScript = `
const http = require('node:http');
function once() {
  const t = Date.now();
  const req = http.get({ host: '${VIP}', port: ${PORT}, path: '/', timeout: 200, agent: false }, (res) => {
    let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => { console.log(JSON.stringify({ t, ok: true, by: b })); setTimeout(once, 50); });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => { console.log(JSON.stringify({ t, ok: false, err: e.message })); setTimeout(once, 50); });
}
once();
`;

async function main(): Promise<void> {
  const why = labUnavailable();
  if (why) {
    console.error(`demo: ${why}; run it as root on Linux with iproute2`);
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), 'kts-demo-'));
  const lab = await Lab.create();
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\ndemo: cleaning up the lab');
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    const routers: Router[] = [];
    for (const [i, name, priority] of [[1, 'r1', 150], [2, 'r2', 100]] as const) {
      const addr = `10.77.0.${10 + i}`;
      const ns = await lab.addHost(name, { addrs: [`${addr}/24`] });
      const r: Router = { name, ns, addr, priority, conf: join(dir, `${name}.conf`) };
      writeFileSync(r.conf, routerConfig(r));
      ns.spawn(process.execPath, ['-e', webServer(name)], { stdio: 'ignore' });
      routers.push(r);
    }
    const client = await lab.addHost('cl', { addrs: ['10.77.0.50/24'] });

    const start = (r: Router) => {
      r.daemon = r.ns.spawn(
        process.execPath,
        [join(root, 'bin', 'keepalived-ts'), '-n', '-l', '-P', '-f', r.conf,
          '-p', join(dir, `${r.name}.pid`), '-r', join(dir, `${r.name}-vrrp.pid`), '-c', join(dir, `${r.name}-checkers.pid`)],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const prefix = `  [${r.name}] `;
      const relay = (b: Buffer) => {
        for (const line of b.toString().split('\n')) if (/Entering|error|Error/.test(line)) console.log(prefix + line.trim());
      };
      r.daemon.stdout?.on('data', relay);
      r.daemon.stderr?.on('data', relay);
    };
    const holder = async (): Promise<string> => {
      for (const r of routers) if ((await r.ns.addresses('eth0')).some((a) => a.startsWith(`${VIP}/`))) return r.name;
      return 'nobody';
    };

    console.log(`demo: routers r1 (priority 150) and r2 (priority 100) share VIP ${VIP}; client 10.77.0.50 requests http://${VIP}:${PORT}/`);
    for (const r of routers) start(r);

    // Follow the client: remember the last answer, measure gaps.
    let lastBy = '';
    let lastOk = 0;
    let gapStart = 0;
    const cl = client.spawn(process.execPath, ['-e', clientScript], { stdio: ['ignore', 'pipe', 'ignore'] });
    let buf = '';
    cl.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const ev = JSON.parse(line) as { t: number; ok: boolean; by?: string };
        if (ev.ok) {
          if (gapStart) {
            console.log(`demo: client got answers again from ${ev.by} after a gap of ${ev.t - lastOk} ms`);
            gapStart = 0;
          } else if (ev.by !== lastBy) console.log(`demo: client now answered by ${ev.by}`);
          lastBy = ev.by ?? '';
          lastOk = ev.t;
        } else if (!gapStart && lastOk) gapStart = ev.t;
      }
    });

    const rounds = Number(process.env.KTS_DEMO_ROUNDS ?? '0'); // 0: run until Ctrl-C
    let round = 0;
    const failover = async () => {
      const h = await holder();
      const master = routers.find((r) => r.name === h);
      console.log(`demo: master is ${h}${master ? `; stopping it (SIGTERM)` : ''}`);
      if (master?.daemon) {
        master.daemon.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 4000));
        console.log(`demo: VIP now on ${await holder()}; starting ${master.name} again`);
        start(master);
      }
    };
    process.stdin.on('data', () => void failover());
    if (process.stdin.isTTY) console.log('demo: press Enter for a failover, Ctrl-C to quit');
    // The first election takes the master-down interval (about 3 s with advert_int 1).
    for (let waited = 0; waited < 15_000 && (await holder()) === 'nobody'; waited += 250) await new Promise((r) => setTimeout(r, 250));
    console.log(`demo: master is ${await holder()}`);
    while (!stopping) {
      await new Promise((r) => setTimeout(r, 10_000));
      if (stopping) break;
      await failover();
      if (rounds && ++round >= rounds) {
        // The restarted router preempts one master-down interval after it is up; how long
        // it takes to be up depends on the machine, so wait for it (at most 30 s).
        const first = routers[0]?.name;
        for (let waited = 0; waited < 30_000 && (await holder()) !== first; waited += 250) await new Promise((r) => setTimeout(r, 250));
        console.log(`demo: master is ${await holder()}`);
        await stop(0);
      }
    }
  } catch (e) {
    console.error(`demo: ${(e as Error).message}`);
    await stop(1);
  }
}

void main();
