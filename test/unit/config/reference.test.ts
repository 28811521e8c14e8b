// The keyword reference is generated from the tables; the committed copy must be current, and
// every keyword keepalived installs (inventory Appendix A) must have a table entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listKeywords, renderReference } from '../../../src/config/reference.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');

test('docs/config-reference.md matches the keyword tables (run scripts/gen-config-docs.mjs)', () => {
  const committed = readFileSync(join(root, 'docs/config-reference.md'), 'utf8');
  assert.equal(committed, renderReference());
});

test('every keyword has a description and a syntax string', () => {
  for (const k of listKeywords()) {
    assert.ok(k.doc.length > 5, `${[...k.path, k.keyword].join(' > ')} has a description`);
    assert.equal(typeof k.syntax, 'string');
  }
});

const inventory = '/work/shared/reference/keepalived-inventory.md';
test('every keyword keepalived 2.4.3 installs is known', { skip: existsSync(inventory) ? false : 'no inventory' }, () => {
  const text = readFileSync(inventory, 'utf8');
  const start = text.indexOf('## Appendix A');
  const end = text.indexOf('## Appendix B');
  const wanted = new Set<string>();
  for (const m of text.slice(start, end).matchAll(/^\| `([^`]+)` \|/gm)) {
    for (const w of (m[1] ?? '').split(' / ')) wanted.add(w.trim());
  }
  const known = new Set<string>();
  for (const k of listKeywords()) for (const n of [k.keyword, ...k.aliases, ...k.deprecated]) known.add(n);
  // Sub-keywords parsed inline (authentication, auth_hmac) are not separate table rows.
  for (const inline of ['auth_type', 'auth_pass', 'key', 'active_key', 'anti_replay', 'time_window', 'mode']) known.add(inline);
  const missing = [...wanted].filter((w) => !known.has(w));
  assert.deepEqual(missing, []);
  assert.ok(wanted.size > 300);
});
