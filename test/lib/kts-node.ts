// A real `keepalived-ts -n -l -f CONF -p -r -c -b` daemon inside a lab namespace, with its own
// directory (config, pid files, TMPDIR for dumps) and its console output collected.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { CLI, alive } from './daemon.js';
import { waitFor, type Netns } from './netns.js';

export class KtsNode {
  readonly dir: string;
  proc: ChildProcess | undefined;
  private out = '';
  exit: Promise<number | null> = Promise.resolve(null);

  constructor(readonly ns: Netns, config: string, private readonly extraArgs: string[] = []) {
    this.dir = mkdtempSync(join(tmpdir(), `kts-${ns.name.slice(-6)}-`));
    this.writeConfig(config);
  }

  get conf(): string {
    return join(this.dir, 'keepalived.conf');
  }

  pidFile(which: 'parent' | 'vrrp' | 'checker' | 'bfd'): string {
    return join(this.dir, `${which}.pid`);
  }

  writeConfig(text: string): void {
    writeFileSync(this.conf, text);
  }

  start(): void {
    this.out = '';
    const args = [CLI, '-n', '-l', '-G', '-f', this.conf, '-p', this.pidFile('parent'), '-r', this.pidFile('vrrp'), '-c', this.pidFile('checker'), '-b', this.pidFile('bfd'), ...this.extraArgs];
    const p = this.ns.spawn('env', [`TMPDIR=${this.dir}`, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout?.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    p.stderr?.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.exit = new Promise((r) => p.on('exit', (code) => r(code)));
    this.proc = p;
  }

  get output(): string {
    return this.out;
  }

  lines(): string[] {
    return this.out.split('\n');
  }

  async waitForLine(re: RegExp, timeoutMs = 15_000, from = 0): Promise<string> {
    try {
      return await waitFor(`${this.ns.name}: a log line matching ${re}`, () => this.out.slice(from).split('\n').find((l) => re.test(l)), timeoutMs);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- output ---\n${this.out.slice(from)}`);
    }
  }

  pid(which: 'parent' | 'vrrp' | 'checker' | 'bfd'): number | undefined {
    const path = this.pidFile(which);
    if (!existsSync(path)) return undefined;
    const n = Number(readFileSync(path, 'utf8').trim());
    return n > 0 ? n : undefined;
  }

  signal(sig: NodeJS.Signals, which: 'parent' | 'vrrp' | 'bfd' = 'parent'): void {
    const pid = this.pid(which);
    if (pid === undefined) throw new Error(`${this.ns.name}: no ${which} pid file`);
    process.kill(pid, sig);
  }

  /** Asks the VRRP child for keepalived.data (SIGUSR1) and returns it. */
  async dumpData(): Promise<string> {
    const path = join(this.dir, 'keepalived.data');
    rmSync(path, { force: true });
    this.signal('SIGUSR1');
    await waitFor(`${this.ns.name}: keepalived.data`, () => existsSync(path), 10_000);
    return readFileSync(path, 'utf8');
  }

  async cleanup(): Promise<void> {
    for (const which of ['vrrp', 'checker', 'bfd', 'parent'] as const) {
      const pid = this.pid(which);
      if (pid && alive(pid)) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
