// vrrp_instance keywords, keepalived's derived defaults and its instance-level rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, instance, onlyInstance } from './helpers.js';
import { configTestExitCode } from '../../../src/config/build.js';

test('a minimal instance gets keepalived defaults', () => {
  const b = build(instance());
  assert.deepEqual(b.errors, []);
  const i = onlyInstance(b);
  assert.equal(i.state, 'BACKUP');
  assert.equal(i.priority, 100);
  assert.equal(i.vrid, 51);
  assert.equal(i.advertIntUs, 1_000_000);
  assert.equal(i.version, 2);
  assert.equal(i.family, 4);
  assert.equal(i.accept, true);
  assert.equal(i.nopreempt, false);
  assert.equal(i.downTimerAdverts, 3);
  assert.deepEqual(i.garp, { masterDelayUs: 5_000_000, masterRepeat: 5, masterRefreshUs: 0, masterRefreshRepeat: 1, lowerPrioDelayUs: 5_000_000, lowerPrioRepeat: 5 });
  assert.equal(i.smtpAlert, false);
  assert.equal(i.virtualIpaddress[0]?.dev, 'eth0');
  assert.deepEqual(i.virtualIpaddress[0]?.prefix, { family: 4, address: '10.0.0.1', prefixLen: 24 });
  assert.equal(configTestExitCode(b.diagnostics), 0);
});

test('state MASTER without priority means priority 255; priority 255 means MASTER', () => {
  assert.equal(onlyInstance(build(instance(' state MASTER'))).priority, 255);
  const i = onlyInstance(build(instance(' priority 255')));
  assert.equal(i.state, 'MASTER');
  const j = onlyInstance(build(instance(' state MASTER\n priority 150')));
  assert.deepEqual([j.state, j.priority], ['MASTER', 150]);
});

test('ranges: virtual_router_id 1..255, priority 1..255, with the line of the keyword', () => {
  const b = build(instance(' priority 300'));
  assert.ok(b.errors.some((e) => e.startsWith('4: priority: number \'300\' outside range [1, 255]')), b.errors.join('\n'));
  assert.equal(onlyInstance(b).priority, 100);
  const v = build('vrrp_instance V {\n interface eth0\n virtual_router_id 0\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n');
  assert.ok(v.errors.some((e) => e.startsWith('3: virtual_router_id: number \'0\' outside range [1, 255]')));
  assert.ok(v.errors.some((e) => e.includes('(V) the virtual router id must be set')));
  assert.equal(v.diagnostics.find((d) => d.message.includes('virtual router id'))?.code, 'fatal');
});

test('unknown keywords are errors naming the keyword and line; parsing goes on', () => {
  const b = build(instance(' bogus_thing 1\n priority 90'));
  assert.deepEqual(b.errors, ["4: Unknown keyword 'bogus_thing' in vrrp_instance VI_1"]);
  assert.equal(onlyInstance(b).priority, 90);
});

test('state other than MASTER/BACKUP is an error and means BACKUP', () => {
  const b = build(instance(' state FOO'));
  assert.ok(b.errors.some((e) => e.includes("unknown state 'FOO'")));
  assert.equal(onlyInstance(b).state, 'BACKUP');
});

test('advert_int: v2 rounds to whole seconds (error), v3 to 10 ms (error), v3 caps at 40.95', () => {
  const a = build(instance(' advert_int 1.5'));
  assert.ok(a.errors.some((e) => e.includes('must be an integer')));
  assert.equal(onlyInstance(a).advertIntUs, 2_000_000);
  const b = build(instance(' version 3\n advert_int 0.055'));
  assert.ok(b.errors.some((e) => e.includes('units of 10ms')));
  assert.equal(onlyInstance(b).advertIntUs, 60_000);
  const c = build(instance(' version 3\n advert_int 0.05'));
  assert.deepEqual(c.errors, []);
  assert.equal(onlyInstance(c).advertIntUs, 50_000);
  const d = build(instance(' version 3\n advert_int 100'));
  assert.equal(onlyInstance(d).advertIntUs, 40_950_000);
  assert.ok(build(instance(' advert_int 0.001')).errors.length > 0);
});

