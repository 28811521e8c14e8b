import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childExecArgv, daemonExecArgv, NODE_MEMORY_FLAGS } from '../../src/daemon/node-flags.js';

test('children run with the memory flags, never the parent\'s own execArgv', () => {
  assert.deepEqual(childExecArgv({}), [...NODE_MEMORY_FLAGS]);
  assert.ok(NODE_MEMORY_FLAGS.includes('--max-semi-space-size=1'));
});

test('KEEPALIVED_TS_NODE_FLAGS replaces the flags; empty means none', () => {
  assert.deepEqual(childExecArgv({ KEEPALIVED_TS_NODE_FLAGS: ' --max-semi-space-size=4  --v8-pool-size=1 ' }), ['--max-semi-space-size=4', '--v8-pool-size=1']);
  assert.deepEqual(childExecArgv({ KEEPALIVED_TS_NODE_FLAGS: '' }), []);
});

test('the detached daemon keeps the launcher\'s flags and adds ours only where not given', () => {
  assert.deepEqual(daemonExecArgv(['--inspect'], {}), ['--inspect', ...NODE_MEMORY_FLAGS]);
  assert.deepEqual(daemonExecArgv(['--max_semi_space_size=8'], {}), ['--max_semi_space_size=8']);
  assert.deepEqual(daemonExecArgv(['--max-semi-space-size', '8'], {}), ['--max-semi-space-size', '8']);
});
