// Keyword-level cases: `keepalived-ts -t` must exit exactly as keepalived 2.2.7's `-t` does
// (0 clean, 5 config error, 6 scripts without script security). Each case is a small config
// exercising one rule of the keyword layer (ranges, defaults keepalived reports, references,
// conflicts, strict mode, LVS derivations). keepalived runs in a namespace with eth0..eth3;
// our side runs in-process (reader + keyword layer) told that those interfaces exist.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labUnavailable, type Netns } from '../lib/netns.js';
import { readConfigFile } from '../../src/config/reader.js';
import { buildConfig, configTestExitCode, scriptIsExecutable, userExistsHere } from '../../src/config/build.js';
import { formatDiagnostic } from '../../src/config/ast.js';
import { PROBES } from './config-model-probes.js';

const KEEPALIVED = '/usr/sbin/keepalived';
const skip = labUnavailable() ?? (existsSync(KEEPALIVED) ? undefined : `needs ${KEEPALIVED}`);

const vi = (extra = '', name = 'VI_1', vrid = 51, vip = '10.0.0.1/24', ifname = 'eth0'): string =>
  `vrrp_instance ${name} {\n interface ${ifname}\n virtual_router_id ${vrid}\n${extra}\n virtual_ipaddress {\n  ${vip}\n }\n}\n`;
const vs = (vsExtra = 'lb_algo rr\n lb_kind NAT\n protocol TCP', rsExtra = 'TCP_CHECK {\n }', rs = '10.0.0.2 80'): string =>
  `virtual_server 10.0.0.100 80 {\n ${vsExtra}\n real_server ${rs} {\n  ${rsExtra}\n }\n}\n`;
const secure = 'global_defs {\n enable_script_security\n script_user root\n}\n';

