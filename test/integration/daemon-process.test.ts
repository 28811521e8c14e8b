// The daemon's process machinery with real processes: parent + VRRP child + checker child
// running the test service (src/daemon/test-service.ts), driven by signals as users do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { DaemonRun, alive, isRoot } from '../lib/daemon.js';
import { waitFor } from '../lib/netns.js';

/** One command to the daemon's control socket; resolves the answer line. */
function control(path: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const c = connect(path, () => c.write(`${command}\n`));
    c.setEncoding('utf8');
    c.on('data', (d: string) => (text += d));
    c.on('end', () => resolve(text.trim()));
    c.on('error', reject);
  });
}

const skip = isRoot() ? false : 'needs root (the daemon checks CAP_NET_ADMIN/CAP_NET_RAW)';

test('daemon lifecycle: start, respawn, reload, rejected reload, dumps, stop', { skip }, async (t) => {
  const d = DaemonRun.start({ config: { roles: ['vrrp', 'checker'], tag: 'v1' }, args: ['-g'] });
  try {
    await d.waitForStartup();

    await t.test('three processes with their pid files; children started by the parent', async () => {
      const parent = d.pid('parent');
      const vrrp = d.pid('vrrp');
      const checker = d.pid('checker');
      assert.equal(parent, d.proc.pid, 'keepalived.pid holds the parent (-n: the process we started)');
      assert.ok(vrrp && checker && vrrp !== checker && vrrp !== parent && checker !== parent);
      for (const pid of [parent, vrrp, checker]) assert.ok(alive(pid as number));
      assert.match(d.output, new RegExp(`Starting VRRP child process, pid=${vrrp}\\b`));
      assert.match(d.output, new RegExp(`Starting Healthcheck child process, pid=${checker}\\b`));
      assert.match(d.output, /: Starting Keepalived v\S+/);
      const vs = await waitFor('the VRRP service state', () => d.state('vrrp'));
      assert.equal(vs.pid, vrrp);
      assert.equal(vs.tag, 'v1');
      assert.equal((await waitFor('the checker state', () => d.state('checker'))).pid, checker);
    });

    await t.test('kill -9 of a child: it is respawned with the configuration the parent holds, and logged', async () => {
      const old = d.pid('vrrp') as number;
      // Change the file without a reload: a respawned child must not re-read it.
      d.writeConfig({ roles: ['vrrp', 'checker'], tag: 'on-disk-only' });
      const mark = d.output.length;
      process.kill(old, 'SIGKILL');
      await d.waitForLine(new RegExp(`VRRP child process\\(${old}\\) died: Respawning$`), 15_000, mark);
      assert.match(d.output.slice(mark), new RegExp(`pid ${old} exited due to signal 9 \\(Killed\\)`));
      assert.match(d.output.slice(mark), /Restart of VRRP process delayed 0 seconds to limit respawn rate/);
      const fresh = await waitFor('a new VRRP pid', () => { const p = d.pid('vrrp'); return p && p !== old ? p : undefined; });
      assert.ok(alive(fresh));
      const st = await waitFor('the new child to run', () => { const s = d.state('vrrp'); return s?.pid === fresh ? s : undefined; });
      assert.equal(st.tag, 'v1', 'the respawned child got the running configuration from the parent');
    });

    await t.test('SIGHUP with a changed configuration: both children reload it', async () => {
      d.writeConfig({ roles: ['vrrp', 'checker'], tag: 'v2' });
      const mark = d.output.length;
      process.kill(d.proc.pid as number, 'SIGHUP');
      await d.waitForLine(/: Reload complete$/, 15_000, mark);
      assert.match(d.output.slice(mark), /: Reloading \.\.\.$/m);
      for (const role of ['vrrp', 'checker'] as const) {
        const st = await waitFor(`${role} to have reloaded`, () => { const s = d.state(role); return s?.tag === 'v2' ? s : undefined; });
        assert.deepEqual(st.reloads, ['v2']);
      }
    });

    await t.test('SIGHUP with a broken configuration: rejected with the reason, the old one stays', async () => {
      const pids = [d.pid('parent'), d.pid('vrrp'), d.pid('checker')];
      d.writeConfig({ roles: ['vrrp', 'checker'], tag: 'v3', error: 'unknown keyword "vrrp_instanse"' });
      const mark = d.output.length;
      process.kill(d.proc.pid as number, 'SIGHUP');
      await d.waitForLine(/Reload failed: the new configuration has 1 error\(s\); keeping the running configuration$/, 15_000, mark);
      assert.match(d.output.slice(mark), /keepalived\.json:1: unknown keyword "vrrp_instanse"/);
      const ticks = d.state('checker')?.ticks ?? 0;
      await waitFor('the checker to keep ticking', () => (d.state('checker')?.ticks ?? 0) > ticks + 3);
      assert.deepEqual([d.pid('parent'), d.pid('vrrp'), d.pid('checker')], pids, 'nothing restarted');
      for (const role of ['vrrp', 'checker'] as const) {
        assert.equal(d.state(role)?.tag, 'v2');
        assert.deepEqual(d.state(role)?.reloads, ['v2'], 'the children never saw the broken configuration');
      }
      assert.ok(!/Reload complete/.test(d.output.slice(mark)));
    });

    await t.test('SIGUSR1 dumps data (parent, VRRP, checker), SIGUSR2 the VRRP stats, into $TMPDIR', async () => {
      process.kill(d.proc.pid as number, 'SIGUSR1');
      const data = await waitFor('keepalived.data', () => existsSync(join(d.dir, 'keepalived.data')) && readFileSync(join(d.dir, 'keepalived.data'), 'utf8'));
      assert.match(data, /Role = vrrp/);
      assert.match(data, /Tag = v2/);
      await waitFor('keepalived_check.data', () => existsSync(join(d.dir, 'keepalived_check.data')));
      assert.match(readFileSync(join(d.dir, 'keepalived_check.data'), 'utf8'), /Role = checker/);
      assert.match(readFileSync(join(d.dir, 'keepalived_parent.data'), 'utf8'), new RegExp(`Pid = ${d.proc.pid}`));
      process.kill(d.proc.pid as number, 'SIGUSR2');
      const stats = await waitFor('keepalived.stats', () => existsSync(join(d.dir, 'keepalived.stats')) && readFileSync(join(d.dir, 'keepalived.stats'), 'utf8'));
      assert.match(stats, /Test service stats/);
      await d.waitForLine(new RegExp(`Printing VRRP stats for process\\(${d.pid('vrrp')}\\) on signal`));
    });

    await t.test('control socket: JSON dump (the SIGRTMIN+2 stand-in), status, unknown commands', async () => {
      const ctl = join(d.dir, 'keepalived.ctl');
      assert.equal(statSync(ctl).mode & 0o777, 0o600, 'only root may talk to the control socket');
      const answer = await control(ctl, 'json');
      assert.equal(answer, `ok ${join(d.dir, 'keepalived.json')}`);
      assert.deepEqual(JSON.parse(readFileSync(join(d.dir, 'keepalived.json'), 'utf8')), [{ role: 'vrrp', tag: 'v2' }]);
      assert.equal(await control(ctl, 'status'), `ok running parent=${d.pid('parent')} vrrp=${d.pid('vrrp')} checker=${d.pid('checker')}`);
      assert.match(await control(ctl, 'bogus'), /^error unknown command 'bogus'/);
      const data = await control(ctl, 'data');
      assert.match(data, /^ok /);
      assert.deepEqual(data.slice(3).split(' ').sort(), ['keepalived.data', 'keepalived_check.data', 'keepalived_parent.data'].map((f) => join(d.dir, f)).sort());
    });

    await t.test('SIGTERM: children stopped through their service, all exit, pid files removed', async () => {
      const pids = { parent: d.pid('parent') as number, vrrp: d.pid('vrrp') as number, checker: d.pid('checker') as number };
      process.kill(pids.parent, 'SIGTERM');
      const { code, signal } = await d.exit;
      assert.equal(signal, null);
      assert.equal(code, 0);
      assert.ok(!alive(pids.vrrp) && !alive(pids.checker), 'no child outlives the parent');
      for (const path of Object.values(d.pidFiles)) assert.ok(!existsSync(path), `${path} removed`);
      assert.ok(!existsSync(join(d.dir, 'keepalived.ctl')), 'control socket removed');
      assert.equal(readFileSync(join(d.dir, 'vrrp.stopped'), 'utf8').trim(), String(pids.vrrp), 'the VRRP service was stopped, not killed');
      assert.equal(readFileSync(join(d.dir, 'checker.stopped'), 'utf8').trim(), String(pids.checker));
      assert.match(d.output, /: Stopping$/m);
      assert.match(d.output, /: Stopped Keepalived v\S+/);
      const afterStop = d.output.slice(d.output.lastIndexOf(': Stopping'));
      assert.ok(!/exited (due to signal|with)/.test(afterStop), 'every child exited 0');
    });

    await t.test('-g: each process logs to its own file in $TMPDIR, as keepalived names them', () => {
      const parentLog = readFileSync(join(d.dir, 'keepalived.log'), 'utf8');
      assert.match(parentLog, /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: Starting Keepalived v/);
      assert.match(parentLog, /: Startup complete\n/);
      assert.match(parentLog, /: Stopped Keepalived v/);
      assert.match(readFileSync(join(d.dir, 'keepalived_vrrp.log'), 'utf8'), /: test service started \(tag v1\)\n/);
      assert.match(readFileSync(join(d.dir, 'keepalived_healthcheckers.log'), 'utf8'), /: test service reloaded \(tag v2\)\n/);
      assert.ok(!/test service/.test(parentLog), "children's lines are in their own files");
    });
  } finally {
    await d.cleanup();
  }
});

