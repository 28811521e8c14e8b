import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../../src/config/build.js';
import { CheckerProcess } from '../../../src/check/process.js';
import { FakeBackend } from '../../../src/lvs/backend.js';
import { describeOperation } from '../../../src/lvs/reconciler.js';
import { serviceKeyString, type ServiceEntry } from '../../../src/lvs/desired.js';
import { ServiceError, type ChildContext } from '../../../src/daemon/service.js';
import type { Logger } from '../../../src/daemon/log.js';
import { parseTree } from '../../lib/tree.js';
import { VirtualClock } from './virtual-clock.js';

function model(text: string): unknown {
  const { config, diagnostics } = buildConfig(parseTree(text), { hostname: 'h' });
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
  return JSON.parse(JSON.stringify(config)) as unknown;
}

const rs = (addr: string, weight: number, extra = ''): string => `  real_server ${addr} 80 {\n    weight ${weight}\n${extra}    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n`;
const vs = (vip: string, body: string, extra = ''): string => `virtual_server ${vip} 80 {\n  delay_loop 5\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n${extra}${body}}\n`;

const A = vs('10.0.0.1', rs('192.168.0.1', 1) + rs('192.168.0.2', 2)) + vs('10.0.0.2', rs('192.168.0.3', 1)) + vs('10.0.0.3', rs('192.168.0.4', 1, '    alpha\n'), '  sorry_server 192.168.0.9 80\n');
const B = vs('10.0.0.1', rs('192.168.0.1', 3) + rs('192.168.0.2', 2)) + vs('10.0.0.3', rs('192.168.0.4', 1, '    alpha\n'), '  sorry_server 192.168.0.9 80\n') + vs('10.0.0.4', rs('192.168.0.5', 1));

function harness(initial: ServiceEntry[] = []): { proc: CheckerProcess; fake: FakeBackend; lines: string[] } {
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), error: (m: string) => lines.push(`ERR ${m}`), warn: (m: string) => lines.push(`WARN ${m}`), debug: () => undefined } as unknown as Logger;
  const ctx: ChildContext = { role: 'checker', log, emit: () => undefined };
  const fake = new FakeBackend(initial);
  // A virtual clock that is never advanced: no check runs, the initial verdicts stand.
  const proc = new CheckerProcess(ctx, { openBackend: async () => fake, keepOnStop: false, checker: { clock: new VirtualClock() } });
  return { proc, fake, lines };
}

const summary = (t: ServiceEntry[]): Record<string, string[]> =>
  Object.fromEntries(t.map((s) => [serviceKeyString(s.key), s.destinations.map((d) => `${d.address}:${d.port} w${d.weight}`).sort()]));

test('start programs every virtual server: alpha servers out, a sorry server for a VS without quorum', async () => {
  const { proc, fake } = harness();
  await proc.start(model(A));
  assert.deepEqual(summary(fake.table), {
    'tcp [10.0.0.1]:80': ['192.168.0.1:80 w1', '192.168.0.2:80 w2'],
    'tcp [10.0.0.2]:80': ['192.168.0.3:80 w1'],
    'tcp [10.0.0.3]:80': ['192.168.0.9:80 w1'],
  });
  assert.match(await proc.dump('data'), /VS = \[10\.0\.0\.3\]:tcp:80\n.*\n.*quorum state = DOWN/);
  const json = JSON.parse(await proc.dump('json')) as { virtual_servers: Array<{ name: string; real_servers: Array<{ alive: boolean }> }> };
  assert.equal(json.virtual_servers.length, 3);
  assert.equal(json.virtual_servers[2]?.real_servers[0]?.alive, false);
  await proc.stop();
  assert.deepEqual(fake.table, []);
});

test('a restarted checker process adopts the table it finds without a single change', async () => {
  const first = harness();
  await first.proc.start(model(A));
  const table = structuredClone(first.fake.table);
  const second = harness(table);
  await second.proc.start(model(A));
  assert.deepEqual(second.fake.applied, []);
  assert.deepEqual(second.fake.table, table);
});

