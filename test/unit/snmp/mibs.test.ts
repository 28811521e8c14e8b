// The MIB modules as pure functions of a configuration built from text and a hand-made live
// state: which rows exist, their indexes, units and keepalived's encodings; the
// notifications' varbinds; and -x / -A applied to the configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from '../config/helpers.js';
import { MibBuilder, type MibView } from '../../../src/snmp/mib.js';
import { formatOid, type SnmpValue } from '../../../src/snmp/agentx.js';
import { addKeepalivedVrrp, instanceStateChangeTrap } from '../../../src/snmp/keepalived-vrrp-mib.js';
import { addKeepalivedGlobal, scriptText } from '../../../src/snmp/keepalived-global-mib.js';
import { addVrrpMib, addVrrpv3Mib, rfc2787NewMasterTrap } from '../../../src/snmp/vrrp-rfc-mibs.js';
import { addKeepalivedCheck, realServerStateChangeTrap } from '../../../src/snmp/keepalived-check-mib.js';
import type { SnmpVrrpData } from '../../../src/snmp/vrrp-state.js';
import type { SnmpCheckData } from '../../../src/snmp/keepalived-check-mib.js';
import { snmpSettings } from '../../../src/snmp/settings.js';
import { applySnmpOptions } from '../../../src/daemon/snmp-options.js';
import { ViewCache } from '../../../src/snmp/view-cache.js';
import type { KeepalivedConfig } from '../../../src/config/model.js';
import { parseOptions } from '../../../src/cli/options.js';
import { daemonOptionsFrom } from '../../../src/cli/daemon-start.js';

const K = '1.3.6.1.4.1.9586.100.5';
const ZERO = {
  advertRcvd: 0, advertSent: 0, becomeMaster: 0, releaseMaster: 0, priZeroRcvd: 0, priZeroSent: 0, packetLenErr: 0, ipTtlErr: 0,
  versErr: 0, invalidAuthtype: 0, authtypeMismatch: 0, authFailure: 0, invalidTypeRcvd: 0, chkErr: 0, addrListErr: 0, droppedAdverts: 0,
};

const CONF = `global_defs {
  router_id r9
  enable_traps
}
vrrp_sync_group G {
  group {
    V2
    V3
  }
  notify_master "/bin/true master"
}
vrrp_instance V2 {
  interface eth0
  virtual_router_id 9
  priority 120
  advert_int 2
  authentication {
    auth_type PASS
    auth_pass secret
  }
  virtual_ipaddress {
    10.0.0.9/24
  }
  virtual_ipaddress_excluded {
    10.0.1.9
  }
}
vrrp_instance V3 {
  interface eth0
  virtual_router_id 10
  version 3
  advert_int 0.5
  accept
  unicast_peer {
    10.0.0.2
  }
  virtual_ipaddress {
    10.0.0.10/24
  }
}
vrrp_instance V6 {
  interface eth1
  virtual_router_id 11
  version 3
  virtual_ipaddress {
    fe80::10
    2001:db8::10/64
  }
}
`;

function data(cfg: KeepalivedConfig): SnmpVrrpData {
  const states: Record<string, 'MASTER' | 'BACKUP'> = { V2: 'MASTER', V3: 'MASTER', V6: 'BACKUP' };
  return {
    global: cfg.global,
    instances: cfg.vrrpInstances.map((m) => ({
      model: m, state: states[m.name] ?? 'BACKUP', effectivePriority: m.priority - 10, vipsSet: states[m.name] === 'MASTER',
      masterAddress: m.name === 'V6' ? 'fe80::2' : null, primaryAddress: m.family === 6 ? 'fe80::1' : '10.0.0.1',
      // eth1 does not exist now: no ifindex.
      ...(m.interface === 'eth0' ? { ifindex: 4, mac: Buffer.from([2, 0, 0, 0, 0, 1]) } : {}),
      upSinceMs: 1_000_500, stats: { ...ZERO, becomeMaster: states[m.name] === 'MASTER' ? 1 : 0, advertRcvd: 7 },
    })),
    groups: cfg.vrrpSyncGroups.map((g) => ({ model: g, state: 'MASTER' as const })),
    staticAddresses: [],
    scripts: cfg.vrrpScripts.map((model) => ({ model, result: 'good' as const })),
    startedAtMs: 1_000_000,
    nowMs: 1_003_000,
    ifindexOf: (n) => (n === 'eth0' ? 4 : undefined),
  };
}

