// keepalived(8)'s command line, parsed the way getopt_long does it (bundled short
// options, -fFILE / -f FILE, --opt=VAL / --opt VAL, unique long-option prefixes,
// optional arguments only when attached, `--` ends options, operands anywhere).
// Pure: returns a typed result, the caller prints and exits.

export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';

export type DumpFormat = 'text' | 'json';

export interface CliOptions {
  configFile: string;
  /** -P: only the VRRP child. */
  vrrpOnly: boolean;
  /** -C: only the checker child. */
  checkOnly: boolean;
  /** -B */
  noBfd: boolean;
  /** --all: start children even without configuration for them. */
  all: boolean;
  /** -l */
  logConsole: boolean;
  /** -D, counted (a second -D asks for extra detail). */
  logDetail: number;
  /** -S: syslog facility number (daemon = 3 as in syslog.h, local0-7 = 16-23, user = 1). */
  logFacility: number;
  /** -G */
  noSyslog: boolean;
  /** -g[FILE]: '' for the default ($TMPDIR or /tmp)/keepalived.log. */
  logFile: string | undefined;
  /** --flush-log-file */
  flushLogFile: boolean;
  /** -u */
  umask: number | undefined;
  /** -X */
  releaseVips: boolean;
  /** -V */
  dontReleaseVrrp: boolean;
  /** -I */
  dontReleaseIpvs: boolean;
  /** -R */
  dontRespawn: boolean;
  /** -n */
  dontFork: boolean;
  /** -d / --dump-conf[=text|json] / --json. */
  dumpConf: DumpFormat | undefined;
  /** -p, -r, -c, -b */
  pidFile: string | undefined;
  vrrpPidFile: string | undefined;
  checkersPidFile: string | undefined;
  bfdPidFile: string | undefined;
  /** -a */
  addressMonitoring: boolean;
  /** -x */
  snmp: boolean;
  /** -A */
  snmpAgentSocket: string | undefined;
  /** -s */
  namespace: string | undefined;
  /** -e */
  allConfig: boolean;
  /** -i; undefined = host name up to the first dot. */
  configId: string | undefined;
  /** -m */
  coreDump: boolean;
  /** -M[PATTERN]; 'core' when given without a pattern. */
  coreDumpPattern: string | undefined;
  /** -t[LOGFILE]: `{}` for stderr. */
  configTest: { logFile?: string } | undefined;
  /** --config-fd (internal to keepalived's reload check). */
  configFd: number | undefined;
  /** --ignore-sigint */
  ignoreSigint: boolean;
}

export type ParsedCommandLine =
  | { kind: 'run'; options: CliOptions; warnings: string[] }
  | { kind: 'version' }
  | { kind: 'help' }
  | { kind: 'signum'; signal: number }
  | { kind: 'genhash'; args: string[] }
  | { kind: 'error'; message: string; exitCode: number };

type ArgMode = 'none' | 'required' | 'optional';

interface OptionSpec {
  long: string;
  short?: string;
  arg: ArgMode;
  apply: (o: CliOptions, value: string | undefined) => string | undefined | Special;
}

type Special = { special: 'version' | 'help' | 'genhash' } | { special: 'signum'; signal: number };

/** Signal numbers --signum reports (Linux x86-64, as keepalived 2.2.7 prints them). */
export const SIGNUM: Record<string, number> = {
  STOP: 15, RELOAD: 1, DATA: 10, STATS: 12, STATS_CLEAR: 63, JSON: 36,
};

const FACILITY_NAMES: Record<string, number> = { user: 1, daemon: 3 };

function parseFacility(v: string): number | undefined {
  const n = /^(?:local)?([0-7])$/.exec(v);
  if (n) return 16 + Number(n[1]);
  return FACILITY_NAMES[v];
}

/** umask like strtoll(v, 0): 0x.., 0.. octal, decimal; only permission bits. */
function parseUmask(v: string): number | undefined {
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(v)) n = parseInt(v.slice(2), 16);
  else if (/^0[0-7]*$/.test(v)) n = parseInt(v, 8);
  else if (/^[1-9][0-9]*$/.test(v)) n = parseInt(v, 10);
  else return undefined;
  return n >= 0 && (n & ~0o777) === 0 ? n : undefined;
}

