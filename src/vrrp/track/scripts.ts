// vrrp_script runner: each script used by some instance runs once per interval however many
// instances track it; no shell (argv as parsed); as its `user` (or script_user); killed
// after `timeout` (SIGTERM to its process group, SIGKILL 2 s later). Results go through the
// rise/fall counter (priority.ts) and only changes are reported.
import { spawn } from 'node:child_process';
import type { VrrpScript } from '../../config/model.js';
import { initialScriptCounter, scriptResult, type ScriptCounter } from './priority.js';
import { resolveRunAs, type Ids } from './run-as.js';

export interface ScriptRunnerOptions {
  log: (line: string) => void;
  /** OK/failed changes (and the first result). */
  onChange: (name: string, ok: boolean) => void;
  scriptUser?: { user: string; group?: string };
}

interface Running {
  script: VrrpScript;
  counter: ScriptCounter;
  timer: NodeJS.Timeout | undefined;
  busy: boolean;
  ids: Ids | undefined;
}

export class ScriptRunner {
  private readonly scripts = new Map<string, Running>();
  private stopped = false;

  constructor(private readonly opts: ScriptRunnerOptions) {}

  /** Starts running `script`; its initial state is reported at once. */
  add(script: VrrpScript, previous?: ScriptCounter): void {
    if (!script.script || this.scripts.has(script.name)) return;
    const runAs = script.user ?? (script.script.user !== undefined ? { user: script.script.user, ...(script.script.group !== undefined ? { group: script.script.group } : {}) } : this.opts.scriptUser);
    const r: Running = { script, counter: previous ?? initialScriptCounter(script.rise, script.initFail), timer: undefined, busy: false, ids: resolveRunAs(runAs) };
    if (runAs && !r.ids) this.opts.log(`VRRP_Script(${script.name}): unknown user/group ${runAs.user}${runAs.group ? ` ${runAs.group}` : ''}; running as ourselves`);
    this.scripts.set(script.name, r);
    this.opts.onChange(script.name, r.counter.ok);
    this.tick(r, 0);
  }

  counter(name: string): ScriptCounter | undefined {
    return this.scripts.get(name)?.counter;
  }

  stop(): void {
    this.stopped = true;
    for (const r of this.scripts.values()) if (r.timer) clearTimeout(r.timer);
    this.scripts.clear();
  }

  private tick(r: Running, delayMs: number): void {
    if (this.stopped) return;
    r.timer = setTimeout(() => {
      if (!r.busy) void this.runOnce(r);
      this.tick(r, Math.max(1, r.script.intervalUs / 1000));
    }, delayMs);
    r.timer.unref();
  }

  private runOnce(r: Running): Promise<void> {
    const s = r.script;
    const argv = s.script?.argv ?? [];
    const [file, ...args] = argv;
    if (file === undefined) return Promise.resolve();
    r.busy = true;
    return new Promise((resolve) => {
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;
      const done = (ok: boolean, why: string) => {
        r.busy = false;
        if (timeout) clearTimeout(timeout);
        if (killTimer) clearTimeout(killTimer);
        if (!this.stopped && this.scripts.get(s.name) === r) this.result(r, ok, why);
        resolve();
      };
      let child;
      try {
        child = spawn(file, args, { stdio: 'ignore', detached: true, ...(r.ids ? { uid: r.ids.uid, gid: r.ids.gid } : {}) });
      } catch (e) {
        r.busy = false;
        this.result(r, false, `cannot run: ${(e as Error).message}`);
        resolve();
        return;
      }
      const pid = child.pid;
      const timeout = setTimeout(() => {
        timedOut = true;
        if (pid !== undefined) {
          try { process.kill(-pid, 'SIGTERM'); } catch { /* gone */ }
          killTimer = setTimeout(() => { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }, 2000);
        }
      }, Math.max(1, s.timeoutUs / 1000));
      child.on('error', (e) => done(false, `cannot run: ${e.message}`));
      child.on('exit', (code, signal) => {
        if (timedOut) done(false, 'timed out');
        else if (signal) done(false, `killed by signal ${signal}`);
        else done(code === 0, `exited with status ${code ?? '?'}`);
      });
    });
  }

  private result(r: Running, ok: boolean, why: string): void {
    const s = r.script;
    const { counter, changed } = scriptResult(r.counter, ok, s.rise, s.fall);
    r.counter = counter;
    if (!changed) return;
    this.opts.log(counter.ok ? `VRRP_Script(${s.name}) succeeded` : `VRRP_Script(${s.name}) failed (${why})`);
    this.opts.onChange(s.name, counter.ok);
  }
}