test('a second daemon on the same pid files refuses to start and leaves the first alone', { skip }, async () => {
  const first = DaemonRun.start({ config: { roles: ['vrrp'] } });
  let second: DaemonRun | undefined;
  try {
    await first.waitForStartup();
    second = DaemonRun.start({ dir: first.dir });
    const { code } = await second.exit;
    assert.notEqual(code, 0);
    assert.match(second.output, new RegExp(`keepalived-ts: daemon is already running \\(pid ${first.proc.pid} in ${first.pidFiles.parent}\\)`));
    assert.ok(!/Starting VRRP child/.test(second.output), 'the second daemon started nothing');
    assert.equal(first.pid('parent'), first.proc.pid, 'the pid file still names the first daemon');
    assert.ok(alive(first.pid('vrrp') as number));
  } finally {
    await second?.cleanup();
    await first.cleanup();
  }
});

test('a stale pid file (dead pid) is taken over', { skip }, async () => {
  const d = DaemonRun.start({ config: { roles: ['vrrp'] } });
  try {
    await d.waitForStartup();
    process.kill(d.proc.pid as number, 'SIGKILL');
    await d.exit;
    // The parent died without cleaning up: its pid file is stale now.
    assert.ok(existsSync(d.pidFiles.parent));
    await waitFor('the orphaned child to stop', () => !alive(d.pid('vrrp') ?? 0));
    const again = DaemonRun.start({ dir: d.dir });
    try {
      await again.waitForStartup();
      assert.equal(again.pid('parent'), again.proc.pid);
    } finally {
      process.kill(again.proc.pid as number, 'SIGTERM');
      assert.equal((await again.exit).code, 0);
      await again.cleanup();
    }
  } finally {
    await d.cleanup();
  }
});