const flag = (set: (o: CliOptions) => void) => (o: CliOptions): undefined => { set(o); return undefined; };

const OPTIONS: OptionSpec[] = [
  { long: 'use-file', short: 'f', arg: 'required', apply: (o, v) => { o.configFile = v ?? ''; return undefined; } },
  { long: 'vrrp', short: 'P', arg: 'none', apply: flag((o) => { o.vrrpOnly = true; }) },
  { long: 'check', short: 'C', arg: 'none', apply: flag((o) => { o.checkOnly = true; }) },
  { long: 'no_bfd', short: 'B', arg: 'none', apply: flag((o) => { o.noBfd = true; }) },
  { long: 'all', arg: 'none', apply: flag((o) => { o.all = true; }) },
  { long: 'log-console', short: 'l', arg: 'none', apply: flag((o) => { o.logConsole = true; }) },
  { long: 'log-detail', short: 'D', arg: 'none', apply: flag((o) => { o.logDetail++; }) },
  {
    long: 'log-facility', short: 'S', arg: 'required', apply: (o, v) => {
      const f = parseFacility(v ?? '');
      if (f === undefined) return `Invalid log facility '${v}' (expected 0-7, local0-7, user or daemon)`;
      o.logFacility = f;
      return undefined;
    },
  },
  // keepalived has -g only with --enable-log-file (Debian's 2.2.7 lacks it); we always do.
  { long: 'log-file', short: 'g', arg: 'optional', apply: (o, v) => { o.logFile = v ?? ''; return undefined; } },
  { long: 'flush-log-file', arg: 'none', apply: flag((o) => { o.flushLogFile = true; }) },
  { long: 'all-config', short: 'e', arg: 'none', apply: flag((o) => { o.allConfig = true; }) },
  { long: 'no-syslog', short: 'G', arg: 'none', apply: flag((o) => { o.noSyslog = true; }) },
  {
    long: 'umask', short: 'u', arg: 'required', apply: (o, v) => {
      const m = parseUmask(v ?? '');
      if (m === undefined) return `Invalid --umask option '${v}' (expected a number such as 022)`;
      o.umask = m;
      return undefined;
    },
  },
  { long: 'release-vips', short: 'X', arg: 'none', apply: flag((o) => { o.releaseVips = true; }) },
  { long: 'dont-release-vrrp', short: 'V', arg: 'none', apply: flag((o) => { o.dontReleaseVrrp = true; }) },
  { long: 'dont-release-ipvs', short: 'I', arg: 'none', apply: flag((o) => { o.dontReleaseIpvs = true; }) },
  { long: 'dont-respawn', short: 'R', arg: 'none', apply: flag((o) => { o.dontRespawn = true; }) },
  { long: 'dont-fork', short: 'n', arg: 'none', apply: flag((o) => { o.dontFork = true; }) },
  {
    long: 'dump-conf', short: 'd', arg: 'optional', apply: (o, v) => {
      if (v === undefined || v === '' || v === 'text') o.dumpConf = o.dumpConf ?? 'text';
      else if (v === 'json') o.dumpConf = 'json';
      else return `Invalid --dump-conf format '${v}' (expected text or json)`;
      return undefined;
    },
  },
  { long: 'json', arg: 'none', apply: flag((o) => { o.dumpConf = 'json'; }) },
  { long: 'pid', short: 'p', arg: 'required', apply: (o, v) => { o.pidFile = v; return undefined; } },
  { long: 'vrrp_pid', short: 'r', arg: 'required', apply: (o, v) => { o.vrrpPidFile = v; return undefined; } },
  { long: 'genhash', short: 'T', arg: 'none', apply: () => ({ special: 'genhash' }) },
  { long: 'checkers_pid', short: 'c', arg: 'required', apply: (o, v) => { o.checkersPidFile = v; return undefined; } },
  { long: 'address-monitoring', short: 'a', arg: 'none', apply: flag((o) => { o.addressMonitoring = true; }) },
  { long: 'bfd_pid', short: 'b', arg: 'required', apply: (o, v) => { o.bfdPidFile = v; return undefined; } },
  { long: 'snmp', short: 'x', arg: 'none', apply: flag((o) => { o.snmp = true; }) },
  { long: 'snmp-agent-socket', short: 'A', arg: 'required', apply: (o, v) => { o.snmpAgentSocket = v; return undefined; } },
  { long: 'namespace', short: 's', arg: 'required', apply: (o, v) => { o.namespace = v; return undefined; } },
  { long: 'core-dump', short: 'm', arg: 'none', apply: flag((o) => { o.coreDump = true; }) },
  {
    long: 'core-dump-pattern', short: 'M', arg: 'optional', apply: (o, v) => {
      o.coreDump = true;
      o.coreDumpPattern = v === undefined || v === '' ? 'core' : v;
      return undefined;
    },
  },
  { long: 'config-id', short: 'i', arg: 'required', apply: (o, v) => { o.configId = v; return undefined; } },
  {
    long: 'signum', arg: 'required', apply: (_o, v) => {
      const s = SIGNUM[v ?? ''];
      if (s === undefined) return `Unknown sigfunc ${v} (expected ${Object.keys(SIGNUM).join(', ')})`;
      return { special: 'signum', signal: s };
    },
  },
  {
    long: 'config-test', short: 't', arg: 'optional', apply: (o, v) => {
      o.configTest = v === undefined || v === '' ? {} : { logFile: v };
      return undefined;
    },
  },
  {
    long: 'config-fd', arg: 'required', apply: (o, v) => {
      if (!/^[0-9]+$/.test(v ?? '')) return `Invalid --config-fd '${v}'`;
      o.configFd = Number(v);
      return undefined;
    },
  },
  { long: 'ignore-sigint', arg: 'none', apply: flag((o) => { o.ignoreSigint = true; }) },
  { long: 'version', short: 'v', arg: 'none', apply: () => ({ special: 'version' }) },
  { long: 'help', short: 'h', arg: 'none', apply: () => ({ special: 'help' }) },
];

