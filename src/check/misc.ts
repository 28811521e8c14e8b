// MISC_CHECK: runs misc_path each delay_loop. Exit 0 = up; with misc_dynamic an exit of
// 2..255 is also up and sets the real server's weight to status - 2; anything else (1, other
// statuses, a signal, or misc_timeout passing) is a failure. The command runs without a
// shell unless it uses shell syntax, in its own process group, so a timeout can SIGTERM the
// whole group and SIGKILL it 2 s later.
import { spawn } from 'node:child_process';
import type { CheckResult, CheckRun, MiscCheckSpec } from './types.js';

const KILL_GRACE_MS = 2000;

/**
 * Splits a command line into words the way keepalived's script keywords do: whitespace
 * separates, single and double quotes group, backslash escapes. Returns undefined when the
 * line needs a real shell (pipes, redirections, variables, globs, ...).
 */
export function splitCommand(line: string): string[] | undefined {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
      continue;
    }
    if (c === "'" || c === '"') { quote = c; inWord = true; continue; }
    if (c === '\\' && i + 1 < line.length) { cur += line[++i]; inWord = true; continue; }
    if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    if ('|&;<>()$`*?[]{}~#'.includes(c) && !(c === '#' && inWord)) return undefined;
    cur += c;
    inWord = true;
  }
  if (quote) return undefined;
  if (inWord) words.push(cur);
  return words;
}

/** Maps an exit to a check result, keepalived's rule. */
export function judgeExit(code: number | null, signal: NodeJS.Signals | null, dynamic: boolean, timedOut: boolean): CheckResult {
  if (timedOut) return { ok: false, reason: 'timed out' };
  if (code === null) return { ok: false, reason: `failed (due to signal ${signal ?? '?'})` };
  if (code === 0) return { ok: true };
  if (dynamic && code >= 2 && code <= 255) return { ok: true, weight: code - 2 };
  return { ok: false, reason: `failed (exited with status ${code})` };
}

export function miscCheck(spec: Pick<MiscCheckSpec, 'command' | 'timeoutMs' | 'dynamic' | 'uid' | 'gid'>): CheckRun {
  const words = splitCommand(spec.command);
  const [file, ...args] = words && words.length ? words : ['/bin/sh', '-c', spec.command];
  return (signal) => new Promise<CheckResult>((resolve) => {
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(file as string, args, {
      detached: true, stdio: 'ignore',
      ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
      ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
    });
    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try { process.kill(-child.pid, sig); } catch { /* already gone */ }
    };
    const onTimeout = (): void => {
      timedOut = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const timer = setTimeout(onTimeout, spec.timeoutMs);
    const onAbort = (): void => { if (!timedOut) onTimeout(); };
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (e) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve({ ok: false, reason: `cannot run ${file}: ${e.message}` });
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      // A script that left children behind in its group must not keep them past its own end.
      if (timedOut) { if (killTimer) clearTimeout(killTimer); killGroup('SIGKILL'); }
      resolve(judgeExit(code, sig, spec.dynamic, timedOut));
    });
  });
}
