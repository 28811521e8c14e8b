import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTree } from '../../lib/tree.js';

test('the test tree helper splits braces, strips comments and keeps lines', () => {
  const t = parseTree('global_defs { router_id X # c\n}\nvrrp_instance V\n{\n state MASTER ! c\n notify "/bin/a b" root\n}\n');
  assert.equal(t.length, 2);
  assert.equal(t[0]?.keyword, 'global_defs');
  assert.deepEqual(t[0]?.children?.[0]?.args, ['X']);
  assert.equal(t[1]?.children?.[0]?.loc.line, 5);
  assert.deepEqual(t[1]?.children?.[1]?.args, ['/bin/a b', 'root']);
  assert.equal(t[1]?.children?.[1]?.rest, '"/bin/a b" root');
});
