// loadConfig without keepNodes builds each top-level block as soon as the reader has it and
// drops the tree: the configuration and every diagnostic, in order, must be exactly what
// the whole-tree build gives, and no node may outlive the read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ConfigNode } from '../../../src/config/ast.js';
import { buildConfig, ConfigBuilder } from '../../../src/config/build.js';
import { loadConfig, type LoadOptions } from '../../../src/config/load.js';
import { readConfigText } from '../../../src/config/reader.js';
import { generateBigConfig } from '../../lib/big-config.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

const env: LoadOptions = {
  configId: 'node1', hostname: 'h', env: {}, random: () => 0.5,
  interfaceExists: (name) => name === 'eth0' || name === 'eth1',
  scriptUsable: () => true, userExists: () => true,
};

/** Both ways of loading `path`: everything but the tree must be identical. */
function assertSameBothWays(path: string): void {
  const whole = loadConfig(path, env);
  const streamed = loadConfig(path, { ...env, keepNodes: false });
  assert.deepEqual(streamed.nodes, []);
  assert.deepEqual(streamed.diagnostics, whole.diagnostics, `${path}: diagnostics`);
  assert.deepEqual(streamed.config, whole.config, `${path}: config`);
  assert.deepEqual(streamed.files, whole.files);
  assert.equal(streamed.missingMainFile, whole.missingMainFile);
}

// Broken in the ways that touch block boundaries: where the reader hands a block over.
const BROKEN: Record<string, string> = {
  'unclosed block': 'global_defs {\n router_id A\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 1\n',
  'unclosed nested block': 'vrrp_instance V {\n interface eth0\n virtual_ipaddress {\n 10.0.0.1\n',
  'stray brace': '}\nvrrp_instance V {\n interface eth0\n}\n}\nbogus_top x\n',
  'brace on the next line': 'vrrp_instance V\n{\n interface eth0\n virtual_router_id 1\n}\nvirtual_server 10.0.0.1 80\n{\n real_server 10.0.0.2 80\n {\n }\n}\n',
  'brace after a closed block': 'vrrp_instance V {\n interface eth0\n}\n{\n state MASTER\n}\n',
  'block-less top-level keywords': 'net_namespace\nuse_pid_dir x\nvrrp_instance\nglobal_defs\nunknown_kw 1 2\nchild_wait_time 5',
  'duplicates and unknowns': 'vrrp_instance V {\n interface eth0\n virtual_router_id 1\n}\nvrrp_instance V {\n interface eth1\n}\nfoo {\n bar\n}\nvrrp_instance W {\n interface eth9\n nope 1\n virtual_router_id 1\n}\n',
  'no newline at the end': 'global_defs {\n router_id A\n}\nuse_pid_dir',
  'deep nesting': `vrrp_instance V {\n${'a {\n'.repeat(40)}${'}\n'.repeat(40)}}\nvrrp_instance W {\n virtual_router_id 300\n}\n`,
  'quotes and conditionals': '@node1 vrrp_instance V {\n@node2 bogus\n interface "eth0\n}\n$X=vrrp_instance\n$X Y {\n}\n~SEQ(i,1,3) vrrp_instance I$i {\n~SEQ(i,1,3) }\n',
  'config of a missing file': '',
};

test('streamed build: same config and diagnostics as the whole tree, on broken configurations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-stream-'));
  try {
    for (const [name, text] of Object.entries(BROKEN)) {
      const path = join(dir, `${name.replace(/ /g, '-')}.conf`);
      if (text !== '') writeFileSync(path, text);
      assertSameBothWays(path);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('streamed build: same as the whole tree on the examples and fixtures', () => {
  const dirs = [join(root, 'examples'), join(root, 'test', 'fixtures', 'configs', 'valid'), join(root, 'test', 'fixtures', 'configs', 'invalid')];
  let n = 0;
  for (const d of dirs) {
    for (const f of readdirSync(d).filter((x) => x.endsWith('.conf'))) {
      assertSameBothWays(join(d, f));
      n++;
    }
  }
  assert.ok(n > 10);
});

test('streamed build: same as the whole tree on the benchmark configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-stream-'));
  try {
    const path = join(dir, 'big.conf');
    writeFileSync(path, generateBigConfig());
    assertSameBothWays(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ConfigBuilder fed node by node equals buildConfig', () => {
  const text = Object.values(BROKEN).join('\n');
  const read = readConfigText(text, 't.conf', { configId: 'node1' });
  const builder = new ConfigBuilder({ hostname: 'h' });
  for (const n of read.nodes) builder.add(n);
  assert.deepEqual(builder.finish(), buildConfig(read.nodes, { hostname: 'h' }));
});

test('the reader hands each top-level node over in file order, once, with its block complete', () => {
  const text = 'a 1\nb {\n c {\n d\n }\n}\ne\n{\n f\n}\ng\n';
  const seen: ConfigNode[] = [];
  const r = readConfigText(text, 't.conf', { configId: 'x', onTopLevel: (n) => seen.push(n) });
  assert.deepEqual(r.nodes, []);
  assert.deepEqual(seen, readConfigText(text, 't.conf', { configId: 'x' }).nodes);
});

test('streamed build: no node outlives the read', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const refs: WeakRef<ConfigNode>[] = [];
  const builder = new ConfigBuilder({ hostname: 'h' });
  const text = 'global_defs {\n router_id A\n}\n' + Array.from({ length: 50 }, (_, i) =>
    `vrrp_instance V${i} {\n interface eth0\n virtual_router_id ${i + 1}\n virtual_ipaddress {\n 10.0.0.${i + 1}/24\n }\n}\n` +
    `virtual_server 10.1.0.${i + 1} 80 {\n protocol TCP\n real_server 10.2.0.${i + 1} 80 {\n TCP_CHECK {\n connect_timeout 3\n }\n }\n}\n`).join('');
  readConfigText(text, 't.conf', { configId: 'x', onTopLevel: (n) => { refs.push(new WeakRef(n)); builder.add(n); } });
  const built = builder.finish();
  assert.equal(built.config.vrrpInstances.length, 50);
  assert.equal(refs.length, 101);
  // WeakRef targets are kept until the current job ends.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0, 'top-level nodes still reachable');
  assert.equal(built.config.virtualServers.length, 50);
});
