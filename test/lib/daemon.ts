// Runs a keepalived-ts daemon (test entry + test service, or the real CLI) as a real process
// for integration tests, in a private directory that holds its config, pid files, dumps
// (TMPDIR) and the test service's state files.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './netns.js';
import type { TestServiceState } from '../../src/daemon/test-service.js';
import type { Role } from '../../src/daemon/roles.js';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..', '..', '..');
export const TEST_ENTRY = join(here, 'daemon-entry.js');
export const CLI = join(ROOT, 'bin', 'keepalived-ts');

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface StartOptions {
  /** Test-service configuration (JSON), or a function of the run's directory; `stateDir` is filled in. */
  config?: Record<string, unknown> | ((dir: string) => Record<string, unknown>);
  args?: string[];
  env?: Record<string, string>;
  /** Use another run's directory (and so its pid files). */
  dir?: string;
  /** Command and leading arguments (default: node + the test entry). */
  command?: string[];
  /** Leave out -n (the daemon detaches). */
  detach?: boolean;
  /** Leave out -G (log to syslog too). */
  syslog?: boolean;
}

export class DaemonRun {
  readonly proc: ChildProcess;
  private out = '';
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly pidFiles: { parent: string; vrrp: string; checker: string; bfd: string };

  private constructor(readonly dir: string, readonly ownsDir: boolean, o: StartOptions) {
    this.pidFiles = { parent: join(dir, 'keepalived.pid'), vrrp: join(dir, 'vrrp.pid'), checker: join(dir, 'checkers.pid'), bfd: join(dir, 'bfd.pid') };
    if (o.config) this.writeConfig(typeof o.config === 'function' ? o.config(dir) : o.config);
    const [cmd, ...lead] = o.command ?? [process.execPath, TEST_ENTRY];
    const args = [...lead, ...(o.detach ? [] : ['-n']), '-l', ...(o.syslog ? [] : ['-G']), '-f', this.configPath,
      '-p', this.pidFiles.parent, '-r', this.pidFiles.vrrp, '-c', this.pidFiles.checker, '-b', this.pidFiles.bfd, ...(o.args ?? [])];
    this.proc = spawn(cmd ?? process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: dir, ...o.env } });
    this.proc.stdout?.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.proc.stderr?.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.exit = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(o: StartOptions = {}): DaemonRun {
    const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'kts-daemon-'));
    return new DaemonRun(dir, o.dir === undefined, o);
  }

  get configPath(): string {
    return join(this.dir, 'keepalived.json');
  }

  get output(): string {
    return this.out;
  }

  writeConfig(config: Record<string, unknown>): void {
    const test = { tickMs: 50, ...(config['test'] as object | undefined), stateDir: this.dir };
    writeFileSync(this.configPath, JSON.stringify({ ...config, test }));
  }

  pid(which: 'parent' | Role): number | undefined {
    const path = which === 'parent' ? this.pidFiles.parent : which === 'vrrp' ? this.pidFiles.vrrp : this.pidFiles.checker;
    if (!existsSync(path)) return undefined;
    const n = Number(readFileSync(path, 'utf8').trim());
    return n > 0 ? n : undefined;
  }

  state(role: Role): TestServiceState | undefined {
    const path = join(this.dir, `${role}.json`);
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as TestServiceState;
    } catch {
      return undefined;
    }
  }

  control(role: Role, what: 'stall' | 'hang' | 'crash', content = ''): void {
    writeFileSync(join(this.dir, `${role}.${what}`), content);
  }

  /** Waits until the output has a line matching `re` (after `from` characters). */
  async waitForLine(re: RegExp, timeoutMs = 15_000, from = 0): Promise<string> {
    return waitFor(`a log line matching ${re}`, () => this.out.slice(from).split('\n').find((l) => re.test(l)), timeoutMs);
  }

  async waitForStartup(): Promise<void> {
    await this.waitForLine(/: Startup complete$/);
  }

  /** Kills whatever of this run is still alive (by the pids it wrote) and removes its directory. */
  async cleanup(): Promise<void> {
    for (const which of ['vrrp', 'checker', 'parent'] as const) {
      const pid = this.pid(which);
      if (pid && alive(pid)) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await Promise.race([this.exit, new Promise((r) => setTimeout(r, 2000))]);
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }); // a dying child may still be writing a dump
  }
}
