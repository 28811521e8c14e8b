// keepalivectl against a live daemon (parent + both children running the test service):
// what a user reads from `status`, `status --json`, `stats`, `dump`, `reload`, and the
// message when no daemon runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonRun, ROOT, isRoot } from '../lib/daemon.js';
import { waitFor } from '../lib/netns.js';

const CTL = join(ROOT, 'bin', 'keepalivectl');
const skip = isRoot() ? false : 'needs root (the daemon checks CAP_NET_ADMIN/CAP_NET_RAW)';

function ctl(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CTL, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('keepalivectl: status, status --json, stats, dump, reload on a running daemon', { skip }, async (t) => {
  const d = DaemonRun.start({ config: { roles: ['vrrp', 'checker'], tag: 'v1' }, args: ['-g'] });
  try {
    await d.waitForStartup();
    const pid = join(d.dir, 'keepalived.pid');
    writeFileSync(join(d.dir, 'vrrp.status-state'), JSON.stringify({ state: 'MASTER', effectivePriority: 90 }));

    await t.test('status --json (socket derived from --pid): versioned, both children merged', () => {
      const r = ctl('--pid', pid, 'status', '--json');
      assert.equal(r.code, 0, r.err);
      const st = JSON.parse(r.out);
      assert.equal(st.version, 1);
      assert.equal(st.pids.parent, d.pid('parent'));
      assert.equal(st.pids.vrrp, d.pid('vrrp'));
      assert.deepEqual(st.errors, {});
      assert.equal(st.vrrp.length, 1);
      assert.equal(st.vrrp[0].name, 'VI_1');
      assert.equal(st.vrrp[0].state, 'MASTER');
      assert.equal(st.vrrp[0].effectivePriority, 90);
      assert.deepEqual(st.vrrp[0].vips, ['10.0.0.100/24']);
      assert.deepEqual(st.virtualServers[0].realServers.map((r: { address: string; up: boolean }) => [r.address, r.up]), [['10.0.0.2', true], ['10.0.0.3', true]]);
    });

    await t.test('status as text: aligned columns, no colour when not a TTY; a real server going down shows', async () => {
      writeFileSync(join(d.dir, 'checker.status-state'), JSON.stringify({ down: ['10.0.0.3'] }));
      const r = ctl('--socket', join(d.dir, 'keepalived.ctl'), 'status');
      assert.equal(r.code, 0, r.err);
      assert.ok(!r.out.includes(String.fromCharCode(27)), 'no escape codes into a pipe');
      const lines = r.out.split('\n');
      const header = lines.find((l) => l.startsWith('INSTANCE')) ?? '';
      const row = lines.find((l) => l.startsWith('VI_1')) ?? '';
      assert.match(row, /^VI_1\s+eth0\s+51\s+MASTER\s+100\s+90\s+10\.0\.0\.1\s+10\.0\.0\.100\/24\s/);
      assert.equal(row.indexOf('MASTER'), header.indexOf('STATE'), 'STATE column aligned');
      assert.match(r.out, /^ {2}10\.0\.0\.3:80\s+1\s+DOWN\s+1\.5 ms\s+failed \d+s ago: connection refused$/m);
      assert.match(r.out, /^ {2}10\.0\.0\.2:80\s+1\s+UP\s/m);
      assert.match(r.out, /^10\.0\.0\.100:80\/tcp\s+rr\s+1\/2 up/m);
    });

    await t.test('stats: keepalived.stats counters per instance, --json too', async () => {
      const ticks = await waitFor('the VRRP test service to tick', () => ((d.state('vrrp')?.ticks ?? 0) > 0 ? true : undefined));
      assert.ok(ticks);
      const j = ctl('--pid', pid, '--json', 'stats');
      assert.equal(j.code, 0, j.err);
      const st = JSON.parse(j.out);
      assert.equal(st.version, 1);
      assert.equal(st.instances[0].name, 'VI_1');
      assert.ok(st.instances[0].counters.advertSent > 0);
      assert.equal(st.instances[0].counters.authFailure, 0);
      const r = ctl('--pid', pid, 'stats');
      assert.match(r.out, /^INSTANCE\s+ADV_RCVD\s+ADV_SENT\s+BECOME_MASTER/);
      assert.match(r.out, /^VI_1\s+0\s+\d+\s+0\s/m);
    });

    await t.test('dump json prints the file the daemon wrote; reload reloads', async () => {
      const r = ctl('--pid', pid, 'dump', 'json', '--json');
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out);
      assert.equal(j.kind, 'json');
      assert.deepEqual(JSON.parse(j.files[0].content), [{ role: 'vrrp', tag: 'v1' }]);
      d.writeConfig({ roles: ['vrrp', 'checker'], tag: 'v2' });
      const mark = d.output.length;
      const rl = ctl('--pid', pid, 'reload');
      assert.equal(rl.code, 0, rl.err);
      await d.waitForLine(/: Reload complete$/, 15_000, mark);
      await waitFor('vrrp reloaded', () => (d.state('vrrp')?.tag === 'v2' ? true : undefined));
    });

    await t.test('usage errors exit 2; no daemon exits 3 with a clear message', () => {
      const bad = ctl('--pid', pid, 'statuz');
      assert.equal(bad.code, 2);
      assert.match(bad.err, /unknown command 'statuz'/);
      const none = ctl('--socket', join(d.dir, 'nothing.ctl'), 'status');
      assert.equal(none.code, 3);
      assert.match(none.err, /no keepalived-ts listening on .*nothing\.ctl \(ENOENT\)/);
    });
  } finally {
    await d.cleanup();
  }
});
