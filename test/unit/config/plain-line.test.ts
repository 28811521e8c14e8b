// The reader's fast path for plain lines (Preprocessor.plainLine) must build exactly the tree
// and diagnostics the general path builds: the same text is read with the fast path (as
// readConfigText does) and without it (a sink of logical lines only), over hand-picked edge
// cases and seeded random lines made of the characters that decide which path a line takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Preprocessor } from '../../../src/config/preprocess.js';
import { TreeBuilder } from '../../../src/config/tree.js';
import { Prng } from '../../lib/prng.js';

function read(text: string, fast: boolean, maxExpandedLines?: number): unknown {
  const tree = new TreeBuilder();
  const opts = { configId: 'host', env: {}, random: () => 0.5, sink: (l: Parameters<TreeBuilder['add']>[0]) => tree.add(l), ...(fast ? { words: tree } : {}), ...(maxExpandedLines !== undefined ? { maxExpandedLines } : {}) };
  const pre = Preprocessor.fromText(text, '/nonexistent/plain.conf', opts);
  const built = tree.finish();
  return { nodes: built.nodes, diagnostics: [...pre.diagnostics, ...built.diagnostics] };
}

function same(text: string, maxExpandedLines?: number): void {
  assert.deepEqual(read(text, true, maxExpandedLines), read(text, false, maxExpandedLines), JSON.stringify(text));
}

const EDGE_CASES = [
  'vrrp_instance VI_1 {\n  state MASTER\n  priority\t100\n}\n',
  'a{\nb }\n}\n}\n{\n',
  'x {   \n\t\n   \ny\t{\t\n}   \n',
  'a { b\n}\n',
  'a } b\n',
  'a\r\nb {\r\n}\r\n',
  'w\u00a0x y\u00e9 {\n}\n',
  'include_x y\ninclude\ni x\n',
  '@host a b\n@^host c\n$X=1\nz $X\n~SEQ(i,1,2) n ${i}\n',
  'a # c\nb ! c\nd "q r" s\ne \\# f\n',
  'a\fb\nc\vd\ne\u0000f\n',
  `${'w '.repeat(400)}\n${'v'.repeat(1100)}\n`,
  'no newline at end {',
  '',
  '\n\n\n',
  '$M=a \\\n  b\n\nc {\n}\n',
  '{\n{\n}\n',
  // Around the fast path's word limit (64): the rest take the general path.
  `${Array.from({ length: 64 }, (_, i) => `w${i}`).join(' ')}\n`,
  `${Array.from({ length: 65 }, (_, i) => `w${i}`).join(' ')} {\n}\n`,
  `${'k '.repeat(63)}k {\n${'k\t'.repeat(66)}\n}\n`,
];

test('plain-line fast path: edge cases read as by the general path', () => {
  for (const text of EDGE_CASES) same(text);
});

test('plain-line fast path: the expanded-line bound is the same', () => {
  same('a {\nb\nc\n}\nd {\n}\n', 3);
  same('a {\nb\nc\n}\nd {\n}\n', 4);
});

test('plain-line fast path: random lines read as by the general path', () => {
  const rng = new Prng(20261122);
  const pieces = ['a', 'bc', 'vrrp', 'include', ' ', ' ', '\t', '{', '}', '"', '#', '!', '\\', '$', '@', '~', '\r', '0', '10.0.0.1/24', 'é', '\u00a0'];
  for (let n = 0; n < 300; n++) {
    const lines: string[] = [];
    for (let l = rng.int(1, 12); l > 0; l--) {
      let line = '';
      for (let k = rng.int(0, 8); k > 0; k--) line += rng.pick(pieces);
      lines.push(line);
    }
    same(lines.join('\n') + (rng.int(0, 1) ? '\n' : ''));
  }
});
