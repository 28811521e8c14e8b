// vrrp_track_process: how many processes match (comm, or the command line when parameters
// or full_command are given), OK within quorum..quorum_max, changes reported after
// fork_delay / terminate_delay. The /proc scan runs once a second; the matching and
// debounce rules are pure.
import { readdirSync, readFileSync } from 'node:fs';
import type { TrackProcess } from '../../config/model.js';

export interface ProcInfo {
  comm: string;
  /** argv from /proc/PID/cmdline. */
  argv: string[];
}

/** Pure: whether one process matches the tracker's spec. */
export function processMatches(p: ProcInfo, t: Pick<TrackProcess, 'process' | 'params' | 'paramMatch' | 'fullCommand'>): boolean {
  const want = t.process;
  if (want === undefined) return false;
  if (t.params.length === 0 && !t.fullCommand) return p.comm === want;
  const cmd = p.argv[0];
  if (cmd === undefined) return false;
  if (t.fullCommand ? cmd !== want : cmd !== want && p.comm !== want && !cmd.endsWith(`/${want}`)) return false;
  const args = p.argv.slice(1);
  const params = t.params;
  if (t.paramMatch === 'exact') return args.length === params.length && args.every((a, i) => a === params[i]);
  if (t.paramMatch === 'initial') return params.every((x, i) => args[i] === x);
  // partial: the parameters as one string prefix of the arguments as one string.
  return args.join(' ').startsWith(params.join(' '));
}

/** Pure: quorum test. */
export function quorumMet(count: number, t: Pick<TrackProcess, 'quorum' | 'quorumMax'>): boolean {
  return count >= t.quorum && (t.quorumMax === undefined || count <= t.quorumMax);
}

export function scanProc(root = '/proc'): ProcInfo[] {
  const out: ProcInfo[] = [];
  let pids: string[];
  try {
    pids = readdirSync(root).filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const comm = readFileSync(`${root}/${pid}/comm`, 'utf8').replace(/\n$/, '');
      const raw = readFileSync(`${root}/${pid}/cmdline`, 'utf8');
      out.push({ comm, argv: raw.split('\0').filter((x, i, a) => x !== '' || i < a.length - 1) });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

interface Tracked {
  spec: TrackProcess;
  reported: boolean | undefined;
  pending: NodeJS.Timeout | undefined;
  pendingValue: boolean | undefined;
  count: number;
}

export class ProcessTracker {
  private readonly tracked: Tracked[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: (line: string) => void,
    private readonly onChange: (name: string, ok: boolean) => void,
    private readonly scan: () => ProcInfo[] = () => scanProc(),
    private readonly everyMs = 1000,
  ) {}

  add(spec: TrackProcess): void {
    this.tracked.push({ spec, reported: undefined, pending: undefined, pendingValue: undefined, count: 0 });
  }

  start(): void {
    if (this.tracked.length === 0) return;
    this.poll();
    this.timer = setInterval(() => this.poll(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const t of this.tracked) if (t.pending) clearTimeout(t.pending);
  }

  private poll(): void {
    const procs = this.scan();
    for (const t of this.tracked) {
      t.count = procs.filter((p) => processMatches(p, t.spec)).length;
      const ok = quorumMet(t.count, t.spec);
      if (t.reported === undefined) {
        // The first scan reports at once.
        t.reported = ok;
        this.onChange(t.spec.name, ok);
        continue;
      }
      if (ok === t.reported) {
        if (t.pending) clearTimeout(t.pending);
        t.pending = undefined;
        continue;
      }
      if (t.pending && t.pendingValue === ok) continue;
      const delayMs = (ok ? t.spec.forkDelayUs : t.spec.terminateDelayUs) / 1000;
      const report = () => {
        t.pending = undefined;
        t.reported = ok;
        this.log(`Track process ${t.spec.name} ${ok ? 'now has quorum' : 'lost quorum'} (${t.count} process${t.count === 1 ? '' : 'es'})`);
        this.onChange(t.spec.name, ok);
      };
      if (delayMs <= 0) report();
      else {
        t.pendingValue = ok;
        t.pending = setTimeout(report, delayMs);
        t.pending.unref();
      }
    }
  }
}