test("a child's stalled event loop does not hold up the other child's timers", { skip }, async () => {
  const d = DaemonRun.start({ config: { roles: ['vrrp', 'checker'], test: { tickMs: 50 } } });
  try {
    await d.waitForStartup();
    await waitFor('both children ticking', () => (d.state('vrrp')?.ticks ?? 0) > 2 && (d.state('checker')?.ticks ?? 0) > 2);
    const vrrpPid = d.pid('vrrp');
    d.control('vrrp', 'stall', '2000');
    const stall = await waitFor('the VRRP child to have stalled', () => d.state('vrrp')?.stalls[0], 20_000);
    // The checker's own record of its ticks: they kept coming while the VRRP child was frozen.
    const during = await waitFor('checker ticks after the stall', () => {
      const s = d.state('checker');
      return s && s.tickTimes.some((t) => t > stall.to) ? s.tickTimes.filter((t) => t >= stall.from && t <= stall.to).length : undefined;
    });
    // 2 s at one tick per 50 ms is 40 ticks; a quarter of them proves the checker ran on.
    assert.ok(during >= 10, `checker ticked ${during} times during the VRRP child's 2 s stall`);
    assert.equal(d.pid('vrrp'), vrrpPid, 'a 2 s stall is within the heartbeat timeout: the child was not restarted');
  } finally {
    await d.cleanup();
  }
});

