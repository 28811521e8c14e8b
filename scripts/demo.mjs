#!/usr/bin/env node
// `npm run demo`: the two-router failover lab (src/demo/demo.ts, built to dist/).
import { existsSync } from 'node:fs';
const demo = new URL('../dist/src/demo/demo.js', import.meta.url);
if (!existsSync(demo)) {
  console.error('demo: not built; run `npm ci` (or `npm run build`) first');
  process.exit(1);
}
await import(demo.href);