const CASES: Record<string, string> = {
  'minimal instance': vi(),
  'state MASTER priority 100': vi(' state MASTER\n priority 100'),
  'priority out of range': vi(' priority 300'),
  'unknown keyword in instance': vi(' frobnicate 1'),
  'missing virtual_router_id': 'vrrp_instance V {\n interface eth0\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n',
  'missing interface': 'vrrp_instance V {\n virtual_router_id 5\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n',
  'interface that does not exist': vi('', 'VI_1', 51, '10.0.0.1/24', 'eth9'),
  'VIP on a missing interface': vi('', 'VI_1', 51, '10.0.0.1/24 dev eth7'),
  'no VIPs': 'vrrp_instance V {\n interface eth0\n virtual_router_id 5\n}\n',
  'nopreempt with state MASTER': vi(' state MASTER\n priority 100\n nopreempt'),
  'nopreempt with BACKUP': vi(' nopreempt'),
  'preempt_delay with state MASTER': vi(' state MASTER\n priority 100\n preempt_delay 10'),
  'preempt_delay': vi(' preempt_delay 10'),
  'v3 with authentication': vi(' version 3\n authentication {\n  auth_type PASS\n  auth_pass abc\n }'),
  'v2 PASS authentication': vi(' authentication {\n  auth_type PASS\n  auth_pass abc\n }'),
  'auth_pass longer than 8': vi(' authentication {\n  auth_type PASS\n  auth_pass abcdefghijk\n }'),
  'unknown state': vi(' state FOO'),
  'v2 fractional advert_int': vi(' advert_int 1.5'),
  'v3 advert_int not in 10 ms': vi(' version 3\n advert_int 0.055'),
  'v3 advert_int 50 ms': vi(' version 3\n advert_int 0.05'),
  'mixed-family VIPs': vi('', 'VI_1', 51, '10.0.0.1/24\n  fe80::1'),
  'IPv6 instance': vi('', 'VI_6', 7, 'fe80::1'),
  'duplicate instance name': vi() + vi('', 'VI_1', 52),
  'duplicate VRID on one interface': vi() + vi('', 'VI_2', 51),
  'same VRID on two interfaces': vi() + vi('', 'VI_2', 51, '10.0.0.2/24', 'eth1'),
  'same VRID IPv4 and IPv6': vi() + vi('', 'VI_2', 51, 'fe80::1'),
  'sync group with missing member': 'vrrp_sync_group G {\n group {\n  VI_1\n  VI_9\n }\n}\n' + vi() + vi('', 'VI_2', 52),
  'sync group with one member': 'vrrp_sync_group G {\n group {\n  VI_1\n }\n}\n' + vi(),
  'sync group of two': 'vrrp_sync_group G {\n group {\n  VI_1 VI_2\n }\n}\n' + vi() + vi('', 'VI_2', 52),
  'weighted tracker in sync group': 'vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n}\n' + vi(' track_interface {\n  eth1 weight 10\n }') + vi('', 'VI_2', 52),
  'tracking own interface': vi(' track_interface {\n  eth0\n }'),
  'tracking another interface': vi(' track_interface {\n  eth1 weight -10\n }'),
  'weighted tracker on owner': vi(' priority 255\n track_interface {\n  eth1 weight 10\n }'),
  'track weight 254': vi(' track_interface {\n  eth1 weight 254\n }'),
  'track_script naming no script': vi(' track_script {\n  nosuch\n }'),
  'script without script security': 'vrrp_script chk {\n script /bin/true\n}\n' + vi(' track_script {\n  chk\n }'),
  'script with script security': secure + 'vrrp_script chk {\n script /bin/true\n weight -10\n rise 2\n fall 2\n}\n' + vi(' track_script {\n  chk\n }'),
  'unused script': secure + 'vrrp_script chk {\n script /bin/true\n}\n' + vi(),
  'notify without script security': vi(' notify_master /bin/true'),
  'strict with authentication': 'global_defs {\n vrrp_strict\n}\n' + vi(' authentication {\n  auth_type PASS\n  auth_pass x\n }'),
  'strict without VIPs': 'global_defs {\n vrrp_strict\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 5\n}\n',
  'strict clean owner': 'global_defs {\n vrrp_strict\n}\n' + vi(' state MASTER\n priority 255'),
  'unicast peers': vi(' unicast_src_ip 10.0.0.1\n unicast_peer {\n  10.0.0.2 min_ttl 3\n  10.0.0.3\n }'),
  'unicast peer of the wrong family': vi(' unicast_peer {\n  2001:db8::1\n }'),
  'use_vmac': vi(' use_vmac\n vmac_xmit_base'),
  'garp settings': 'global_defs {\n vrrp_garp_master_delay 1\n vrrp_garp_master_repeat 2\n vrrp_garp_interval 0.001\n vrrp_min_garp\n}\n' + vi(' garp_master_refresh 60'),
  'global_defs email block': 'global_defs {\n notification_email {\n  a@b c@d\n }\n notification_email_from x@y\n smtp_server 127.0.0.1\n smtp_connect_timeout 30\n router_id R1\n}\n',
  'unknown global keyword': 'global_defs {\n no_such_thing\n}\n',
  'bad multicast group': 'global_defs {\n vrrp_mcast_group4 10.0.0.1\n}\n',
  'virtual routes and rules': vi(' virtual_routes {\n  10.5.0.0/16 via 10.0.0.254\n }\n virtual_rules {\n  from 10.0.0.1 table 7 priority 5\n }'),
  'rule without preference': 'static_rules {\n from 10.0.0.0/8 table 1\n}\n',
  'bad rule address': 'static_rules {\n to 192.168.100./24 table 1 priority 3\n}\n',
  'two VIPs on one line': vi('', 'VI_1', 51, '10.1.1.101/24 10.1.1.102/24'),
  'clean virtual server': vs(),
  'virtual server without protocol': vs('lb_algo rr\n lb_kind NAT'),
  'virtual server without scheduler': vs('lb_kind NAT\n protocol TCP'),
  'virtual server without method': vs('lb_algo rr\n protocol TCP'),
  'DR real server on another port': vs('lb_algo rr\n lb_kind DR\n protocol TCP', 'TCP_CHECK {\n }', '10.0.0.2 8080'),
  'quorum above total weight': vs('lb_algo rr\n lb_kind NAT\n protocol TCP\n quorum 5'),
  'ops with TCP': vs('lb_algo rr\n lb_kind NAT\n protocol TCP\n ops'),
  'ha_suspend with fwmark': 'virtual_server fwmark 1 {\n lb_algo rr\n lb_kind DR\n ha_suspend\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n }\n}\n',
  'virtual server group that does not exist': 'virtual_server group G1 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n }\n}\n',
  'virtual server group': 'virtual_server_group G1 {\n 10.0.0.100-102 80\n fwmark 3\n}\n' + 'virtual_server group G1 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n }\n}\n',
  'HTTP_GET with urls': vs(undefined, 'HTTP_GET {\n   url {\n    path /\n    status_code 200-299\n    digest ff20ad2481f97b1754ef3e12ecd3a9cc\n   }\n   connect_timeout 3\n   nb_get_retry 3\n   delay_before_retry 3\n  }'),
  'MISC_CHECK with script security': secure + vs(undefined, 'MISC_CHECK {\n   misc_path "/bin/true arg"\n   misc_timeout 5\n  }'),
  'DNS, UDP, SMTP and PING checks': vs(undefined, 'DNS_CHECK {\n   type A\n   name example.com\n  }\n  UDP_CHECK {\n   payload 0a0b\n  }\n  SMTP_CHECK {\n   helo_name x\n  }\n  PING_CHECK {\n  }'),
  'bad status code': vs(undefined, 'HTTP_GET {\n   url {\n    path /\n    status_code 700\n   }\n  }'),
  'unknown checker keyword': vs(undefined, 'TCP_CHECK {\n   bogus 1\n  }'),
  'keyword newer than 2.2.7': vi(' nopreempt\n timer_expired_backup'),
  'global keyword newer than 2.2.7': 'global_defs {\n json_version 2\n}\n',
  'manual name of a dump file keyword': 'global_defs {\n state_file_location /tmp/x\n}\n',
  'many global keywords': 'global_defs {\n router_id R1\n vrrp_mcast_group4 224.0.0.18\n vrrp_mcast_group6 ff02::12\n' +
    ' vrrp_version 2\n vrrp_garp_master_delay 5\n vrrp_garp_master_repeat 5\n vrrp_garp_master_refresh 0\n' +
    ' vrrp_garp_master_refresh_repeat 1\n vrrp_garp_lower_prio_delay 5\n vrrp_garp_lower_prio_repeat 5\n' +
    ' vrrp_garp_interval 0\n vrrp_gna_interval 0\n vrrp_lower_prio_no_advert false\n vrrp_higher_prio_send_advert off\n' +
    ' vrrp_check_unicast_src\n vrrp_skip_check_adv_addr\n vrrp_down_timer_adverts 3\n vrrp_startup_delay 1.5\n' +
    ' log_unknown_vrids\n vmac_prefix vr\n vmac_addr_prefix vma\n vrrp_priority -5\n checker_priority 0\n' +
    ' vrrp_no_swap\n checker_no_swap\n vrrp_rt_priority 10\n vrrp_rlimit_rttime 20000\n max_auto_priority 10\n' +
    ' min_auto_priority_delay 500000\n umask 0077\n process_names\n dynamic_interfaces\n default_interface eth0\n' +
    ' lvs_flush\n lvs_timeouts tcp 900 tcpfin 120 udp 300\n lvs_sync_daemon eth0 id 5 port 8848\n' +
    ' nftables keepalived\n nftables_priority -1\n notify_fifo /tmp/k.fifo\n vrrp_notify_priority_changes\n' +
    ' smtp_alert_vrrp off\n smtp_alert_checker on\n no_email_faults\n checker_log_all_failures on\n' +
    ' rs_init_notifies\n no_checker_emails\n reload_repeat\n data_use_instance\n vrrp_rx_bufs_policy MTU\n' +
    ' vrrp_rx_bufs_multiplier 4\n vrrp_netlink_cmd_rcv_bufs 1048576\n vrrp_netlink_cmd_rcv_bufs_force\n' +
    ' enable_traps\n snmp_socket tcp:localhost:705\n enable_dbus\n dbus_service_name org.keepalived.Vrrp1\n' +
    ' startup_script_timeout 5\n shutdown_script_timeout 5\n random_seed 42\n}\n',
  'many instance keywords': 'global_defs {\n vrrp_garp_extra_if 60\n}\nvrrp_instance VI_1 {\n state BACKUP\n interface eth0\n' +
    ' virtual_router_id 51\n priority 150\n advert_int 2\n nopreempt\n down_timer_adverts 4\n debug 2\n' +
    ' mcast_src_ip 10.0.0.5\n mcast_dst_ip 224.0.0.99\n dont_track_primary\n promote_secondaries\n no_accept\n' +
    ' skip_check_adv_addr on\n garp_master_delay 2\n garp_master_repeat 3\n garp_master_refresh 60\n' +
    ' garp_master_refresh_repeat 2\n garp_lower_prio_delay 1\n garp_lower_prio_repeat 2\n lower_prio_no_advert\n' +
    ' higher_prio_send_advert true\n garp_extra_if all 30\n kernel_rx_buf_size 65536\n track_src_ip\n' +
    ' notify_priority_changes on\n smtp_alert off\n use_vmac vrrp51\n vmac_xmit_base\n' +
    ' virtual_ipaddress {\n  10.0.0.100/24 dev eth0 brd 10.0.0.255 label eth0:1 scope global\n  10.0.0.101/24 no_track\n }\n' +
    ' virtual_ipaddress_excluded {\n  10.0.1.1/24 dev eth1\n  2001:db8::1/64 dev eth1\n }\n' +
    ' virtual_routes {\n  10.5.0.0/16 via 10.0.0.254 dev eth0 metric 5\n  blackhole 10.6.0.0/16\n }\n' +
    ' virtual_rules {\n  from 10.0.0.0/24 table 100 priority 100\n }\n}\n',
  'many virtual server keywords': 'virtual_server 10.0.0.100 80 {\n delay_loop 10\n lvs_sched sh\n lvs_method NAT\n protocol TCP\n' +
    ' persistence_timeout 300\n persistence_granularity 255.255.255.0\n sh-port\n sh-fallback\n ha_suspend\n' +
    ' virtualhost www.example.com\n alpha\n omega\n quorum 2\n hysteresis 1\n sorry_server 10.0.0.50 80\n' +
    ' sorry_server_inhibit\n inhibit_on_failure\n connect_timeout 4\n retry 2\n delay_before_retry 1\n warmup 3\n' +
    ' smtp_alert on\n real_server 10.0.0.2 80 {\n  weight 2\n  inhibit_on_failure\n  uthreshold 100\n  lthreshold 10\n' +
    '  HTTP_GET {\n   url {\n    path /health\n    status_code 200 301-302\n    virtualhost h.example.com\n   }\n' +
    '   connect_ip 10.0.0.2\n   connect_port 8080\n   bindto 10.0.0.1\n   connect_timeout 2\n   retry 3\n' +
    '   delay_before_retry 2\n   warmup 1\n   http_protocol 1.1\n   fast_recovery\n  }\n }\n' +
    ' real_server 10.0.0.3 80 {\n  weight 1\n  SMTP_CHECK {\n   helo_name me.example.com\n   connect_port 25\n  }\n' +
    '  DNS_CHECK {\n   type SOA\n   name example.com\n  }\n  UDP_CHECK {\n   connect_port 53\n   payload 00ff\n' +
    '   require_reply\n   min_reply_length 1\n   max_reply_length 100\n  }\n }\n}\n',
  'tunnelled fwmark service': 'virtual_server fwmark 10 {\n lvs_sched wrr\n lvs_method TUN type gre\n ip_family inet6\n' +
    ' real_server 2001:db8::2 {\n  weight 5\n  PING_CHECK {\n  }\n }\n}\n',
  'bfd instance and BFD_CHECK': 'bfd_instance b1 {\n neighbor_ip 10.0.0.9\n source_ip 10.0.0.1\n min_rx 100\n min_tx 100\n' +
    ' multiplier 3\n}\n' + vs(undefined, 'BFD_CHECK {\n   name b1\n  }'),
  'track_file and FILE_CHECK': 'track_file tf {\n file /tmp/kts-tf\n weight 2\n}\n' + vs(undefined, 'FILE_CHECK {\n   track_file tf\n   weight 3\n  }'),
  'track_process': 'vrrp_track_process p {\n process sshd\n weight 10\n quorum 1\n delay 0.5\n}\n' + vi(' track_process {\n  p\n }'),
  'static addresses routes rules': 'static_ipaddress {\n 10.9.0.1/24 dev eth0\n}\nstatic_routes {\n 10.8.0.0/16 via 10.9.0.254 dev eth0\n}\n' +
    'static_rules {\n from 10.9.0.0/24 table 10 priority 10\n}\n',
  'garp_group': 'garp_group {\n garp_interval 0.01\n interface eth0\n}\n',
  'SSL block and SSL_GET': 'SSL {\n ca /etc/ssl/ca.pem\n}\n' + vs(undefined, 'SSL_GET {\n   url {\n    path /\n   }\n  }'),
};