export function defaultOptions(): CliOptions {
  return {
    configFile: DEFAULT_CONFIG_FILE,
    vrrpOnly: false, checkOnly: false, noBfd: false, all: false,
    logConsole: false, logDetail: 0, logFacility: 3, noSyslog: false, logFile: undefined, flushLogFile: false, umask: undefined,
    releaseVips: false, dontReleaseVrrp: false, dontReleaseIpvs: false, dontRespawn: false, dontFork: false,
    dumpConf: undefined,
    pidFile: undefined, vrrpPidFile: undefined, checkersPidFile: undefined, bfdPidFile: undefined,
    addressMonitoring: false, snmp: false, snmpAgentSocket: undefined, namespace: undefined,
    allConfig: false, configId: undefined, coreDump: false, coreDumpPattern: undefined,
    configTest: undefined, configFd: undefined, ignoreSigint: false,
  };
}

function findLong(name: string): OptionSpec | 'ambiguous' | undefined {
  const exact = OPTIONS.find((o) => o.long === name);
  if (exact) return exact;
  const prefixed = OPTIONS.filter((o) => o.long.startsWith(name));
  if (prefixed.length === 1) return prefixed[0];
  return prefixed.length > 1 ? 'ambiguous' : undefined;
}

/** Parses argv without the node/script prefix (process.argv.slice(2)). */
export function parseOptions(argv: readonly string[]): ParsedCommandLine {
  const o = defaultOptions();
  const warnings: string[] = [];
  const operands: string[] = [];
  const bad = (message: string): ParsedCommandLine => ({ kind: 'error', message, exitCode: 1 });

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    let applied: string | undefined | Special;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = findLong(name);
      if (spec === 'ambiguous') return bad(`Ambiguous option --${name}`);
      if (!spec) return bad(`Unknown option --${name}`);
      let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
      if (spec.arg === 'none' && value !== undefined) return bad(`Option --${spec.long} takes no argument`);
      if (spec.arg === 'required' && value === undefined) {
        if (i + 1 >= argv.length) return bad(`Missing parameter for option --${spec.long}`);
        value = argv[++i];
      }
      if (spec.long === 'genhash') return { kind: 'genhash', args: argv.slice(i + 1) };
      applied = spec.apply(o, value);
    } else if (arg.startsWith('-') && arg.length > 1) {
      applied = undefined;
      for (let j = 1; j < arg.length; j++) {
        const ch = arg[j] as string;
        const spec = OPTIONS.find((s) => s.short === ch);
        if (!spec) return bad(`Unknown option -${ch}`);
        let value: string | undefined;
        if (spec.arg !== 'none') {
          const attached = arg.slice(j + 1);
          if (attached !== '') value = attached;
          else if (spec.arg === 'required') {
            if (i + 1 >= argv.length) return bad(`Missing parameter for option -${ch}`);
            value = argv[++i];
          }
          j = arg.length;
        }
        if (spec.short === 'T') return { kind: 'genhash', args: argv.slice(i + 1) };
        applied = spec.apply(o, value);
        if (applied !== undefined) break;
      }
    } else {
      operands.push(arg);
      continue;
    }
    if (typeof applied === 'string') return bad(applied);
    if (applied !== undefined) {
      if (applied.special === 'signum') return { kind: 'signum', signal: applied.signal };
      if (applied.special === 'version') return { kind: 'version' };
      if (applied.special === 'help') return { kind: 'help' };
    }
  }
  // keepalived only prints "Unexpected argument(s)" and carries on with the default file;
  // a stray word is almost always a mistake (`keepalived-ts -t my.conf`), so we refuse it.
  if (operands.length > 0) {
    return bad(`Unexpected argument(s): ${operands.join(' ')} (the configuration file is given with -f FILE)`);
  }
  if (o.vrrpOnly && o.checkOnly) warnings.push('both -P and -C given: running both VRRP and checker subsystems');
  return { kind: 'run', options: o, warnings };
}

