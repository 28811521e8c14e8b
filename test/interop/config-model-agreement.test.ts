// Keyword-level cases: `keepalived-ts -t` must exit exactly as keepalived 2.2.7's `-t` does
// (0 clean, 5 config error, 6 scripts without script security). Each case is a small config
// exercising one rule of the keyword layer (ranges, defaults keepalived reports, references,
// conflicts, strict mode, LVS derivations). keepalived runs in a namespace with eth0 and eth1;
// our side runs in-process (reader + keyword layer) told that those interfaces exist.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labUnavailable, type Netns } from '../lib/netns.js';
import { readConfigFile } from '../../src/config/reader.js';
import { buildConfig, configTestExitCode } from '../../src/config/build.js';
import { formatDiagnostic } from '../../src/config/ast.js';

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
};

describe('keyword rules: -t exit codes agree with keepalived 2.2.7', { skip }, () => {
  let lab: Lab | undefined;
  let ns: Netns;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kts-model-'));
    lab = await Lab.create();
    ns = await lab.addNs('mdl');
    for (const ifname of ['eth0', 'eth1']) {
      await ns.ip('link', 'add', ifname, 'type', 'veth', 'peer', 'name', `${ifname}p`);
      await ns.ip('link', 'set', ifname, 'up');
    }
  });
  after(async () => {
    await lab?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  let n = 0;
  for (const [name, text] of Object.entries(CASES)) {
    test(name, async () => {
      const file = join(dir, `case${++n}.conf`);
      writeFileSync(file, text);
      const theirs = await ns.exec(KEEPALIVED, ['-t', '-f', file]);
      const read = readConfigFile(file, { configId: 'test' });
      const built = buildConfig(read.nodes, { hostname: 'test', interfaceExists: (i) => ['lo', 'eth0', 'eth1'].includes(i) });
      const diags = [...read.diagnostics, ...built.diagnostics];
      const code = configTestExitCode(diags);
      assert.equal(code, theirs.code, `keepalived exit ${theirs.code}:\n${theirs.stderr}\nkeepalived-ts exit ${code}:\n${diags.map(formatDiagnostic).join('\n')}\n--- config ---\n${text}`);
    });
  }
});
