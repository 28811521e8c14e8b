// keepalivectl's pure parts: arguments (socket derived from the pid file as the daemon does),
// the status JSON check, and terminal formatting (colour only when asked).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCtlArgs } from '../../src/cli/keepalivectl.js';
import { formatStatus } from '../../src/cli/keepalivectl-format.js';
import { parseDaemonStatus, zeroCounters, type DaemonStatus } from '../../src/daemon/status.js';
import { renderMetrics } from '../../src/daemon/status-metrics.js';

const ST: DaemonStatus = {
  version: 1, at: 10_000, phase: 'running', pids: { parent: 1, vrrp: 2 }, errors: { checker: 'no answer within 2000 ms' },
  vrrp: [{ name: 'VI_1', interface: 'eth0', vrid: 51, family: 'inet', version: 3, state: 'FAULT', priority: 100, effectivePriority: 80,
    masterAddress: '', vips: ['10.0.0.1/24'], vipsInstalled: false, lastTransition: { at: 4_000, from: 'MASTER', to: 'FAULT', reason: 'fault: eth0 down' },
    counters: { ...zeroCounters(), authFailure: 3 }, scripts: [{ name: 'script chk', result: 'bad', weight: -20 }] }],
  virtualServers: [],
};

test('keepalivectl arguments: socket beside the pid file, usage errors', () => {
  assert.deepEqual(parseCtlArgs(['status']), { socket: '/run/keepalived.ctl', json: false, command: 'status', arg: undefined });
  assert.deepEqual(parseCtlArgs(['-p', '/tmp/x/k.pid', 'stats', '--json']), { socket: '/tmp/x/k.ctl', json: true, command: 'stats', arg: undefined });
  assert.deepEqual(parseCtlArgs(['--socket=/s.ctl', 'dump', 'json']), { socket: '/s.ctl', json: false, command: 'dump', arg: 'json' });
  assert.deepEqual(parseCtlArgs(['dump', 'core']), { error: "dump kind must be data, stats or json, not 'core'" });
  assert.deepEqual(parseCtlArgs(['status', 'x']), { error: 'too many arguments for status' });
  assert.deepEqual(parseCtlArgs(['--socket']), { error: '--socket needs a path' });
  assert.deepEqual(parseCtlArgs([]), { error: 'no command' });
  assert.equal(parseCtlArgs(['-h']), 'help');
});

test('status JSON: version checked', () => {
  assert.equal(parseDaemonStatus('{"version":2,"vrrp":[],"virtualServers":[]}'), 'status version 2, this keepalivectl reads version 1');
  assert.match(parseDaemonStatus('nope') as string, /^not JSON/);
  assert.equal((parseDaemonStatus(JSON.stringify(ST)) as DaemonStatus).vrrp[0]?.state, 'FAULT');
});

test('status text: plain without colour, escape codes with it; child errors and the fault reason shown', () => {
  const plain = formatStatus(ST, { color: false });
  assert.ok(!plain.includes('\u001b'));
  assert.match(plain, /^checker child: no answer within 2000 ms$/m);
  assert.match(plain, /^VI_1\s+eth0\s+51\s+FAULT\s+100\s+80\s+-\s+10\.0\.0\.1\/24\s+6s ago\s+fault: eth0 down$/m);
  const coloured = formatStatus(ST, { color: true });
  assert.ok(coloured.includes('\u001b[31mFAULT'), 'FAULT in red');
});

test('metrics: values and labels from the status', async () => {
  const { body, contentType } = await renderMetrics(ST);
  assert.match(contentType, /^text\/plain/);
  assert.match(body, /^keepalived_ts_vrrp_state\{instance="VI_1",interface="eth0",vrid="51",state="FAULT"\} 1$/m);
  assert.match(body, /^keepalived_ts_vrrp_state\{instance="VI_1",interface="eth0",vrid="51",state="MASTER"\} 0$/m);
  assert.match(body, /^keepalived_ts_vrrp_effective_priority\{instance="VI_1",interface="eth0",vrid="51"\} 80$/m);
  assert.match(body, /^keepalived_ts_vrrp_receive_errors_total\{instance="VI_1",interface="eth0",vrid="51",error="auth_failure"\} 3$/m);
  assert.match(body, /^keepalived_ts_vrrp_tracker_good\{instance="VI_1",interface="eth0",vrid="51",tracker="script chk"\} 0$/m);
  assert.match(body, /^keepalived_ts_child_answered\{role="vrrp"\} 1$/m);
  assert.doesNotMatch(body, /child_answered\{role="checker"\}/, 'no checker child runs');
});

test('BFD sessions: a status table row and metrics', async () => {
  const st: DaemonStatus = {
    ...ST, pids: { parent: 1, bfd: 3 }, errors: {},
    bfd: [{ name: 'B1', neighbor: '10.0.0.2', state: 'Down', remoteState: 'Up', localDiag: 'Control Detection Time Expired', remoteDiag: 'No Diagnostic',
      since: 7_000, txIntervalUs: 1_000_000, detectionTimeUs: 150_000, packetsIn: 12, packetsOut: 30 }],
  };
  const text = formatStatus(st, { color: false });
  assert.match(text, /parent 1 {2}vrrp - {2}checker - {2}bfd 3$/m);
  assert.match(text, /^B1\s+10\.0\.0\.2\s+Down\s+Up\s+150 ms\s+3s ago\s+Control Detection Time Expired$/m);
  const { body } = await renderMetrics(st);
  assert.match(body, /^keepalived_ts_bfd_session_up\{session="B1",neighbor="10\.0\.0\.2"\} 0$/m);
  assert.match(body, /^keepalived_ts_bfd_detection_time_seconds\{session="B1",neighbor="10\.0\.0\.2"\} 0\.15$/m);
  assert.match(body, /^keepalived_ts_bfd_packets_total\{session="B1",neighbor="10\.0\.0\.2",direction="received"\} 12$/m);
  assert.match(body, /^keepalived_ts_child_answered\{role="bfd"\} 1$/m);
});
