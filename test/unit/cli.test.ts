// The keepalived-ts executable as a user runs it: exit codes and messages.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = process.env.KTS_ROOT ?? process.cwd();
const bin = join(root, 'bin', 'keepalived-ts');

function ka(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('keepalived-ts executable', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kts-cli-'));
    writeFileSync(join(dir, 'good.conf'), 'global_defs {\n  router_id R1\n}\n\n@other global_defs { }\n');
    writeFileSync(join(dir, 'unclosed.conf'), 'global_defs {\n  router_id R1\n');
    writeFileSync(join(dir, 'warn.conf'), 'include missing.conf\nglobal_defs {\n}\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('-t on a clean file: exit 0, nothing printed', () => {
    const r = ka('-t', '-f', join(dir, 'good.conf'));
    assert.equal(r.code, 0);
    assert.equal(r.err, '');
    assert.equal(r.out, '');
  });
  test('-t on a broken file: FILE:LINE: message and exit 5', () => {
    const f = join(dir, 'unclosed.conf');
    const r = ka('--config-test', `--use-file=${f}`);
    assert.equal(r.code, 5);
    assert.equal(r.err, `${f}:1: 'global_defs' block opened here is never closed (missing '}')\n`);
  });
  test('-t: warnings are marked and do not fail the test', () => {
    const f = join(dir, 'warn.conf');
    const r = ka('-t', '-f', f);
    assert.equal(r.code, 0);
    assert.equal(r.err, `${f}:1: warning: configuration file 'missing.conf' not found - ignored\n`);
  });
  test('-t=LOGFILE writes the report there', () => {
    const log = join(dir, 'check.log');
    const r = ka(`-t${log}`, '-f', join(dir, 'unclosed.conf'));
    assert.equal(r.code, 5);
    assert.equal(r.err, '');
    assert.match(readFileSync(log, 'utf8'), /unclosed\.conf:1: 'global_defs' block/);
  });
  test('-t on a missing file: exit 4 with a clear message', () => {
    const r = ka('-t', '-f', join(dir, 'nope.conf'));
    assert.equal(r.code, 4);
    assert.match(r.err, /nope\.conf: cannot read configuration file .*ENOENT/);
  });
  test('-t -d prints the resolved configuration; --dump-conf=json as JSON', () => {
    const f = join(dir, 'good.conf');
    const text = ka('-t', '-d', '-f', f, '-i', 'me');
    assert.equal(text.code, 0);
    assert.equal(text.out, `global_defs {  # ${f}:1\n    router_id R1  # ${f}:2\n}\n`);
    const json = ka('-t', '--dump-conf=json', '-f', f, '--config-id=other');
    assert.equal(json.code, 0);
    const data = JSON.parse(json.out) as { files: string[]; nodes: { keyword: string; loc: { line: number } }[] };
    assert.deepEqual(data.files, [f]);
    assert.deepEqual(data.nodes.map((n) => [n.keyword, n.loc.line]), [['global_defs', 1], ['global_defs', 5]]);
  });
  test('-v, -h, --signum', () => {
    const v = ka('-v');
    assert.equal(v.code, 0);
    assert.match(v.out, /^keepalived-ts v\d+\.\d+\.\d+/);
    const h = ka('-h');
    assert.equal(h.code, 0);
    assert.match(h.out, /--config-test/);
    assert.deepEqual([ka('--signum=RELOAD').out, ka('--signum=STOP').out], ['1\n', '15\n']);
  });
  test('-T hands the rest of the line to genhash', () => {
    const r = ka('-T', '-h');
    assert.equal(r.code, 0);
    assert.match(r.err, /^Usage: genhash COMMAND/);
  });
  test('bad arguments: one line on stderr, exit 1', () => {
    for (const args of [['--bogus'], ['-f'], ['-S', 'local9'], ['stray']]) {
      const r = ka(...args);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.out, '');
      assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
      assert.match(r.err, /^keepalived-ts: /);
    }
  });
  test('daemon mode hands over to the daemon, which refuses to start over a running one and touches nothing', () => {
    const pid = join(dir, 'k.pid');
    // This test process is alive: its pid in the pid file means a daemon runs there.
    writeFileSync(pid, `${process.pid}\n`);
    const r = ka('-n', '-f', join(dir, 'good.conf'), '-p', pid, '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid'));
    const isRoot = process.getuid?.() === 0;
    assert.equal(r.code, isRoot ? 1 : 4, r.err);
    assert.match(r.err, isRoot ? new RegExp(`^keepalived-ts: daemon is already running \\(pid ${process.pid} in ${pid}\\)\n$`) : /^keepalived-ts: missing privilege/);
    assert.equal(readFileSync(pid, 'utf8'), `${process.pid}\n`);
    assert.equal(existsSync(join(dir, 'v.pid')), false);
  });
});
