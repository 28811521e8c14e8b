// The checker service end to end with real checkers and the real clock: what reaches the
// LVS sink, when, and after how many tries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckerService, type CheckerSink } from '../../../src/check/service.js';
import type { QuorumChange, RsStateChange } from '../../../src/check/rs-state.js';
import type { CheckerSpec, CheckTiming, RealServerSpec, VirtualServerSpec } from '../../../src/check/types.js';
import { waitFor } from '../../lib/netns.js';
import { close, conn, deadPort, listen } from './servers.js';

const timing = (o: Partial<CheckTiming> = {}): CheckTiming => ({ delayLoopMs: 150, retry: 2, delayBeforeRetryMs: 50, warmupMs: 0, alpha: false, logAllFailures: false, ...o });

class RecordingSink implements CheckerSink {
  rs: RsStateChange[] = [];
  quorum: QuorumChange[] = [];
  rsChanged(c: RsStateChange): void { this.rs.push(c); }
  quorumChanged(c: QuorumChange): void { this.quorum.push(c); }
}

function realServer(id: string, checkers: CheckerSpec[], extra: Partial<RealServerSpec> = {}): RealServerSpec {
  return { id, address: '127.0.0.1', port: 0, weight: 1, inhibitOnFailure: false, smtpAlert: false, checkers, ...extra };
}
function virtualServer(realServers: RealServerSpec[], extra: Partial<VirtualServerSpec> = {}): VirtualServerSpec {
  return { id: '10.1.1.1:80', quorum: 1, hysteresis: 0, smtpAlert: false, realServers, ...extra };
}

/** A MISC_CHECK script whose exit status is read from a file, logging each run. */
function controlledScript(): { command: string; setExit: (n: number) => void; runs: () => number; failures: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'kts-svc-'));
  const script = join(dir, 'check.sh');
  writeFileSync(join(dir, 'exit'), '0');
  // Each run logs the status it exits with, so a test can count failures exactly.
  writeFileSync(script, `#!/bin/sh\ncode=$(cat ${dir}/exit)\necho $code >> ${dir}/runs\nexit $code\n`);
  chmodSync(script, 0o755);
  return {
    command: script,
    // Atomic, so a run never reads a half-written file.
    setExit: (n) => { writeFileSync(join(dir, 'exit.tmp'), String(n)); renameSync(join(dir, 'exit.tmp'), join(dir, 'exit')); },
    runs: () => (existsSync(join(dir, 'runs')) ? readFileSync(join(dir, 'runs'), 'latin1').split('\n').filter(Boolean).length : 0),
    failures: () => (existsSync(join(dir, 'runs')) ? readFileSync(join(dir, 'runs'), 'latin1').split('\n').filter((l) => l === '1').length : 0),
  };
}

test('a dead TCP server is removed, a revived one re-added, with notify scripts run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-notify-'));
  const server = net.createServer((c) => c.destroy());
  const port = await listen(server);
  const sink = new RecordingSink();
  const scripts: string[] = [];
  const rs = realServer(`127.0.0.1:${port}`, [{ kind: 'TCP_CHECK', conn: conn(port, 300), timing: timing({ retry: 1 }) }],
    { notifyUp: `${dir}/up.sh`, notifyDown: `${dir}/down.sh` });
  const logs: string[] = [];
  const svc = new CheckerService([virtualServer([rs])], { sink, runScript: (cmd) => scripts.push(cmd), log: (l) => logs.push(l) });
  svc.start();
  try {
    assert.deepEqual(sink.rs, [{ vs: '10.1.1.1:80', rs: rs.id, up: true, weight: 1 }]);
    assert.deepEqual(sink.quorum.map((q) => q.up), [true]);
    await close(server);
    await waitFor('RS removed', () => sink.rs.length === 2, 10_000);
    assert.deepEqual(sink.rs[1], { vs: '10.1.1.1:80', rs: rs.id, up: false, weight: 1 });
    assert.deepEqual(scripts, [`${dir}/down.sh`]);
    assert.deepEqual(sink.quorum.map((q) => q.up), [true, false]);
    assert.ok(logs.includes(`Removing service [127.0.0.1]:tcp:${port} from VS [10.1.1.1]:tcp:80`), logs.join('\n'));
    assert.ok(logs.includes('Lost quorum 1-0=1 > 0 for VS [10.1.1.1]:tcp:80'), logs.join('\n'));
    const again = net.createServer((c) => c.destroy());
    await new Promise<void>((r) => again.listen(port, '127.0.0.1', r));
    try {
      await waitFor('RS re-added', () => sink.rs.length === 3, 10_000);
      assert.equal(sink.rs[2]?.up, true);
      assert.deepEqual(scripts, [`${dir}/down.sh`, `${dir}/up.sh`]);
    } finally {
      await close(again);
    }
  } finally {
    svc.stop();
  }
});

test('once passing, the server goes down only after retry+1 consecutive failed runs', async () => {
  const s = controlledScript();
  let failuresAtRemoval = -1;
  const sink = new RecordingSink();
  const record = sink.rsChanged.bind(sink);
  sink.rsChanged = (c) => { if (!c.up) failuresAtRemoval = s.failures(); record(c); };
  const svc = new CheckerService([virtualServer([realServer('rs1', [{ kind: 'MISC_CHECK', command: s.command, timeoutMs: 2000, dynamic: false, timing: timing({ retry: 3 }) }])])], { sink });
  svc.start();
  try {
    await waitFor('first pass', () => s.runs() >= 2, 10_000);
    s.setExit(1);
    await waitFor('RS removed', () => sink.rs.length === 2, 10_000);
    assert.equal(failuresAtRemoval, 4, 'retry + 1 = 4 consecutive failed runs');
    assert.equal(sink.rs[1]?.up, false);
  } finally {
    svc.stop();
  }
});