// keepalived's own samples too (the config-reader test checks them through the CLI).
const SAMPLES = '/work/shared/fixtures/keepalived-samples';
const samples: [string, string][] = existsSync(SAMPLES)
  ? readdirSync(SAMPLES).filter((f) => f.startsWith('keepalived.conf') && f !== 'keepalived.conf.conditional_conf')
    .map((f) => [`sample ${f}`, readFileSync(join(SAMPLES, f), 'utf8')])
  : [];

describe('keyword rules: -t exit codes agree with keepalived 2.2.7', { skip }, () => {
  let lab: Lab | undefined;
  let ns: Netns;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kts-model-'));
    lab = await Lab.create();
    ns = await lab.addNs('mdl');
    for (const ifname of ['eth0', 'eth1', 'eth2', 'eth3']) {
      await ns.ip('link', 'add', ifname, 'type', 'veth', 'peer', 'name', `${ifname}p`);
      await ns.ip('link', 'set', ifname, 'up');
    }
  });
  after(async () => {
    await lab?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  let n = 0;
  for (const [name, text] of [...Object.entries(CASES), ...Object.entries(PROBES).map(([k, v]) => [`probe ${k}`, v] as const), ...samples]) {
    test(name, async () => {
      const file = join(dir, `case${++n}.conf`);
      writeFileSync(file, text);
      const theirs = await ns.exec(KEEPALIVED, ['-t', '-f', file]);
      const read = readConfigFile(file, { configId: 'test' });
      const built = buildConfig(read.nodes, { hostname: 'test', interfaceExists: (i) => ['lo', 'eth0', 'eth1', 'eth2', 'eth3'].includes(i), scriptUsable: scriptIsExecutable, userExists: userExistsHere });
      const diags = [...read.diagnostics, ...built.diagnostics];
      const code = configTestExitCode(diags);
      assert.equal(code, theirs.code, `keepalived exit ${theirs.code}:\n${theirs.stderr}\nkeepalived-ts exit ${code}:\n${diags.map(formatDiagnostic).join('\n')}\n--- config ---\n${text}`);
    });
  }
});
