#!/usr/bin/env node
// Builds everything `npm ci` must leave ready: the native addon (when native/binding.gyp
// exists) and the TypeScript sources. Run by the package's `prepare` script.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
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

// The daemon's entry points as one ES module each, sharing chunks (dist/src/bundle/): the
// parent (bin/keepalived-ts) and its children then load a few files instead of 60-90 modules
// each. Loading the checker's code took 2.4 s as modules and 1.1 s bundled under the VM's
// emulated CPU (0.5 s of it Node's own start), a large part of a 10,000-server start; on
// real hardware the saving is ~15 ms (of ~250 ms for `-t` on a 100,000-line file). The modules in
// dist/src stay what tests and genhash/keepalivectl import. Without esbuild (an install
// without devDependencies) bin/keepalived-ts runs the modules.
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error('build: esbuild is not installed; bin/keepalived-ts will load dist/src modules');
}
if (esbuild) {
  const src = join(root, 'dist', 'src');
  rmSync(join(src, 'bundle'), { recursive: true, force: true });
  await esbuild.build({
    entryPoints: {
      'keepalived-ts': join(src, 'cli', 'keepalived-ts.js'),
      child: join(src, 'daemon', 'child.js'),
      services: join(src, 'daemon', 'services.js'),
    },
    // Same depth as dist/src/<dir>/: paths made from import.meta.url (the addon) still resolve.
    outdir: join(src, 'bundle'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}
