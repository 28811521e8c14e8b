// global_defs startup_script / shutdown_script: the parent runs the first before it starts
// its children and the second after they stopped, each bounded by its timeout
// (startup_script_timeout / shutdown_script_timeout, keepalived's default 10 s), without a
// shell: argv as the configuration reader split it. Running as script_user is not done
// yet (the scripts run as the daemon's user).
import { spawn } from 'node:child_process';

export interface ParentScript {
  command: string;
  argv: string[];
  timeoutMs: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Pure: the startup or shutdown script of a configuration (typed model), if any. */
export function parentScriptOf(config: unknown, which: 'startup' | 'shutdown'): ParentScript | undefined {
  const g = isObject(config) ? config['global'] : undefined;
  if (!isObject(g)) return undefined;
  const s = g[`${which}Script`];
  if (!isObject(s) || !Array.isArray(s['argv']) || s['argv'].length === 0) return undefined;
  const timeoutS = g[`${which}ScriptTimeoutS`];
  return {
    command: typeof s['command'] === 'string' ? s['command'] : (s['argv'] as string[]).join(' '),
    argv: (s['argv'] as unknown[]).map(String),
    timeoutMs: (typeof timeoutS === 'number' && timeoutS > 0 ? timeoutS : 10) * 1000,
  };
}

/** Pure: child_wait_time from a configuration (typed model), in ms. */
export function childWaitMsOf(config: unknown): number | undefined {
  const g = isObject(config) ? config['global'] : undefined;
  const s = isObject(g) ? g['childWaitTimeS'] : undefined;
  return typeof s === 'number' && s > 0 ? s * 1000 : undefined;
}

/** What a child gives its own stop before it exits anyway when child_wait_time does not say. */
export const DEFAULT_CHILD_STOP_GRACE_MS = 1500;

/**
 * Pure: how long a child may take to stop (removing its VIPs, its IPVS table) before it exits
 * anyway: child_wait_time less half a second, so that it finishes and says so before the
 * parent's SIGKILL, and never less than the default. A child that gave up after a fixed 1.5 s
 * left a large IPVS table in the kernel on a slow machine where keepalived, given its 5 s,
 * removes it.
 */
export function childStopGraceMs(config: unknown): number {
  const wait = childWaitMsOf(config);
  return wait === undefined ? DEFAULT_CHILD_STOP_GRACE_MS : Math.max(DEFAULT_CHILD_STOP_GRACE_MS, wait - 500);
}

/** Runs a script to its end or its timeout; resolves with one line for the log when it failed. */
export function runParentScript(script: ParentScript, label: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const [file, ...args] = script.argv;
    const child = spawn(file as string, args, { stdio: 'ignore' });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, script.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve(`${label} '${script.command}' could not be run: ${e.message}`);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) resolve(`${label} '${script.command}' timed out after ${script.timeoutMs / 1000} s and was killed`);
      else if (signal) resolve(`${label} '${script.command}' was killed by ${signal}`);
      else if (code !== 0) resolve(`${label} '${script.command}' exited with status ${code}`);
      else resolve(undefined);
    });
  });
}
