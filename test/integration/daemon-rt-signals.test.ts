// keepalived's real-time signals (SIGRTMIN+2 JSON dump, SIGRTMAX-1 stats clear) sent to a
// real daemon: it must survive them (their default action kills a Node process) and write
// what keepalived writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonRun, alive, isRoot } from '../lib/daemon.js';
import { waitFor } from '../lib/netns.js';
import { nativeUnavailable, sigrtmax, sigrtmin } from '../../src/net/sys.js';

const skip = !isRoot() ? 'needs root (the daemon checks CAP_NET_ADMIN/CAP_NET_RAW)' : (nativeUnavailable() ?? false);

test('real-time signals: RTMIN+2 writes the JSON dump, RTMAX-1 the stats; nobody dies', { skip }, async (t) => {
  const d = DaemonRun.start({ config: { roles: ['vrrp', 'checker'], tag: 'rt' }, args: ['-g'] });
  try {
    await d.waitForStartup();
    const pids = { parent: d.proc.pid as number, vrrp: d.pid('vrrp') as number, checker: d.pid('checker') as number };
    // The test service's configuration is also $TMPDIR/keepalived.json (read once at start):
    // a dump is recognised by its content, an array.
    const json = join(d.dir, 'keepalived.json');
    const dumped = () => {
      if (!existsSync(json)) return undefined;
      const v = JSON.parse(readFileSync(json, 'utf8')) as unknown;
      return Array.isArray(v) ? v : undefined;
    };
    const stats = join(d.dir, 'keepalived.stats');
    const allAlive = () => {
      for (const [who, pid] of Object.entries(pids)) assert.ok(alive(pid), `${who} (pid ${pid}) survived`);
      assert.equal(d.pid('vrrp'), pids.vrrp, 'the VRRP child was not respawned');
      assert.equal(d.pid('checker'), pids.checker, 'the checker child was not respawned');
    };

    assert.equal(sigrtmin() + 2, 36, 'glibc: SIGRTMIN+2 is 36, as `keepalived --signum=JSON` prints');
    assert.equal(sigrtmax() - 1, 63, 'glibc: SIGRTMAX-1 is 63, as `keepalived --signum=STATS_CLEAR` prints');

    await t.test('kill -s RTMIN+2 <parent>: keepalived.json written by the VRRP child', async () => {
      process.kill(pids.parent, sigrtmin() + 2);
      assert.equal(dumped(), undefined, 'no dump before the signal');
      assert.deepEqual(await waitFor('keepalived.json', dumped), [{ role: 'vrrp', tag: 'rt' }]);
      await d.waitForLine(new RegExp(`Printing VRRP JSON for process\\(${pids.vrrp}\\) on signal`));
      allAlive();
    });

    await t.test('kill -s RTMIN+2 <vrrp child>: it writes keepalived.json itself', async () => {
      rmSync(json);
      process.kill(pids.vrrp, sigrtmin() + 2);
      assert.deepEqual(await waitFor('keepalived.json again', dumped), [{ role: 'vrrp', tag: 'rt' }]);
      allAlive();
    });

    await t.test('kill -s RTMAX-1 <parent>: keepalived.stats written, then the counters zeroed', async () => {
      const statsWith = (n: number) => () => existsSync(stats) && readFileSync(stats, 'utf8').includes(`Stats dumps = ${n}\n`);
      process.kill(pids.parent, 'SIGUSR2');
      await waitFor('stats dump 1 (SIGUSR2)', statsWith(1));
      process.kill(pids.parent, 'SIGUSR2');
      await waitFor('stats dump 2 (SIGUSR2: counting)', statsWith(2));
      process.kill(pids.parent, sigrtmax() - 1);
      const text = await waitFor('stats dump 3 (RTMAX-1 writes before clearing)', () => statsWith(3)() && readFileSync(stats, 'utf8'));
      assert.match(text, /Test service stats/);
      process.kill(pids.parent, 'SIGUSR2');
      await waitFor('stats dump 1 again (the counter was zeroed)', statsWith(1));
      allAlive();
    });

    await t.test('kill -s RTMIN+2 / RTMAX-1 <checker child>: ignored, still running', async () => {
      rmSync(json, { force: true });
      process.kill(pids.checker, sigrtmin() + 2);
      process.kill(pids.checker, sigrtmax() - 1);
      // The parent's SIGUSR1 dump is answered by the checker only if it still runs.
      process.kill(pids.parent, 'SIGUSR1');
      const data = join(d.dir, 'keepalived_check.data');
      await waitFor('keepalived_check.data', () => existsSync(data));
      allAlive();
      assert.ok(!existsSync(json), 'the checker writes no JSON dump');
    });
  } finally {
    await d.cleanup();
  }
});
