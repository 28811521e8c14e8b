// A spawned process whose output lines are kept (for a test's failure message), and a
// promise for its end that is already settled when it has ended.
import type { ChildProcess } from 'node:child_process';

export type CollectedProcess = ChildProcess & { output: string[] };

export function collect(c: ChildProcess): CollectedProcess {
  const p = c as CollectedProcess;
  p.output = [];
  const add = (d: Buffer) => p.output.push(...d.toString().split('\n').filter(Boolean));
  c.stdout?.on('data', add);
  c.stderr?.on('data', add);
  return p;
}

export function exited(c: ChildProcess): Promise<void> {
  return new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
}
