import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childExecArgv, NODE_MEMORY_FLAGS } from '../../src/daemon/node-flags.js';

test('children run with no extra flags by default, never the parent\'s own execArgv', () => {
  assert.deepEqual(childExecArgv({}), [...NODE_MEMORY_FLAGS]);
  // The young-generation cap doubled the VRRP child's CPU time at 1,000 instances: opt-in only.
  assert.deepEqual(NODE_MEMORY_FLAGS, []);
});

test('KEEPALIVED_TS_NODE_FLAGS replaces the flags; empty means none', () => {
  assert.deepEqual(childExecArgv({ KEEPALIVED_TS_NODE_FLAGS: ' --max-semi-space-size=4  --v8-pool-size=1 ' }), ['--max-semi-space-size=4', '--v8-pool-size=1']);
  assert.deepEqual(childExecArgv({ KEEPALIVED_TS_NODE_FLAGS: '' }), []);
});
