// global_defs, top-level switches, trackers and the small top-level blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, instance } from './helpers.js';

test('global defaults: router_id is the host name, VRRP and LVS defaults', () => {
  const g = build('', { hostname: 'node7' }).config.global;
  assert.equal(g.routerId, 'node7');
  assert.deepEqual([g.vrrpMcastGroup4.address, g.vrrpMcastGroup6.address, g.vrrpVersion], ['224.0.0.18', 'ff02::12', 2]);
  assert.deepEqual([g.vrrpGarpMasterDelayUs, g.vrrpGarpMasterRepeat, g.vrrpGarpMasterRefreshUs, g.vrrpGarpMasterRefreshRepeat], [5_000_000, 5, 0, 1]);
  assert.deepEqual([g.smtpConnectTimeoutUs, g.defaultInterface, g.umask, g.vrrpDownTimerAdverts, g.vmacPrefix, g.vmacAddrPrefix], [30_000_000, 'eth0', 0o177, 3, 'vrrp', 'vrrp']);
  assert.deepEqual([g.startupScriptTimeoutS, g.childWaitTimeS, g.nftablesIpvsStartFwmark, g.dbusServiceName], [10, 5, 1000, 'org.keepalived.Vrrp1']);
});

test('email settings', () => {
  const g = build('global_defs {\n notification_email {\n  a@example.com\n  "Ops <ops@example.com>"\n }\n notification_email_from kad@example.com\n smtp_server 192.0.2.1 2525\n smtp_connect_timeout 15\n router_id LVS_DEVEL\n smtp_helo_name me\n}\n').config.global;
  assert.deepEqual(g.notificationEmail, ['a@example.com', 'Ops <ops@example.com>']);
  assert.deepEqual([g.notificationEmailFrom, g.smtpServer, g.smtpConnectTimeoutUs, g.routerId, g.smtpHeloName],
    ['kad@example.com', { host: '192.0.2.1', address: { family: 4, address: '192.0.2.1' }, port: 2525 }, 15_000_000, 'LVS_DEVEL', 'me']);
  assert.equal(build('global_defs {\n smtp_server mail.example.com\n}\n').config.global.smtpServer?.port, 25);
});

test('VRRP globals flow into instances; vrrp_min_garp only changes untouched defaults', () => {
  const b = build('global_defs {\n vrrp_version 3\n vrrp_garp_master_repeat 3\n vrrp_min_garp\n vrrp_skip_check_adv_addr\n vrrp_check_unicast_src\n vrrp_down_timer_adverts 5\n}\n' + instance());
  const g = b.config.global;
  assert.deepEqual([g.vrrpGarpMasterRepeat, g.vrrpGarpMasterDelayUs], [3, 0]);
  const i = b.config.vrrpInstances[0];
  assert.deepEqual([i?.version, i?.garp.masterRepeat, i?.garp.masterDelayUs, i?.skipCheckAdvAddr, i?.checkUnicastSrc, i?.downTimerAdverts], [3, 3, 0, true, true, 5]);
});

test('multicast groups must be multicast of the right family', () => {
  assert.ok(build('global_defs {\n vrrp_mcast_group4 10.0.0.1\n}\n').errors.some((e) => e.includes('not a multicast address')));
  assert.ok(build('global_defs {\n vrrp_mcast_group6 224.0.0.18\n}\n').errors.some((e) => e.includes('not an IPv6 multicast')));
  assert.equal(build('global_defs {\n vrrp_mcast_group4 224.0.0.99\n}\n').config.global.vrrpMcastGroup4.address, '224.0.0.99');
});

test('flags with optional booleans, and bad booleans', () => {
  assert.equal(build('global_defs {\n vrrp_strict\n}\n').config.global.vrrpStrict, true);
  assert.equal(build('global_defs {\n vrrp_strict off\n}\n').config.global.vrrpStrict, false);
  assert.ok(build('global_defs {\n vrrp_strict maybe\n}\n').errors.some((e) => e.includes("invalid boolean 'maybe'")));
  assert.equal(build('global_defs {\n smtp_alert yes\n}\n').config.global.smtpAlert, true);
});

