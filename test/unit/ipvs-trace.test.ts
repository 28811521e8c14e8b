// The VM benchmark's reading of the kernel's trace of IPVS changes (test/vm/fixtures/ipvs-trace.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changeSpan, changesIn, traceChanges, type IpvsTrace } from '../vm/fixtures/ipvs-trace.js';

// As the VM's kernel (Debian 6.1) wrote them with trace_clock mono.
const TRACE = `# tracer: nop
#
# entries-in-buffer/entries-written: 3/3   #P:1
#
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
         ipvsadm-134     [000] .....    13.859210: ip_vs_add_service: (ip_vs_add_service+0x0/0x4e0 [ip_vs])
         ipvsadm-134     [000] .....    13.859992: ip_vs_add_dest: (ip_vs_add_dest+0x0/0x2e0 [ip_vs])
 Keepalived_heal-171     [000] d....    13.860750: ip_vs_del_dest: (ip_vs_del_dest+0x0/0x220 [ip_vs])
         ipvsadm-134     [000] .....    13.861000: other_event: (something)
`;

test('trace lines become change times on performance.now()s clock, only for the probed events', () => {
  const events = new Set(['ip_vs_add_service', 'ip_vs_add_dest', 'ip_vs_del_dest']);
  const t = traceChanges(TRACE, events, 13_000);
  assert.deepEqual(t.map((x) => Math.round(x * 1000) / 1000), [859.21, 859.992, 860.75]);
  assert.deepEqual(traceChanges('', events, 0), []);
});

test('the span is the first and last change after `after` up to the poll; without one, the poll time', () => {
  const trace: IpvsTrace = { probed: [], clear: () => {}, close: () => {}, changes: () => [10, 20, 30, 40] };
  assert.deepEqual(changeSpan(trace, 5, 35), { first: 10, last: 30, traced: true });
  assert.deepEqual(changeSpan(trace, 10, 20), { first: 20, last: 20, traced: true });
  // A change at `after` itself belongs to the span before (the flip was written after it).
  assert.deepEqual(changeSpan(trace, 40, 50), { first: 50, last: 50, traced: false });
  assert.deepEqual(changeSpan(undefined, 0, 50), { first: 50, last: 50, traced: false });
  assert.deepEqual(changesIn(trace, 10, 40), [20, 30, 40]);
  assert.deepEqual(changesIn(undefined, 0, 50), []);
});