test('IPv6 VIPs make an IPv6 VRRPv3 instance; mixed families drop the odd VIP with an error', () => {
  const b = build(instance('', 'VI_6', 7, 'fe80::1'));
  const i = onlyInstance(b);
  assert.deepEqual([i.family, i.version], [6, 3]);
  assert.equal(i.virtualIpaddress[0]?.preferredLft, 0);
  const m = build('vrrp_instance V {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n 10.0.0.1/24\n fe80::1\n }\n}\n');
  assert.ok(m.errors.some((e) => e.startsWith('6:') && e.includes('address family must match')));
  assert.equal(onlyInstance(m).virtualIpaddress.length, 1);
  const v2 = build(instance(' version 2', 'V', 5, '2001:db8::1'));
  assert.equal(onlyInstance(v2).version, 3);
  assert.ok(v2.warnings.some((w) => w.includes('cannot use VRRPv2 with IPv6')));
});

test('virtual_ipaddress_excluded may mix families; no VIPs is an error (v3: fatal)', () => {
  const b = build('vrrp_instance V {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n 10.0.0.1\n }\n virtual_ipaddress_excluded {\n 2001:db8::5/64\n 10.2.2.2\n }\n}\n');
  assert.deepEqual(b.errors, []);
  assert.equal(onlyInstance(b).virtualIpaddressExcluded.length, 2);
  const none = build('vrrp_instance V {\n interface eth0\n virtual_router_id 5\n}\n');
  assert.ok(none.errors.some((e) => e.includes('No VIP specified; at least one is sensible')));
  const nv = build('vrrp_instance V {\n interface eth0\n virtual_router_id 5\n no_virtual_ipaddress\n}\n');
  assert.deepEqual(nv.errors, []);
  const v3 = build('vrrp_instance V {\n interface eth0\n version 3\n virtual_router_id 5\n}\n');
  assert.equal(v3.diagnostics.find((d) => d.message.includes('at least one is required'))?.code, 'fatal');
});

test('nopreempt: cleared with priority 255 or state MASTER; preempt_delay cleared with MASTER', () => {
  const a = build(instance(' state MASTER\n priority 100\n nopreempt'));
  assert.ok(a.errors.some((e) => e.includes('nopreempt will not work with initial state MASTER')));
  assert.equal(onlyInstance(a).nopreempt, false);
  const b = build(instance(' priority 255\n nopreempt'));
  assert.ok(b.errors.some((e) => e.includes('nopreempt is incompatible with priority 255')));
  const c = build(instance(' state MASTER\n priority 100\n preempt_delay 10'));
  assert.ok(c.errors.some((e) => e.includes('preempt delay will not work')));
  assert.equal(onlyInstance(c).preemptDelayUs, 0);
  const d = build(instance(' nopreempt\n preempt_delay 2.5'));
  assert.equal(onlyInstance(d).nopreempt, true);
  assert.equal(onlyInstance(d).preemptDelayUs, 0);
  const e = build(instance(' preempt_delay 2.5'));
  assert.deepEqual(e.errors, []);
  assert.equal(onlyInstance(e).preemptDelayUs, 2_500_000);
  assert.equal(onlyInstance(build(instance(' nopreempt\n preempt'))).nopreempt, false);
});

test('authentication: PASS/AH kept for v2, truncation warned, ignored for v3', () => {
  const a = onlyInstance(build(instance(' authentication {\n  auth_type PASS\n  auth_pass secret\n }')));
  assert.deepEqual(a.authentication, { type: 'PASS', password: 'secret' });
  const long = build(instance(' authentication {\n  auth_type AH\n  auth_pass abcdefghijk\n }'));
  assert.ok(long.warnings.some((w) => w.includes("only 'abcdefgh' is used")));
  const v3 = build(instance(' version 3\n authentication {\n  auth_type PASS\n  auth_pass x\n }'));
  assert.ok(v3.errors.some((e) => e.includes('VRRP version 3 does not support authentication')));
  assert.equal(onlyInstance(v3).authentication, undefined);
  const bad = build(instance(' authentication {\n  auth_type MD5\n  auth_pass x\n }'));
  assert.ok(bad.errors.some((e) => e.includes("unknown authentication type 'MD5'")));
});

