import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigText, readConfigFile, type ReadOptions } from '../../src/config/reader.js';
import type { ConfigNode } from '../../src/config/ast.js';
import { decomment, splitAtBrace, splitCommandLine, tokenizeLine } from '../../src/config/lexer.js';
import { expandBraces } from '../../src/config/glob.js';

const opts: ReadOptions = { configId: 'node1', env: { HOME_DIR: '/home/x' }, random: () => 0.5 };

function read(text: string, o: ReadOptions = opts) {
  return readConfigText(text, 'test.conf', o);
}

/** Compact view of a tree: "keyword args...@line" with children in brackets. */
function shape(nodes: ConfigNode[]): unknown[] {
  return nodes.map((n) => {
    const head = [n.keyword, ...n.args].join(' ') + '@' + n.loc.line;
    return n.children ? { [head]: shape(n.children) } : head;
  });
}

function messages(r: ReturnType<typeof read>): string[] {
  return r.diagnostics.map((d) => `${d.loc.line}:${d.severity}:${d.message}`);
}

describe('lexer', () => {
  test('decomment strips # and ! comments outside double quotes', () => {
    assert.equal(decomment('  router_id foo # comment').text, 'router_id foo');
    assert.equal(decomment('router_id foo! comment').text, 'router_id foo');
    assert.equal(decomment('script "/bin/echo #1 !2" # c').text, 'script "/bin/echo #1 !2"');
    assert.equal(decomment('# whole line').text, '');
    assert.equal(decomment('! whole line').text, '');
  });
  test('decomment: \\# and \\! outside quotes are literal, other escapes kept', () => {
    assert.equal(decomment('a \\#b \\!c').text, 'a #b !c');
    assert.equal(decomment('a "\\#b"').text, 'a "\\#b"');
    assert.equal(decomment('a \\t').text, 'a \\t');
  });
  test('decomment: trailing backslash is a continuation, unterminated quote flagged', () => {
    const d = decomment('$X=a b   \\');
    assert.equal(d.continued, true);
    assert.equal(d.text, '$X=a b\\');
    assert.equal(decomment('a "b').unterminatedQuote, true);
    assert.equal(decomment('a "b\\"c"').unterminatedQuote, false);
  });
  test('braces split into their own logical lines', () => {
    assert.deepEqual(splitAtBrace('vrrp_instance VI {'), { head: 'vrrp_instance VI', residue: '{' });
    assert.deepEqual(splitAtBrace('{ 1.2.3.4 }'), { head: '{', residue: '1.2.3.4 }' });
    assert.deepEqual(splitAtBrace('}'), { head: '}', residue: undefined });
    assert.deepEqual(splitAtBrace('a "x{y}" {'), { head: 'a "x{y}"', residue: '{' });
  });
  test('tokenizeLine: double quotes group, single quotes are ordinary', () => {
    assert.deepEqual(tokenizeLine('a "b c" d').words, ['a', 'b c', 'd']);
    assert.deepEqual(tokenizeLine("a 'b c'").words, ['a', "'b", "c'"]);
    assert.deepEqual(tokenizeLine('a\tb\f c').words, ['a', 'b', 'c']);
    assert.deepEqual(tokenizeLine('ab"c d"e').words, ['ab', 'c d', 'e']);
    assert.equal(tokenizeLine('a "b').unmatchedQuote, true);
  });
  test('splitCommandLine: quotes glue, escapes decoded', () => {
    assert.deepEqual(splitCommandLine(`/bin/x 'a b' "c d"`), { ok: true, words: ['/bin/x', 'a b', 'c d'] });
    assert.deepEqual(splitCommandLine(`abcd" efg "h`), { ok: true, words: ['abcd efg h'] });
    assert.deepEqual(splitCommandLine('a\\tb \\x41\\101 \\cA \\q \\"'), { ok: true, words: ['a\tb', 'AA', '\x01', 'q', '"'] });
    assert.deepEqual(splitCommandLine('a\\tb', false), { ok: true, words: ['a\\tb'] });
    assert.equal(splitCommandLine(`'abc`).ok, false);
    assert.equal(splitCommandLine('abc\\').ok, false);
  });
  test('expandBraces', () => {
    assert.deepEqual(expandBraces('a{b,c}d'), ['abd', 'acd']);
    assert.deepEqual(expandBraces('{x,y}{1,2}'), ['x1', 'x2', 'y1', 'y2']);
    assert.deepEqual(expandBraces('a{b,{c,d}}'), ['ab', 'ac', 'ad']);
    assert.deepEqual(expandBraces('a{}b'), ['a{}b']);
  });
});

