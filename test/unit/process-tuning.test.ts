// Process tuning on recording calls: a realtime priority wins over nice (as keepalived),
// RLIMIT_RTTIME gets a floor a Node thread can live with and warns at half, the affinity is the
// JS thread's, *_no_swap is refused in words, and a refusal (no CAP_SYS_NICE) is logged while
// the rest still applies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyProcessTuning, rttimeLimits, RTTIME_FLOOR_US, SCHED_RESET_ON_FORK, SCHED_RR, type TuningCalls } from '../../src/daemon/process-tuning.js';
import type { ProcessTuning } from '../../src/config/model.js';

function recorder(fail: Partial<Record<'nice' | 'setScheduler' | 'setRlimit' | 'setAffinity', string>> = {}) {
  const calls: string[] = [];
  let sigxcpu: (() => void) | undefined;
  const maybeFail = (k: keyof typeof fail) => { if (fail[k]) throw Object.assign(new Error(fail[k]), { code: 'EPERM' }); };
  const c: TuningCalls = {
    nice: (n) => { maybeFail('nice'); calls.push(`nice ${n}`); },
    sched: {
      setScheduler: (tid, policy, prio) => { maybeFail('setScheduler'); calls.push(`sched ${tid} ${policy} ${prio}`); },
      setRlimit: (r, soft, hard) => { maybeFail('setRlimit'); calls.push(`rlimit ${r} ${soft} ${hard}`); },
      setAffinity: (tid, cpus) => { maybeFail('setAffinity'); calls.push(`affinity ${tid} ${cpus.join(',')}`); },
    },
    onSigxcpu: (h) => { sigxcpu = h; },
  };
  return { c, calls, fire: () => sigxcpu?.() };
}

const tuning = (t: Partial<ProcessTuning>): ProcessTuning => ({ noSwap: false, rlimitRttimeUs: 10_000, ...t });

test('RLIMIT_RTTIME: at least the floor, soft at half', () => {
  assert.deepEqual(rttimeLimits(10_000), { soft: RTTIME_FLOOR_US / 2, hard: RTTIME_FLOOR_US });
  assert.deepEqual(rttimeLimits(5_000_000), { soft: 2_500_000, hard: 5_000_000 });
});

test('realtime priority: SCHED_RR (reset on fork) on the JS thread, the limit, SIGXCPU logged; nice then left alone', () => {
  const r = recorder();
  const lines: string[] = [];
  applyProcessTuning(tuning({ rtPriority: 10, nice: -5, cpuAffinity: [0, 1] }), (l) => lines.push(l), r.c);
  assert.deepEqual(r.calls, [`sched 0 ${SCHED_RR | SCHED_RESET_ON_FORK} 10`, `rlimit 15 500000 1000000`, 'affinity 0 0,1']);
  r.fire();
  assert.match(lines[0] ?? '', /^SIGXCPU: the realtime thread ran over 500000 us without blocking/);
});

test('nice without a realtime priority; no_swap refused; nothing asked, nothing done', () => {
  const r = recorder();
  const lines: string[] = [];
  applyProcessTuning(tuning({ nice: -7, noSwap: true }), (l) => lines.push(l), r.c);
  assert.deepEqual(r.calls, ['nice -7']);
  assert.match(lines.join('\n'), /\*_no_swap is not supported by keepalived-ts/);
  const none = recorder();
  applyProcessTuning(tuning({}), () => assert.fail('nothing to log'), none.c);
  applyProcessTuning(undefined, () => assert.fail('nothing to log'), none.c);
  assert.deepEqual(none.calls, []);
});

test('a refusal is logged and the rest still applies', () => {
  const r = recorder({ setScheduler: 'Operation not permitted' });
  const lines: string[] = [];
  applyProcessTuning(tuning({ rtPriority: 20, cpuAffinity: [1] }), (l) => lines.push(l), r.c);
  assert.deepEqual(lines, ['cannot set realtime priority 20: Operation not permitted']);
  assert.deepEqual(r.calls, ['affinity 0 1'], 'no rlimit without the realtime policy; the affinity still set');
});