test('umask accepts numbers and bit names; process tuning; cpu lists', () => {
  assert.equal(build('global_defs {\n umask 022\n}\n').config.global.umask, 0o22);
  assert.equal(build('global_defs {\n umask IWGRP|IWOTH\n}\n').config.global.umask, 0o22);
  assert.ok(build('global_defs {\n umask IWHAT\n}\n').errors.length === 1);
  const g = build('global_defs {\n vrrp_priority -10\n vrrp_no_swap\n vrrp_rt_priority 50\n checker_cpu_affinity 0 1 2 5\n vrrp_rlimit_rtime 20000\n}\n');
  assert.deepEqual(g.config.global.vrrpProcess, { nice: -10, noSwap: true, rtPriority: 50, rlimitRttimeUs: 20000 });
  assert.deepEqual(g.config.global.checkerProcess.cpuAffinity, [0, 1, 2, 5]);
  assert.ok(g.warnings.some((w) => w.includes("'vrrp_rlimit_rtime' is deprecated, use 'vrrp_rlimit_rttime'")));
  assert.ok(build('global_defs {\n vrrp_priority 20\n}\n').errors.some((e) => e.includes('outside range [-20, 19]')));
});

test('lvs_sync_daemon with options and instance reference', () => {
  const b = build('global_defs {\n lvs_sync_daemon eth0 VI_1 id 5 maxlen 1400 port 9000 ttl 2 group 224.0.0.90\n}\n' + instance());
  assert.deepEqual(b.errors, []);
  const d = b.config.global.lvsSyncDaemon;
  assert.deepEqual(d, { interface: 'eth0', instance: 'VI_1', syncId: 5, maxLen: 1400, port: 9000, ttl: 2, group: { family: 4, address: '224.0.0.90' } });
  assert.ok(build('global_defs {\n lvs_sync_daemon eth0 NOPE\n}\n').errors.some((e) => e.includes("vrrp_instance NOPE doesn't exist")));
  const t = build('global_defs {\n lvs_timeouts tcp 900 udp 60\n lvs_flush_on_stop VS\n}\n').config.global;
  assert.deepEqual([t.lvsTimeouts, t.lvsFlushOnStop], [{ tcpS: 900, udpS: 60 }, 'vs']);
});

test('FIFOs and script keywords', () => {
  const g = build('global_defs {\n notify_fifo /run/k.fifo root\n vrrp_notify_fifo_script "/bin/reader -v" nobody\n}\n').config.global;
  assert.deepEqual(g.notifyFifo, { path: '/run/k.fifo', user: 'root' });
  assert.deepEqual(g.vrrpNotifyFifoScript, { command: '/bin/reader -v', argv: ['/bin/reader', '-v'], user: 'nobody' });
});

test('top-level switches', () => {
  const g = build('net_namespace blue\ninstance east\nuse_pid_dir\nchild_wait_time 9\nlinkbeat_use_polling\n').config.global;
  assert.deepEqual([g.netNamespace, g.instanceName, g.usePidDir, g.childWaitTimeS, g.linkbeatUsePolling], ['blue', 'east', true, 9, true]);
});

test('unknown global keyword: error with its line', () => {
  assert.deepEqual(build('global_defs {\n router_id a\n no_such_option 3\n}\n').errors, ["3: Unknown keyword 'no_such_option' in global_defs"]);
  assert.deepEqual(build('\nfoo {\n}\n').errors, ["2: Unknown keyword 'foo'"]);
});

