#!/usr/bin/env node
// Placeholder until the VRRP lab lands: checks and prints the bundled example config.
import { spawnSync } from 'node:child_process';
const conf = new URL('../examples/demo.conf', import.meta.url).pathname;
for (const flag of ['-t', '-d']) {
  const r = spawnSync(process.execPath, [new URL('../bin/keepalived-ts', import.meta.url).pathname, flag, '-f', conf], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