test('vrrp_strict: auth ignored, no VIPs fatal, unicast fatal, accept only for owners, lower_prio_no_advert forced', () => {
  const g = 'global_defs {\n vrrp_strict\n}\n';
  const a = build(g + instance(' authentication {\n auth_type PASS\n auth_pass x\n }'));
  assert.ok(a.errors.some((e) => e.includes('Strict mode does not support authentication')));
  const i = onlyInstance(a);
  assert.deepEqual([i.strict, i.accept, i.lowerPrioNoAdvert, i.higherPrioSendAdvert, i.garp.lowerPrioRepeat], [true, false, true, false, 0]);
  const owner = onlyInstance(build(g + instance(' priority 255')));
  assert.deepEqual([owner.accept, owner.ownerIgnoreAdverts], [true, true]);
  const u = build(g + instance(' unicast_peer {\n 10.0.0.2\n }'));
  assert.equal(u.diagnostics.find((d) => d.message.includes('unicast'))?.code, 'fatal');
  const n = build(`${g}vrrp_instance V {\n interface eth0\n virtual_router_id 5\n}\n`);
  assert.ok(n.errors.some((e) => e.includes('at least one is required')));
  const p = build(g + instance(' preempt_delay 5\n down_timer_adverts 5'));
  assert.equal(onlyInstance(p).preemptDelayUs, 0);
  assert.equal(onlyInstance(p).downTimerAdverts, 3);
  const per = onlyInstance(build(instance(' strict_mode')));
  assert.equal(per.strict, true);
});

test('unicast: peers with min/max_ttl imply check_unicast_src; wrong family peers dropped', () => {
  const b = build(instance(' unicast_src_ip 10.0.0.1\n unicast_peer {\n  10.0.0.2 min_ttl 3 max_ttl 255\n  10.0.0.3\n  2001:db8::1\n }'));
  const i = onlyInstance(b);
  assert.deepEqual(i.unicastPeers.map((p) => [p.address.address, p.minTtl, p.maxTtl]), [['10.0.0.2', 3, 255], ['10.0.0.3', undefined, undefined]]);
  assert.equal(i.checkUnicastSrc, true);
  assert.ok(b.errors.some((e) => e.includes('unicast peer 2001:db8::1 is not the family')));
  assert.ok(build(instance(' unicast_peer {\n  10.0.0.2 ttl 3\n }')).errors.some((e) => e.includes("invalid option 'ttl 3'")));
  const noIf = build('vrrp_instance V {\n virtual_router_id 5\n unicast_src_ip 10.0.0.1\n unicast_peer {\n 10.0.0.2\n }\n virtual_ipaddress {\n 10.0.0.9\n }\n}\n');
  assert.deepEqual(noIf.errors, []);
  const none = build('vrrp_instance V {\n virtual_router_id 5\n virtual_ipaddress {\n 10.0.0.9\n }\n}\n');
  assert.ok(none.errors.some((e) => e.includes('Unknown interface!')));
});

test('interfaces that do not exist are warnings with code bad-interface that fail -t', () => {
  const env = { hostname: 'h', interfaceExists: (n: string) => n === 'eth0' };
  const b = build(instance(' track_interface {\n  eth5\n }', 'VI_1', 51, '10.0.0.1 dev eth9'), env);
  assert.deepEqual(b.errors, []);
  const bad = b.diagnostics.filter((d) => d.code === 'bad-interface').map((d) => d.message);
  assert.equal(bad.length, 2);
  assert.ok(bad.some((m) => m.includes('interface eth9 for ip address 10.0.0.1')));
  assert.ok(bad.some((m) => m.includes('tracked interface eth5')));
  assert.equal(configTestExitCode(b.diagnostics), 5);
  const c = build(instance().replace('eth0', 'eth3'), env);
  assert.ok(c.warnings.some((w) => w.includes("interface eth3 for vrrp_instance VI_1 doesn't exist")));
  const dyn = build('global_defs {\n dynamic_interfaces\n}\n' + instance().replace('eth0', 'eth3'), env);
  assert.equal(configTestExitCode(dyn.diagnostics), 0);
});

