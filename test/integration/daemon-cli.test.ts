// keepalived-ts's real command line handing over to the daemon: what a user sees when the
// daemon cannot start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, isRoot } from '../lib/daemon.js';

const skip = isRoot() ? false : 'needs root to drop privileges';
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;

function runCli(dir: string, wrapper: string[], extra: string[] = []) {
  const args = [...wrapper, process.execPath, CLI, '-n', '-G', '-f', join(dir, 'keepalived.conf'),
    '-p', join(dir, 'keepalived.pid'), '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'checkers.pid'), ...extra];
  const [cmd, ...rest] = args;
  return spawnSync(cmd as string, rest, { encoding: 'utf8', timeout: 30_000, env: { ...process.env, TMPDIR: dir } });
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'kts-cli-'));
  try {
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'keepalived.conf'), 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n}\n');
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('root without CAP_NET_ADMIN/CAP_NET_RAW: one clear line, exit 4, nothing started', { skip: skip || (!hasSetpriv && 'setpriv missing') }, () => {
  withDir((dir) => {
    const r = runCli(dir, ['setpriv', '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-net_admin,-net_raw']);
    assert.equal(r.status, 4, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', /^keepalived-ts: missing privilege: running as root but without CAP_NET_ADMIN and CAP_NET_RAW/);
    assert.ok(!existsSync(join(dir, 'keepalived.pid')));
  });
});

test('an unprivileged user: one clear line, exit 4', { skip: skip || (!hasSetpriv && 'setpriv missing') }, () => {
  withDir((dir) => {
    const r = runCli(dir, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
    assert.equal(r.status, 4, r.stderr);
    assert.match(r.stderr, /^keepalived-ts: missing privilege: running as uid 65534, without CAP_NET_ADMIN and CAP_NET_RAW/);
  });
});

test('a configuration file that cannot be read: the reason, exit 2, no pid file left', { skip }, () => {
  withDir((dir) => {
    rmSync(join(dir, 'keepalived.conf'));
    const r = runCli(dir, [], []);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /keepalived\.conf: cannot read configuration file/, 'the reason, even without -l');
    assert.match(r.stderr, /configuration has \d+ error\(s\); not starting/);
    assert.ok(!existsSync(join(dir, 'keepalived.pid')));
  });
});