function values(v: MibView, prefix: string): Record<string, SnmpValue> {
  return Object.fromEntries(v.all().map((e) => [formatOid(e.oid), e.value]).filter(([o]) => (o as string).startsWith(`${prefix}.`)));
}

const n = (x: SnmpValue | undefined) => (x && 'value' in x ? x.value : undefined);
const s = (x: SnmpValue | undefined) => (x && x.type === 'str' ? x.value.toString('hex') : undefined);

test('KEEPALIVED-MIB vrrp: instance rows in configuration order, keepalived units and encodings', () => {
  const b = build(CONF);
  assert.deepEqual(b.errors, []);
  const d = data(b.config);
  const mb = new MibBuilder();
  addKeepalivedVrrp(mb, d);
  const v = values(mb.build(), `${K}.2`);
  const i = (col: number, row: number) => v[`${K}.2.3.1.${col}.${row}`];
  assert.equal(n(i(3, 1)), 9);
  assert.equal(n(i(4, 1)), 2, 'master');
  assert.equal(n(i(4, 3)), 1, 'backup');
  assert.equal(n(i(7, 1)), 120);
  assert.equal(n(i(8, 1)), 110, 'effective priority');
  assert.equal(n(i(12, 1)), 2, 'VRRPv2 advert interval in seconds');
  assert.equal(n(i(12, 2)), 50, 'VRRPv3 advert interval in centiseconds');
  assert.equal(n(i(15, 1)), 1, 'auth PASS');
  assert.equal(n(i(15, 2)), 0, 'no auth in VRRPv3');
  assert.equal(n(i(27, 1)), 0, 'accept is 0 for VRRPv2, as keepalived answers');
  assert.equal(n(i(27, 2)), 1);
  assert.equal(s(i(18, 1)), Buffer.from('G').toString('hex'), 'sync group');
  assert.equal(i(18, 3), undefined, 'no sync group: no instance of the column');
  assert.equal(s(i(35, 1)), 'e0000012', '224.0.0.18');
  assert.equal(i(35, 2), undefined, 'unicast: no multicast address');
  assert.equal(s(i(35, 3)), 'ff020000000000000000000000000012');
  // Addresses: VIPs then eVIPs per instance.
  assert.equal(s(v[`${K}.2.6.1.3.1.1`]), '0a000009');
  assert.equal(s(v[`${K}.2.6.1.3.1.2`]), '0a000109');
  assert.equal(n(v[`${K}.2.6.1.11.1.1`]), 1, 'advertised');
  assert.equal(n(v[`${K}.2.6.1.11.1.2`]), 2, 'excluded: not advertised');
  assert.equal(n(v[`${K}.2.6.1.11.2.1`]), 1, 'the second instance\'s VIP is advertised too');
  assert.equal(n(v[`${K}.2.6.1.10.3.1`]), 2, 'backup: not set');
  assert.equal(v[`${K}.2.6.1.4.3.1`], undefined, 'no broadcast for IPv6');
  assert.equal(v[`${K}.2.6.1.7.3.1`], undefined, 'eth1 has no index now');
  // Sync group and members.
  assert.equal(n(v[`${K}.2.1.1.3.1`]), 2);
  assert.equal(s(v[`${K}.2.1.1.6.1`]), Buffer.from("'/bin/true' 'master'").toString('hex'), 'scripts as keepalived 2.2.7 shows them');
  assert.equal(s(v[`${K}.2.2.1.2.1.2`]), Buffer.from('V3').toString('hex'));
  const trap = instanceStateChangeTrap(d, 'V3');
  assert.deepEqual(trap?.trap, [1, 3, 6, 1, 4, 1, 9586, 100, 5, 2, 10, 0, 2]);
  assert.deepEqual(trap?.varbinds.map((x) => formatOid(x.oid)), [`${K}.2.3.1.2.2`, `${K}.2.3.1.4.2`, `${K}.2.3.1.5.2`, `${K}.1.2.0`]);
});