describe('blocks', () => {
  test('brace on keyword line, on the next line, and one-line blocks', () => {
    const r = read([
      'global_defs {',
      '  router_id R1',
      '}',
      'vrrp_instance VI_1',
      '{',
      '  virtual_ipaddress { 10.0.0.1/24 }',
      '  track_interface {',
      '    eth0 weight 10',
      '  }',
      '}',
      'static_ipaddress { 1.1.1.1/32 dev lo',
      '}',
    ].join('\n'));
    assert.deepEqual(messages(r), []);
    assert.deepEqual(shape(r.nodes), [
      { 'global_defs@1': ['router_id R1@2'] },
      { 'vrrp_instance VI_1@4': [{ 'virtual_ipaddress@6': ['10.0.0.1/24@6'] }, { 'track_interface@7': ['eth0 weight 10@8'] }] },
      { 'static_ipaddress@11': ['1.1.1.1/32 dev lo@11'] },
    ]);
  });
  test('value block with several items on the brace line keeps them on one line', () => {
    const r = read('virtual_ipaddress { 10.1.1.101/24 10.1.1.102/24 }');
    assert.deepEqual(shape(r.nodes), [{ 'virtual_ipaddress@1': ['10.1.1.101/24 10.1.1.102/24@1'] }]);
  });
  test('comments anywhere outside quotes', () => {
    const r = read('global_defs { # c1\n  router_id "a#b" ! c2\n} # end\n! x\n# y\n');
    assert.deepEqual(shape(r.nodes), [{ 'global_defs@1': ['router_id a#b@2'] }]);
    assert.deepEqual(messages(r), []);
  });
  test('rest keeps the raw text after the keyword', () => {
    const r = read(`vrrp_instance V {\n  notify_master "/bin/x 'a b'" root # c\n}`);
    const n = r.nodes[0]?.children?.[0];
    assert.equal(n?.keyword, 'notify_master');
    assert.equal(n?.rest, `"/bin/x 'a b'" root`);
    assert.deepEqual(n?.args, ["/bin/x 'a b'", 'root']);
  });
  test('unclosed block names the line where it was opened', () => {
    const r = read('global_defs {\n router_id x\n}\nvrrp_instance V {\n state MASTER\n virtual_ipaddress {\n  1.2.3.4\n');
    assert.deepEqual(messages(r), [
      "6:error:'virtual_ipaddress' block opened here is never closed (missing '}')",
      "4:error:'vrrp_instance' block opened here is never closed (missing '}')",
    ]);
  });
  test('stray } is located', () => {
    const r = read('global_defs {\n router_id x\n}\n}\n');
    assert.deepEqual(messages(r), ["4:error:Extra '}' found"]);
  });
  test('unexpected { is located', () => {
    const r = read('global_defs {\n{\n}\n}\n');
    assert.ok(messages(r).includes("2:error:Unexpected '{' - ignoring"));
  });
  test('unterminated quote is reported at its line', () => {
    const r = read('global_defs {\n router_id "abc\n}\n');
    assert.deepEqual(messages(r), ["2:error:Unterminated quote 'router_id \"abc'"]);
  });
  test('CRLF line endings and blank lines keep line numbers', () => {
    const r = read('global_defs {\r\n\r\n  router_id x\r\n}\r\n');
    assert.deepEqual(shape(r.nodes), [{ 'global_defs@1': ['router_id x@3'] }]);
  });
  test('over-long lines and NULs are rejected with their line', () => {
    const r = read(`global_defs {\n router_id ${'x'.repeat(1100)}\n a\0b\n}\n`);
    assert.deepEqual(messages(r), ['2:error:line too long - ignoring', '3:error:configuration appears to have embedded NULs - ignoring line']);
    assert.deepEqual(shape(r.nodes), [{ 'global_defs@1': [] }]);
  });
});

describe('conditionals', () => {
  const text = '@node1 a 1\n@node2 b 2\n@^node1 c 3\n@^node2 d 4\n@node1\n';
  test('@id keeps lines for the config id, @^id the others', () => {
    assert.deepEqual(shape(read(text).nodes), ['a 1@1', 'd 4@4']);
    assert.deepEqual(shape(read(text, { ...opts, configId: 'node2' }).nodes), ['b 2@2', 'c 3@3']);
  });
  test('conditionals work inside blocks and on definitions', () => {
    const r = read('@node1 $P=200\n@node2 $P=100\nvrrp_instance V {\n @node1 priority $P\n @^node1 priority 1\n}\n');
    assert.deepEqual(shape(r.nodes), [{ 'vrrp_instance V@3': ['priority 200@4'] }]);
  });
  test('a definition expanding to @id is checked again', () => {
    const r = read('$X=@node2\n$X a\n$Y=@node1\n$Y b\n');
    assert.deepEqual(shape(r.nodes), ['b@4']);
  });
});

