import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildConfig } from '../../../src/config/build.js';
import { parseTree } from '../../lib/tree.js';
import { expandRange, lvsSpecsFromConfig } from '../../../src/lvs/from-config.js';
import { materialize } from '../../../src/lvs/desired.js';
import { applyToTable, diff } from '../../../src/lvs/reconciler.js';

function specsOf(text: string) {
  const { config, diagnostics } = buildConfig(parseTree(text, 'test.conf'), { hostname: 'testhost' });
  // keepalived reports the defaults it applies (no protocol/scheduler/method); anything else is a real problem.
  const errors = diagnostics.filter((d) => d.severity === 'error' && !/no (protocol|scheduler|forwarding method) set|does not match the service port/.test(d.message));
  assert.deepEqual(errors, []);
  return lvsSpecsFromConfig(config);
}

test('a group with ranges and fwmarks, sh flags, persistence granularity, DR and a sorry server', () => {
  const { specs, problems } = specsOf(`
virtual_server_group web {
  10.0.0.1-3 80
  fwmark 5
}
virtual_server group web {
  delay_loop 6
  lb_algo sh
  sh-port
  sh-fallback
  lb_kind DR
  protocol TCP
  persistence_timeout 600
  persistence_granularity 255.255.255.0
  quorum 2
  hysteresis 1
  sorry_server 192.168.9.9 80
  sorry_server_inhibit
  real_server 192.168.1.1 80 {
    weight 3
    inhibit_on_failure
    uthreshold 100
    lthreshold 10
  }
  real_server 192.168.1.2 80 {
    weight 1
  }
}
`);
  assert.deepEqual(problems, []);
  const [s] = specs;
  assert.ok(s);
  assert.equal(s.name, 'GROUP web');
  assert.deepEqual(s.services, [
    { kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
    { kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.2', port: 80 },
    { kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.3', port: 80 },
    { kind: 'fwmark', family: 'inet', fwmark: 5 },
  ]);
  assert.equal(s.scheduler, 'sh');
  assert.deepEqual(s.schedulerFlags, { flag1: true, flag2: true, flag3: false });
  assert.deepEqual(s.persistence, { timeout: 600, prefixLength: 24 });
  assert.equal(s.quorum, 2);
  assert.equal(s.hysteresis, 1);
  assert.deepEqual(s.sorryServer, { family: 'inet', address: '192.168.9.9', port: 80, forwarding: { method: 'dr' }, inhibit: true });
  assert.deepEqual(
    s.realServers.map((r) => [r.address, r.port, r.weight, r.forwarding.method, r.inhibitOnFailure, r.upperThreshold, r.lowerThreshold]),
    [
      ['192.168.1.1', 80, 3, 'dr', true, 100, 10],
      ['192.168.1.2', 80, 1, 'dr', false, 0, 0],
    ],
  );
  // Every service of the group holds the same pool; the fwmark one with port 0.
  const table = materialize(specs, new Map(), new Map());
  assert.equal(table.length, 4);
  assert.deepEqual(table[3]!.destinations.map((d) => d.port), [0, 0, 0]);
});

test('keepalived defaults: wlc, NAT, UDP, per-client persistence; TUN gue and IPv6', () => {
  const { specs } = specsOf(`
virtual_server 2001:db8::1 443 {
  persistence_timeout
  real_server 2001:db8::a 8443 {
    lvs_method TUN type gue port 6080 csum
  }
}
virtual_server fwmark 7 {
  ops
  alpha
  real_server 10.1.1.1 80 {
  }
}
`);
  const [v6, fw] = specs;
  assert.equal(v6?.scheduler, 'wlc');
  assert.deepEqual(v6?.services, [{ kind: 'addr', family: 'inet6', protocol: 'udp', address: '2001:db8::1', port: 443 }]);
  assert.deepEqual(v6?.persistence, { timeout: 360, prefixLength: 128 });
  assert.deepEqual(v6?.realServers[0]?.forwarding, { method: 'tun', encap: { type: 'gue', port: 6080, checksum: 'csum' } });
  assert.equal(v6?.realServers[0]?.port, 443, 'TUN forces the virtual server port');
  assert.deepEqual(fw?.services, [{ kind: 'fwmark', family: 'inet', fwmark: 7 }]);
  assert.equal(fw?.onePacket, true);
  assert.equal(fw?.realServers[0]?.alpha, true, 'alpha is inherited from the virtual server');
  assert.deepEqual(materialize(specs, new Map(), new Map())[1]?.destinations, [], 'alpha servers wait for their first check');
});

test('group ranges expand inclusively and refuse backwards or huge ones', () => {
  assert.deepEqual(expandRange('10.0.0.254', '10.0.1.1'), ['10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1']);
  assert.deepEqual(expandRange('2001:db8::fe', '2001:db8::101'), ['2001:db8::fe', '2001:db8::ff', '2001:db8::100', '2001:db8::101']);
  assert.match(String(expandRange('10.0.0.5', '10.0.0.1')), /backwards/);
  assert.match(String(expandRange('10.0.0.0', '10.2.0.0')), /at most 65536/);
});

const dir = '/work/shared/fixtures/keepalived-samples';
const samples = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('keepalived.conf')) : [];

test('every keepalived sample maps to a table the reconciler can apply', { skip: samples.length ? false : `no samples at ${dir}` }, () => {
  let services = 0;
  for (const f of samples) {
    const { config } = buildConfig(parseTree(readFileSync(join(dir, f), 'utf8'), f), { hostname: 'testhost' });
    const { specs, problems } = lvsSpecsFromConfig(config);
    assert.deepEqual(problems, [], f);
    const table = materialize(specs, new Map(), new Map());
    const after = applyToTable([], diff(table, []));
    assert.deepEqual(diff(table, after), [], f);
    services += table.length;
  }
  assert.ok(services > 10, `only ${services} services in all samples`);
});
