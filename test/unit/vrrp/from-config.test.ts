// keepalived.conf -> typed model (src/config) -> VrrpInstanceSpec -> runtime -> bytes on
// the wire, against keepalived 2.2.7's captures of the same configuration files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseTree } from '../../lib/tree.js';
import { sharedDir } from '../../lib/shared.js';
import { assertSameWire } from '../../lib/vrrp-wire.js';
import { buildConfig, fatalDiagnostics } from '../../../src/config/build.js';
import { vrrpSpecsFromConfig, vrrpSyncGroupsFromConfig } from '../../../src/vrrp/from-config.js';
import { normaliseSpec } from '../../../src/vrrp/spec.js';

const shared = sharedDir();
const pcapDir = shared ? join(shared, 'fixtures', 'vrrp-pcap') : undefined;
const SRC4 = '10.77.0.11';
const SRC6 = 'fe80::a47f:32ff:fe7b:88fa';
const primary = (_if: string, family: 'inet' | 'inet6'): string => (family === 'inet' ? SRC4 : SRC6);

function specsOf(confPath: string) {
  const { config, diagnostics } = buildConfig(parseTree(readFileSync(confPath, 'utf8'), confPath), { hostname: 'n1' });
  // keepalived 2.2.7 runs these captures' configs, reporting some config errors (e.g.
  // "Initial state master is incompatible with AH authentication"): none may be fatal.
  assert.deepEqual(fatalDiagnostics(diagnostics), []);
  return vrrpSpecsFromConfig(config, { primaryAddress: primary });
}

for (const name of ['v2-pass', 'v2-noauth-3vip', 'v2-ah', 'v3-ipv4-fast', 'v3-ipv6', 'v3-unicast']) {
  test(`${name}.conf through the config model sends keepalived's bytes`, { skip: pcapDir ? false : '../shared not found' }, async () => {
    const specs = specsOf(join(pcapDir!, `${name}.conf`));
    assert.equal(specs.length, 1);
    const spec = specs[0]!;
    await assertSameWire(join(pcapDir!, `${name}.pcap`), spec, spec.sourceAddress ?? SRC4);
  });
}

test('every vrrp_instance of keepalived\'s sample configs maps to a runnable spec', { skip: shared ? false : '../shared not found' }, () => {
  const dir = join(shared!, 'fixtures', 'keepalived-samples');
  let n = 0;
  for (const f of readdirSync(dir).filter((x) => x.startsWith('keepalived.conf'))) {
    const { config } = buildConfig(parseTree(readFileSync(join(dir, f), 'utf8'), f), { hostname: 'n1' });
    for (const spec of vrrpSpecsFromConfig(config, { primaryAddress: primary })) {
      if (spec.vrid === 0) continue; // the model already reported the missing VRID
      const r = normaliseSpec(spec);
      assert.ok(r.ok, `${f} ${spec.name}: ${r.ok ? '' : r.errors.join('; ')}`);
      n++;
    }
  }
  assert.ok(n >= 5, `${n} instances`);
});

test('vrrp_sync_group members come through for the router', () => {
  const text = `vrrp_sync_group G1 {\n  group {\n    VI_1\n    VI_2\n  }\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\nvrrp_instance VI_2 {\n  interface eth1\n  virtual_router_id 2\n  virtual_ipaddress {\n    10.0.1.1\n  }\n}\n`;
  const { config } = buildConfig(parseTree(text), { hostname: 'n1' });
  assert.deepEqual(vrrpSyncGroupsFromConfig(config), [{ name: 'G1', members: ['VI_1', 'VI_2'] }]);
});
