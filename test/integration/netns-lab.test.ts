import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labUnavailable } from '../lib/netns.js';

test('two hosts on one bridge reach each other, and the lab leaves nothing behind', { skip: labUnavailable() }, async () => {
  const lab = await Lab.create();
  try {
    const a = await lab.addHost('a', { addrs: ['10.200.0.1/24'] });
    const b = await lab.addHost('b', { addrs: ['10.200.0.2/24'] });
    const r = await a.exec('ping', ['-c', '1', '-W', '2', '10.200.0.2']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok((await b.addresses('eth0')).includes('10.200.0.2/24'));
  } finally {
    await lab.cleanup();
  }
  const { sh } = await import('../lib/netns.js');
  const left = await sh('ip', ['netns', 'list']);
  assert.ok(!left.stdout.includes(lab.id), `namespaces left behind: ${left.stdout}`);
});