test('a child that stops answering the heartbeat is killed and respawned', { skip }, async () => {
  const d = DaemonRun.start({
    config: { roles: ['checker'] },
    env: { KTS_TEST_HEARTBEAT_MS: '200', KTS_TEST_HEARTBEAT_TIMEOUT_MS: '1500' },
  });
  try {
    await d.waitForStartup();
    const old = d.pid('checker') as number;
    d.control('checker', 'hang');
    await d.waitForLine(new RegExp(`Healthcheck child process\\(${old}\\) did not answer the heartbeat for \\d+ ms: killing it`));
    await d.waitForLine(new RegExp(`Healthcheck child process\\(${old}\\) died: Respawning`));
    const fresh = await waitFor('a new checker child', () => { const s = d.state('checker'); return s && s.pid !== old ? s.pid : undefined; });
    assert.equal(d.pid('checker'), fresh);
    assert.ok(!alive(old));
  } finally {
    await d.cleanup();
  }
});

test('a crashing child is respawned with growing delays', { skip }, async () => {
  const d = DaemonRun.start({ config: { roles: ['vrrp'] } });
  try {
    await d.waitForStartup();
    const first = d.pid('vrrp') as number;
    d.control('vrrp', 'crash');
    await d.waitForLine(new RegExp(`pid ${first} exited with status 70`));
    await d.waitForLine(/Restart of VRRP process delayed 0 seconds/);
    const second = await waitFor('the first respawn', () => { const s = d.state('vrrp'); return s && s.pid !== first ? s.pid : undefined; });
    d.control('vrrp', 'crash');
    await d.waitForLine(new RegExp(`pid ${second} exited with status 70`));
    await d.waitForLine(/Restart of VRRP process delayed 1 seconds to limit respawn rate/);
    await waitFor('the second respawn', () => { const s = d.state('vrrp'); return s && s.pid !== first && s.pid !== second ? s.pid : undefined; });
  } finally {
    await d.cleanup();
  }
});

test('-P runs only the VRRP child, -C only the checker', { skip }, async () => {
  for (const [flag, runs, not] of [['-P', 'vrrp', 'checker'], ['-C', 'checker', 'vrrp']] as const) {
    const d = DaemonRun.start({ config: { roles: ['vrrp', 'checker'] }, args: [flag] });
    try {
      await d.waitForStartup();
      assert.ok(d.pid(runs), `${runs} child runs with ${flag}`);
      assert.equal(d.pid(not), undefined, `no ${not} pid file with ${flag}`);
      assert.equal(d.state(not), undefined);
    } finally {
      process.kill(d.proc.pid as number, 'SIGTERM');
      assert.equal((await d.exit).code, 0);
      await d.cleanup();
    }
  }
});

