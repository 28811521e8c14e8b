// keepalivectl: see and steer a running keepalived-ts through its control socket
// (src/daemon/control.ts). Usage in docs/keepalivectl.md.
//
// Exit codes: 0 done; 1 the daemon answered with an error; 2 bad usage; 3 no daemon to talk to.
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { controlSocketPath } from '../daemon/control.js';
import { DEFAULT_PID_FILES } from '../daemon/pidfile.js';
import { parseDaemonStatus, STATUS_VERSION } from '../daemon/status.js';
import { formatStats, formatStatus, statsJson } from './keepalivectl-format.js';

const USAGE = `Usage: keepalivectl [--socket=PATH | --pid=FILE] [--json] COMMAND
Commands:
  status            VRRP instances and virtual servers
  stats             VRRP counters per instance (keepalived.stats)
  reload            reload the configuration (as SIGHUP)
  dump [data|stats|json]   make the daemon write its dump file and print it (default data)
Options:
  -s, --socket=PATH  control socket (default: beside the pid file)
  -p, --pid=FILE     parent pid file (default /run/keepalived.pid)
  -j, --json         machine-readable output (versioned; see docs/keepalivectl.md)
  -h, --help
`;

export interface CtlArgs { socket: string; json: boolean; command: string; arg: string | undefined }

/** Pure: the arguments, or a usage error. */
export function parseCtlArgs(argv: string[]): CtlArgs | { error: string } | 'help' {
  let socket: string | undefined;
  let pid: string | undefined;
  let json = false;
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (name: string): string | undefined => {
      if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
      const next = argv[i + 1];
      if (next === undefined) return undefined;
      i++;
      return next;
    };
    if (a === '-h' || a === '--help') return 'help';
    else if (a === '-j' || a === '--json') json = true;
    else if (a === '-s' || a === '--socket' || a.startsWith('--socket=')) {
      socket = value(a.startsWith('--socket=') ? '--socket' : a);
      if (!socket) return { error: `${a} needs a path` };
    } else if (a === '-p' || a === '--pid' || a.startsWith('--pid=')) {
      pid = value(a.startsWith('--pid=') ? '--pid' : a);
      if (!pid) return { error: `${a} needs a file` };
    } else if (a.startsWith('-')) return { error: `unknown option ${a}` };
    else words.push(a);
  }
  const [command, arg, extra] = words;
  if (!command) return { error: 'no command' };
  if (!['status', 'stats', 'reload', 'dump'].includes(command)) return { error: `unknown command '${command}'` };
  if (extra !== undefined || (arg !== undefined && command !== 'dump')) return { error: `too many arguments for ${command}` };
  if (command === 'dump' && arg !== undefined && !['data', 'stats', 'json'].includes(arg)) return { error: `dump kind must be data, stats or json, not '${arg}'` };
  return { socket: socket ?? controlSocketPath(pid ?? DEFAULT_PID_FILES.parent), json, command, arg };
}

class NoDaemon extends Error {}

/** One command, one answer line. */
function ask(path: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const c = connect(path, () => c.write(`${command}\n`));
    c.setEncoding('utf8');
    c.setTimeout(15_000, () => { c.destroy(); reject(new Error('the daemon did not answer within 15 s')); });
    c.on('data', (d: string) => (text += d));
    c.on('end', () => resolve(text.trim()));
    c.on('error', (e: NodeJS.ErrnoException) => {
      reject(['ENOENT', 'ECONNREFUSED'].includes(e.code ?? '') ? new NoDaemon(`no keepalived-ts listening on ${path} (${e.code}); is it running? (--socket / --pid)`) : e);
    });
  });
}

async function run(a: CtlArgs, out: (s: string) => void): Promise<number> {
  const color = Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'];
  const fail = (m: string) => { process.stderr.write(`keepalivectl: ${m}\n`); return 1; };
  if (a.command === 'status' || a.command === 'stats') {
    const answer = await ask(a.socket, 'snapshot');
    if (!answer.startsWith('ok ')) return fail(answer.replace(/^error /, ''));
    const st = parseDaemonStatus(answer.slice(3));
    if (typeof st === 'string') return fail(st);
    if (a.command === 'status') out(a.json ? `${JSON.stringify(st, null, 2)}\n` : formatStatus(st, { color }));
    else out(a.json ? `${JSON.stringify(statsJson(st), null, 2)}\n` : formatStats(st, { color }));
    return Object.keys(st.errors).length > 0 ? 1 : 0;
  }
  if (a.command === 'reload') {
    const answer = await ask(a.socket, 'reload');
    if (answer !== 'ok') return fail(answer.replace(/^error /, ''));
    out(a.json ? `${JSON.stringify({ version: STATUS_VERSION, reload: 'requested' })}\n` : 'Reload requested (its outcome is in the daemon\'s log).\n');
    return 0;
  }
  const kind = a.arg ?? 'data';
  const answer = await ask(a.socket, kind);
  if (!answer.startsWith('ok ')) return fail(answer.replace(/^error /, ''));
  const files = answer.slice(3).split(' ').filter(Boolean).map((path) => ({ path, content: readFileSync(path, 'utf8') }));
  if (a.json) out(`${JSON.stringify({ version: STATUS_VERSION, kind, files }, null, 2)}\n`);
  else for (const f of files) out(`# ${f.path}\n${f.content}${f.content.endsWith('\n') ? '' : '\n'}`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const a = parseCtlArgs(argv);
  if (a === 'help') { process.stdout.write(USAGE); return 0; }
  if ('error' in a) { process.stderr.write(`keepalivectl: ${a.error}\n${USAGE}`); return 2; }
  try {
    return await run(a, (s) => process.stdout.write(s));
  } catch (e) {
    process.stderr.write(`keepalivectl: ${(e as Error).message}\n`);
    return e instanceof NoDaemon ? 3 : 1;
  }
}
