import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptions, DEFAULT_CONFIG_FILE, type CliOptions } from '../../src/cli/options.js';

function run(...argv: string[]): CliOptions {
  const r = parseOptions(argv);
  assert.equal(r.kind, 'run', JSON.stringify(r));
  return (r as { options: CliOptions }).options;
}

function error(...argv: string[]): string {
  const r = parseOptions(argv);
  assert.equal(r.kind, 'error', JSON.stringify(r));
  assert.equal((r as { exitCode: number }).exitCode, 1);
  return (r as { message: string }).message;
}

describe('parseOptions', () => {
  test('defaults', () => {
    const o = run();
    assert.equal(o.configFile, DEFAULT_CONFIG_FILE);
    assert.equal(o.configTest, undefined);
    assert.equal(o.dumpConf, undefined);
    assert.equal(o.logFacility, 3);
    assert.equal(o.configId, undefined);
  });
  test('-f in every getopt spelling', () => {
    assert.equal(run('-f', 'a.conf').configFile, 'a.conf');
    assert.equal(run('-fa.conf').configFile, 'a.conf');
    assert.equal(run('--use-file=a.conf').configFile, 'a.conf');
    assert.equal(run('--use-file', 'a.conf').configFile, 'a.conf');
    assert.equal(run('--use', 'a.conf').configFile, 'a.conf');
  });
  test('every flag, short and long', () => {
    const pairs: [string, string, keyof CliOptions, unknown][] = [
      ['-P', '--vrrp', 'vrrpOnly', true], ['-C', '--check', 'checkOnly', true], ['-B', '--no_bfd', 'noBfd', true],
      ['-l', '--log-console', 'logConsole', true], ['-D', '--log-detail', 'logDetail', 1], ['-G', '--no-syslog', 'noSyslog', true],
      ['-X', '--release-vips', 'releaseVips', true], ['-V', '--dont-release-vrrp', 'dontReleaseVrrp', true],
      ['-I', '--dont-release-ipvs', 'dontReleaseIpvs', true], ['-R', '--dont-respawn', 'dontRespawn', true],
      ['-n', '--dont-fork', 'dontFork', true], ['-d', '--dump-conf', 'dumpConf', 'text'],
      ['-a', '--address-monitoring', 'addressMonitoring', true], ['-x', '--snmp', 'snmp', true],
      ['-m', '--core-dump', 'coreDump', true], ['-e', '--all-config', 'allConfig', true],
    ];
    for (const [s, l, key, value] of pairs) {
      assert.deepEqual(run(s)[key], value, s);
      assert.deepEqual(run(l)[key], value, l);
    }
    assert.equal(run('--all').all, true);
    assert.equal(run('--ignore-sigint').ignoreSigint, true);
  });
  test('options with values', () => {
    const o = run('-p', '/run/p', '-r/run/r', '--checkers_pid=/run/c', '-b', '/run/b', '-A', 'tcp:1', '-s', 'ns1', '-i', 'node2', '-u', '027');
    assert.deepEqual([o.pidFile, o.vrrpPidFile, o.checkersPidFile, o.bfdPidFile, o.snmpAgentSocket, o.namespace, o.configId, o.umask],
      ['/run/p', '/run/r', '/run/c', '/run/b', 'tcp:1', 'ns1', 'node2', 0o27]);
    assert.equal(run('--config-id', 'x').configId, 'x');
    assert.equal(run('--umask=0x12').umask, 0x12);
    assert.equal(run('-u', '18').umask, 18);
  });
  test('bundled short options', () => {
    const o = run('-lnDDf', 'k.conf');
    assert.deepEqual([o.logConsole, o.dontFork, o.logDetail, o.configFile], [true, true, 2, 'k.conf']);
  });
  test('log facility forms', () => {
    assert.equal(run('-S', '0').logFacility, 16);
    assert.equal(run('-S', 'local7').logFacility, 23);
    assert.equal(run('--log-facility=user').logFacility, 1);
    assert.equal(run('-Sdaemon').logFacility, 3);
    assert.match(error('-S', '8'), /^Invalid log facility '8'/);
    assert.match(error('-S', 'local9'), /^Invalid log facility 'local9'/);
  });
  test('-t with and without log file (optional argument only when attached)', () => {
    assert.deepEqual(run('-t').configTest, {});
    assert.deepEqual(run('--config-test').configTest, {});
    assert.deepEqual(run('-t/tmp/log').configTest, { logFile: '/tmp/log' });
    assert.deepEqual(run('--config-test=/tmp/log').configTest, { logFile: '/tmp/log' });
    // A detached word after -t is not its argument.
    assert.match(error('-t', '/tmp/log'), /^Unexpected argument\(s\): \/tmp\/log/);
  });
  test('-g optional log file, --flush-log-file', () => {
    assert.equal(run('-g').logFile, '');
    assert.equal(run('-g/var/log/k.log').logFile, '/var/log/k.log');
    assert.equal(run('--log-file=/tmp/k').logFile, '/tmp/k');
    assert.equal(run().logFile, undefined);
    assert.equal(run('--flush-log-file').flushLogFile, true);
  });
  test('-M optional pattern', () => {
    assert.equal(run('-M').coreDumpPattern, 'core');
    assert.equal(run('-Mmycore').coreDumpPattern, 'mycore');
    assert.equal(run('--core-dump-pattern=x').coreDumpPattern, 'x');
  });
  test('dump format: --dump-conf=json, -d --json', () => {
    assert.equal(run('--dump-conf=json').dumpConf, 'json');
    assert.equal(run('-d', '--json').dumpConf, 'json');
    assert.equal(run('--json', '-d').dumpConf, 'json');
    assert.match(error('--dump-conf=yaml'), /Invalid --dump-conf format 'yaml'/);
  });
  test('-v, -h, --signum end parsing', () => {
    assert.deepEqual(parseOptions(['-v']), { kind: 'version' });
    assert.deepEqual(parseOptions(['--help']), { kind: 'help' });
    assert.deepEqual(parseOptions(['-l', '-h', '--bogus']), { kind: 'help' });
    assert.deepEqual(parseOptions(['--signum=RELOAD']), { kind: 'signum', signal: 1 });
    assert.deepEqual(parseOptions(['--signum', 'JSON']), { kind: 'signum', signal: 36 });
    assert.deepEqual(parseOptions(['--signum=STATS_CLEAR']), { kind: 'signum', signal: 63 });
    assert.match(error('--signum=FOO'), /^Unknown sigfunc FOO/);
  });
  test('genhash takes the rest of the line', () => {
    assert.deepEqual(parseOptions(['-T', '-s', 'h', '-p', '80']), { kind: 'genhash', args: ['-s', 'h', '-p', '80'] });
    assert.deepEqual(parseOptions(['--genhash', '-h']), { kind: 'genhash', args: ['-h'] });
  });
  test('bad arguments', () => {
    assert.equal(error('--bogus'), 'Unknown option --bogus');
    assert.equal(error('-q'), 'Unknown option -q');
    assert.equal(error('-f'), 'Missing parameter for option -f');
    assert.equal(error('--use-file'), 'Missing parameter for option --use-file');
    assert.equal(error('--vrrp=1'), 'Option --vrrp takes no argument');
    assert.equal(error('--dont'), 'Ambiguous option --dont');
    assert.match(error('-u', 'abc'), /^Invalid --umask option 'abc'/);
    assert.match(error('-u', '01000'), /^Invalid --umask option/);
    assert.match(error('extra'), /^Unexpected argument\(s\): extra/);
  });
  test('-g takes an optional attached file; --flush-log-file', () => {
    const run = (...a: string[]) => { const p = parseOptions(a); assert.equal(p.kind, 'run'); return p.kind === 'run' ? p.options : undefined; };
    assert.equal(run('-g')?.logFile, '');
    assert.equal(run('-g/var/log/ka.log')?.logFile, '/var/log/ka.log');
    assert.equal(run('--log-file=/x.log', '--flush-log-file')?.flushLogFile, true);
    assert.equal(run()?.logFile, undefined);
  });
  test('-- ends options', () => {
    assert.match(error('--', '-t'), /^Unexpected argument\(s\): -t/);
  });
});