describe('definitions', () => {
  test('$NAME and ${NAME} substitution, recursive, undefined left alone', () => {
    const r = read('$A=10.0.0\n$B=${A}.1\nx $B/24 ${A}.2 $UNDEF $Bz ${B},$B)\n');
    // `$B/24`: a bare reference must be followed by a blank, ',' or ')' (keepalived's rule).
    assert.deepEqual(shape(r.nodes), ['x $B/24 10.0.0.2 $UNDEF $Bz 10.0.0.1,10.0.0.1)@3']);
  });
  test('redefinition applies to later lines; no blank allowed before =', () => {
    const r = read('$A=1\nx $A\n$A=2\nx $A\n$B =3\n');
    assert.deepEqual(shape(r.nodes), ['x 1@2', 'x 2@4', '$B =3@5']);
  });
  test('empty value', () => {
    assert.deepEqual(shape(read('$E=\nx a$E b\nx ${E}c\n').nodes), ['x a b@2', 'x c@3']);
  });
  test('multi-line definition injects its lines (blocks included)', () => {
    const r = read([
      '$INST= \\',
      'vrrp_instance VI_$N { \\',
      '  priority $P \\',
      '}',
      '$N=1',
      '$P=150',
      '$INST',
      '$N=2',
      '$INST',
    ].join('\n'));
    assert.deepEqual(shape(r.nodes), [
      { 'vrrp_instance VI_1@7': ['priority 150@7'] },
      { 'vrrp_instance VI_2@9': ['priority 150@9'] },
    ]);
    assert.deepEqual(messages(r), []);
  });
  test('multi-line definition at the end of a keyword line continues on following lines', () => {
    const r = read('$M=router_id \\\n   foo\nglobal_defs {\n  a $M\n}\n');
    assert.deepEqual(shape(r.nodes), [{ 'global_defs@3': ['a router_id@4', 'foo@4'] }]);
  });
  test('a blank line ends a multi-line definition', () => {
    const r = read('$M=a \\\nb \\\n\nc\n$M\n');
    assert.deepEqual(shape(r.nodes), ['c@4', 'a@5', 'b@5']);
  });
  test('built-ins: _INSTANCE, _PWD, _HASH, _BANG, _ENV, _RANDOM; user definitions override', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-cfg-'));
    try {
      // The line is decommented again after substitution: ${_HASH} only survives inside quotes.
      const r = readConfigText('x ${_INSTANCE} ${_PWD} "${_HASH}${_BANG}" ${_ENV HOME_DIR} ${_RANDOM} ${_RANDOM 10 20}\n$_HASH=h\ny ${_HASH}\nz ${_BANG}c\n',
        join(dir, 'k.conf'), opts);
      assert.deepEqual(shape(r.nodes), [`x node1 ${dir} #! /home/x 16384 15@1`, 'y h@3', 'z@4']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('wrong built-in parameters are reported and left alone', () => {
    const r = read('x ${_RANDOM a}\ny ${_RANDOM 1 2 3}\n');
    assert.deepEqual(messages(r), [
      '1:error:Definition _RANDOM requires numeric parameters only.',
      '2:error:Definition _RANDOM requires between 0 and 2 parameters, 3 specified.',
    ]);
  });
  test('a self-referencing definition is stopped, not looped on', () => {
    const r = read('$A=$A\nx $A\n$B=x$B\ny $B\n');
    assert.equal(r.diagnostics.length, 2);
    assert.ok(r.diagnostics.every((d) => d.loc.line === 2 || d.loc.line === 4));
  });
});

describe('~SEQ and ~LST', () => {
  test('~SEQ forms (end), (start,end), (start,step,end), hex, negative', () => {
    assert.deepEqual(shape(read('~SEQ(i,3) a $i').nodes), ['a 1@1', 'a 2@1', 'a 3@1']);
    assert.deepEqual(shape(read('~SEQ(i, 5, 3) a $i').nodes), ['a 5@1', 'a 4@1', 'a 3@1']);
    assert.deepEqual(shape(read('~SEQ(i,0,5,12) a $i').nodes), ['a 0@1', 'a 5@1', 'a 10@1']);
    assert.deepEqual(shape(read('~SEQx(i,9,12) a $i').nodes), ['a 9@1', 'a a@1', 'a b@1', 'a c@1']);
    assert.deepEqual(shape(read('~SEQ(i,0x10,0x11) a $i').nodes), ['a 16@1', 'a 17@1']);
    assert.deepEqual(shape(read('~SEQ(i,-2) a $i').nodes), ['a -1@1', 'a -2@1']);
    assert.deepEqual(shape(read('$N=2\n~SEQ(i,1,$N) a $i').nodes), ['a 1@2', 'a 2@2']);
  });
  test('invalid ~SEQ is reported', () => {
    assert.deepEqual(messages(read('~SEQ(i,1,-1,5) a')), ["1:error:Invalid ~SEQ values '~SEQ(i,1,-1,5) a'"]);
    assert.deepEqual(messages(read('~SEQ(i) a')), ["1:error:Invalid ~SEQ definition '~SEQ(i) a'"]);
    assert.deepEqual(messages(read('~SEQ(i,1,2 a')), ["1:error:~SEQ missing terminating ')' '~SEQ(i,1,2 a'"]);
    assert.deepEqual(messages(read('~SEQx(i,-1,2) a')), ["1:error:~SEQx is only valid for positive numbers '~SEQx(i,-1,2) a'"]);
  });
  test('~LST single variable and tuples; nesting, leftmost outermost', () => {
    assert.deepEqual(shape(read('~LST(v, a, b, c) x $v').nodes), ['x a@1', 'x b@1', 'x c@1']);
    assert.deepEqual(shape(read('~LST({n,p}, {1,100}, {2}) x $n $p').nodes), ['x 1 100@1', 'x 2@1']);
    assert.deepEqual(shape(read('~SEQ(i,2) ~LST(v,a,b) x${i}$v').nodes), ['x1a@1', 'x1b@1', 'x2a@1', 'x2b@1']);
    assert.deepEqual(messages(read('~LST({a}, {1,2}) x')), ["1:error:~LST specification has too many values '~LST({a}, {1,2}) x'"]);
    assert.deepEqual(messages(read('~LST(a) x')), ["1:error:Invalid ~LST specification '~LST(a) x'"]);
  });
  test('~SEQ with a multi-line definition generates blocks', () => {
    const r = read('$B=vs $i { \\\n  x $i \\\n}\n~SEQ(i,2) $B\n');
    assert.deepEqual(shape(r.nodes), [{ 'vs 1@4': ['x 1@4'] }, { 'vs 2@4': ['x 2@4'] }]);
  });
  test('other ~ lines are left to the keyword layer', () => {
    assert.deepEqual(shape(read('~FOO $x').nodes), ['~FOO $x@1']);
  });
  test('a huge expansion is bounded', () => {
    const r = read('~SEQ(i,1,100000000) x $i', { ...opts, maxExpandedLines: 1000 });
    assert.equal(r.nodes.length, 1000);
    assert.match(r.diagnostics[0]?.message ?? '', /expands to more than/);
  });
});

describe('include', () => {
  function withDir(files: Record<string, string>, fn: (dir: string) => void): void {
    const dir = mkdtempSync(join(tmpdir(), 'kts-inc-'));
    try {
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(join(dir, name, '..'), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
      fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test('relative to the including file, nested, globs and braces, locations per file', () => {
    withDir({
      'main.conf': 'a 1\ninclude sub/*.conf\ninclude other/{x,y}.inc\nb 2\n',
      'sub/2.conf': 'two\n',
      'sub/1.conf': '\none\ninclude ../other/z.inc\n',
      'other/x.inc': 'x\n',
      'other/y.inc': 'y\n',
      'other/z.inc': 'z\n',
    }, (dir) => {
      const r = readConfigFile(join(dir, 'main.conf'), opts);
      assert.deepEqual(messages(r), []);
      const where = (n: ConfigNode) => `${n.keyword}@${n.loc.file.slice(dir.length + 1)}:${n.loc.line}`;
      assert.deepEqual(r.nodes.map(where), ['a@main.conf:1', 'one@sub/1.conf:2', 'z@other/z.inc:1', 'two@sub/2.conf:1', 'x@other/x.inc:1', 'y@other/y.inc:1', 'b@main.conf:4']);
      assert.equal(r.files.length, 6);
    });
  });
  test('a block may span an include', () => {
    withDir({ 'main.conf': 'global_defs {\ninclude g.conf\n}\n', 'g.conf': ' router_id x\n' }, (dir) => {
      const r = readConfigFile(join(dir, 'main.conf'), opts);
      assert.deepEqual(shape(r.nodes), [{ 'global_defs@1': ['router_id x@1'] }]);
    });
  });
  test('missing include: warning at the include line; error with -e', () => {
    withDir({ 'main.conf': 'include nothere.conf\nincluder no*.conf\n' }, (dir) => {
      const r = readConfigFile(join(dir, 'main.conf'), opts);
      assert.deepEqual(messages(r), [
        "1:warning:configuration file 'nothere.conf' not found - ignored",
        "2:warning:no configuration file matches 'no*.conf' - ignored",
      ]);
      assert.equal(r.diagnostics[0]?.loc.file, join(dir, 'main.conf'));
      const strict = readConfigFile(join(dir, 'main.conf'), { ...opts, allConfig: true });
      assert.equal(strict.diagnostics[0]?.severity, 'error');
    });
  });
  test('include loops are detected and reported', () => {
    withDir({ 'a.conf': 'x\ninclude b.conf\n', 'b.conf': 'y\ninclude a.conf\n' }, (dir) => {
      const r = readConfigFile(join(dir, 'a.conf'), opts);
      assert.deepEqual(r.nodes.map((n) => n.keyword), ['x', 'y']);
      assert.equal(r.diagnostics.length, 1);
      assert.equal(r.diagnostics[0]?.loc.file, join(dir, 'b.conf'));
      assert.equal(r.diagnostics[0]?.loc.line, 2);
      assert.match(r.diagnostics[0]?.message ?? '', /include loop/);
    });
  });
  test('the same file included twice side by side is not a loop', () => {
    withDir({ 'a.conf': 'include b.conf\ninclude b.conf\n', 'b.conf': 'y\n' }, (dir) => {
      const r = readConfigFile(join(dir, 'a.conf'), opts);
      assert.deepEqual(r.nodes.map((n) => n.keyword), ['y', 'y']);
      assert.deepEqual(r.diagnostics, []);
    });
  });
  test('executable files are skipped with a warning', () => {
    withDir({ 'a.conf': 'include b.conf\n', 'b.conf': 'y\n' }, (dir) => {
      chmodSync(join(dir, 'b.conf'), 0o755);
      const r = readConfigFile(join(dir, 'a.conf'), opts);
      assert.deepEqual(r.nodes, []);
      assert.match(r.diagnostics[0]?.message ?? '', /not a regular non-executable file/);
    });
  });
  test('the main file may be a glob: every match read in order, with a warning', () => {
    withDir({ 'k1.conf': 'one\n', 'k2.conf': 'two\n' }, (dir) => {
      const r = readConfigFile(join(dir, 'k*.conf'), opts);
      assert.deepEqual(r.nodes.map((n) => `${n.keyword}@${n.loc.file.slice(dir.length + 1)}:${n.loc.line}`), ['one@k1.conf:1', 'two@k2.conf:1']);
      assert.deepEqual(r.files, [join(dir, 'k1.conf'), join(dir, 'k2.conf')]);
      assert.equal(r.diagnostics.length, 1);
      assert.equal(r.diagnostics[0]?.severity, 'warning');
      const none = readConfigFile(join(dir, 'z*.conf'), opts);
      assert.deepEqual(none.files, []);
      assert.equal(none.diagnostics[0]?.severity, 'error');
    });
  });
  test('a missing main file is reported, never thrown', () => {
    const r = readConfigFile('/nonexistent/keepalived.conf', opts);
    assert.equal(r.nodes.length, 0);
    assert.equal(r.diagnostics[0]?.severity, 'error');
    assert.deepEqual(r.files, []);
  });
});

describe('bounds', () => {
  test('blocks nested too deep are dropped with a located error', () => {
    const r = read('~SEQ(i,40) b$i {\nx\n~SEQ(i,40) }\ntail\n');
    assert.equal(r.diagnostics.length, 1);
    assert.equal(r.diagnostics[0]?.loc.line, 1);
    assert.match(r.diagnostics[0]?.message ?? '', /nested more than 32 deep/);
    let depth = 0;
    for (let n: ConfigNode | undefined = r.nodes[0]; n; n = n.children?.[0]) depth++;
    assert.equal(depth, 32);
    assert.deepEqual(r.nodes.map((n) => n.keyword), ['b1', 'tail']);
  });
});

describe('encoding', () => {
  test('files are read as UTF-8 and the line limit counts bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-utf8-'));
    try {
      const f = join(dir, 'k.conf');
      writeFileSync(f, `global_defs {\n  router_id "café"\n  x ${'é'.repeat(520)}\n}\n`);
      const r = readConfigFile(f, opts);
      assert.deepEqual(shape(r.nodes), [{ 'global_defs@1': ['router_id café@2'] }]);
      assert.deepEqual(messages(r), ['3:error:line too long - ignoring']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
