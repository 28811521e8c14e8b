#!/usr/bin/env node
// Builds everything `npm ci` must leave ready: the native addon (when native/binding.gyp
// exists) and the TypeScript sources. Run by the package's `prepare` script.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function run(cmd, args, cwd = root) {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build: ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

if (existsSync(join(root, 'native', 'binding.gyp'))) {
  // npm exposes its bundled node-gyp to scripts; fall back to npx outside npm.
  const gyp = process.env.npm_config_node_gyp;
  if (gyp) run(process.execPath, [gyp, 'rebuild', '--silent'], join(root, 'native'));
  else run('npx', ['--yes', 'node-gyp', 'rebuild', '--silent'], join(root, 'native'));
}
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', root]);