test('reload: a changed weight is edited in place, a removed VS deleted, a new one added, the rest untouched', async () => {
  const { proc, fake } = harness();
  await proc.start(model(A));
  fake.applied.length = 0;
  await proc.reload(model(B));
  assert.deepEqual(fake.applied.flat().map(describeOperation).sort(), [
    'add destination [192.168.0.5]:80 weight 1 to tcp [10.0.0.4]:80',
    'add service tcp [10.0.0.4]:80 (rr)',
    'delete service tcp [10.0.0.2]:80',
    'set destination [192.168.0.1]:80 weight 3 in tcp [10.0.0.1]:80',
  ]);
  await proc.stop();
});

test('each LVS operation is logged with -D, and not even described without it', async () => {
  for (const detailed of [true, false]) {
    const debug: string[] = [];
    const log = { info: () => undefined, error: () => undefined, warn: () => undefined, debug: (m: string) => debug.push(m), detailed } as unknown as Logger;
    const proc = new CheckerProcess({ role: 'checker', log, emit: () => undefined }, { openBackend: async () => new FakeBackend(), keepOnStop: true, checker: { clock: new VirtualClock() } });
    await proc.start(model(A));
    await proc.stop();
    const lvs = debug.filter((m) => m.startsWith('LVS: '));
    if (detailed) assert.ok(lvs.includes('LVS: add destination [192.168.0.2]:80 weight 2 to tcp [10.0.0.1]:80'), lvs.join('\n'));
    else assert.deepEqual(lvs, []);
  }
});

test('stop leaves the table with keepOnStop (-I)', async () => {
  const fake = new FakeBackend();
  const log = { info: () => undefined, error: () => undefined, warn: () => undefined, debug: () => undefined } as unknown as Logger;
  const proc = new CheckerProcess({ role: 'checker', log, emit: () => undefined }, { openBackend: async () => fake, keepOnStop: true, checker: { clock: new VirtualClock() } });
  await proc.start(model(A));
  await proc.stop();
  assert.equal(fake.table.length, 3);
});

test('a configuration nftables cannot carry is refused before anything changes', async () => {
  const { proc, fake } = harness();
  const cfg = model(`global_defs {\n  lvs_backend nftables\n}\n${vs('10.0.0.1', rs('192.168.0.1', 1)).replace('lb_algo rr', 'lb_algo wlc')}`);
  await assert.rejects(proc.start(cfg), /lb_algo wlc is not possible with lvs_backend nftables/);
  assert.deepEqual(fake.applied, []);
});

test('ha_suspend: checkers are suspended while the virtual address is not on the host', async () => {
  const present = new Set<string>();
  const fns: Array<() => void> = [];
  const watch = { present, onChange: (f: () => void) => { fns.push(f); }, close: () => undefined };
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), error: (m: string) => lines.push(`ERR ${m}`), warn: () => undefined, debug: () => undefined } as unknown as Logger;
  const fake = new FakeBackend();
  const proc = new CheckerProcess({ role: 'checker', log, emit: () => undefined }, { openBackend: async () => fake, watchAddresses: async () => watch, checker: { clock: new VirtualClock() } });
  await proc.start(model(vs('10.0.0.1', rs('192.168.0.1', 1), '  ha_suspend\n')));
  assert.deepEqual(lines.filter((l) => /healthchecker/.test(l)), ['Suspending healthchecker for service [10.0.0.1]:tcp:80']);
  present.add('10.0.0.1');
  for (const f of fns) f();
  await new Promise((r) => setImmediate(r));
  assert.equal(lines.filter((l) => /healthchecker/.test(l)).at(-1), 'Activating healthchecker for service [10.0.0.1]:tcp:80');
  present.delete('10.0.0.1');
  for (const f of fns) f();
  await new Promise((r) => setImmediate(r));
  assert.equal(lines.filter((l) => /healthchecker/.test(l)).at(-1), 'Suspending healthchecker for service [10.0.0.1]:tcp:80');
  await proc.stop();
});