test('tracking: weights, reverse, ±254 coerced, owner and own-interface rules, missing scripts', () => {
  const text = `vrrp_script chk {\n script "/bin/true"\n weight -20\n}\ntrack_file tf {\n file /tmp/x\n}\n` + instance(
    ' track_interface {\n  eth1 weight 254\n  eth2 weight -10 reverse\n  eth0\n }\n track_script {\n  chk\n  nosuch\n }\n track_file {\n  tf weight 5 noreverse\n }');
  const b = build(text);
  const i = onlyInstance(b);
  assert.deepEqual(i.trackInterfaces.map((t) => [t.name, t.weight, t.reverse]), [['eth1', 253, false], ['eth2', -10, true]]);
  assert.ok(b.warnings.some((w) => w.includes('weight 254 changed to 253')));
  assert.ok(b.errors.some((e) => e.includes('Ignoring track_interface eth0 since own interface')));
  assert.ok(b.errors.some((e) => e.includes('track script nosuch not found')));
  assert.deepEqual(i.trackScripts.map((t) => t.name), ['chk']);
  assert.deepEqual(i.trackFiles.map((t) => [t.name, t.weight]), [['tf', 5]]);
  const owner = build(`vrrp_script chk {\n script "/bin/true"\n weight 10\n}\n` + instance(' priority 255\n track_script {\n  chk\n }\n track_interface {\n  eth1 weight 0\n }'));
  assert.ok(owner.errors.some((e) => e.includes('ignoring chk track_script due to address owner')));
  assert.deepEqual(onlyInstance(owner).trackInterfaces.map((t) => t.name), ['eth1']);
  assert.ok(build(instance(' track_interface {\n  eth1 weight 300\n }')).errors.some((e) => e.includes('outside range [-253, 253]')));
});

test('vrrp_script defaults, timeout = interval, unused scripts removed with a warning', () => {
  const b = build('global_defs {\n enable_script_security\n}\nvrrp_script a {\n script "/usr/bin/check \'x y\'" nobody\n interval 2.5\n rise 3\n fall 2\n weight 10 reverse\n init_fail\n}\nvrrp_script unused {\n script /bin/true\n}\n' + instance(' track_script {\n  a\n }'));
  assert.deepEqual(b.errors, []);
  const s = b.config.vrrpScripts;
  assert.equal(s.length, 1);
  const a = s[0];
  assert.ok(a);
  assert.deepEqual(a.script, { command: "/usr/bin/check 'x y'", argv: ['/usr/bin/check', 'x y'], user: 'nobody' });
  assert.deepEqual([a.intervalUs, a.timeoutUs, a.rise, a.fall, a.weight, a.weightReverse, a.initFail], [2_500_000, 2_500_000, 3, 2, 10, true, true]);
  assert.ok(b.warnings.some((w) => w.includes('vrrp_script unused is not used')));
});

test('scripts without enable_script_security: security diagnostic, -t exit 6', () => {
  const b = build(instance(' notify_master "/bin/echo hi"'));
  assert.equal(configTestExitCode(b.diagnostics), 6);
  assert.ok(b.diagnostics.some((d) => d.code === 'security' && d.message.startsWith('SECURITY VIOLATION')));
  const ok = build('global_defs {\n enable_script_security\n}\n' + instance(' notify_master "/bin/echo hi"'));
  assert.equal(configTestExitCode(ok.diagnostics), 0);
  assert.deepEqual(onlyInstance(ok).notify.master?.argv, ['/bin/echo', 'hi']);
});

test('notify scripts, notify_deleted with and without script, smtp_alert defaults from global', () => {
  const b = build('global_defs {\n enable_script_security\n smtp_alert_vrrp on\n}\n' + instance(' notify /bin/n\n notify_backup "/bin/b x" root :wheel\n notify_deleted\n notify_stop /bin/s'));
  const i = onlyInstance(b);
  assert.deepEqual(i.notify.generic?.argv, ['/bin/n']);
  assert.deepEqual(i.notify.backup, { command: '/bin/b x', argv: ['/bin/b', 'x'], user: 'root', group: 'wheel' });
  assert.deepEqual(i.notify.deleted, {});
  assert.equal(i.smtpAlert, true);
});

