import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, symlinkSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decideRestart, INITIAL_BACKOFF, type RestartBackoff } from '../../src/daemon/backoff.js';
import { parseCapEff, missingCapabilities, privilegeProblem } from '../../src/daemon/caps.js';
import {
  parsePidFile, classifyPidFile, writePidFile, assertPidFileFree, removePidFile, AlreadyRunningError, readPidFileText,
} from '../../src/daemon/pidfile.js';
import { formatConsoleLine, formatSyslogLine, parseFacility, logFileFor, Logger } from '../../src/daemon/log.js';
import { describeChildExit } from '../../src/daemon/parent.js';
import { notifyMessage } from '../../src/daemon/sd-notify.js';
import { dumpFileName, dumpDirectory } from '../../src/daemon/dumpfile.js';
import { configForRole, fileConfigSource, rolesForNodes } from '../../src/daemon/config-source.js';
import { logConfigOf, onlyRoles, pidFilesOf } from '../../src/daemon/index.js';
import { asChildMessage, asParentMessage } from '../../src/daemon/ipc.js';
import type { ConfigNode } from '../../src/config/ast.js';

const S = 1000;

test('restart backoff: 0, 1, 2, 4 ... 32, 60 s for quick deaths; immediate after a minute of running', () => {
  let b: RestartBackoff = INITIAL_BACKOFF;
  const delays: number[] = [];
  for (let i = 0; i < 9; i++) {
    const d = decideRestart(b, 0, 5 * S);
    assert.equal(d.rateLimited, true);
    delays.push(d.delayS);
    b = d.backoff;
  }
  assert.deepEqual(delays, [0, 1, 2, 4, 8, 16, 32, 60, 60]);
  const stable = decideRestart(b, 0, 60 * S);
  assert.deepEqual(stable, { delayS: 0, rateLimited: false, backoff: INITIAL_BACKOFF });
  // After a stable run the ladder starts again at 0.
  assert.equal(decideRestart(stable.backoff, 0, 1 * S).delayS, 0);
  assert.equal(decideRestart(b, 0, 59_999).delayS, 60);
});

test('capabilities: CapEff parsed from /proc status text; NET_ADMIN (12) and NET_RAW (13) required', () => {
  const status = 'Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t000001fffeffffff\nCapBnd:\t000001ffffffffff\n';
  assert.equal(parseCapEff(status), 0x1fffeffffffn);
  assert.equal(parseCapEff('Name: x\n'), undefined);
  assert.deepEqual(missingCapabilities(0x1fffeffffffn), []);
  assert.deepEqual(missingCapabilities(1n << 12n), ['CAP_NET_RAW']);
  assert.deepEqual(missingCapabilities(0n), ['CAP_NET_ADMIN', 'CAP_NET_RAW']);
  assert.equal(privilegeProblem(0, 0x3000n), undefined);
  assert.equal(privilegeProblem(1000, 0x3000n), undefined, 'capabilities granted to a non-root user suffice');
  assert.match(privilegeProblem(1000, 0n) ?? '', /^keepalived-ts: missing privilege: running as uid 1000, without CAP_NET_ADMIN and CAP_NET_RAW/);
  assert.match(privilegeProblem(0, 1n << 12n) ?? '', /running as root but without CAP_NET_RAW/);
  assert.match(privilegeProblem(1000, undefined) ?? '', /must be run as root/);
});

test('pid file text: one positive pid, anything else names no process', () => {
  assert.equal(parsePidFile('1234\n'), 1234);
  assert.equal(parsePidFile(' 42 '), 42);
  for (const bad of ['', '\n', '0\n', '-5', '12ab', '1 2', '99999999999']) assert.equal(parsePidFile(bad), undefined, bad);
});

test('pid file state: absent, ours, stale (dead or garbage), running', () => {
  const alive = (pid: number) => pid === 77;
  assert.deepEqual(classifyPidFile(undefined, 10, alive), { kind: 'absent' });
  assert.deepEqual(classifyPidFile('10\n', 10, alive), { kind: 'ours' });
  assert.deepEqual(classifyPidFile('55\n', 10, alive), { kind: 'stale', pid: 55 });
  assert.deepEqual(classifyPidFile('junk', 10, alive), { kind: 'stale' });
  assert.deepEqual(classifyPidFile('77\n', 10, alive), { kind: 'running', pid: 77 });
});

