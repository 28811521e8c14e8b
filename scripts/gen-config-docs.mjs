#!/usr/bin/env node
// Writes docs/config-reference.md from the keyword tables (run after `npm run build`).
//   node scripts/gen-config-docs.mjs          write the file
//   node scripts/gen-config-docs.mjs --check  exit 1 if the committed file is stale
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { renderReference } = await import(join(root, 'dist/src/config/reference.js'));
const target = join(root, 'docs/config-reference.md');
const text = renderReference();
if (process.argv.includes('--check')) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current !== text) {
    console.error('docs/config-reference.md is stale: run npm run build && node scripts/gen-config-docs.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
