// The daemon's checker process on IPVS, in a VM booted from Debian's kernel (this host's
// kernel has no IPVS): one boot runs test/vm/fixtures/checker-process-scenario.ts, which
// starts bin/keepalived-ts -n -l -C inside the VM on a configuration with a few virtual
// servers, fails and restores real servers, reloads and stops; here we compare what
// `ipvsadm -Sn` showed after each step with what the configuration asks for.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runInVm, vmUnavailable, type VmResult } from '../lib/vm.js';
import { parseIpvsadmSave } from './ipvsadm-save.js';

const skip = vmUnavailable();
const root = process.env.KTS_ROOT ?? join(import.meta.dirname, '..', '..', '..');
let vm: VmResult;
const steps = new Map<string, { ok: boolean; value?: unknown; error?: string }>();

function step<T>(name: string): T {
  const s = steps.get(name);
  assert.ok(s, `the VM did not report "${name}"; console:\n${vm.console.slice(-4000)}`);
  assert.ok(s.ok, `${name} failed in the VM: ${s.error}`);
  return s.value as T;
}

before(async () => {
  if (skip) return;
  vm = await runInVm({
    script: `for m in ip_vs ip_vs_wlc ip_vs_rr ip_vs_sh; do modprobe $m || echo "modprobe $m failed"; done\nnode ${root}/dist/test/vm/fixtures/checker-process-scenario.js ${root}\n`,
    timeoutMs: 600_000,
  });
  for (const r of vm.results as Array<{ name: string; data: { ok: boolean; value?: unknown; error?: string } }>) steps.set(r.name, r.data);
  assert.equal(vm.exitCode, 0, `VM script failed:\n${vm.console.slice(-4000)}`);
});

const web = (w1: number | undefined, w2: number): Record<string, string> => ({ ...(w1 === undefined ? {} : { '127.0.0.2:8001': `nat weight ${w1}` }), '127.0.0.3:8001': `nat weight ${w2}` });
const tls = { scheduler: 'rr', persistence: '300', onePacket: false, flags: [], destinations: { '127.0.0.4:8002': 'nat weight 3' } };

test('ipvsadm -Sn matches the configuration once the checker process runs', { skip }, () => {
  assert.deepEqual(parseIpvsadmSave(step<string>('start')), {
    'tcp 10.0.20.1:80': { scheduler: 'wlc', onePacket: false, flags: [], destinations: web(1, 2) },
    'tcp 10.0.20.2:443': tls,
    'fwmark 7 inet': { scheduler: 'rr', onePacket: false, flags: [], destinations: { '127.0.0.5:0': 'dr weight 1' } },
  });
});

test('a real server whose check fails is removed; with inhibit_on_failure it stays at weight 0', { skip }, () => {
  const r = step<{ ipvsadm: string; log: string }>('fail');
  assert.deepEqual(parseIpvsadmSave(r.ipvsadm)['tcp 10.0.20.1:80']?.destinations, web(undefined, 0));
  assert.match(r.log, /Removing service \[127\.0\.0\.2\]:tcp:8001 from VS \[10\.0\.20\.1\]:tcp:80/);
  assert.match(r.log, /Disabling service \[127\.0\.0\.3\]:tcp:8001 of VS \[10\.0\.20\.1\]:tcp:80/);
});

test('a real server that answers again is put back with its weight', { skip }, () => {
  const r = step<{ ipvsadm: string; log: string }>('restore');
  assert.deepEqual(parseIpvsadmSave(r.ipvsadm)['tcp 10.0.20.1:80']?.destinations, web(1, 2));
  assert.match(r.log, /Adding service \[127\.0\.0\.2\]:tcp:8001 to VS \[10\.0\.20\.1\]:tcp:80/);
  assert.match(r.log, /Enabling service \[127\.0\.0\.3\]:tcp:8001 of VS \[10\.0\.20\.1\]:tcp:80/);
});

test('kill -9 of the checker child: the restarted child adopts IPVS as it is (never emptied, no change)', { skip }, () => {
  const r = step<{ before: string; changed: string[]; looks: number }>('kill-checker');
  assert.ok(r.looks >= 2);
  assert.deepEqual(r.changed, []);
  assert.equal(Object.keys(parseIpvsadmSave(r.before)).length, 3);
});

test('reload: changed weights updated in place, removed service deleted, new one added, the rest untouched', { skip }, () => {
  const r = step<{ ipvsadm: string; log: string }>('reload');
  assert.deepEqual(parseIpvsadmSave(r.ipvsadm), {
    'tcp 10.0.20.1:80': { scheduler: 'wlc', onePacket: false, flags: [], destinations: web(5, 2) },
    'tcp 10.0.20.2:443': tls,
    'tcp 10.0.20.3:25': { scheduler: 'sh', onePacket: false, flags: [], destinations: { '127.0.0.6:8003': 'nat weight 1' } },
  });
  const afterReload = r.log.slice(r.log.lastIndexOf('Reloading'));
  assert.doesNotMatch(afterReload, /Removing service \[127\.0\.0\.4\]/);
});

test('stop removes the services', { skip }, () => {
  const r = step<{ code: number | null; ipvsadm: string }>('stop');
  assert.equal(r.code, 0);
  assert.deepEqual(parseIpvsadmSave(r.ipvsadm), {});
});
