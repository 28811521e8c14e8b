#!/usr/bin/env node
// Runs the compiled tests with node's own test runner.
//   node scripts/run-tests.mjs            every suite: unit, integration, faults, interop, vm
//   node scripts/run-tests.mjs unit vm    only those suites
// Suites that need root, namespaces, keepalived or qemu check for them themselves.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// KTS_TEST_FILTER=vrrp runs only the files whose path contains "vrrp".
const filter = process.env.KTS_TEST_FILTER ?? '';
const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'integration', 'faults', 'interop', 'vm'];

function collect(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.js') && (!filter || p.includes(filter))) out.push(p);
  }
  return out;
}

/**
 * The failing tests of one TAP file, each with its diagnostics (the YAML block under
 * `not ok`), so the end of a long CI log says what failed and why.
 */
function failures(tapText) {
  const out = [];
  const lines = tapText.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)not ok \d+ - (.*)$/.exec(lines[i]);
    if (!m) continue;
    const body = [];
    if (lines[i + 1]?.trim() === '---') {
      for (let j = i + 2; j < lines.length && lines[j].trim() !== '...'; j++) body.push(lines[j].slice(m[1].length + 2));
    }
    // A suite fails when a subtest does: keep only the innermost failures.
    if (body.some((l) => /^failureType: 'subtestsFailed'/.test(l))) continue;
    out.push({ name: m[2], body: body.filter((l) => !l.includes('(node:')).slice(0, 80) });
  }
  return out;
}

let failed = false;
const failing = [];
const totals = { pass: 0, fail: 0, skipped: 0 };
const tapDir = mkdtempSync(join(tmpdir(), 'kts-tap-'));
for (const suite of suites) {
  const files = collect(join(root, 'dist', 'test', suite), []);
  if (files.length === 0) continue;
  console.log(`\n=== ${suite}: ${files.length} file(s) ===`);
  // Unit tests are pure and run in parallel; the others share the kernel (namespaces,
  // timing), so they run one file at a time.
  const concurrency = suite === 'unit' ? '4' : '1';
  const tap = join(tapDir, `${suite}.tap`);
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, KTS_ROOT: root },
  });
  if (r.status !== 0) failed = true;
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  for (const key of Object.keys(totals)) {
    const m = text.match(new RegExp(`^# ${key} (\\d+)$`, 'm'));
    if (m) totals[key] += Number(m[1]);
  }
  for (const f of failures(text)) failing.push({ suite, ...f });
}
rmSync(tapDir, { recursive: true, force: true });
// One plain closing line over every suite.
for (const f of failing) console.log(`\nFAILED (${f.suite}) ${f.name}\n${f.body.join('\n')}`);
console.log(`\ntotal: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
process.exit(failed || totals.fail > 0 ? 1 : 0);