test('sync groups: members must exist, one group each, one-member warning, group trackers copied', () => {
  const b = build('vrrp_sync_group G {\n group {\n  VI_1 VI_9\n }\n track_interface {\n  eth4\n }\n}\nvrrp_sync_group H {\n group {\n  VI_1\n  VI_2\n }\n}\n' + instance() + instance('', 'VI_2', 52));
  assert.ok(b.errors.some((e) => e.includes("Virtual router VI_9 specified in sync group G doesn't exist")));
  assert.ok(b.errors.some((e) => e.includes('VI_1 cannot exist in more than one sync group')));
  assert.ok(b.errors.some((w) => w.includes('Sync group G has only 1 virtual router(s)')));
  const [vi1, vi2] = b.config.vrrpInstances;
  assert.equal(vi1?.syncGroup, 'G');
  assert.equal(vi2?.syncGroup, 'H');
  assert.deepEqual(vi1?.trackInterfaces.map((t) => t.name), ['eth4']);
  const w = build('vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n}\n' + instance(' track_interface {\n  eth1 weight 10\n }') + instance('', 'VI_2', 52));
  assert.ok(w.errors.some((e) => e.includes('weight due to SYNC group')));
  assert.equal(w.config.vrrpInstances[0]?.trackInterfaces[0]?.weight, 0);
  const tw = build('vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n sync_group_tracking_weight\n}\n' + instance(' track_interface {\n  eth1 weight 10\n }') + instance('', 'VI_2', 52));
  assert.deepEqual(tw.errors, []);
});

test('VRID conflicts: same VRID, family and interface is an error; other interface or family is fine', () => {
  const b = build(instance() + instance('', 'VI_2', 51));
  assert.ok(b.errors.some((e) => e.includes('VI_1 and VI_2 both use VRID 51 with IPv4 on interface eth0')));
  assert.deepEqual(build(instance() + instance('', 'VI_2', 51, 'fe80::1')).errors, []);
  assert.deepEqual(build(instance() + instance('', 'VI_2', 51).replace(' interface eth0', ' interface eth1')).errors, []);
  const uni = (peer: string, name: string): string => instance(` unicast_src_ip 10.0.0.1\n unicast_peer {\n  ${peer}\n }`, name, 9);
  assert.deepEqual(build(uni('10.0.0.2', 'A') + uni('10.0.0.3', 'B')).errors, []);
  assert.ok(build(uni('10.0.0.2', 'A') + uni('10.0.0.2', 'B')).errors.some((e) => e.includes('unicast to the same peer')));
});

test('duplicate instance names: the second is skipped with an error', () => {
  const b = build(instance() + instance('', 'VI_1', 52));
  assert.ok(b.errors.some((e) => e.includes('vrrp_instance VI_1 is defined more than once')));
  assert.equal(b.config.vrrpInstances.length, 1);
});

test('use_vmac default name, explicit name and MAC; vmac_xmit_base; garp overrides', () => {
  const a = onlyInstance(build(instance(' use_vmac\n vmac_xmit_base\n garp_master_delay 1\n garp_master_repeat 2\n garp_master_refresh 60')));
  assert.deepEqual(a.vmac, { name: 'vrrp.51', netlinkNotifyMsg: false });
  assert.equal(a.vmacXmitBase, true);
  assert.deepEqual([a.garp.masterDelayUs, a.garp.masterRepeat, a.garp.masterRefreshUs, a.garp.lowerPrioDelayUs, a.garp.lowerPrioRepeat], [1_000_000, 2, 60_000_000, 1_000_000, 2]);
  const b = onlyInstance(build(instance(' use_vmac vrrp42 00:00:5e:00:01:2A netlink_notify_msg')));
  assert.deepEqual(b.vmac, { name: 'vrrp42', mac: '00:00:5e:00:01:2a', netlinkNotifyMsg: true });
});

