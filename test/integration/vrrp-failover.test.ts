// Two and three keepalived-ts routers on one bridge: election, VIP placement, graceful
// handover (priority 0), takeover after a crash, preemption back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Lab, labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import type { VrrpInstanceSpec } from '../../src/vrrp/spec.js';

const fixture = join(import.meta.dirname, 'fixtures', 'vrrp-node.js');
const VIP = '10.55.0.100';

function spec(priority: number, extra: Partial<VrrpInstanceSpec> = {}): VrrpInstanceSpec {
  return { name: 'VI_1', vrid: 55, version: 3, interface: 'eth0', priority, advertIntSec: 0.2, vips: [{ address: VIP, prefixLength: 24 }], ...extra };
}

function run(ns: Netns, s: VrrpInstanceSpec[]): ChildProcess & { output: string[] } {
  const child = ns.spawn(process.execPath, [fixture, JSON.stringify(s)]) as ChildProcess & { output: string[] };
  child.output = [];
  child.stdout?.on('data', (d: Buffer) => child.output.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr?.on('data', (d: Buffer) => child.output.push(...d.toString().split('\n').filter(Boolean)));
  return child;
}

async function hasVip(ns: Netns): Promise<boolean> {
  return (await ns.addresses('eth0')).includes(`${VIP}/24`);
}

async function holders(nodes: Netns[]): Promise<string[]> {
  const out: string[] = [];
  for (const n of nodes) if (await hasVip(n)) out.push(n.name);
  return out;
}

const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));

test('keepalived-ts routers elect the highest priority, hand over on stop, take over on crash, preempt back', { skip: labUnavailable(), timeout: 60_000 }, async () => {
  const lab = await Lab.create();
  try {
    const r1 = await lab.addHost('r1', { addrs: ['10.55.0.1/24'] });
    const r2 = await lab.addHost('r2', { addrs: ['10.55.0.2/24'] });
    const r3 = await lab.addHost('r3', { addrs: ['10.55.0.3/24'] });
    const nodes = [r1, r2, r3];
    let a = run(r1, [spec(150)]);
    const b = run(r2, [spec(100)]);
    const c = run(r3, [spec(50)]);

    await waitFor('r1 to hold the VIP', async () => (await holders(nodes)).join() === r1.name, 15_000);
    assert.ok(a.output.some((l) => l.includes('(VI_1) Entering MASTER STATE')), a.output.join('\n'));
    assert.ok(b.output.some((l) => l.includes('(VI_1) Entering BACKUP STATE')), b.output.join('\n'));

    // Graceful stop: priority 0 makes r2 (next highest) take over; r1 removed its VIP.
    a.kill('SIGTERM');
    assert.equal(await exited(a), 0);
    await waitFor('r2 to hold the VIP alone', async () => (await holders(nodes)).join() === r2.name, 5_000);

    // r1 comes back with the higher priority and preempts.
    a = run(r1, [spec(150)]);
    await waitFor('r1 to preempt', async () => (await holders(nodes)).join() === r1.name, 10_000);

    // Crash: SIGKILL leaves r1's VIP on its interface (as with keepalived), but r2 must
    // take over on the segment after the master-down interval.
    a.kill('SIGKILL');
    await exited(a);
    await waitFor('r2 to take over after the crash', () => hasVip(r2), 10_000);
    assert.equal(await hasVip(r3), false);
    void c;
  } finally {
    await lab.cleanup();
  }
});

test('IPv6 VRRPv3: the higher priority router holds the VIP, the other sees its adverts', { skip: labUnavailable(), timeout: 60_000 }, async () => {
  const lab = await Lab.create();
  try {
    const r1 = await lab.addHost('r1', { addrs: ['fd00:55::1/64'] });
    const r2 = await lab.addHost('r2', { addrs: ['fd00:55::2/64'] });
    const v6 = (p: number): VrrpInstanceSpec => ({ name: 'VI_6', vrid: 56, version: 3, family: 'inet6', interface: 'eth0', priority: p, advertIntSec: 0.2, vips: [{ address: 'fd00:55::100', prefixLength: 64 }] });
    // Link-local addresses appear once DAD finishes.
    for (const n of [r1, r2]) await waitFor('a link-local address', async () => (await n.addresses('eth0')).some((x) => x.startsWith('fe80:')), 10_000);
    const a = run(r1, [v6(200)]);
    const b = run(r2, [v6(100)]);
    await waitFor('r1 to hold the IPv6 VIP', async () => (await r1.addresses('eth0')).includes('fd00:55::100/64'), 15_000);
    // r2 must stay backup: give it several master-down intervals.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await r2.addresses('eth0')).includes('fd00:55::100/64'), false, b.output.join('\n'));
    a.kill('SIGTERM');
    await waitFor('r2 to take the IPv6 VIP', async () => (await r2.addresses('eth0')).includes('fd00:55::100/64'), 5_000);
  } finally {
    await lab.cleanup();
  }
});
