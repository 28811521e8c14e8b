import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childExecArgv, NODE_MEMORY_FLAGS } from '../../src/daemon/node-flags.js';

test('children run with the memory flags, never the parent\'s own execArgv', () => {
  assert.deepEqual(childExecArgv({}), [...NODE_MEMORY_FLAGS]);
  assert.ok(NODE_MEMORY_FLAGS.includes('--max-semi-space-size=1'));
});

test('KEEPALIVED_TS_NODE_FLAGS replaces the flags; empty means none', () => {
  assert.deepEqual(childExecArgv({ KEEPALIVED_TS_NODE_FLAGS: ' --max-semi-space-size=4  --v8-pool-size=1 ' }), ['--max-semi-space-size=4', '--v8-pool-size=1']);
  assert.deepEqual(childExecArgv({ KEEPALIVED_TS_NODE_FLAGS: '' }), []);
});
