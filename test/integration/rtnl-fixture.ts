// Runs test/integration/fixtures/rtnl-tool.js inside a namespace and reads its JSON answer.
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { waitFor, type Netns } from '../lib/netns.js';

export const RTNL_TOOL = fileURLToPath(new URL('./fixtures/rtnl-tool.js', import.meta.url));

export type ToolAnswer = { ok: true; result: unknown } | { ok: false; error: string; code?: string };

export async function rtnl(ns: Netns, cmd: string, arg: unknown = {}): Promise<ToolAnswer> {
  const r = await ns.exec(process.execPath, [RTNL_TOOL, cmd, JSON.stringify(arg)]);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ToolAnswer;
  } catch {
    throw new Error(`rtnl-tool ${cmd} printed no answer (exit ${r.code}): ${r.stdout}${r.stderr}`);
  }
}

/** Like rtnl, but throws unless the call succeeded; returns its result. */
export async function rtnlOk<T = unknown>(ns: Netns, cmd: string, arg: unknown = {}): Promise<T> {
  const a = await rtnl(ns, cmd, arg);
  if (!a.ok) throw new Error(`rtnl-tool ${cmd} ${JSON.stringify(arg)} failed: ${a.error}`);
  return a.result as T;
}

/** A link monitor running in `ns`, its events collected as they are printed. */
export class MonitorProcess {
  readonly events: Array<Record<string, unknown>> = [];
  private buffered = '';

  private constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      this.buffered += chunk;
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) !== -1) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        if (line.trim()) this.events.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
  }

  static async start(ns: Netns, opts: { routes?: boolean } = {}): Promise<MonitorProcess> {
    const m = new MonitorProcess(ns.spawn(process.execPath, [RTNL_TOOL, 'monitor', JSON.stringify(opts)]));
    let stderr = '';
    m.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor('the link monitor to start', () => m.events.some((e) => e.ready === true || e.ok === false) || (m.child.exitCode !== null && Promise.reject(new Error(stderr))));
    const failed = m.events.find((e) => e.ok === false);
    if (failed) throw new Error(`link monitor failed: ${String(failed.error)}`);
    return m;
  }

  /** Waits for an event matching `pred`, returning it. */
  waitFor(what: string, pred: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    return waitFor(what, () => this.events.find(pred));
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}
