// The preprocessor against keepalived 2.2.7 itself: configurations made only of unknown
// top-level keywords make `keepalived -t` list every logical line it ends up with
// ("(Line N) Unknown keyword 'WORD'"), which must equal our tree's keywords and lines.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile } from '../../src/config/reader.js';

const KEEPALIVED = '/usr/sbin/keepalived';
const SENTINEL = 'zz_end_of_config';
const CONFIG_ID = 'node1';

const CASES: Record<string, string> = {
  'plain and comments': 'k_a # c\nk_b ! c\nk_c\\#d\n  k_e\t\n\n\nk_f "q # not comment"\n',
  'definitions': '$A=x\nk_$A\n$B=${A}_y\nk_$B\nk_${B}z\n$A=w\nk_$B\nk_$UNDEF\nk_$A/1\n$E=\nk_e$E\n',
  'definition edge cases': '$C =1\nk_c$C\n$D= spaced\nk_${D}\n$_HASH=h\nk_${_HASH}\nk_${_BANG}x\n',
  'built-ins': 'k_${_INSTANCE}\n$I=${_INSTANCE}\nk_i$I\n',
  'conditionals': `@${CONFIG_ID} k_yes\n@other k_no\n@^other k_yes2\n@^${CONFIG_ID} k_no2\n@${CONFIG_ID}\n$X=@other\n$X k_no3\n`,
  // Not compared: `$Y=@node1` then `$Y k_yes` — keepalived 2.2.7 strips the "@id " with the
  // pre-substitution line length and prints a garbled keyword ('k_yde1'); we keep 'k_yes'
  // (unit-tested in config-reader.test.ts).
  '~SEQ forms': '~SEQ(i,3) k_a$i\n~SEQ(i,5,3) k_b$i\n~SEQ(i,0,4,10) k_c$i\n~SEQx(i,9,12) k_d$i\n~SEQ(i,-2) k_e$i\n$N=2\n~SEQ(i,1,$N) k_f$i\n~SEQ(i,0x10,0x11) k_g$i\n~SEQ(i,010,011) k_h$i\n',
  '~LST forms': '~LST(v,a,b,c) k_a$v\n~LST({n,p},{1,x},{2}) k_b${n}_$p\n~LST( v , a , b ) k_c$v\n',
  'nested expansions': '~SEQ(i,2) ~LST(v,a,b) k_${i}$v\n~LST(v,a,b) ~SEQ(i,2) k_x${v}$i\n',
  'multi-line definitions': '$M= \\\nk_m1 \\\n  k_m2   \\\nk_m3\n$M\nk_mid $M\n$N=k_n1 \\\nk_n2\n\nk_after\n$N\n',
  'multi-line with ~SEQ': '$M=k_a$i \\\nk_b$i\n~SEQ(i,2) $M\n',
  'invalid expansions': '~SEQ(i,1,-1,5) k_bad\n~SEQ(i) k_bad2\n~LST(a) k_bad3\n~FOO k_x\n',
};

/** Random macro programs (seeded): keepalived decides what they mean. */
function randomPrograms(count: number): string[] {
  let seed = 0x0ddba11;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const names = ['A', 'B', 'C1', '_d'];
  const ref = (): string => {
    const n = names[rnd(names.length)] as string;
    return [`$${n}`, `\${${n}}`, `$${n}x`, `\${${n}}_`][rnd(4)] as string;
  };
  const word = (): string => ['k', 'k_' + ref(), `k${rnd(9)}`, 'k_' + ref() + '_' + ref()][rnd(4)] as string;
  const programs: string[] = [];
  for (let p = 0; p < count; p++) {
    // Every name is defined up front: an undefined `${X}` would leave braces on the line,
    // and blocks are outside what this oracle compares.
    const lines: string[] = ['$A=a', '$B=b', '$C1=c', '$_d=d', '$M=k_m', '$N=k_n'];
    const n = 3 + rnd(10);
    for (let i = 0; i < n; i++) {
      switch (rnd(9)) {
        case 0: {
          // Never self-referencing: keepalived grows such a line until it overflows and
          // keeps a truncated text (we report an error instead).
          const target = names[rnd(names.length)] as string;
          let value = ['v' + rnd(9), ref(), ref() + 'z', ''][rnd(4)] as string;
          if (value.includes(target)) value = 'v';
          lines.push(`$${target}=${value}`);
          break;
        }
        case 1: lines.push(`~SEQ(${names[rnd(names.length)]},${rnd(3)},${1 + rnd(3)},${rnd(6)}) ${word()}`); break;
        case 2: lines.push(`~LST(${names[rnd(names.length)]},a${rnd(3)},b) ${word()}`); break;
        case 3: lines.push(`@${[CONFIG_ID, 'other'][rnd(2)]} ${word()}`); break;
        case 4: lines.push(`@^${[CONFIG_ID, 'other'][rnd(2)]} ${word()}`); break;
        case 5: lines.push(`$${['M', 'N'][rnd(2)]}=${word()} \\`, word()); break;
        case 6: lines.push(`${word()} # ${word()}`); break;
        case 7: lines.push(['$M', '$N', '${M}', ref()][rnd(4)] as string); break;
        default: lines.push(word());
      }
    }
    programs.push(lines.join('\n') + '\n');
  }
  return programs;
}
randomPrograms(100).forEach((text, i) => { CASES[`random program ${i}`] = text; });

const skip = existsSync(KEEPALIVED) ? undefined : `needs ${KEEPALIVED}`;

function keepalivedLines(file: string): string[] {
  const r = spawnSync(KEEPALIVED, ['-t', '-i', CONFIG_ID, '-f', file], { encoding: 'utf8', timeout: 30_000 });
  const out: string[] = [];
  for (const line of r.stderr.split('\n')) {
    const m = /^\((?:[^:]*: )?Line (\d+)\) Unknown keyword '(.*)'$/.exec(line);
    if (!m) continue;
    out.push(`${m[1]}:${m[2]}`);
    // keepalived reads the configuration once per process; the first pass is enough.
    if (m[2] === SENTINEL) break;
  }
  return out;
}

describe('preprocessor agrees with keepalived 2.2.7', { skip }, () => {
  let dir = '';
  before(() => { dir = mkdtempSync(join(tmpdir(), 'kts-oracle-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, body] of Object.entries(CASES)) {
    test(name, () => {
      const text = body + SENTINEL + '\n';
      const file = join(dir, `${name.replace(/\W+/g, '_')}.conf`);
      writeFileSync(file, text);
      const theirs = keepalivedLines(file);
      assert.ok(theirs.length > 0 && theirs[theirs.length - 1]?.endsWith(SENTINEL), `keepalived output not understood: ${JSON.stringify(theirs)}`);
      const ours = readConfigFile(file, { configId: CONFIG_ID }).nodes.map((n) => `${n.loc.line}:${n.keyword}`);
      assert.deepEqual(ours, theirs);
    });
  }
});