test('a child refusing its configuration stops the daemon (no respawn loop)', { skip }, async () => {
  const d = DaemonRun.start({ config: { roles: ['vrrp'], test: { failStart: 'config' } } });
  try {
    const { code } = await d.exit;
    assert.equal(code, 2);
    assert.match(d.output, /test service: refusing to start \(config\)/);
    assert.match(d.output, /pid \d+ exited with permanent error CONFIG\. Terminating/);
    assert.ok(!/Respawning/.test(d.output));
    for (const path of Object.values(d.pidFiles)) assert.ok(!existsSync(path), `${path} removed`);
  } finally {
    await d.cleanup();
  }
});

test('a configuration with errors at start: nothing started, the reason printed, non-zero exit', { skip }, async () => {
  const d = DaemonRun.start({ config: { error: 'virtual_router_id 300 out of range' } });
  try {
    const { code } = await d.exit;
    assert.equal(code, 2);
    assert.match(d.output, /keepalived\.json:1: virtual_router_id 300 out of range/);
    assert.ok(!/Starting VRRP child/.test(d.output));
    assert.ok(!existsSync(d.pidFiles.parent));
  } finally {
    await d.cleanup();
  }
});

test('without -n the daemon detaches: the launcher returns once it runs, in a session of its own', { skip }, async () => {
  const d = DaemonRun.start({ config: { roles: ['vrrp'] }, detach: true });
  try {
    const { code } = await d.exit;
    assert.equal(code, 0);
    const pid = d.pid('parent') as number;
    assert.ok(pid && pid !== d.proc.pid && alive(pid), 'the pid file names the detached daemon');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    assert.equal(Number(fields[3]), pid, 'the daemon leads its own session (setsid)');
    await waitFor('the detached daemon to start its child', () => d.state('vrrp'));
    process.kill(pid, 'SIGTERM');
    await waitFor('the pid files to go', () => !existsSync(d.pidFiles.parent) && !existsSync(d.pidFiles.vrrp));
    await waitFor('the detached daemon to exit', () => !alive(pid));
  } finally {
    await d.cleanup();
  }
});

test('without -n a start failure is still printed by the launcher', { skip }, async () => {
  const d = DaemonRun.start({ config: { error: 'broken on purpose' }, detach: true });
  try {
    const { code } = await d.exit;
    assert.equal(code, 2);
    assert.match(d.output, /configuration has 1 error\(s\); not starting/);
  } finally {
    await d.cleanup();
  }
});

test('a SIGHUP during a reload is queued and runs after it', { skip }, async () => {
  const d = DaemonRun.start({ config: { roles: ['vrrp'], tag: 'v1', test: { reloadDelayMs: 1000 } } });
  try {
    await d.waitForStartup();
    d.writeConfig({ roles: ['vrrp'], tag: 'v2', test: { reloadDelayMs: 1000 } });
    process.kill(d.proc.pid as number, 'SIGHUP');
    // The child has the v2 reload in hand (the parent read the file): change it again.
    await d.waitForLine(/: Reloading$/);
    d.writeConfig({ roles: ['vrrp'], tag: 'v3' });
    process.kill(d.proc.pid as number, 'SIGHUP');
    const st = await waitFor('both reloads, in order', () => { const s = d.state('vrrp'); return s && s.reloads.length >= 2 ? s : undefined; }, 20_000);
    assert.deepEqual(st.reloads, ['v2', 'v3']);
    await waitFor('two reload completions', () => (d.output.match(/: Reload complete$/gm) ?? []).length === 2);
  } finally {
    await d.cleanup();
  }
});

