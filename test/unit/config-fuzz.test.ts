// Thousands of mutated configurations through the reader and the keyword layer (what -t runs): it must never throw, never
// hang, and every diagnostic must point at a file and a line. Deterministic (seeded).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigText } from '../../src/config/reader.js';
import { buildConfig } from '../../src/config/build.js';
import type { Diagnostic } from '../../src/config/ast.js';

const root = process.env.KTS_ROOT ?? process.cwd();
const ITERATIONS = 4000;
/** A hang detector, not a performance assertion: one input must never take seconds. */
const PER_INPUT_LIMIT_MS = 5000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = [
  '{', '}', '"', "'", '#', '!', '\\', '$', '@', '~', '(', ')', ',', '\n', ' ', '\t', '\r', '\0',
  '{ }', '} {', '$X=', '$X=a \\\n', '$X', '${X}', '${_RANDOM 1 9}', '${_RANDOM a}', '${_ENV HOME}', '${_PWD}',
  '${_INSTANCE}', '$_HASH', '@node1 ', '@^node1 ', '@', '~SEQ(i,1,3) ', '~SEQ(i,3) ', '~SEQx(i,0,255) ', '~SEQ(i,1,0,2) ',
  '~LST(v,a,b) ', '~LST({a,b},{1,2},{3}) ', '~LST(', '~SEQ(', 'include inc/*.conf\n', 'include loop.conf\n',
  'include {a,b}.conf\n', 'include nothere.conf\n', 'includer ', '$$$$', '"quoted { text }"', 'x'.repeat(1100),
  'vrrp_instance V {\n', 'virtual_ipaddress {\n', '$M=\\\n', '$A=$A\n', '$A=${A}x\n', '~SEQ(i,1,1000000) $A\n',
];

function mutate(text: string, rnd: () => number): string {
  const pick = <T>(arr: readonly T[]): T => arr[Math.floor(rnd() * arr.length)] as T;
  let s = text;
  const rounds = 1 + Math.floor(rnd() * 6);
  for (let r = 0; r < rounds; r++) {
    const pos = Math.floor(rnd() * (s.length + 1));
    switch (Math.floor(rnd() * 6)) {
      case 0: s = s.slice(0, pos) + s.slice(pos + 1 + Math.floor(rnd() * 20)); break;
      case 1: s = s.slice(0, pos) + pick(FRAGMENTS) + s.slice(pos); break;
      case 2: s = s.slice(0, pos) + String.fromCharCode(Math.floor(rnd() * 256)) + s.slice(pos); break;
      case 3: {
        const lines = s.split('\n');
        const i = Math.floor(rnd() * lines.length);
        lines.splice(i, 0, lines[Math.floor(rnd() * lines.length)] ?? '');
        s = lines.join('\n');
        break;
      }
      case 4: {
        const lines = s.split('\n');
        const i = Math.floor(rnd() * lines.length);
        const j = Math.floor(rnd() * lines.length);
        [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
        s = lines.join('\n');
        break;
      }
      default: s = s.slice(0, pos) + s.slice(Math.floor(rnd() * s.length)); break;
    }
  }
  return s;
}

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kts-fuzz-'));
  writeFileSync(join(dir, 'loop.conf'), 'include loop.conf\n$X=1\n');
  writeFileSync(join(dir, 'a.conf'), 'include b.conf\n}\n');
  writeFileSync(join(dir, 'b.conf'), 'include a.conf\n{\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test(`reader and keyword layer survive ${ITERATIONS} mutated configurations`, () => {
  const corpusDir = join(root, 'test', 'fixtures', 'configs');
  const seeds: string[] = [];
  for (const kind of ['valid', 'invalid']) {
    for (const n of readdirSync(join(corpusDir, kind)).sort()) seeds.push(readFileSync(join(corpusDir, kind, n), 'latin1'));
  }
  assert.ok(seeds.length >= 10);
  const rnd = mulberry32(0x6b656570);
  let withDiagnostics = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const input = mutate(seeds[i % seeds.length] as string, rnd);
    const started = performance.now();
    const r = readConfigText(input, join(dir, 'fuzz.conf'), { configId: 'node1', random: rnd, env: {}, maxExpandedLines: 20_000 });
    // What `-t` does next: the keyword layer on the tree.
    const built = buildConfig(r.nodes, { interfaceExists: (name) => name === 'eth0', hostname: 'fuzz' });
    const elapsed = performance.now() - started;
    assert.ok(elapsed < PER_INPUT_LIMIT_MS, `input ${i} took ${elapsed} ms:\n${JSON.stringify(input)}`);
    const diagnostics: Diagnostic[] = [...r.diagnostics, ...built.diagnostics];
    if (diagnostics.length > 0) withDiagnostics++;
    for (const d of diagnostics) {
      assert.ok(d.loc.file.length > 0, `input ${i}: diagnostic without file: ${d.message}`);
      assert.ok(Number.isInteger(d.loc.line) && d.loc.line >= 1, `input ${i}: line ${d.loc.line}: ${d.message}\n${JSON.stringify(input)}`);
      assert.doesNotMatch(d.message, /internal error/, `input ${i} crashed the reader:\n${JSON.stringify(input)}`);
    }
    const walk = (nodes: typeof r.nodes): void => {
      for (const n of nodes) {
        assert.ok(n.loc.line >= 1 && n.loc.file.length > 0, `input ${i}: node ${n.keyword} without location`);
        assert.equal(typeof n.keyword, 'string');
        if (n.children) walk(n.children);
      }
    };
    walk(r.nodes);
  }
  // The mutations do reach the error paths.
  assert.ok(withDiagnostics > ITERATIONS / 4, `only ${withDiagnostics} inputs produced diagnostics`);
});
