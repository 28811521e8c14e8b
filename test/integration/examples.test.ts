// Every shipped example in examples/ is a configuration a user may copy: `keepalived-ts -t`
// must accept it silently (exit 0, no output), and so must keepalived 2.2.7 where installed,
// so the examples stay valid for both daemons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, hasCommand, labUnavailable } from '../lib/netns.js';
import { CLI, ROOT } from '../lib/daemon.js';

const examplesDir = join(ROOT, 'examples');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.conf')).sort();
const skip = labUnavailable() ?? false;

test('examples/ holds the configurations the documentation describes', () => {
  for (const name of ['demo.conf', 'nginx-ha.conf', 'lvs-dr.conf', 'dual-master.conf', 'unicast-pair.conf', 'nopreempt-pair.conf']) {
    assert.ok(examples.includes(name), `examples/${name} is missing`);
  }
});

test('keepalived-ts -t accepts every example silently (and keepalived 2.2.7 too)', { skip }, async () => {
  const lab = await Lab.create();
  try {
    // The examples name eth0; the host kernel has no dummy links, so a veth pair stands in.
    const ns = await lab.addNs('ex');
    await ns.ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p');
    await ns.ip('link', 'set', 'eth0', 'up');
    await ns.ip('link', 'set', 'eth0p', 'up');
    for (const name of examples) {
      const conf = join(examplesDir, name);
      const ours = await ns.exec(process.execPath, [CLI, '-t', '-f', conf], { timeoutMs: 60_000 });
      assert.equal(ours.code, 0, `keepalived-ts -t -f examples/${name}: exit ${ours.code}\n${ours.stdout}${ours.stderr}`);
      assert.equal(ours.stdout + ours.stderr, '', `keepalived-ts -t -f examples/${name} printed something`);
      if (hasCommand('keepalived')) {
        const theirs = await ns.exec('keepalived', ['-t', '-f', conf], { timeoutMs: 60_000 });
        assert.equal(theirs.code, 0, `keepalived -t -f examples/${name}: exit ${theirs.code}\n${theirs.stderr}`);
      }
    }
  } finally {
    await lab.cleanup();
  }
});
