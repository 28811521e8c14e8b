// How the parent reports a child's end, in keepalived's words (report_child_status).
import { constants as osConstants } from 'node:os';
import { EXIT } from './service.js';

const SIGNAL_TEXT: Record<string, string> = {
  SIGHUP: 'Hangup', SIGINT: 'Interrupt', SIGQUIT: 'Quit', SIGILL: 'Illegal instruction', SIGABRT: 'Aborted',
  SIGBUS: 'Bus error', SIGFPE: 'Floating point exception', SIGKILL: 'Killed', SIGUSR1: 'User defined signal 1',
  SIGSEGV: 'Segmentation fault', SIGUSR2: 'User defined signal 2', SIGPIPE: 'Broken pipe', SIGALRM: 'Alarm clock',
  SIGTERM: 'Terminated',
};

/** Pure: keepalived's line for a child's end (report_child_status), or undefined for a clean exit. */
export function describeChildExit(pid: number, code: number | null, signal: NodeJS.Signals | null): string | undefined {
  if (signal) {
    const num = (osConstants.signals as Record<string, number>)[signal] ?? 0;
    return `pid ${pid} exited due to signal ${num} (${SIGNAL_TEXT[signal] ?? signal})`;
  }
  if (code === EXIT.CONFIG || code === EXIT.FATAL || code === EXIT.MISSING_PERMISSION) {
    const name = code === EXIT.CONFIG ? 'CONFIG' : code === EXIT.FATAL ? 'FATAL' : 'MISSING_PERMISSION';
    return `pid ${pid} exited with permanent error ${name}. Terminating`;
  }
  if (code !== null && code !== 0) return `pid ${pid} exited with status ${code}`;
  return undefined;
}
