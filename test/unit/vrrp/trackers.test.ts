// track_file value parsing, track_process matching/quorum/debounce, script security.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrackFileValue } from '../../../src/vrrp/track/files.js';
import { processMatches, quorumMet, ProcessTracker, type ProcInfo } from '../../../src/vrrp/track/processes.js';
import { scriptInsecurity } from '../../../src/vrrp/track/script-security.js';
import type { TrackProcess } from '../../../src/config/model.js';

test('track_file values as strtol(base 0): decimal, hex, octal, sign, garbage', () => {
  assert.equal(parseTrackFileValue('42\n'), 42);
  assert.equal(parseTrackFileValue('  -7 trailing'), -7);
  assert.equal(parseTrackFileValue('0x10'), 16);
  assert.equal(parseTrackFileValue('010'), 8);
  assert.equal(parseTrackFileValue(''), 0);
  assert.equal(parseTrackFileValue('abc'), 0);
});

function spec(extra: Partial<TrackProcess> = {}): TrackProcess {
  return { name: 'p', loc: { file: 'f', line: 1 }, process: 'nginx', params: [], paramMatch: 'exact', weight: 0, weightReverse: false, quorum: 1, forkDelayUs: 0, terminateDelayUs: 0, fullCommand: false, ...extra };
}

test('track_process matching: comm, parameters exact/initial/partial, full command', () => {
  const p: ProcInfo = { comm: 'nginx', argv: ['/usr/sbin/nginx', '-g', 'daemon off;'] };
  assert.equal(processMatches(p, spec()), true);
  assert.equal(processMatches({ comm: 'nginx-x', argv: [] }, spec()), false);
  assert.equal(processMatches(p, spec({ params: ['-g', 'daemon off;'] })), true);
  assert.equal(processMatches(p, spec({ params: ['-g'] })), false);
  assert.equal(processMatches(p, spec({ params: ['-g'], paramMatch: 'initial' })), true);
  assert.equal(processMatches(p, spec({ params: ['-g daem'], paramMatch: 'partial' })), true);
  assert.equal(processMatches(p, spec({ process: '/usr/sbin/nginx', fullCommand: true, params: ['-g', 'daemon off;'] })), true);
  assert.equal(processMatches(p, spec({ process: 'nginx', fullCommand: true, params: ['-g', 'daemon off;'] })), false);
});

test('track_process quorum and quorum_max', () => {
  assert.equal(quorumMet(0, { quorum: 1 }), false);
  assert.equal(quorumMet(2, { quorum: 2, quorumMax: 3 }), true);
  assert.equal(quorumMet(4, { quorum: 2, quorumMax: 3 }), false);
});

test('ProcessTracker reports the first scan, then changes (terminate_delay 0)', () => {
  let procs: ProcInfo[] = [{ comm: 'nginx', argv: ['nginx'] }];
  const seen: string[] = [];
  const t = new ProcessTracker(() => undefined, (n, ok) => seen.push(`${n} ${ok}`), () => procs, 1_000_000);
  t.add(spec());
  t.start();
  assert.deepEqual(seen, ['p true']);
  procs = [];
  (t as unknown as { poll(): void }).poll();
  assert.deepEqual(seen, ['p true', 'p false']);
  t.stop();
});

test('script security: root-owned, not group/other writable, all the way up', () => {
  const tree: Record<string, { uid: number; mode: number }> = {
    '/': { uid: 0, mode: 0o40755 },
    '/etc': { uid: 0, mode: 0o40755 },
    '/etc/ka': { uid: 0, mode: 0o40755 },
    '/etc/ka/ok.sh': { uid: 0, mode: 0o100755 },
    '/etc/ka/ww.sh': { uid: 0, mode: 0o100777 },
    '/home': { uid: 0, mode: 0o40755 },
    '/home/bob': { uid: 1000, mode: 0o40755 },
    '/home/bob/x.sh': { uid: 0, mode: 0o100755 },
    '/tmp': { uid: 0, mode: 0o41777 },
    '/tmp/t.sh': { uid: 0, mode: 0o100755 },
  };
  const stat = (p: string) => tree[p];
  assert.equal(scriptInsecurity('/etc/ka/ok.sh', 0, stat), undefined);
  assert.match(scriptInsecurity('/etc/ka/ww.sh', 0, stat) ?? '', /writable by anyone/);
  assert.match(scriptInsecurity('/home/bob/x.sh', 0, stat) ?? '', /\/home\/bob is owned by uid 1000/);
  assert.match(scriptInsecurity('/tmp/t.sh', 0, stat) ?? '', /\/tmp is writable by anyone/);
  assert.match(scriptInsecurity('/nope', 0, stat) ?? '', /does not exist/);
  // Not run as root: nothing to protect.
  assert.equal(scriptInsecurity('/tmp/t.sh', 1000, stat), undefined);
});
