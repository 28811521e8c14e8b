// `npm run demo` end to end, one round: two keepalived-ts daemons elect r1, the demo stops
// r1's daemon, the client is answered by r2, r1 comes back and preempts; on exit the lab
// (its namespaces) is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { labUnavailable, sh } from '../lib/netns.js';
import { ROOT } from '../lib/daemon.js';

test('npm run demo (KTS_DEMO_ROUNDS=1) shows a failover and cleans up', { skip: labUnavailable(), timeout: 120_000 }, async () => {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'demo.mjs')], { env: { ...process.env, KTS_DEMO_ROUNDS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.equal(code, 0, out);
  const lines = out.split('\n');
  const idx = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const first = idx(/^demo: master is r1$/);
  const stopping = idx(/^demo: master is r1; stopping it \(SIGTERM\)$/);
  const takeover = idx(/^\s*\[r2\] .*\(VI_DEMO\) Entering MASTER STATE$/);
  const answered = idx(/^demo: client (got answers again from|now answered by) r2/);
  const moved = idx(/^demo: VIP now on r2; starting r1 again$/);
  const back = lines.findLastIndex((l) => /^demo: master is r1$/.test(l));
  assert.ok(first >= 0 && stopping > first && takeover > stopping && answered > stopping && moved > stopping && back > moved, out);
  assert.ok(/^demo: cleaning up the lab$/m.test(out), out);
  const ns = await sh('ip', ['netns', 'list']);
  const left = ns.stdout.split('\n').filter((l) => l.startsWith(`kt${child.pid}x`));
  assert.deepEqual(left, [], 'the demo must remove its namespaces');
});
