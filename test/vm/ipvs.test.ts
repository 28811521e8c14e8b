// IPVS programmed through our generic-netlink client, in a VM booted from Debian's kernel
// (this host's kernel has no IPVS). One boot runs every scenario (test/vm/fixtures/
// ipvs-scenarios.ts); here we compare what the kernel holds, as ipvsadm shows it, with the
// desired state.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runInVm, vmUnavailable, type VmResult } from '../lib/vm.js';
import { materialize, serviceKeyString, type ServiceEntry } from '../../src/lvs/desired.js';
import { scenarioSpecs, KERNEL_SCHEDULERS } from './fixtures/ipvs-specs.js';
import { parseIpvsadmSave, savedFromTable } from './ipvsadm-save.js';

const skip = vmUnavailable();
const root = process.env.KTS_ROOT ?? join(import.meta.dirname, '..', '..', '..');
let vm: VmResult;
const steps = new Map<string, { ok: boolean; value?: unknown; error?: string }>();

function step(name: string): unknown {
  const s = steps.get(name);
  assert.ok(s, `the VM did not report "${name}"; console:\n${vm.console.slice(-4000)}`);
  assert.ok(s.ok, `${name} failed in the VM: ${s.error}`);
  return s.value;
}

before(async () => {
  if (skip) return;
  const modules = ['ip_vs', ...KERNEL_SCHEDULERS.map((s) => `ip_vs_${s}`), 'ip_vs_pe_sip'].join(' ');
  vm = await runInVm({ script: `for m in ${modules}; do modprobe $m || echo "modprobe $m failed"; done\nnode ${root}/dist/test/vm/fixtures/ipvs-scenarios.js\n` });
  for (const r of vm.results as Array<{ name: string; data: { ok: boolean; value?: unknown; error?: string } }>) steps.set(r.name, r.data);
  assert.equal(vm.exitCode, 0, `VM script failed:\n${vm.console.slice(-4000)}`);
});

const desired = materialize(scenarioSpecs(), new Map(), new Map());
const foreign = { 'tcp 10.99.0.1:99': { scheduler: 'rr', onePacket: false, flags: [], destinations: {} } };

test('ipvsadm -Sn shows every scheduler, forwarding method, fwmark, group and IPv6 service as desired', { skip }, () => {
  assert.deepEqual(parseIpvsadmSave(step('ipvsadm-after-apply') as string), { ...savedFromTable(desired), ...foreign });
});

test('services and destinations read back through our client equal the desired state', { skip }, () => {
  const back = step('read-back') as ServiceEntry[];
  const sort = (t: ServiceEntry[]) =>
    t
      .map((s) => ({ ...s, destinations: [...s.destinations].sort((a, b) => a.address.localeCompare(b.address) || a.port - b.port) }))
      .sort((a, b) => serviceKeyString(a.key).localeCompare(serviceKeyString(b.key)));
  const ours = back.filter((s) => serviceKeyString(s.key) !== 'tcp [10.99.0.1]:99');
  assert.deepEqual(sort(ours), sort(desired));
});

test('a restarted daemon adopts the live table without a single change', { skip }, () => {
  assert.deepEqual(step('restart-ops'), []);
});

test('a checker failure is one netlink change per real server; inhibit_on_failure keeps weight 0', { skip }, () => {
  assert.deepEqual(step('flip-ops'), ['delete destination [192.168.10.2]:80 from tcp [10.0.10.1]:80', 'set destination [192.168.10.1]:80 weight 0 in tcp [10.0.10.1]:80']);
  const t = parseIpvsadmSave(step('ipvsadm-after-flip') as string);
  assert.deepEqual(t['tcp 10.0.10.1:80']?.destinations, { '192.168.10.1:80': 'nat weight 0', '192.168.10.3:80': 'nat weight 1' });
  assert.deepEqual(step('flip-back-ops'), ['set destination [192.168.10.1]:80 weight 1 in tcp [10.0.10.1]:80', 'add destination [192.168.10.2]:80 weight 1 to tcp [10.0.10.1]:80']);
});

test('a scheduler the kernel lacks is refused with a message naming it', { skip }, () => {
  const s = steps.get('twos');
  assert.equal(s?.ok, false);
  assert.match(s?.error ?? '', /adding virtual service tcp \[10\.0\.77\.1\]:80: ENOENT \(no such scheduler/);
});

test('timeouts set through our client are what ipvsadm reports', { skip }, () => {
  const v = step('timeouts') as { ours: unknown; ipvsadm: string };
  assert.deepEqual(v.ours, { tcp: 901, tcpFin: 121, udp: 301 });
  assert.match(v.ipvsadm, /Timeout \(tcp tcpfin udp\): 901 121 301/);
});

test('the sync daemon starts and stops as ipvsadm sees it', { skip }, () => {
  const v = step('sync-daemon') as { listed: unknown[]; ipvsadm: string; after: unknown[] };
  assert.match(v.ipvsadm, /backup sync daemon \(mcast=lo, syncid=42, .*port=8848, ttl=1\)/);
  assert.equal(v.listed.length, 1);
  assert.deepEqual(v.after, []);
});

test('stop removes our services and leaves the foreign one', { skip }, () => {
  assert.equal(step('stop'), desired.length);
  assert.deepEqual(parseIpvsadmSave(step('ipvsadm-after-stop') as string), foreign);
});

test('real traffic through an IPVS NAT virtual server follows the weights and the checkers', { skip }, async () => {
  const run = await runInVm({ script: `modprobe ip_vs; modprobe ip_vs_wrr; modprobe veth\nnode ${root}/dist/test/vm/fixtures/ipvs-traffic.js\n` });
  const r = new Map((run.results as Array<{ name: string; data: unknown }>).map((x) => [x.name, x.data]));
  assert.equal(run.exitCode, 0, run.console.slice(-3000));
  assert.deepEqual(r.get('weighted'), { rs1: 10, rs2: 20 });
  assert.deepEqual(r.get('rs2-down'), { rs1: 10 }, 'inhibit_on_failure: weight 0, no new connections');
  assert.match(String(r.get('ipvsadm')), /10\.9\.3\.10:8080\s+Masq\s+0/);
});