test('a reload nftables cannot carry fails the reload and keeps the running table', async () => {
  const { proc, fake } = harness();
  const nft = `global_defs {\n  lvs_backend nftables\n}\n`;
  await proc.start(model(nft + vs('10.0.0.1', rs('192.168.0.1', 1))));
  const table = structuredClone(fake.table);
  await assert.rejects(proc.reload(model(nft + vs('10.0.0.1', rs('192.168.0.1', 1)).replace('lb_algo rr', 'lb_algo wlc'))), (e: Error) => !(e instanceof ServiceError) && /lb_algo wlc/.test(e.message));
  assert.deepEqual(fake.table, table);
  await proc.stop();
});

test('rs_init_notifies: real servers that start alive get notify_up at startup (alpha ones do not)', async () => {
  const ran: string[] = [];
  const log = { info: () => undefined, error: () => undefined, warn: () => undefined, debug: () => undefined } as unknown as Logger;
  const fake = new FakeBackend();
  const proc = new CheckerProcess({ role: 'checker', log, emit: () => undefined }, { openBackend: async () => fake, checker: { clock: new VirtualClock(), runScript: (c) => ran.push(c) } });
  const up = (n: string): string => `    notify_up "/bin/up ${n}"\n`;
  const text = (init: boolean): string => `global_defs {\n${init ? '  rs_init_notifies\n' : ''}}\n${vs('10.0.0.1', rs('192.168.0.1', 1, up('a')) + rs('192.168.0.2', 1, `    alpha\n${up('b')}`))}`;
  await proc.start(model(text(true)));
  assert.deepEqual(ran, ['/bin/up a']);
  await proc.stop();
  ran.length = 0;
  const p2 = new CheckerProcess({ role: 'checker', log, emit: () => undefined }, { openBackend: async () => new FakeBackend(), checker: { clock: new VirtualClock(), runScript: (c) => ran.push(c) } });
  await p2.start(model(text(false)));
  assert.deepEqual(ran, []);
  await p2.stop();
});