test('VRRP-MIB / VRRPv3-MIB: rows by (ifIndex, VRID[, type]); only instances that can be indexed', () => {
  const d = data(build(CONF).config);
  const mb = new MibBuilder();
  addVrrpMib(mb, d);
  addVrrpv3Mib(mb, d);
  const view = mb.build();
  const v2 = values(view, '1.3.6.1.2.1.68');
  // Only V2 (VRRPv2, IPv4) in RFC 2787.
  assert.deepEqual(Object.keys(v2).filter((o) => o.startsWith('1.3.6.1.2.1.68.1.3.1.3.')), ['1.3.6.1.2.1.68.1.3.1.3.4.9']);
  assert.equal(n(v2['1.3.6.1.2.1.68.1.3.1.3.4.9']), 3, 'master(3)');
  assert.equal(n(v2['1.3.6.1.2.1.68.1.3.1.9.4.9']), 2, 'simpleTextPassword');
  assert.equal(n(v2['1.3.6.1.2.1.68.1.3.1.11.4.9']), 2);
  assert.equal(n(v2['1.3.6.1.2.1.68.1.3.1.13.4.9']), 50, 'up since 0.5 s after the subagent started');
  assert.equal(v2['1.3.6.1.2.1.68.1.3.1.10.4.9'], undefined, 'the auth key is never readable');
  assert.equal(n(v2['1.3.6.1.2.1.68.1.4.1.2.4.9.10.0.0.9']), 1);
  assert.equal(v2['1.3.6.1.2.1.68.1.4.1.2.4.9.10.0.1.9'], undefined, 'eVIPs are not associated addresses');
  assert.equal(n(v2['1.3.6.1.2.1.68.2.4.1.2.4.9']), 7);
  const v3 = values(view, '1.3.6.1.2.1.207');
  assert.deepEqual(Object.keys(v3).filter((o) => o.startsWith('1.3.6.1.2.1.207.1.1.1.1.6.')), ['1.3.6.1.2.1.207.1.1.1.1.6.4.9.1', '1.3.6.1.2.1.207.1.1.1.1.6.4.10.1'], 'V6 has no interface index now');
  assert.equal(s(v3['1.3.6.1.2.1.207.1.1.1.1.3.4.10.1']), '0a000001', 'master address is ours when master');
  assert.equal(n(v3['1.3.6.1.2.1.207.1.1.1.1.9.4.10.1']), 50);
  assert.equal(n(v3['1.3.6.1.2.1.207.1.1.1.1.12.4.10.1']), 250, 'up for 2.5 s');
  assert.equal(v3['1.3.6.1.2.1.207.1.2.5.1.3.4.10.1']?.type, 'counter64');
  assert.equal(n(v3['1.3.6.1.2.1.207.1.2.5.1.13.4.10.1']), 500, 'refresh rate in ms');
  const t = rfc2787NewMasterTrap(d, 'V2');
  assert.deepEqual(t?.trap, [1, 3, 6, 1, 2, 1, 68, 0, 1]);
  assert.equal(rfc2787NewMasterTrap(d, 'V3'), undefined, 'VRRPv3 instances are not in RFC 2787');
});

test('KEEPALIVED-MIB global and check: sorry server first, real server state and weight, quorum', () => {
  const b = build(`global_defs {
  router_id r9
  notification_email {
    a@example.com
  }
}
virtual_server 10.0.0.100 80 {
  lb_algo wlc
  lb_kind DR
  protocol TCP
  quorum 2
  sorry_server 10.0.0.50 80
  real_server 10.0.0.2 80 {
    weight 5
    notify_down "/bin/true down"
    TCP_CHECK {
    }
  }
  real_server 10.0.0.3 80 {
    TCP_CHECK {
    }
  }
}
`);
  assert.deepEqual(b.errors, []);
  const vs = b.config.virtualServers[0];
  assert.ok(vs);
  const d: SnmpCheckData = {
    global: b.config.global,
    virtualServers: [{ model: vs, quorumUp: false, realServers: vs.realServers.map((r, i) => ({ model: r, alive: i === 0, weight: i === 0 ? 4 : r.weight })) }],
  };
  const mb = new MibBuilder();
  addKeepalivedGlobal(mb, b.config.global, 'v');
  addKeepalivedCheck(mb, d);
  const v = values(mb.build(), K);
  assert.equal(s(v[`${K}.1.2.0`]), Buffer.from('r9').toString('hex'));
  assert.equal(s(v[`${K}.1.3.5.1.2.1`]), Buffer.from('a@example.com').toString('hex'));
  assert.equal(n(v[`${K}.3.3.1.9.1`]), 4, 'wlc');
  assert.equal(n(v[`${K}.3.3.1.10.1`]), 2, 'DR');
  assert.equal(n(v[`${K}.3.3.1.20.1`]), 2);
  assert.equal(n(v[`${K}.3.3.1.21.1`]), 1);
  assert.equal(n(v[`${K}.3.3.1.22.1`]), 2);
  assert.equal(n(v[`${K}.3.3.1.23.1`]), 2, 'quorum not met');
  assert.equal(n(v[`${K}.3.4.1.2.1.1`]), 2, 'the sorry server is row 1');
  assert.equal(s(v[`${K}.3.4.1.4.1.1`]), '0a000032');
  assert.equal(v[`${K}.3.4.1.6.1.1`], undefined, 'no status for the sorry server');
  assert.equal(n(v[`${K}.3.4.1.6.1.2`]), 1, 'alive');
  assert.equal(n(v[`${K}.3.4.1.7.1.2`]), 4, 'the weight in force');
  assert.equal(n(v[`${K}.3.4.1.6.1.3`]), 2, 'dead');
  assert.equal(s(v[`${K}.3.4.1.12.1.2`]), Buffer.from("'/bin/true' 'down'").toString('hex'));
  const t = realServerStateChangeTrap(d, 0, '10.0.0.3', 80);
  assert.deepEqual(t?.trap, [1, 3, 6, 1, 4, 1, 9586, 100, 5, 3, 5, 0, 1]);
  assert.equal(formatOid(t?.varbinds[3]?.oid ?? []), `${K}.3.4.1.6.1.3`);
  assert.equal(n(t?.varbinds[3]?.value), 2);
});