export const USAGE = `Usage: keepalived-ts [OPTION...]
  -f, --use-file=FILE          Use configuration file FILE (default '${DEFAULT_CONFIG_FILE}')
  -P, --vrrp                   Only run the VRRP subsystem
  -C, --check                  Only run the health-checker (IPVS) subsystem
  -B, --no_bfd                 Do not run the BFD subsystem
      --all                    Run every subsystem even without configuration for it
  -l, --log-console            Log messages to the console too
  -D, --log-detail             Detailed log messages (twice for more)
  -S, --log-facility=([0-7]|local[0-7]|user|daemon)
                               Syslog facility (default daemon)
  -G, --no-syslog              Do not log to syslog
  -g, --log-file[=FILE]        Also log to FILE (default $TMPDIR/keepalived.log); the
                               children use FILE with _vrrp / _healthcheckers added
      --flush-log-file         Flush the log file after every line
  -u, --umask=MASK             umask for created files (numeric, e.g. 022)
  -X, --release-vips           Drop VIPs on transitions caused by signals
  -V, --dont-release-vrrp      Leave VRRP addresses and routes in place on stop
  -I, --dont-release-ipvs      Leave the IPVS configuration in place on stop
  -R, --dont-respawn           Do not respawn child processes
  -n, --dont-fork              Stay in the foreground
  -d, --dump-conf[=text|json]  Print the parsed configuration (--json: same as --dump-conf=json)
  -p, --pid=FILE               Parent pid file
  -r, --vrrp_pid=FILE          VRRP child pid file
  -c, --checkers_pid=FILE      Checker child pid file
  -b, --bfd_pid=FILE           BFD child pid file
  -T, --genhash                genhash mode (must be the first option)
  -a, --address-monitoring     Log every address added or removed (netlink)
  -x, --snmp                   Enable SNMP
  -A, --snmp-agent-socket=FILE AgentX master socket
  -s, --namespace=NAME         Run in network namespace NAME (overrides the configuration)
  -m, --core-dump              Allow core dumps on abnormal termination
  -M, --core-dump-pattern[=PATN] Also set /proc/sys/kernel/core_pattern (default 'core')
  -e, --all-config             A missing configuration file is an error
  -i, --config-id=ID           Keep '@ID' lines, drop '@^ID' lines (default: short host name)
      --signum=SIGFUNC         Print the signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
  -t, --config-test[=LOG_FILE] Check the configuration, report problems (to LOG_FILE or stderr), exit
  -v, --version                Print the version
  -h, --help                   Print this help
`;
