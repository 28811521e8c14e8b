// Starts test/lib/net-agent.js inside a namespace and reads its JSON lines.
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { waitFor, type Netns } from './netns.js';
import type { AgentCommand } from './net-agent.js';

const AGENT = fileURLToPath(new URL('./net-agent.js', import.meta.url));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AgentLine = Record<string, any>;

export class Agent {
  readonly lines: AgentLine[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      try {
        this.lines.push(JSON.parse(l) as AgentLine);
      } catch {
        this.lines.push({ text: l });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** The first line satisfying `pred`, waiting for it (fails with the agent's stderr). */
  async line(what: string, pred: (l: AgentLine) => boolean): Promise<AgentLine> {
    try {
      return await waitFor(what, () => this.lines.find(pred), 15_000, 20);
    } catch (e) {
      throw new Error(`${(e as Error).message}; agent said ${JSON.stringify(this.lines)} ${this.stderr}`);
    }
  }
}

/** Starts the agent in `ns`, optionally under a wrapper command (setpriv, strace ...). */
export function startAgent(ns: Netns, cmd: AgentCommand, wrapper: string[] = []): Agent {
  const argv = [...wrapper, process.execPath, AGENT, JSON.stringify(cmd)];
  return new Agent(ns.spawn(argv[0]!, argv.slice(1)));
}

/** Runs the agent to completion and returns its lines and exit code. */
export async function runAgent(ns: Netns, cmd: AgentCommand, wrapper: string[] = []): Promise<{ lines: AgentLine[]; code: number | null; stderr: string }> {
  const a = startAgent(ns, cmd, wrapper);
  const code = await a.exited;
  // Let readline flush the last lines.
  await new Promise((r) => setImmediate(r));
  return { lines: a.lines, code, stderr: a.stderr };
}