test('at start, a non-alpha server goes down at its first failure; an alpha one comes up at its first success', async () => {
  const failing = controlledScript();
  failing.setExit(1);
  const passing = controlledScript();
  const sink = new RecordingSink();
  let runsAtRemoval = -1;
  const record = sink.rsChanged.bind(sink);
  sink.rsChanged = (c) => { if (c.rs === 'nonalpha' && !c.up) runsAtRemoval = failing.runs(); record(c); };
  const svc = new CheckerService([virtualServer([
    realServer('nonalpha', [{ kind: 'MISC_CHECK', command: failing.command, timeoutMs: 2000, dynamic: false, timing: timing({ retry: 3 }) }]),
    realServer('alpha', [{ kind: 'MISC_CHECK', command: passing.command, timeoutMs: 2000, dynamic: false, timing: timing({ alpha: true }) }]),
  ])], { sink });
  svc.start();
  try {
    assert.deepEqual(sink.rs.map((c) => [c.rs, c.up]), [['nonalpha', true], ['alpha', false]]);
    await waitFor('both settled', () => sink.rs.length >= 4, 10_000);
    assert.equal(runsAtRemoval, 1, 'one failure was enough at start');
    assert.deepEqual(sink.rs.slice(2).map((c) => [c.rs, c.up]).sort(), [['alpha', true], ['nonalpha', false]]);
  } finally {
    svc.stop();
  }
});

test('misc_dynamic exit status sets the weight the LVS side gets; quorum follows the weights', async () => {
  const s = controlledScript();
  s.setExit(12);
  const sink = new RecordingSink();
  const never = controlledScript();
  never.setExit(1);
  // quorum 5 (the weights add up to 6, so it is not clamped); rs2 (alpha) never comes up.
  const svc = new CheckerService([virtualServer([
    realServer('rs1', [{ kind: 'MISC_CHECK', command: s.command, timeoutMs: 2000, dynamic: true, timing: timing() }], { weight: 3 }),
    realServer('rs2', [{ kind: 'MISC_CHECK', command: never.command, timeoutMs: 2000, dynamic: false, timing: timing({ alpha: true }) }], { weight: 3 }),
  ], { quorum: 5, sorryServer: '10.9.9.9:80' })], { sink });
  svc.start();
  try {
    assert.deepEqual(sink.quorum.map((q) => [q.up, q.sorryServerActive]), [[false, true]]);
    await waitFor('weight 10', () => sink.rs.some((c) => c.weight === 10), 10_000);
    await waitFor('quorum gained', () => sink.quorum.length === 2, 10_000);
    assert.deepEqual(sink.quorum[1], { vs: '10.1.1.1:80', up: true, aliveWeight: 10, sorryServerActive: false });
    s.setExit(2);
    await waitFor('weight 0', () => sink.rs.some((c) => c.weight === 0), 10_000);
    await waitFor('quorum lost', () => sink.quorum.length === 3, 10_000);
    assert.equal(sink.quorum[2]?.sorryServerActive, true);
    assert.deepEqual(svc.snapshot(), [{ vs: '10.1.1.1:80', rs: 'rs1', up: true, weight: 0 }, { vs: '10.1.1.1:80', rs: 'rs2', up: false, weight: 3 }]);
  } finally {
    svc.stop();
  }
});

test('FILE_CHECK reacts to the file changing without waiting for delay_loop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-fc-'));
  const f = join(dir, 'state');
  writeFileSync(f, '0');
  const sink = new RecordingSink();
  const svc = new CheckerService([virtualServer([realServer('rs1', [{ kind: 'FILE_CHECK', file: f, weight: 0, reverse: false, timing: timing({ delayLoopMs: 3_600_000, retry: 0 }) }])])], { sink });
  svc.start();
  try {
    await new Promise((r) => setTimeout(r, 1200)); // the bootstrap run
    writeFileSync(f, '1');
    await waitFor('RS removed on file change', () => sink.rs.length === 2, 5_000);
    assert.equal(sink.rs[1]?.up, false);
  } finally {
    svc.stop();
  }
});

test('reload: unchanged checkers keep their state, changed ones start afresh; ha_suspend stops checking', async () => {
  const dead = await deadPort();
  const mk = (timeoutMs: number): VirtualServerSpec => virtualServer([
    realServer('same', [{ kind: 'TCP_CHECK', conn: conn(dead, 300), timing: timing({ retry: 0 }) }]),
    realServer('changed', [{ kind: 'TCP_CHECK', conn: conn(dead, timeoutMs), timing: timing({ retry: 0 }) }]),
  ]);
  const sink1 = new RecordingSink();
  const first = new CheckerService([mk(300)], { sink: sink1 });
  first.start();
  try {
    await waitFor('both down', () => sink1.rs.filter((c) => !c.up).length === 2, 10_000);
  } finally {
    first.stop();
  }
  const sink2 = new RecordingSink();
  const second = new CheckerService([mk(400)], { sink: sink2, migrate: first.migrationState() });
  second.setVirtualServerEnabled('10.1.1.1:80', false);
  second.start();
  try {
    assert.deepEqual(sink2.rs.map((c) => [c.rs, c.up]), [['same', false], ['changed', true]]);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sink2.rs.length, 2, 'suspended: no check ran, nothing changed');
    second.setVirtualServerEnabled('10.1.1.1:80', true);
    await waitFor('changed one checked', () => sink2.rs.length === 3, 10_000);
    assert.deepEqual(sink2.rs[2] && [sink2.rs[2].rs, sink2.rs[2].up], ['changed', false]);
  } finally {
    second.stop();
  }
});