test('track_file, vrrp_track_process, garp_group, linkbeat and up/down delays, track_group', () => {
  const b = build('vrrp_track_file tf {\n file /tmp/tf\n weight -3 reverse\n init_file 7 overwrite\n}\n' +
    'vrrp_track_process httpd {\n process httpd -DFOREGROUND\n param_match initial\n weight 10\n quorum 2\n quorum_max 4\n delay 1.5\n}\n' +
    'garp_group {\n garp_interval 0.001\n interfaces {\n eth0\n eth1\n }\n}\n' +
    'linkbeat_interfaces {\n eth0 MII\n eth1\n}\ninterface_up_down_delays {\n eth0 2 0.5\n eth1 1\n}\n' +
    'track_group TG {\n group {\n VI_1\n }\n}\n' + instance(' track_process {\n httpd\n }\n track_file {\n tf\n }'));
  assert.deepEqual(b.errors, []);
  assert.ok(b.warnings.some((w) => w.includes("'vrrp_track_file' is deprecated, use 'track_file'")));
  const c = b.config;
  assert.deepEqual(c.trackFiles[0] && { ...c.trackFiles[0], loc: 0 }, { name: 'tf', loc: 0, file: '/tmp/tf', weight: -3, weightReverse: true, initFile: { value: 7, overwrite: true } });
  const p = c.trackProcesses[0];
  assert.deepEqual([p?.process, p?.params, p?.paramMatch, p?.weight, p?.quorum, p?.quorumMax, p?.forkDelayUs, p?.terminateDelayUs], ['httpd', ['-DFOREGROUND'], 'initial', 10, 2, 4, 1_500_000, 1_500_000]);
  assert.deepEqual([c.garpGroups[0]?.garpIntervalUs, c.garpGroups[0]?.interfaces], [1000, ['eth0', 'eth1']]);
  assert.deepEqual(c.linkbeatInterfaces, [{ name: 'eth0', method: 'MII' }, { name: 'eth1' }]);
  assert.deepEqual(c.interfaceUpDownDelays.map(({ loc: _l, ...d }) => d), [{ name: 'eth0', downDelayUs: 2_000_000, upDelayUs: 500_000 }, { name: 'eth1', downDelayUs: 1_000_000, upDelayUs: 1_000_000 }]);
  assert.deepEqual(c.trackGroups.map((t) => [t.name, t.members]), [['TG', ['VI_1']]]);
  assert.ok(build('vrrp_track_process p {\n process x\n quorum 3\n quorum_max 2\n}\n').errors.some((e) => e.includes('quorum_max 2 is less than quorum 3')));
});

test('bfd_instance is accepted and modelled', () => {
  const b = build('bfd_instance b1 {\n neighbour_ip 192.0.2.9\n min_rx 50\n multiplier 3\n weight -20\n vrrp\n}\nbfd_instance b2 {\n min_tx 5\n}\n');
  assert.ok(b.errors.some((e) => e.includes('bfd_instance b2: no neighbor_ip')));
  const x = b.config.bfdInstances;
  assert.equal(x.length, 1);
  assert.deepEqual([x[0]?.neighborIp?.address, x[0]?.minRxUs, x[0]?.minTxUs, x[0]?.multiplier, x[0]?.weight, x[0]?.sendTo], ['192.0.2.9', 50_000, 10_000, 3, -20, { vrrp: true, checker: false }]);
});

test('bfd_instance idle_tx below 1000 ms is refused and the default kept, as keepalived', () => {
  const b = build('bfd_instance b {\n neighbor_ip 192.0.2.9\n idle_tx 500\n}\n');
  assert.ok(b.errors.some((e) => /idle_tx: time value '500' outside range \[1000,/.test(e)), b.errors.join('\n'));
  assert.equal(b.config.bfdInstances[0]?.idleTxUs, 1_000_000);
  assert.equal(build('bfd_instance b {\n neighbor_ip 192.0.2.9\n idle_tx 2000\n}\n').config.bfdInstances[0]?.idleTxUs, 2_000_000);
});