test('a reload that changes what cannot change at a reload (instance) is refused whole', { skip }, async () => {
  const d = DaemonRun.start({ config: { roles: ['vrrp'], tag: 'v1', global: { instanceName: 'a' } } });
  try {
    await d.waitForStartup();
    d.writeConfig({ roles: ['vrrp'], tag: 'v2', global: { instanceName: 'b' } });
    const mark = d.output.length;
    process.kill(d.proc.pid as number, 'SIGHUP');
    await d.waitForLine(/Reload failed: keeping the running configuration$/, 15_000, mark);
    assert.match(d.output.slice(mark), /Cannot change instance at a reload - please restart keepalived-ts/);
    assert.deepEqual(d.state('vrrp')?.reloads, [], 'the child never saw the other edits either');
    assert.equal(d.state('vrrp')?.tag, 'v1');
  } finally {
    await d.cleanup();
  }
});

test('startup_script runs before the children start, shutdown_script after they stopped', { skip }, async () => {
  const sh = (script: string) => ({ command: script, argv: ['/bin/sh', '-c', script] });
  const d = DaemonRun.start({
    config: (dir) => ({
      roles: ['vrrp'],
      global: {
        startupScript: sh(`test ! -e ${join(dir, 'vrrp.json')} && touch ${join(dir, 'startup-ran-first')}`),
        startupScriptTimeoutS: 10,
        shutdownScript: sh(`test -e ${join(dir, 'vrrp.stopped')} && touch ${join(dir, 'shutdown-ran-last')}`),
        shutdownScriptTimeoutS: 10,
      },
    }),
  });
  try {
    await d.waitForStartup();
    assert.ok(existsSync(join(d.dir, 'startup-ran-first')), 'startup_script ran before the VRRP service started');
    process.kill(d.proc.pid as number, 'SIGTERM');
    assert.equal((await d.exit).code, 0);
    assert.ok(existsSync(join(d.dir, 'shutdown-ran-last')), 'shutdown_script ran after the VRRP service stopped');
  } finally {
    await d.cleanup();
  }
});

test('no checker child without virtual servers; the reload that adds the first one starts it, the one that removes them still reloads it', { skip }, async () => {
  const d = DaemonRun.start({ config: { roles: ['vrrp'], tag: 'v1' }, env: { KEEPALIVED_TS_NODE_FLAGS: '--max-semi-space-size=1' } });
  try {
    await d.waitForStartup();
    const vrrp = d.pid('vrrp') as number;
    assert.ok(vrrp && alive(vrrp));
    assert.equal(d.pid('checker'), undefined, 'no checker pid file');
    assert.doesNotMatch(d.output, /Starting Healthcheck child process/);
    // KEEPALIVED_TS_NODE_FLAGS reaches the children (docs/operations.md, Memory), visible in ps.
    assert.ok(readFileSync(`/proc/${vrrp}/cmdline`, 'utf8').split('\0').includes('--max-semi-space-size=1'));

    d.writeConfig({ roles: ['vrrp', 'checker'], tag: 'v2' });
    process.kill(d.proc.pid as number, 'SIGHUP');
    const checker = await waitFor('a checker child', () => d.pid('checker'), 20_000);
    assert.match(d.output, new RegExp(`Starting Healthcheck child process, pid=${checker}\\b`));
    assert.equal((await waitFor('the checker state', () => d.state('checker'))).tag, 'v2');
    assert.equal(d.pid('vrrp'), vrrp, 'the VRRP child was reloaded, not restarted');
    await waitFor('the reload to complete', () => /: Reload complete$/m.test(d.output));

    // The virtual servers go again: the checker child still reloads (it must let go of them).
    d.writeConfig({ roles: ['vrrp'], tag: 'v3' });
    process.kill(d.proc.pid as number, 'SIGHUP');
    assert.deepEqual((await waitFor('the checker to reload v3', () => { const s = d.state('checker'); return s?.tag === 'v3' ? s : undefined; }, 20_000)).reloads, ['v3']);
    await waitFor('the second reload to complete', () => (d.output.match(/: Reload complete$/gm) ?? []).length === 2);
  } finally {
    await d.cleanup();
  }
});