test('checker events change only their own virtual servers, and every change lands (a lost server, lost quorum and the sorry server, and back)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-proc-'));
  try {
    const file = (n: string) => join(dir, n);
    writeFileSync(file('t1'), '0\n');
    writeFileSync(file('t2'), '0\n');
    const fileRs = (addr: string, track: string): string => `  real_server ${addr} 80 {\n    weight 1\n    FILE_CHECK {\n      track_file ${track}\n      weight 0\n    }\n  }\n`;
    const text = `track_file t1 {\n  file ${file('t1')}\n  weight 0\n}\ntrack_file t2 {\n  file ${file('t2')}\n  weight 0\n}\n`
      + vs('10.0.0.1', fileRs('192.168.0.1', 't1') + fileRs('192.168.0.2', 't2'))
      + vs('10.0.0.2', fileRs('192.168.0.3', 't2'), '  sorry_server 192.168.0.9 80\n')
      + vs('10.0.0.3', fileRs('192.168.0.4', 't1'));
    const clock = new VirtualClock();
    const log = { info: () => undefined, error: () => undefined, warn: () => undefined, debug: () => undefined } as unknown as Logger;
    const fake = new FakeBackend();
    const proc = new CheckerProcess({ role: 'checker', log, emit: () => undefined }, { openBackend: async () => fake, checker: { clock } });
    await proc.start(model(text));
    const full = {
      'tcp [10.0.0.1]:80': ['192.168.0.1:80 w1', '192.168.0.2:80 w1'],
      'tcp [10.0.0.2]:80': ['192.168.0.3:80 w1'],
      'tcp [10.0.0.3]:80': ['192.168.0.4:80 w1'],
    };
    // FILE_CHECK reads the file for real: advance the virtual clock a second at a time and
    // give the reads real time, until the table is as expected (or 30 virtual seconds).
    const until = async (want: Record<string, string[]>): Promise<void> => {
      for (let i = 0; i < 30 && JSON.stringify(summary(fake.table)) !== JSON.stringify(want); i++) {
        await clock.advance(1_000);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(summary(fake.table), want);
    };
    await until(full);
    fake.applied.length = 0;
    writeFileSync(file('t2'), '1\n');
    await until({
      'tcp [10.0.0.1]:80': ['192.168.0.1:80 w1'],
      'tcp [10.0.0.2]:80': ['192.168.0.9:80 w1'],
      'tcp [10.0.0.3]:80': ['192.168.0.4:80 w1'],
    });
    // Nothing was sent for 10.0.0.3, whose server did not change.
    assert.ok(fake.applied.flat().every((o) => !describeOperation(o).includes('10.0.0.3')), fake.applied.flat().map(describeOperation).join('\n'));
    writeFileSync(file('t2'), '0\n');
    await until(full);
    await proc.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no check runs before the data plane holds the initial table; they all run after it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-proc-'));
  try {
    const track = join(dir, 't');
    writeFileSync(track, '1\n'); // the file says down from the start
    const text = `track_file t {\n  file ${track}\n  weight 0\n}\n`
      + vs('10.0.0.1', `  real_server 192.168.0.1 80 {\n    weight 1\n    FILE_CHECK {\n      track_file t\n      weight 0\n    }\n  }\n` + rs('192.168.0.2', 1));
    const clock = new VirtualClock();
    const log = { info: () => undefined, error: () => undefined, warn: () => undefined, debug: () => undefined } as unknown as Logger;
    // The first apply (the initial table) waits until the test lets it go, as a large IPVS
    // table takes seconds to program.
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    class SlowBackend extends FakeBackend {
      override async apply(ops: Parameters<FakeBackend['apply']>[0]): Promise<void> {
        if (this.applied.length === 0) await gate;
        await super.apply(ops);
      }
    }
    const fake = new SlowBackend();
    const proc = new CheckerProcess({ role: 'checker', log, emit: () => undefined }, { openBackend: async () => fake, checker: { clock } });
    const started = proc.start(model(text));
    // Meanwhile a minute passes: enough for every check to have run several times.
    for (let i = 0; i < 60; i++) {
      await clock.advance(1_000);
      await new Promise((r) => setTimeout(r, 2));
    }
    release();
    await started;
    // The initial table, and nothing queued behind it: no check had a verdict to give.
    assert.equal(fake.applied.length, 1);
    assert.deepEqual(summary(fake.table), { 'tcp [10.0.0.1]:80': ['192.168.0.1:80 w1', '192.168.0.2:80 w1'] });
    // Once the table is there the checks run: the file takes its server out.
    for (let i = 0; i < 30 && summary(fake.table)['tcp [10.0.0.1]:80']?.length !== 1; i++) {
      await clock.advance(1_000);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(summary(fake.table), { 'tcp [10.0.0.1]:80': ['192.168.0.2:80 w1'] });
    await proc.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a checker-set weight reaches the table, and goes back to the configured one; other servers keep theirs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-proc-'));
  try {
    const track = join(dir, 't');
    writeFileSync(track, '3\n');
    // FILE_CHECK with weight 2 adds value * 2 to the real server's weight.
    const text = `track_file t {\n  file ${track}\n  weight 1\n}\n`
      + vs('10.0.0.1', `  real_server 192.168.0.1 80 {\n    weight 1\n    FILE_CHECK {\n      track_file t\n      weight 2\n    }\n  }\n` + rs('192.168.0.2', 4));
    const clock = new VirtualClock();
    const log = { info: () => undefined, error: () => undefined, warn: () => undefined, debug: () => undefined } as unknown as Logger;
    const fake = new FakeBackend();
    const proc = new CheckerProcess({ role: 'checker', log, emit: () => undefined }, { openBackend: async () => fake, checker: { clock } });
    await proc.start(model(text));
    const settle = async (want: string[]): Promise<void> => {
      for (let i = 0; i < 30 && JSON.stringify(summary(fake.table)['tcp [10.0.0.1]:80']) !== JSON.stringify(want); i++) {
        await clock.advance(1_000);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(summary(fake.table), { 'tcp [10.0.0.1]:80': want });
    };
    await settle(['192.168.0.1:80 w7', '192.168.0.2:80 w4']);
    writeFileSync(track, '0\n');
    await settle(['192.168.0.1:80 w1', '192.168.0.2:80 w4']);
    await proc.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
