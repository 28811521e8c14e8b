// Used by the tests and by `npm run demo`.
// Test hosts on one machine: network namespaces joined by veth pairs to a Linux bridge
// that itself lives in a namespace of its own, so a lab never touches the host's
// interfaces. Every name carries the creating process's pid, so labs of concurrent test
// files never collide, and a lab left behind by a killed run is swept by the next one.
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { promisify } from 'node:util';
import { execFileSync } from 'node:child_process';

const execFileP = promisify(execFile);

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a command on the host (used for `ip netns ...` itself). Never throws on exit code. */
export async function sh(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  try {
    const child = execFileP(cmd, args, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 });
    if (opts.input !== undefined) child.child.stdin?.end(opts.input);
    const { stdout, stderr } = await child;
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: number | string };
    return { stdout: err.stdout ?? '', stderr: err.stderr ?? String(e), code: typeof err.code === 'number' ? err.code : 1 };
  }
}

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await sh(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why a namespace test cannot run here, or undefined when it can. */
export function labUnavailable(extraCommands: string[] = []): string | undefined {
  if (!isRoot()) return 'needs root (network namespaces)';
  for (const c of ['ip', ...extraCommands]) if (!hasCommand(c)) return `needs ${c}`;
  return undefined;
}

const PREFIX = 'kt';
let labCounter = 0;

/** Deletes namespaces that earlier runs left behind (their creating pid is gone). */
export async function sweepStaleNamespaces(): Promise<void> {
  const r = await sh('ip', ['netns', 'list']);
  for (const line of r.stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = /^kt(\d+)x/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) await sh('ip', ['netns', 'del', name]);
  }
}

export class Netns {
  constructor(readonly lab: Lab, readonly name: string) {}

  /** Runs a command inside the namespace; never throws on exit code. */
  exec(cmd: string, args: string[] = [], opts: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    return sh('ip', ['netns', 'exec', this.name, cmd, ...args], opts);
  }

  /** Runs a command inside the namespace and throws with its stderr when it fails. */
  run(cmd: string, args: string[] = []): Promise<string> {
    return must('ip', ['netns', 'exec', this.name, cmd, ...args]);
  }

  /** `ip ARGS` inside the namespace. */
  ip(...args: string[]): Promise<string> {
    return must('ip', ['-n', this.name, ...args]);
  }

  /** Starts a long-running process in the namespace; the lab kills it at cleanup. */
  spawn(cmd: string, args: string[] = [], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: 'pipe', ...opts });
    this.lab.track(child);
    return child;
  }

  /** The addresses on an interface as `ip -j addr` reports them ("10.0.0.1/24"). */
  async addresses(ifname: string): Promise<string[]> {
    const out = await this.ip('-j', 'addr', 'show', 'dev', ifname);
    const links = JSON.parse(out) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
    return links.flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`));
  }

  async mac(ifname: string): Promise<string> {
    const out = await this.ip('-j', 'link', 'show', 'dev', ifname);
    return (JSON.parse(out) as Array<{ address: string }>)[0]!.address;
  }
}

export interface HostOptions {
  /** Interface name inside the host namespace (default eth0). */
  ifname?: string;
  /** Addresses with prefix, IPv4 or IPv6 ("10.9.0.1/24", "fd00::1/64"). */
  addrs?: string[];
  mac?: string;
}

/**
 * A set of namespaces and one bridge. Create with `Lab.create()`, then `await lab.cleanup()`
 * in a `finally` or `t.after` (it is also run on process exit). A process killed by a signal
 * runs neither: its namespaces carry its pid, and the next `Lab.create()` sweeps them.
 */
export class Lab {
  readonly id: string;
  readonly namespaces: Netns[] = [];
  private children = new Set<ChildProcess>();
  private switchNs: Netns | undefined;
  private vethCounter = 0;
  private cleaned = false;
  private readonly onExit = () => this.cleanupSync();

  private constructor(id: string) {
    this.id = id;
    process.once('exit', this.onExit);
  }

  static async create(): Promise<Lab> {
    await sweepStaleNamespaces();
    const lab = new Lab(`${PREFIX}${process.pid}x${labCounter++}`);
    return lab;
  }

  track(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  /** A new empty namespace with loopback up. `label` is a short readable tag (<= 6 chars). */
  async addNs(label: string): Promise<Netns> {
    const name = `${this.id}${label}`;
    await must('ip', ['netns', 'add', name]);
    const ns = new Netns(this, name);
    this.namespaces.push(ns);
    await ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  /** The namespace holding the bridge `br0`, created on first use. */
  async bridge(): Promise<Netns> {
    if (this.switchNs) return this.switchNs;
    const sw = await this.addNs('sw');
    await sw.ip('link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
    // Multicast snooping would need IGMP joins before 224.0.0.18 reaches a port; keep it simple.
    await sw.ip('link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '0');
    await sw.ip('link', 'set', 'br0', 'up');
    this.switchNs = sw;
    return sw;
  }

  /** A host namespace with one interface plugged into the bridge. */
  async addHost(label: string, opts: HostOptions = {}): Promise<Netns> {
    const ns = await this.addNs(label);
    await this.plug(ns, opts);
    return ns;
  }

  /** Plugs another interface of `ns` into the bridge. */
  async plug(ns: Netns, opts: HostOptions = {}): Promise<void> {
    const sw = await this.bridge();
    const ifname = opts.ifname ?? 'eth0';
    const port = `p${this.vethCounter++}`;
    await sw.ip('link', 'add', port, 'type', 'veth', 'peer', 'name', ifname, 'netns', ns.name);
    await sw.ip('link', 'set', port, 'master', 'br0');
    await sw.ip('link', 'set', port, 'up');
    if (opts.mac) await ns.ip('link', 'set', ifname, 'address', opts.mac);
    for (const a of opts.addrs ?? []) await ns.ip('addr', 'add', a, 'dev', ifname, ...(a.includes(':') ? ['nodad'] : []));
    await ns.ip('link', 'set', ifname, 'up');
  }

  /** Sets a host's bridge port down/up (a cable pulled), seen by the host as carrier loss. */
  async setPort(ns: Netns, up: boolean, ifname = 'eth0'): Promise<void> {
    // The host side goes down itself: peers of a downed veth lose carrier.
    await ns.ip('link', 'set', ifname, up ? 'up' : 'down');
  }

  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    process.removeListener('exit', this.onExit);
    for (const c of this.children) {
      c.kill('SIGKILL');
    }
    // Processes started with `ip netns exec` are our children's children; kill all in each ns.
    for (const ns of this.namespaces) {
      const pids = await sh('ip', ['netns', 'pids', ns.name]);
      for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    for (const ns of this.namespaces.reverse()) await sh('ip', ['netns', 'del', ns.name]);
  }

  private cleanupSync(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const c of this.children) c.kill('SIGKILL');
    for (const ns of this.namespaces) {
      try {
        const pids = execFileSync('ip', ['netns', 'pids', ns.name], { encoding: 'utf8' });
        for (const pid of pids.split(/\s+/).filter(Boolean)) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        execFileSync('ip', ['netns', 'del', ns.name], { stdio: 'ignore' });
      } catch {
        /* best effort at exit */
      }
    }
  }
}

/** Waits until `probe` returns a truthy value, polling every `everyMs`, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
