// The daemon entry point the CLI hands over to when neither -t nor --signum/-v/-h ends the
// run: maps the command line onto runDaemon's options.
import type { CliOptions } from './options.js';
import { runDaemon, type DaemonOptions } from '../daemon/index.js';

/** Pure: the daemon's options from the command line. */
export function daemonOptionsFrom(o: CliOptions): DaemonOptions {
  const d: DaemonOptions = {
    configFile: o.configFile,
    vrrpOnly: o.vrrpOnly,
    checkerOnly: o.checkOnly,
    all: o.all,
    dontFork: o.dontFork,
    dontRespawn: o.dontRespawn,
    logConsole: o.logConsole,
    noSyslog: o.noSyslog,
    logFacility: o.logFacility,
    logDetail: o.logDetail > 0,
    allConfig: o.allConfig,
    flushLogFile: o.flushLogFile,
    ignoreSigint: o.ignoreSigint,
  };
  if (o.logFile !== undefined) d.logFile = o.logFile;
  if (o.pidFile !== undefined) d.pidFile = o.pidFile;
  if (o.vrrpPidFile !== undefined) d.vrrpPidFile = o.vrrpPidFile;
  if (o.checkersPidFile !== undefined) d.checkersPidFile = o.checkersPidFile;
  if (o.bfdPidFile !== undefined) d.bfdPidFile = o.bfdPidFile;
  if (o.noBfd) d.noBfd = true;
  if (o.configId !== undefined) d.configId = o.configId;
  if (o.snmp) d.snmp = true;
  if (o.snmpAgentSocket !== undefined) d.snmpSocket = o.snmpAgentSocket;
  return d;
}

export async function startDaemon(options: CliOptions, _io: { err: (text: string) => void }): Promise<number> {
  if (options.umask !== undefined) process.umask(options.umask);
  // -I: the checker child (which inherits the environment) leaves the LVS data plane at stop.
  if (options.dontReleaseIpvs) process.env.KEEPALIVED_TS_DONT_RELEASE_IPVS = '1';
  const code = await runDaemon(daemonOptionsFrom(options));
  // Exit even if a stray handle (a log socket) would keep the loop turning.
  setTimeout(() => process.exit(code), 200).unref();
  return code;
}
