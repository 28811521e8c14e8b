#!/usr/bin/env node
// Developer aid: prints what the state machine does for each step of a conformance
// fixture, to review by hand before writing the expectations into the fixture.
//   npm run build && node scripts/record-vrrp-conformance.mjs test/fixtures/vrrp-conformance/NAME.json
import { readFileSync } from 'node:fs';
import { runFixture } from '../dist/test/lib/vrrp-conformance.js';

for (const file of process.argv.slice(2).filter((a) => a.endsWith(".json"))) {
  const fixture = JSON.parse(readFileSync(file, 'utf8'));
  console.log(`== ${file}: ${fixture.rule}`);
  for (const o of runFixture(fixture)) {
    console.log(`-- at ${o.step.at} ${JSON.stringify(o.step.event)} -> ${o.state.state} prio ${o.state.effectivePriority} deadline ${o.state.deadline}`);
    for (const a of o.actions) console.log(`   ${JSON.stringify(a)}`);
    for (const h of o.packets) console.log(`   packet ${h}`);
  }
}

// --write: store what was printed as the fixture's expectations (only after reviewing it).
if (process.argv.includes('--write')) {
  const { writeFileSync } = await import('node:fs');
  for (const file of process.argv.slice(2).filter((a) => a.endsWith('.json'))) {
    const fixture = JSON.parse(readFileSync(file, 'utf8'));
    const outcomes = runFixture(fixture);
    // Packets are recorded only for fixtures that ask for them ("recordPackets": true).
    fixture.steps = outcomes.map((o) => ({ ...o.step, state: o.state.state, deadline: o.state.deadline, actions: o.actions, ...(fixture.recordPackets ? { packets: o.packets } : {}) }));
    writeFileSync(file, JSON.stringify(fixture, null, 2) + '\n');
  }
}
