import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../lib/netns.js';
import { formatDiagnostic } from '../../src/config/ast.js';

test('waitFor returns the first truthy probe value', async () => {
  let n = 0;
  const v = await waitFor('n to reach 3', () => (++n >= 3 ? n : undefined), 1000, 1);
  assert.equal(v, 3);
});

test('waitFor names what it waited for when it times out', async () => {
  await assert.rejects(waitFor('the impossible', () => false, 30, 5), /waiting for the impossible/);
});

test('diagnostics print as FILE:LINE: message', () => {
  assert.equal(formatDiagnostic({ severity: 'error', loc: { file: 'a.conf', line: 3 }, message: 'unknown keyword "foo"' }), 'a.conf:3: unknown keyword "foo"');
  assert.equal(formatDiagnostic({ severity: 'warning', loc: { file: 'a.conf', line: 4 }, message: 'x' }), 'a.conf:4: warning: x');
});