test('pid files on disk: atomic write, refusal on a live pid, stale take-over, removal only of our own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-pid-'));
  try {
    const path = join(dir, 'keepalived.pid');
    writePidFile(path, 1234);
    assert.equal(readFileSync(path, 'utf8'), '1234\n');
    assert.deepEqual(readdirSync(dir), ['keepalived.pid'], 'no temp file left behind');
    // Our own parent (the test runner) is alive: its pid in the file means "running".
    writePidFile(path, process.ppid);
    assert.throws(() => assertPidFileFree(path), (e: unknown) => e instanceof AlreadyRunningError && e.pid === process.ppid
      && e.message === `daemon is already running (pid ${process.ppid} in ${path})`);
    // A dead pid is stale and does not block.
    writePidFile(path, 1234);
    assertPidFileFree(path, process.pid, () => false);
    // removePidFile leaves another process's file alone.
    removePidFile(path, 999);
    assert.ok(existsSync(path));
    removePidFile(path, 1234);
    assert.ok(!existsSync(path));
    // A symlink at the pid file path is not followed when reading.
    writeFileSync(join(dir, 'target'), `${process.ppid}\n`);
    symlinkSync(join(dir, 'target'), path);
    assert.throws(() => readPidFileText(path), /ELOOP/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('console and log file lines carry a ctime timestamp like keepalived -l', () => {
  const d = new Date(2026, 10, 2, 3, 58, 46);
  assert.equal(formatConsoleLine(d, '(VI_1) Entering MASTER STATE'), 'Mon Nov  2 03:58:46 2026: (VI_1) Entering MASTER STATE');
  assert.equal(formatConsoleLine(new Date(2026, 10, 22, 13, 5, 9), 'Startup complete'), 'Sun Nov 22 13:05:09 2026: Startup complete');
});

test('syslog lines are RFC 3164 as syslog(3) writes them to /dev/log', () => {
  const d = new Date(2026, 10, 2, 3, 58, 46);
  assert.equal(formatSyslogLine(3, 'info', d, 'Keepalived_vrrp', 1234, '(VI_1) Entering MASTER STATE'),
    '<30>Nov  2 03:58:46 Keepalived_vrrp[1234]: (VI_1) Entering MASTER STATE');
  assert.equal(formatSyslogLine(16 + 7, 'alert', d, 'Keepalived', 1, 'x'), '<185>Nov  2 03:58:46 Keepalived[1]: x');
});

test('-S facility: 0-7 are local0-7, names user, daemon, local0-7', () => {
  assert.equal(parseFacility('0'), 16);
  assert.equal(parseFacility('7'), 23);
  assert.equal(parseFacility('local3'), 19);
  assert.equal(parseFacility('daemon'), 3);
  assert.equal(parseFacility('user'), 1);
  for (const bad of ['8', 'kern', 'local8', '']) assert.equal(parseFacility(bad), undefined, bad);
  assert.equal(logConfigOf({ logFacility: 'local9' }).toString(), "keepalived-ts: invalid log facility 'local9' (0-7, local0-7, user or daemon)");
  assert.deepEqual(logConfigOf({ logFacility: 17, logConsole: true, noSyslog: true }), { console: true, syslog: false, facility: 17, flushFile: false, detail: false });
});

test('per-process log files as keepalived names them', () => {
  assert.equal(logFileFor('/tmp/keepalived.log', '_vrrp'), '/tmp/keepalived_vrrp.log');
  assert.equal(logFileFor('/var/log/ka', '_healthcheckers'), '/var/log/ka_healthcheckers');
  assert.equal(logFileFor('/tmp/keepalived.log', ''), '/tmp/keepalived.log');
});

test('logger: console lines, -D detail only when asked, file output, syslog fallback note', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-log-'));
  try {
    const lines: string[] = [];
    const now = () => new Date(2026, 10, 22, 4, 0, 0);
    const log = new Logger('Keepalived_vrrp', { console: true, syslog: false, facility: 3, file: join(dir, 'k.log'), flushFile: true, detail: false },
      { console: (l) => lines.push(l), now }, '_vrrp');
    log.info('(VI_1) Entering BACKUP STATE');
    log.detail('hidden without -D');
    log.close();
    assert.deepEqual(lines, ['Sun Nov 22 04:00:00 2026: (VI_1) Entering BACKUP STATE']);
    assert.equal(readFileSync(join(dir, 'k_vrrp.log'), 'utf8'), 'Sun Nov 22 04:00:00 2026: (VI_1) Entering BACKUP STATE\n');

    const sent: string[] = [];
    const withSyslog = new Logger('Keepalived', { console: false, syslog: true, facility: 3, flushFile: false, detail: true },
      { console: (l) => lines.push(l), now, syslog: { send: (b) => sent.push(b.toString()), close: () => undefined } });
    withSyslog.detail('shown with -D');
    assert.deepEqual(sent, [`<30>Nov 22 04:00:00 Keepalived[${process.pid}]: shown with -D`]);

    const noted: string[] = [];
    const fallback = new Logger('Keepalived', { console: false, syslog: true, facility: 3, flushFile: false, detail: false }, { console: (l) => noted.push(l), now });
    fallback.info('Startup complete');
    assert.match(noted[0] ?? '', /syslog unavailable/);
    assert.equal(noted[1], 'Sun Nov 22 04:00:00 2026: Startup complete', 'without syslog the messages go to the console');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("children's ends reported in keepalived's words", () => {
  assert.equal(describeChildExit(6345, null, 'SIGKILL'), 'pid 6345 exited due to signal 9 (Killed)');
  assert.equal(describeChildExit(7, 2, null), 'pid 7 exited with permanent error CONFIG. Terminating');
  assert.equal(describeChildExit(7, 1, null), 'pid 7 exited with permanent error FATAL. Terminating');
  assert.equal(describeChildExit(7, 70, null), 'pid 7 exited with status 70');
  assert.equal(describeChildExit(7, 0, null), undefined);
});

test('sd_notify datagrams', () => {
  assert.equal(notifyMessage({ READY: 1, MAINPID: 42 }), 'READY=1\nMAINPID=42');
});

test("dump files keep keepalived's names and go to $TMPDIR when it is a directory", () => {
  assert.equal(dumpFileName('vrrp', 'data'), 'keepalived.data');
  assert.equal(dumpFileName('checker', 'data'), 'keepalived_check.data');
  assert.equal(dumpFileName('parent', 'data'), 'keepalived_parent.data');
  assert.equal(dumpFileName('vrrp', 'stats'), 'keepalived.stats');
  assert.equal(dumpFileName('vrrp', 'json'), 'keepalived.json');
  assert.equal(dumpDirectory({ TMPDIR: '/nonexistent-kts' }), '/tmp');
  assert.equal(dumpDirectory({}), '/tmp');
  const dir = mkdtempSync(join(tmpdir(), 'kts-dump-'));
  try {
    assert.equal(dumpDirectory({ TMPDIR: dir }), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('children needed: VRRP for vrrp_instance/sync groups/static_*, checker for virtual_server(_group), BFD for bfd_instance', () => {
  const n = (keyword: string): ConfigNode => ({ keyword, args: [], rest: '', children: [], loc: { file: 'k.conf', line: 1 } });
  assert.deepEqual(rolesForNodes([n('global_defs'), n('vrrp_instance')]), ['vrrp']);
  assert.deepEqual(rolesForNodes([n('virtual_server')]), ['checker']);
  assert.deepEqual(rolesForNodes([n('static_ipaddress'), n('virtual_server_group')]), ['vrrp', 'checker']);
  assert.deepEqual(rolesForNodes([n('global_defs'), n('vrrp_script')]), []);
  assert.deepEqual(rolesForNodes([n('bfd_instance'), n('vrrp_instance')]), ['vrrp', 'bfd']);
});

test('the daemon reads its file without keeping the tree, and still knows which children it needs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-roles-'));
  try {
    const file = join(dir, 'k.conf');
    // The only vrrp_instance is broken (no VRID): keepalived still starts its VRRP process for it.
    writeFileSync(file, 'global_defs {\n  router_id r1\n}\nvrrp_instance VI_1 {\n  interface lo\n}\nvirtual_server 10.0.0.1 80 {\n  real_server 10.0.0.2 80 {\n  }\n}\n');
    const loaded = await fileConfigSource(file, { interfaceExists: () => true }).load();
    assert.deepEqual(loaded.roles, ['vrrp', 'checker']);
    const config = loaded.config as { virtualServers: unknown[]; nodes?: unknown };
    assert.equal(config.virtualServers.length, 1);
    assert.equal(config.nodes, undefined, 'the typed model, not a tree');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('-P and -C leave the BFD child alone; -B leaves it out (keepalived\'s daemon_mode bits)', () => {
  assert.equal(onlyRoles({}), undefined);
  assert.deepEqual(onlyRoles({ vrrpOnly: true }), ['vrrp', 'bfd']);
  assert.deepEqual(onlyRoles({ checkerOnly: true }), ['checker', 'bfd']);
  assert.equal(onlyRoles({ vrrpOnly: true, checkerOnly: true }), undefined);
  assert.deepEqual(onlyRoles({ noBfd: true }), ['vrrp', 'checker']);
  assert.deepEqual(onlyRoles({ vrrpOnly: true, noBfd: true }), ['vrrp']);
});

test('pid file defaults as keepalived, overridden by -p/-r/-c/-b', () => {
  assert.deepEqual(pidFilesOf({}), { parent: '/run/keepalived.pid', vrrp: '/run/vrrp.pid', checker: '/run/checkers.pid', bfd: '/run/bfd.pid' });
  assert.deepEqual(pidFilesOf({ pidFile: '/a', vrrpPidFile: '/b', checkersPidFile: '/c', bfdPidFile: '/d' }), { parent: '/a', vrrp: '/b', checker: '/c', bfd: '/d' });
});

test('IPC messages are checked before use', () => {
  assert.equal(asParentMessage({ type: 'ping', seq: 1 })?.type, 'ping');
  assert.equal(asParentMessage({ type: 'ping' }), undefined);
  assert.equal(asParentMessage({ type: 'dump', kind: 'bogus', path: '/x' }), undefined);
  assert.equal(asParentMessage('stop'), undefined);
  assert.equal(asChildMessage({ type: 'ready', generation: 1 })?.type, 'ready');
  assert.equal(asChildMessage({ type: 'other' }), undefined);
  assert.equal(asChildMessage({ type: 'bfd', name: 'B', up: true, vrrp: true, checker: false })?.type, 'bfd');
  assert.equal(asChildMessage({ type: 'bfd', name: 'B', up: 'yes', vrrp: true, checker: false }), undefined);
  assert.equal(asParentMessage({ type: 'bfd', name: 'B', up: false })?.type, 'bfd');
  assert.equal(asParentMessage({ type: 'bfd', name: 7, up: false }), undefined);
});

test('control socket: path beside the pid file; answers per command', async () => {
  const { controlSocketPath, answerControl } = await import('../../src/daemon/control.js');
  assert.equal(controlSocketPath('/run/keepalived.pid'), '/run/keepalived.ctl');
  assert.equal(controlSocketPath('/run/ka'), '/run/ka.ctl');
  let reloads = 0;
  const target = {
    dumpAndWait: (kind: string) => Promise.resolve(kind === 'json' ? [{ path: '/tmp/keepalived.json' }] : kind === 'stats' ? [] : [{ path: '/tmp/a' }, { path: '/tmp/b', error: 'EACCES' }]),
    reload: () => { reloads++; return Promise.resolve(); },
    status: () => 'running parent=1 vrrp=2 checker=-',
    statusSnapshot: () => Promise.resolve({ version: 1 as const, at: 5, phase: 'running', pids: { parent: 1 }, vrrp: [], virtualServers: [], errors: { vrrp: 'x' } }),
  };
  assert.equal(await answerControl('json\r', target), 'ok /tmp/keepalived.json');
  assert.equal(await answerControl('stats', target), 'error nothing to dump (no child runs)');
  assert.equal(await answerControl('data', target), 'error /tmp/b: EACCES');
  assert.equal(await answerControl('RELOAD', target), 'ok');
  assert.equal(reloads, 1);
  assert.equal(await answerControl('status', target), 'ok running parent=1 vrrp=2 checker=-');
  assert.match(await answerControl('rm -rf /', target), /^error unknown command/);
  const snap = await answerControl('snapshot', target);
  assert.ok(snap.startsWith('ok {'));
  assert.deepEqual(JSON.parse(snap.slice(3)).errors, { vrrp: 'x' });
});

test('sd_notify: READY carries MAINPID, RELOADING a monotonic time, STOPPING', async () => {
  const { SdNotifier } = await import('../../src/daemon/sd-notify.js');
  const sent: string[] = [];
  const n = new SdNotifier({ send: (b) => sent.push(b.toString()), close: () => undefined });
  n.ready(123);
  n.reloading();
  n.stopping();
  assert.equal(sent[0], 'READY=1\nMAINPID=123\nSTATUS=running');
  assert.match(sent[1] ?? '', /^RELOADING=1\nMONOTONIC_USEC=\d+\nSTATUS=reloading$/);
  assert.equal(sent[2], 'STOPPING=1\nSTATUS=stopping');
});

test('sockaddr_un: filesystem paths NUL-terminated, "@name" in the abstract namespace', async () => {
  const { encodeSockaddrUn } = await import('../../src/daemon/unix-dgram.js');
  const fsPath = encodeSockaddrUn('/dev/log');
  assert.equal(fsPath.readUInt16LE(0), 1);
  assert.equal(fsPath.subarray(2).toString('latin1'), '/dev/log\0');
  const abs = encodeSockaddrUn('@/org/freedesktop/systemd1/notify');
  assert.equal(abs.length, 2 + 1 + '/org/freedesktop/systemd1/notify'.length);
  assert.equal(abs[2], 0);
  assert.throws(() => encodeSockaddrUn(`/${'x'.repeat(120)}`), RangeError);
});

test('reload refusals: namespace, instance, nftables tables, tmp_config_directory, disable_local_igmp', async () => {
  const { reloadRefusals } = await import('../../src/daemon/reload-guard.js');
  const typed = (g: Record<string, unknown>) => ({ global: g, vrrpInstances: [] });
  assert.deepEqual(reloadRefusals(typed({ netNamespace: 'blue' }), typed({ netNamespace: 'blue', routerId: 'x' })), []);
  assert.deepEqual(reloadRefusals(typed({ netNamespace: 'blue' }), typed({})), ['Cannot change net_namespace at a reload - please restart keepalived-ts']);
  assert.deepEqual(reloadRefusals(typed({ nftables: { table: 'a' }, disableLocalIgmp: false }), typed({ nftables: { table: 'b' }, disableLocalIgmp: true })), [
    'Cannot change nftables at a reload - please restart keepalived-ts',
    'Cannot change disable_local_igmp at a reload - please restart keepalived-ts',
  ]);
  const node = (keyword: string, args: string[] = [], children?: ConfigNode[]): ConfigNode => ({ keyword, args, rest: args.join(' '), ...(children ? { children } : {}), loc: { file: 'k.conf', line: 1 } });
  const tree = (...nodes: ConfigNode[]) => ({ nodes });
  assert.deepEqual(reloadRefusals(tree(node('instance', ['a'])), tree(node('instance', ['a']), node('vrrp_instance', ['VI_1'], []))), []);
  assert.deepEqual(reloadRefusals(tree(node('instance', ['a'])), tree(node('instance', ['b']))), ['Cannot change instance at a reload - please restart keepalived-ts']);
  assert.deepEqual(reloadRefusals(tree(node('global_defs', [], [node('tmp_config_directory', ['/x'])])), tree(node('global_defs', [], []))),
    ['Cannot change tmp_config_directory at a reload - please restart keepalived-ts']);
});

test('configured dump file names (state_dump_file, stats_dump_file, json_dump_file)', async () => {
  const { configuredDumpPath, dumpSettingsOf } = await import('../../src/daemon/dumpfile.js');
  const s = dumpSettingsOf({ global: { stateDumpFile: '/var/run/ka/state.txt', statsDumpFile: 'stats.out', jsonDumpFile: '/x/ka.json', routerId: 'r' } });
  assert.equal(configuredDumpPath(s, '/tmp', 'vrrp', 'data'), '/var/run/ka/state.txt');
  assert.equal(configuredDumpPath(s, '/tmp', 'checker', 'data'), '/var/run/ka/state_check.txt');
  assert.equal(configuredDumpPath(s, '/tmp', 'parent', 'data'), '/var/run/ka/state_parent.txt');
  assert.equal(configuredDumpPath(s, '/tmp', 'vrrp', 'stats'), '/tmp/stats.out');
  assert.equal(configuredDumpPath(s, '/tmp', 'vrrp', 'json'), '/x/ka.json');
  assert.equal(configuredDumpPath({}, '/tmp', 'checker', 'data'), '/tmp/keepalived_check.data');
  assert.deepEqual(dumpSettingsOf({ nodes: [] }), {});
});

test('startup/shutdown scripts and child_wait_time from the typed model', async () => {
  const { parentScriptOf, childWaitMsOf } = await import('../../src/daemon/parent-scripts.js');
  const config = { global: { startupScript: { command: '/bin/up "a b"', argv: ['/bin/up', 'a b'] }, startupScriptTimeoutS: 3, childWaitTimeS: 7 } };
  assert.deepEqual(parentScriptOf(config, 'startup'), { command: '/bin/up "a b"', argv: ['/bin/up', 'a b'], timeoutMs: 3000 });
  assert.equal(parentScriptOf(config, 'shutdown'), undefined);
  assert.equal(childWaitMsOf(config), 7000);
  assert.equal(childWaitMsOf({ nodes: [] }), undefined);
});

test("a child's own stop grace follows child_wait_time, ending before the parent's SIGKILL", async () => {
  const { childStopGraceMs } = await import('../../src/daemon/parent-scripts.js');
  assert.equal(childStopGraceMs({ global: { childWaitTimeS: 5 } }), 4500);
  assert.equal(childStopGraceMs({ global: { childWaitTimeS: 60 } }), 59_500);
  assert.equal(childStopGraceMs({ global: { childWaitTimeS: 1 } }), 1500);
  assert.equal(childStopGraceMs({ nodes: [] }), 1500);
});

test('console log lines are written once per turn of the loop, in order, and none is lost at exit or on a crash', async () => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath, pathToFileURL } = await import('node:url');
  const logJs = pathToFileURL(join(fileURLToPath(new URL('.', import.meta.url)), '../../src/daemon/log.js')).href;
  const script = (end: string) => `
    import { Logger, flushConsoleLog } from ${JSON.stringify(logJs)};
    const log = new Logger('Keepalived_healthcheckers', { console: true, syslog: false, facility: 3, flushFile: false, detail: false });
    for (let i = 0; i < 1000; i++) log.info('line ' + i);
    ${end}`;
  const run = (end: string) => spawnSync(process.execPath, ['--input-type=module', '-e', script(end)], { encoding: 'utf8' });
  const lines = (stderr: string) => stderr.split('\n').filter((l) => /: line \d+$/.test(l)).map((l) => Number(/line (\d+)$/.exec(l)![1]));
  const all = Array.from({ length: 1000 }, (_, i) => i);
  // Leaving the loop, process.exit, an uncaught exception: every line, in order.
  assert.deepEqual(lines(run('').stderr), all);
  assert.deepEqual(lines(run('process.exit(3);').stderr), all);
  const crash = run("throw new Error('boom');");
  assert.deepEqual(lines(crash.stderr), all);
  assert.ok(crash.stderr.indexOf('line 999') < crash.stderr.indexOf('boom'), 'the log lines come before the crash report');
  // A direct write after flushConsoleLog() comes after the lines logged before it.
  const direct = run("flushConsoleLog(); process.stderr.write('DIRECT\\n');");
  assert.ok(direct.stderr.indexOf('line 999') < direct.stderr.indexOf('DIRECT'));
});

test('each child is sent the configuration without the parts its role never reads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-slice-'));
  try {
    const file = join(dir, 'k.conf');
    writeFileSync(file, 'global_defs {\n  router_id r1\n}\ntrack_file f {\n  file /tmp/f\n}\nvrrp_instance VI_1 {\n  interface lo\n  state BACKUP\n  virtual_router_id 1\n  priority 100\n  virtual_ipaddress {\n    10.0.0.9\n  }\n}\n'
      + 'vrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\nvirtual_server 10.0.0.1 80 {\n  real_server 10.0.0.2 80 {\n  }\n}\n');
    const { config } = await fileConfigSource(file, { interfaceExists: () => true }).load();
    type Model = { global: { routerId?: string }; vrrpInstances: unknown[]; vrrpSyncGroups: unknown[]; virtualServers: unknown[]; trackFiles: unknown[] };
    const whole = config as Model;
    assert.equal(whole.vrrpInstances.length, 1);
    assert.equal(whole.virtualServers.length, 1);
    const vrrp = configForRole('vrrp', config) as Model;
    const checker = configForRole('checker', config) as Model;
    const bfd = configForRole('bfd', config) as Model;
    assert.deepEqual([vrrp.vrrpInstances.length, vrrp.vrrpSyncGroups.length, vrrp.virtualServers.length], [1, 1, 0]);
    assert.deepEqual([checker.vrrpInstances.length, checker.vrrpSyncGroups.length, checker.virtualServers.length], [0, 0, 1]);
    assert.deepEqual([bfd.vrrpInstances.length, bfd.virtualServers.length], [0, 0]);
    // What every role reads stays: global_defs, track files.
    for (const c of [vrrp, checker, bfd]) {
      assert.equal(c.global.routerId, 'r1');
      assert.equal(c.trackFiles.length, 1);
    }
    // The parent's own copy is untouched; a test's JSON configuration goes as it is.
    assert.equal(whole.virtualServers.length, 1);
    const json = { roles: ['vrrp'], anything: 1 };
    assert.equal(configForRole('vrrp', json), json);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
