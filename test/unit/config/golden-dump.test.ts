// Pins what the reader and the keyword layer make of real configurations: the `-d --json`
// dump, the `-d` text dump and every diagnostic, hashed, for the examples, the test fixtures,
// keepalived's own samples and the benchmark's generated 100,000-line file. Speed work on the
// config path must leave these byte-for-byte unchanged. After a deliberate change of output,
// refresh with `KTS_UPDATE_GOLDEN=1 KTS_TEST_FILTER=golden-dump node scripts/run-tests.mjs unit`
// and say in the commit why the output changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/load.js';
import { dumpConfigJson, dumpConfigText } from '../../../src/config/dump.js';
import { generateBigConfig } from '../../lib/big-config.js';
import { sharedDir } from '../../lib/shared.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const goldenFile = join(root, 'test', 'unit', 'config', 'golden-dump.json');
const golden = JSON.parse(readFileSync(goldenFile, 'utf8')) as Record<string, string>;
const update = process.env.KTS_UPDATE_GOLDEN === '1';
const fresh: Record<string, string> = {};

function confFiles(dir: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) continue;
    if (keep(name)) out.push(p);
  }
  return out;
}

/** Everything a user sees of a configuration, with the machine-specific directory taken out. */
function fingerprint(path: string, base: string): string {
  const loaded = loadConfig(path, {
    configId: 'golden', hostname: 'golden', env: {}, random: () => 0.5,
    interfaceExists: (name) => /^(eth|lo|bond|dummy)/.test(name),
    scriptUsable: () => true, userExists: () => true,
  });
  const data: { files: string[]; nodes: typeof loaded.nodes; config?: unknown } = { files: loaded.files, nodes: loaded.nodes };
  if (loaded.config !== undefined) data.config = loaded.config;
  const text = [dumpConfigJson(data), dumpConfigText(loaded.nodes), JSON.stringify(loaded.diagnostics), String(loaded.missingMainFile)].join('\n');
  return createHash('sha256').update(text.split(base).join('<BASE>')).digest('hex');
}

function check(name: string, path: string, base: string): void {
  const hash = fingerprint(path, base);
  fresh[name] = hash;
  if (!update) assert.equal(hash, golden[name], `${name}: dump or diagnostics changed`);
}

const shared = sharedDir();
const cases: { name: string; path: string; base: string }[] = [
  ...confFiles(join(root, 'examples'), (n) => n.endsWith('.conf')).map((p) => ({ name: relative(root, p), path: p, base: root })),
  ...['valid', 'invalid'].flatMap((d) => confFiles(join(root, 'test', 'fixtures', 'configs', d), (n) => n.endsWith('.conf'))
    .map((p) => ({ name: relative(root, p), path: p, base: root }))),
  ...(shared ? confFiles(join(shared, 'fixtures', 'keepalived-samples'), (n) => n.startsWith('keepalived.conf'))
    .map((p) => ({ name: `samples/${relative(join(shared, 'fixtures', 'keepalived-samples'), p)}`, path: p, base: shared })) : []),
];

for (const c of cases) test(`golden dump: ${c.name}`, () => { check(c.name, c.path, c.base); });

test('golden dump: the benchmark\'s generated 100,000-line configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-golden-'));
  try {
    const file = join(dir, 'big.conf');
    writeFileSync(file, generateBigConfig());
    check('bench/big.conf', file, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('golden dump: every golden case was checked', () => {
  if (update) {
    writeFileSync(goldenFile, JSON.stringify({ ...golden, ...fresh }, null, 2) + '\n');
    return;
  }
  assert.ok(cases.length >= 20, `only ${cases.length} configurations found`);
});
