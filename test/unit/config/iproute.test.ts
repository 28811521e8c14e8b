// The ip(8)-like lines of virtual/static addresses, routes and rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, instance } from './helpers.js';

test('address options: dev, brd, scope, label, peer, flags, preferred_lft, no_track', () => {
  const b = build(instance('', 'VI_1', 51, '192.168.1.10/24 dev eth1 brd + scope link label eth1:vip noprefixroute -nodad home no_track preferred_lft forever'));
  assert.deepEqual(b.errors, []);
  const a = b.config.vrrpInstances[0]?.virtualIpaddress[0];
  assert.deepEqual([a?.dev, a?.broadcast, a?.scope, a?.label, a?.noPrefixRoute, a?.noDad, a?.home, a?.noTrack, a?.preferredLft],
    ['eth1', '+', 'link', 'eth1:vip', true, true, true, true, undefined]);
});

test('two addresses on one line: the second is an unknown entry (as keepalived)', () => {
  const b = build(instance('', 'VI_1', 51, '10.1.1.101/24 10.1.1.102/24'));
  assert.ok(b.errors.some((e) => e.includes("Unknown configuration entry '10.1.1.102/24'")));
});

test('static addresses: track_group allowed, no_track refused; default_interface fills dev', () => {
  const b = build('global_defs {\n default_interface eth3\n}\nstatic_ipaddress {\n 10.9.0.1/16 track_group G\n 10.9.0.2 no_track\n 10.9.0.3 dev eth1 scope 200\n}\n');
  assert.ok(b.errors.some((e) => e.includes("'no_track' is only for virtual addresses")));
  assert.deepEqual(b.config.staticIpaddress.map((a) => [a.prefix.address, a.dev, a.trackGroup, a.scope]),
    [['10.9.0.1', 'eth3', 'G', undefined], ['10.9.0.2', 'eth3', undefined, undefined], ['10.9.0.3', 'eth1', undefined, 200]]);
});

test('routes: type, src, via/gw, or, dev, table, metric, options, nexthops, families', () => {
  const b = build('static_routes {\n src 192.168.100.1 192.168.209.0/24 via 192.168.200.254 dev eth0\n blackhole 192.168.113.1/32\n 0.0.0.0/0 gw 192.168.0.1 table 100 metric 5 mtu lock 1400\n 192.168.113.0/24 via 192.168.100.252 or 192.168.100.253\n 2001:db8::/32 nexthop via fe80::1 dev eth0 weight 2 nexthop via fe80::2 dev eth1\n default via 10.0.0.1\n}\n');
  assert.deepEqual(b.errors, []);
  const r = b.config.staticRoutes;
  assert.deepEqual(r.map((x) => [x.type, `${x.dst.address}/${x.dst.prefixLen}`, x.src?.address, x.via?.address, x.dev, x.table, x.metric]), [
    ['unicast', '192.168.209.0/24', '192.168.100.1', '192.168.200.254', 'eth0', undefined, undefined],
    ['blackhole', '192.168.113.1/32', undefined, undefined, undefined, undefined, undefined],
    ['unicast', '0.0.0.0/0', undefined, '192.168.0.1', undefined, '100', 5],
    ['unicast', '192.168.113.0/24', undefined, '192.168.100.252', undefined, undefined, undefined],
    ['unicast', '2001:db8::/32', undefined, undefined, undefined, undefined, undefined],
    ['unicast', '0.0.0.0/0', undefined, '10.0.0.1', undefined, undefined, undefined],
  ]);
  assert.equal(r[2]?.options.mtu, 'lock 1400');
  assert.equal(r[3]?.orVia?.address, '192.168.100.253');
  assert.deepEqual(r[4]?.nexthops.map((n) => [n.via?.address, n.dev, n.weight]), [['fe80::1', 'eth0', 2], ['fe80::2', 'eth1', undefined]]);
  const bad = build('static_routes {\n 10.0.0.0/8 via 2001:db8::1\n 10.0.0.0/8 frobnicate 3\n via 10.0.0.1\n}\n');
  assert.equal(bad.errors.length, 3);
  assert.equal(bad.config.staticRoutes.length, 0);
});

test('rules: from/to/table/priority/fwmark, family, missing preference warned', () => {
  const b = build('static_rules {\n from 192.168.100.0/24 table 1 priority 100\n to 10.0.0.0/8 lookup main fwmark 0x10/0xff not\n from all to all inet6 table 5 pref 9\n}\n');
  assert.deepEqual(b.errors, []);
  const r = b.config.staticRules;
  assert.deepEqual(r.map((x) => [x.family, x.from?.address, x.to?.address, x.table, x.priority, x.fwmark, x.fwmask, x.not]), [
    [4, '192.168.100.0', undefined, '1', 100, undefined, undefined, false],
    [4, undefined, '10.0.0.0', 'main', 16384, 16, 255, true],
    [6, undefined, undefined, '5', 9, undefined, undefined, false],
  ]);
  assert.ok(b.warnings.some((w) => w.startsWith('3:') && w.includes('Rule has no preference specified - setting to 16384')));
  assert.ok(build('static_rules {\n to 192.168.100./24 table 1\n}\n').errors.some((e) => e.includes("invalid IP address '192.168.100.'")));
});

test('virtual routes and rules live in the instance; no_track allowed there', () => {
  const b = build(instance(' virtual_routes {\n  10.5.0.0/16 via 10.0.0.254 no_track\n }\n virtual_rules {\n  from 10.0.0.1 table 7 priority 5 no_track\n }'));
  assert.deepEqual(b.errors, []);
  const i = b.config.vrrpInstances[0];
  assert.equal(i?.virtualRoutes[0]?.noTrack, true);
  assert.equal(i?.virtualRules[0]?.noTrack, true);
});
