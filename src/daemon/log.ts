// Logging as keepalived does it: each process logs under its own syslog ident
// (Keepalived, Keepalived_vrrp, Keepalived_healthcheckers) to syslog (/dev/log, RFC 3164
// lines as glibc's syslog(3) writes them), to stderr with -l, and to a log file with -g
// (per-process file names as keepalived: keepalived.log, keepalived_vrrp.log, ...).
// Console and file lines carry ctime-style timestamps ("Sun Nov 22 03:58:46 2026: ...").
//
// Syslog needs a unix datagram socket, which only the native addon provides. Without it the
// logger says once on stderr that syslog is unavailable and, when console logging was not
// asked for either, logs to the console instead so nothing is lost.
import { openSync, writeSync, closeSync, fsyncSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { DatagramSender } from './unix-dgram.js';

export type LogLevel = 'emerg' | 'alert' | 'crit' | 'err' | 'warning' | 'notice' | 'info' | 'debug';

export const SEVERITY: Record<LogLevel, number> = {
  emerg: 0, alert: 1, crit: 2, err: 3, warning: 4, notice: 5, info: 6, debug: 7,
};

export const FACILITY_DAEMON = 3;
const FACILITIES: Record<string, number> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

/**
 * Pure: keepalived's -S argument to a syslog facility number. "0".."7" mean local0..local7
 * (as keepalived's -S does); names are user, daemon and local0..local7.
 */
export function parseFacility(arg: string): number | undefined {
  if (/^[0-7]$/.test(arg)) return 16 + Number(arg);
  const name = arg.toLowerCase();
  if (name === 'user' || name === 'daemon' || /^local[0-7]$/.test(name)) return FACILITIES[name];
  return undefined;
}

/** What a process logs where; sent from the parent to each child. */
export interface LogConfig {
  console: boolean;
  syslog: boolean;
  facility: number;
  /** -g: the parent's log file; children add their suffix. */
  file?: string;
  flushFile: boolean;
  /** -D: detailed logging. */
  detail: boolean;
  /** The syslog socket (default /dev/log). */
  syslogSocket?: string;
}

export const DEFAULT_LOG_CONFIG: LogConfig = { console: false, syslog: true, facility: FACILITY_DAEMON, flushFile: false, detail: false };

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');
const clock = (d: Date) => `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;

/** Pure: "Sun Nov 22 03:58:46 2026: message", the console and log-file line (local time). */
export function formatConsoleLine(date: Date, message: string): string {
  const day = String(date.getDate()).padStart(2, ' ');
  return `${DAYS[date.getDay()]} ${MONTHS[date.getMonth()]} ${day} ${clock(date)} ${date.getFullYear()}: ${message}`;
}

/** Pure: "<30>Nov 22 03:58:46 Keepalived_vrrp[1234]: message", as syslog(3) sends to /dev/log. */
export function formatSyslogLine(facility: number, level: LogLevel, date: Date, ident: string, pid: number, message: string): string {
  const pri = facility * 8 + SEVERITY[level];
  const day = String(date.getDate()).padStart(2, ' ');
  return `<${pri}>${MONTHS[date.getMonth()]} ${day} ${clock(date)} ${ident}[${pid}]: ${message}`;
}

/** Pure: keepalived's per-process log file name: keepalived.log -> keepalived_vrrp.log. */
export function logFileFor(base: string, suffix: string): string {
  if (!suffix) return base;
  const ext = extname(base);
  return ext ? `${base.slice(0, -ext.length)}${suffix}${ext}` : `${base}${suffix}`;
}

export interface LogSinks {
  /** Writes one console line (stderr by default). */
  console?: (line: string) => void;
  syslog?: DatagramSender;
  /** Why there is no syslog sender although syslog was asked for. */
  syslogUnavailable?: string;
  now?: () => Date;
}

/**
 * stderr, written once per turn of the event loop. A burst of log lines (1,000 real servers
 * going down at once log 2,000) was one trip through the stream and one write(2) per line,
 * about 0.5 ms each under CPU emulation: a second of the checker process's time per burst.
 * Now a burst is one write. A line waits at most until the current turn of the loop ends, and
 * 'exit' (also after an uncaught exception) writes whatever is left.
 */
class StderrLines {
  private pending: string[] = [];
  private scheduled = false;
  private hooked = false;

  write(line: string): void {
    this.pending.push(line);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
    if (!this.hooked) {
      this.hooked = true;
      process.on('exit', () => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    process.stderr.write(text);
  }
}

const stderrLines = new StderrLines();

/** Writes the console lines still waiting, before something else goes to stderr directly. */
export function flushConsoleLog(): void {
  stderrLines.flush();
}

export class Logger {
  private fileFd: number | undefined;
  private readonly writeConsole: (line: string) => void;
  private readonly now: () => Date;
  private syslog: DatagramSender | undefined;
  private consoleOn: boolean;

  constructor(
    readonly ident: string,
    readonly config: LogConfig,
    sinks: LogSinks = {},
    /** Suffix of this process's log file ("" parent, "_vrrp", "_healthcheckers"). */
    fileSuffix = '',
  ) {
    this.writeConsole = sinks.console ?? ((line) => stderrLines.write(line));
    this.now = sinks.now ?? (() => new Date());
    this.syslog = config.syslog ? sinks.syslog : undefined;
    this.consoleOn = config.console;
    if (config.syslog && !this.syslog) {
      // No way to reach /dev/log: say it once, and keep the messages on the console.
      if (!this.consoleOn) this.consoleOn = true;
      const why = sinks.syslogUnavailable ?? 'no unix datagram support in this build';
      this.writeConsole(formatConsoleLine(this.now(), `${ident}: syslog unavailable (${why}); logging to the console`));
    }
    if (config.file) {
      const path = logFileFor(config.file, fileSuffix);
      try {
        this.fileFd = openSync(path, 'a', 0o644);
      } catch (e) {
        this.writeConsole(formatConsoleLine(this.now(), `Unable to open log file ${path}: ${(e as Error).message}`));
      }
    }
  }

  log(level: LogLevel, message: string): void {
    const date = this.now();
    if (this.consoleOn || this.fileFd !== undefined) {
      const line = formatConsoleLine(date, message);
      if (this.consoleOn) this.writeConsole(line);
      if (this.fileFd !== undefined) {
        writeSync(this.fileFd, `${line}\n`);
        if (this.config.flushFile) fsyncSync(this.fileFd);
      }
    }
    if (this.syslog) {
      try {
        this.syslog.send(Buffer.from(formatSyslogLine(this.config.facility, level, date, this.ident, process.pid, message)));
      } catch {
        // syslogd gone or its queue is full: like syslog(3), drop the line rather than block.
      }
    }
  }

  alert(message: string): void { this.log('alert', message); }
  error(message: string): void { this.log('err', message); }
  warn(message: string): void { this.log('warning', message); }
  notice(message: string): void { this.log('notice', message); }
  info(message: string): void { this.log('info', message); }
  /** Whether detail() and debug() write anything (-D): for messages costly to build. */
  get detailed(): boolean { return this.config.detail; }
  /** Only with -D (keepalived's "detailed" messages). */
  detail(message: string): void { if (this.config.detail) this.log('info', message); }
  debug(message: string): void { if (this.config.detail) this.log('debug', message); }

  close(): void {
    if (this.fileFd !== undefined) closeSync(this.fileFd);
    this.fileFd = undefined;
    this.syslog?.close();
    this.syslog = undefined;
  }
}

/** A logger with syslog reached through the addon when it can be (and asked for). */
export async function createLogger(ident: string, config: LogConfig, fileSuffix = ''): Promise<Logger> {
  const sinks: LogSinks = {};
  if (config.syslog) {
    const devLog = config.syslogSocket ?? '/dev/log';
    const { unixDatagramOpener } = await import('./unix-dgram.js');
    const open = await unixDatagramOpener();
    if (!open) {
      sinks.syslogUnavailable = 'no unix datagram support: the native addon is not built';
    } else if (!isSocket(devLog)) {
      sinks.syslogUnavailable = `no syslog socket at ${devLog}`;
    } else {
      try {
        sinks.syslog = open(devLog);
      } catch (e) {
        sinks.syslogUnavailable = `${devLog}: ${(e as Error).message}`;
      }
    }
  }
  return new Logger(ident, config, sinks, fileSuffix);
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}
