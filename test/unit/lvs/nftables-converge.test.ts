// planConverge on states built from our own messages (the kernel's side is covered by
// test/integration/nft-readback.test.ts): what is kept, rewritten and removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fullMessages } from '../../../src/lvs/nftables/ruleset.js';
import { perElement, planConverge } from '../../../src/lvs/nftables/converge.js';
import { TableState } from '../../../src/lvs/nftables/state.js';
import { NftMsg } from '../../../src/net/nftables/constants.js';
import { svc, tcp } from './fixtures.js';

const a = svc(tcp('10.0.0.1', 80), [['10.1.0.1', 80, 1], ['10.1.0.2', 80, 2]], { scheduler: 'wrr' });
const b = svc(tcp('10.0.0.2', 80), [['10.1.0.1', 80, 1]], { scheduler: 'rr', persistence: { timeout: 60, prefixLength: 32 } });
const state = (...s: Parameters<typeof fullMessages>[1][]) => TableState.fromMessages(fullMessages('t', s.flat()), perElement);

test('a table equal to the desired one is adopted without a message', () => {
  assert.deepEqual(planConverge('t', [a, b], state([a, b])), { messages: [], kept: ['tcp [10.0.0.1]:80', 'tcp [10.0.0.2]:80'], replaced: [], removed: [] });
});

test('the order real servers were added in does not matter', () => {
  const reordered = { ...a, destinations: [...a.destinations].reverse() };
  assert.deepEqual(planConverge('t', [a], state([reordered])).messages, []);
});

test('a changed service is deleted and written again in the same batch; a leftover is removed; no table: full write', () => {
  const heavier = structuredClone(a);
  heavier.destinations[0]!.weight = 5;
  const p = planConverge('t', [heavier], state([a, b]));
  assert.deepEqual([p.kept, p.replaced, p.removed, p.rewrite], [[], ['tcp [10.0.0.1]:80'], ['tcp_10.0.0.2_80'], undefined]);
  // Dispatch entries go first, chains are flushed before they are deleted, then the new service.
  assert.equal(p.messages[0]!.msg, NftMsg.DELSETELEM);
  const firstDelChain = p.messages.findIndex((m) => m.msg === NftMsg.DELCHAIN);
  const lastFlush = p.messages.findLastIndex((m) => m.msg === NftMsg.DELRULE);
  assert.ok(lastFlush < firstDelChain);
  assert.equal(p.messages.at(-1)!.msg, NftMsg.NEWSETELEM);
  assert.match(planConverge('t', [a], undefined).rewrite ?? '', /no table/);
});
