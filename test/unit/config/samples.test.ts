// keepalived's own sample configurations (read at test time from the shared fixtures) must build
// without errors; warnings (interfaces missing here, script security) are allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildConfig } from '../../../src/config/build.js';
import { formatDiagnostic } from '../../../src/config/ast.js';
import { readConfigText } from '../../../src/config/reader.js';

const dir = '/work/shared/fixtures/keepalived-samples';
const samples = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('keepalived.conf')) : [];

test('sample configurations are present', { skip: samples.length === 0 ? `no samples at ${dir}` : false }, () => {
  assert.ok(samples.length >= 20);
});

// Samples that keepalived 2.2.7 itself rejects (checked with `keepalived -t`), with the lines
// it reports: a sync group listing members without `group {}`, rules with a bad address, a
// fwmark service with a protocol, state MASTER with AH authentication.
const KNOWN_BAD: Record<string, number[]> = {
  'keepalived.conf.vrrp.lvs_syncd': [4, 5],
  'keepalived.conf.vrrp.rules': [11, 26],
  // protocol given for a fwmark service
  'keepalived.conf.fwmark': [12],
  // state MASTER with AH authentication
  'keepalived.conf.SSL_GET': [14],
};

// Samples written for a given `-i CONFIG_ID`.
const CONFIG_ID: Record<string, string> = { 'keepalived.conf.conditional_conf': 'high' };

for (const f of samples) {
  test(`sample ${f} builds ${KNOWN_BAD[f] ? 'with keepalived\'s errors' : 'without errors'}`, () => {
    const text = readFileSync(join(dir, f), 'utf8');
    const read = readConfigText(text, join(dir, f), { configId: CONFIG_ID[f] ?? 'testhost' });
    const built = buildConfig(read.nodes, { hostname: 'testhost' });
    const { config } = built;
    const diagnostics = [...read.diagnostics, ...built.diagnostics];
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const bad = KNOWN_BAD[f];
    if (bad) {
      for (const line of bad) assert.ok(errors.some((d) => d.loc.line === line), `an error on line ${line}: ${errors.map(formatDiagnostic).join('; ')}`);
    } else {
      assert.deepEqual(errors.map(formatDiagnostic), []);
    }
    // The model must survive the parent→child JSON hop unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(config)), config);
  });
}