test('deprecated and newer keywords are accepted', () => {
  const b = build(instance(' native_ipv6\n timer_expired_backup\n nopreempt', 'V', 5, 'fe80::1'));
  assert.deepEqual(b.errors, []);
  assert.ok(b.warnings.some((w) => w.includes("'native_ipv6' is deprecated")));
  assert.equal(onlyInstance(b).timerExpiredBackup, 254);
  const c = build(instance(' vmac_garp_intvl 10'));
  assert.ok(c.warnings.some((w) => w.includes("'vmac_garp_intvl' is deprecated, use 'garp_extra_if'")));
  assert.deepEqual(onlyInstance(c).garpExtraIf, { all: false, intervalS: 10 });
  // As keepalived reads it: `all` before or after the time; 0 (instance only) turns it off.
  assert.deepEqual(onlyInstance(build(instance(' garp_extra_if 30 all'))).garpExtraIf, { all: true, intervalS: 30 });
  assert.deepEqual(onlyInstance(build(instance(' garp_extra_if 0'))).garpExtraIf, { all: false, intervalS: 0 });
  assert.ok(build(instance(' garp_extra_if some 30')).errors.some((e) => e.includes("unknown option 'some'")));
});

test('block misuse: a flag given a block, a block keyword without one', () => {
  const b = build(instance(' nopreempt {\n }\n track_interface eth1'));
  assert.ok(b.errors.some((e) => e.includes("'nopreempt' does not take a block")));
  assert.ok(b.errors.some((e) => e.includes("'track_interface' needs a block")));
});

test('the model is plain JSON', () => {
  const b = build(instance(' unicast_peer {\n  10.0.0.2\n }'));
  assert.deepEqual(JSON.parse(JSON.stringify(b.config)), b.config);
});

test('more instance rules: strict owner state, unicast keywords without peers, VMAC with unicast, missing script programs', () => {
  const s = build('global_defs {\n vrrp_strict\n}\n' + instance(' state BACKUP\n priority 255'));
  assert.ok(s.errors.some((e) => e.includes('State MASTER must match being address owner')));
  assert.equal(onlyInstance(s).state, 'MASTER');
  assert.ok(build(instance(' unicast_src_ip 10.0.0.1')).errors.some((e) => e.includes('without any unicast peers')));
  assert.deepEqual(build(instance(' unicast_src_ip 10.0.0.1\n unicast_fault_no_peer')).errors, []);
  const v = build(instance(' use_vmac\n unicast_src_ip 10.0.0.1\n unicast_peer {\n  10.0.0.2\n }'));
  assert.ok(v.errors.some((e) => e.includes('requires vmac_xmit_base')));
  assert.equal(onlyInstance(v).vmacXmitBase, true);
  const env = { hostname: 'h', scriptUsable: (p: string) => p === '/bin/true' };
  const m = build('global_defs {\n enable_script_security\n}\nvrrp_script a {\n script /bin/true\n}\nvrrp_script b {\n script /no/such\n}\n' + instance(' track_script {\n  a\n  b\n }'), env);
  assert.ok(m.errors.some((e) => e.includes('Disabling track script b since not found/accessible')));
  assert.deepEqual(onlyInstance(m).trackScripts.map((t) => t.name), ['a']);
});

test('use_ipvlan is read and checked, and warned about at its line: it is not run yet', () => {
  const b = build(instance(' use_ipvlan ipv1 10.0.0.50/24 bridge'));
  assert.deepEqual(b.errors, []);
  assert.deepEqual(onlyInstance(b).ipvlan, { name: 'ipv1', mode: 'bridge', address: { address: '10.0.0.50', prefixLen: 24, family: 4 } });
  assert.ok(b.warnings.some((w) => w.startsWith('4: warning: use_ipvlan is not supported by keepalived-ts yet')), b.warnings.join('\n'));
});

test('use_ipvlan without a type is bridge, as keepalived (ipvlan_type 0)', () => {
  assert.equal(onlyInstance(build(instance(' use_ipvlan'))).ipvlan?.mode, 'bridge');
});