test('settings: the enable_snmp_* switches, snmp_socket, and -x / -A applied to the configuration', () => {
  const plain = build('global_defs {\n router_id x\n}\n').config;
  assert.equal(snmpSettings(plain.global), undefined, 'nothing enabled');
  const x = applySnmpOptions(plain, { snmp: true, snmpSocket: 'tcp:localhost:705' }) as KeepalivedConfig;
  assert.deepEqual(snmpSettings(x.global), { address: { kind: 'tcp', host: 'localhost', port: 705 }, vrrp: true, checker: true, rfcv2: true, rfcv3: true, traps: false });
  assert.equal(plain.global.enableSnmpVrrp, false, 'the original is not changed');
  const kw = build('global_defs {\n snmp_socket unix:/tmp/a\n enable_snmp_rfc\n enable_traps\n}\n').config;
  assert.deepEqual(snmpSettings(kw.global), { address: { kind: 'unix', path: '/tmp/a' }, vrrp: false, checker: false, rfcv2: true, rfcv3: true, traps: true });
  const a = applySnmpOptions(kw, { snmpSocket: '/run/x' }) as KeepalivedConfig;
  assert.equal(a.global.snmpSocket, '/run/x', '-A wins over snmp_socket');
  const bad = build('global_defs {\n snmp_socket udp:localhost:705\n enable_snmp_vrrp\n}\n').config;
  assert.match((snmpSettings(bad.global) as { error: string }).error, /unix or TCP/);
  assert.deepEqual(applySnmpOptions({ nodes: [] }, { snmp: true }), { nodes: [] }, 'an untyped configuration is left alone');
});

test('scripts: each argument quoted, embedded quotes escaped, a leading redirection bare', () => {
  assert.equal(scriptText({ command: '', argv: ['/bin/n', "it's"] }), "'/bin/n' 'it'\\''s'");
  assert.equal(scriptText({ command: '', argv: ['</tmp/flag'] }), '</tmp/flag');
});

test('view cache: rebuilt when invalidated or older than its age, not per request', () => {
  let builds = 0;
  let now = 0;
  const c = new ViewCache(() => { builds++; return new MibBuilder().build(); }, 1000, () => now);
  c.get(); c.get(); c.get();
  assert.equal(builds, 1);
  c.invalidate();
  c.get();
  assert.equal(builds, 2);
  now = 999;
  c.get();
  assert.equal(builds, 2);
  now = 1000;
  c.get();
  assert.equal(builds, 3);
});

test('command line: -x and -A reach the daemon options', () => {
  const p = parseOptions(['-x', '-A', 'tcp:localhost:705']);
  assert.equal(p.kind, 'run');
  if (p.kind !== 'run') return;
  const d = daemonOptionsFrom(p.options);
  assert.equal(d.snmp, true);
  assert.equal(d.snmpSocket, 'tcp:localhost:705');
  const q = parseOptions(['-n']);
  if (q.kind === 'run') assert.equal(daemonOptionsFrom(q.options).snmp, undefined);
});
