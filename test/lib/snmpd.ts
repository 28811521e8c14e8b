// A private net-snmp snmpd inside a lab namespace: AgentX master on a unix socket in its own
// temp directory, SNMP on UDP 127.0.0.1 of that namespace, its own config and state files
// (never the system's snmpd or /var/lib/snmp). Optionally forwards notifications (trap2sink)
// to a UDP port in the namespace. And snmpwalk/snmpget -On readers for the tests.
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { waitFor, type Netns } from './netns.js';

export const SNMP_PORT = 16161;

export class Snmpd {
  readonly dir: string;
  readonly socket: string;
  proc: ChildProcess | undefined;
  private out = '';

  constructor(readonly ns: Netns, private readonly trapPort?: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'kts-snmpd-'));
    this.socket = join(this.dir, 'agentx.sock');
  }

  async start(): Promise<void> {
    const conf = join(this.dir, 'snmpd.conf');
    writeFileSync(conf, [
      'master agentx',
      `agentXSocket unix:${this.socket}`,
      'agentXPerms 0600 0700',
      `agentaddress udp:127.0.0.1:${SNMP_PORT}`,
      'rocommunity public 127.0.0.1',
      ...(this.trapPort ? [`trap2sink 127.0.0.1:${this.trapPort} public`] : []),
      '',
    ].join('\n'));
    const p = this.ns.spawn('env', [`SNMP_PERSISTENT_DIR=${join(this.dir, 'state')}`, 'MIBS=', 'snmpd', '-f', '-Lo', '-C', '-c', conf, '-p', join(this.dir, 'snmpd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout?.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    p.stderr?.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.proc = p;
    await waitFor(`snmpd's AgentX socket in ${this.ns.name}`, () => existsSync(this.socket), 10_000);
  }

  get output(): string {
    return this.out;
  }

  /** Stops snmpd and waits until it has exited (its AgentX sessions close). */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await gone;
  }

  cleanup(): void {
    this.proc?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface WalkValue {
  type: string;
  value: string;
}

/** Parses `snmpwalk -On` lines ("OID = TYPE: value") into OID -> value (OIDs without the leading dot). */
export function parseWalk(text: string): Map<string, WalkValue> {
  const out = new Map<string, WalkValue>();
  for (const line of text.split('\n')) {
    const m = /^\.?([\d.]+) = (?:([\w-]+): )?(.*)$/.exec(line);
    if (!m) continue;
    out.set(m[1] ?? '', { type: m[2] ?? '', value: (m[3] ?? '').trim() });
  }
  return out;
}

/** snmpwalk -v2c -On of `oid` through the namespace's snmpd. */
export async function walk(ns: Netns, oid: string): Promise<Map<string, WalkValue>> {
  const r = await ns.exec('env', ['MIBS=', 'snmpwalk', '-v2c', '-c', 'public', '-On', '-t', '3', '-r', '1', `127.0.0.1:${SNMP_PORT}`, oid], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`snmpwalk ${oid} failed: ${r.stderr}`);
  return parseWalk(r.stdout);
}

/** One value (throws when absent). */
export function at(w: Map<string, WalkValue>, oid: string): string {
  const v = w.get(oid);
  if (!v) throw new Error(`no ${oid} in the walk:\n${[...w.entries()].map(([k, x]) => `${k} = ${x.type}: ${x.value}`).join('\n')}`);
  return v.value;
}
