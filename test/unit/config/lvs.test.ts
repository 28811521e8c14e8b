// virtual_server / real_server / virtual_server_group / checkers: defaults, inheritance, rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, onlyVs, vserver } from './helpers.js';
import type { HttpCheck, MiscCheck, TcpCheck, DnsCheck, UdpCheck, SmtpCheck } from '../../../src/config/model.js';

test('a minimal virtual server and its defaults', () => {
  const b = build(vserver());
  assert.deepEqual(b.errors, []);
  const vs = onlyVs(b);
  assert.deepEqual(vs.key, { kind: 'addr', address: { family: 4, address: '10.0.0.100' }, port: 80 });
  assert.deepEqual([vs.protocol, vs.scheduler, vs.method, vs.family], ['TCP', 'rr', { kind: 'NAT' }, 4]);
  assert.deepEqual([vs.delayLoopUs, vs.connectTimeoutUs, vs.quorum, vs.hysteresis, vs.weight, vs.smtpAlert], [60_000_000, 5_000_000, 1, 0, 1, false]);
  assert.equal(vs.persistenceTimeoutS, undefined);
  const rs = vs.realServers[0];
  assert.ok(rs);
  assert.deepEqual([rs.port, rs.weight, rs.smtpAlert, rs.inhibitOnFailure, rs.alpha], [80, 1, true, false, false]);
  const c = rs.checkers[0] as TcpCheck;
  assert.deepEqual([c.type, c.retry, c.delayBeforeRetryUs, c.connectTimeoutUs, c.delayLoopUs, c.warmupUs], ['TCP_CHECK', 1, 1_000_000, 5_000_000, 60_000_000, 60_000_000]);
});

test('missing protocol, scheduler and method are errors (as in keepalived 2.2.7) with the defaults used', () => {
  const b = build('virtual_server 10.0.0.100 80 {\n real_server 10.0.0.2 80 {\n }\n}\n');
  assert.deepEqual(b.errors.map((e) => e.replace(/^\d+: /, '')), [
    'virtual_server 10.0.0.100:80: no protocol set - defaulting to UDP',
    "virtual_server 10.0.0.100:80: no scheduler set, setting default 'wlc'",
    'virtual_server 10.0.0.100:80: no forwarding method set, setting default NAT',
  ]);
  const vs = onlyVs(b);
  assert.deepEqual([vs.protocol, vs.scheduler, vs.method.kind], ['UDP', 'wlc', 'NAT']);
});

test('lb_algo / lb_kind synonyms, TUN options, bad methods', () => {
  const vs = onlyVs(build('virtual_server 10.0.0.100 80 {\n lb_algo wrr\n lb_kind TUN type gue port 6080 remcsum\n protocol udp\n real_server 10.0.0.2 80 {\n }\n}\n'));
  assert.deepEqual([vs.scheduler, vs.method, vs.protocol], ['wrr', { kind: 'TUN', tunnel: 'gue', port: 6080, checksum: 'remcsum' }, 'UDP']);
  assert.ok(build(vserver(' lvs_method TUN type gue')).errors.some((e) => e.includes('TUN type gue needs a port')));
  assert.ok(build(vserver(' lvs_sched fastest')).errors.some((e) => e.includes("invalid value 'fastest'")));
});

test('port 0 means persistent 360 s; persistence_timeout without value is 360', () => {
  assert.equal(onlyVs(build(vserver('', 'TCP_CHECK {\n }', '10.0.0.100 0', '10.0.0.2'))).persistenceTimeoutS, 360);
  assert.equal(onlyVs(build(vserver(' persistence_timeout'))).persistenceTimeoutS, 360);
  assert.equal(onlyVs(build(vserver(' persistence_timeout 50'))).persistenceTimeoutS, 50);
});

test('real server ports: NAT defaults to the VS port; DR port mismatch is reset with an error; fwmark', () => {
  const a = onlyVs(build(vserver('', '', '10.0.0.100 8080', '10.0.0.2')));
  assert.equal(a.realServers[0]?.port, 8080);
  const b = build(vserver(' lvs_method DR', '', '10.0.0.100 80', '10.0.0.2 8080').replace(' lvs_method NAT\n', ''));
  assert.ok(b.errors.some((e) => e.includes('does not match the service port')));
  assert.equal(onlyVs(b).realServers[0]?.port, 80);
  const f = onlyVs(build('virtual_server fwmark 7 {\n lvs_sched rr\n lvs_method DR\n real_server 10.0.0.2 80 {\n }\n}\n'));
  assert.deepEqual(f.key, { kind: 'fwmark', fwmark: 7 });
  assert.equal(f.realServers[0]?.port, 0);
});

test('inheritance VS → RS → checker, and checker type defaults', () => {
  const b = build(vserver(' delay_loop 6\n connect_timeout 3\n retry 4\n alpha\n inhibit_on_failure\n weight 7\n virtualhost vs.example',
    'HTTP_GET {\n url {\n path /\n }\n }\n DNS_CHECK {\n name example.com\n type aaaa\n }\n MISC_CHECK {\n misc_path "/bin/check x"\n }'));
  const rs = onlyVs(b).realServers[0];
  assert.ok(rs);
  assert.deepEqual([rs.weight, rs.alpha, rs.inhibitOnFailure, rs.delayLoopUs, rs.connectTimeoutUs, rs.retry], [7, true, true, 6_000_000, 3_000_000, 4]);
  const [h, d, m] = rs.checkers as [HttpCheck, DnsCheck, MiscCheck];
  assert.deepEqual([h.retry, h.delayBeforeRetryUs, h.connectTimeoutUs, h.delayLoopUs, h.alpha, h.virtualhost], [4, 3_000_000, 3_000_000, 6_000_000, true, 'vs.example']);
  assert.deepEqual([d.queryType, d.name, d.delayBeforeRetryUs], ['AAAA', 'example.com', 6_000_000]);
  assert.deepEqual([m.path?.argv, m.timeoutUs, m.retry], [['/bin/check', 'x'], 6_000_000, 4]);
  const plain = onlyVs(build(vserver('', 'DNS_CHECK {\n }\n MISC_CHECK {\n misc_path /bin/c\n }'))).realServers[0];
  assert.deepEqual(plain?.checkers.map((c) => ('retry' in c ? c.retry : -1)), [3, 0]);
});

test('HTTP_GET url: path required, digest, status_code ranges, regex; nb_get_retry deprecated', () => {
  const b = build(vserver('', 'SSL_GET {\n url {\n path /health\n digest FF20AD2481F97B1754EF3E12ECD3A9CC\n status_code 200 301-302\n regex "ok"\n regex_options caseless\n }\n url {\n digest ff20ad2481f97b1754ef3e12ecd3a9cc\n }\n nb_get_retry 2\n http_protocol 1.1\n }'));
  assert.ok(b.errors.some((e) => e.includes('url without \'path\'')));
  assert.ok(b.warnings.some((w) => w.includes("'nb_get_retry' is deprecated, use 'retry'")));
  const h = onlyVs(b).realServers[0]?.checkers[0] as HttpCheck;
  assert.equal(h.type, 'SSL_GET');
  assert.equal(h.urls.length, 1);
  assert.deepEqual(h.urls[0]?.statusCodes, [{ from: 200, to: 200 }, { from: 301, to: 302 }]);
  assert.equal(h.urls[0]?.digest, 'ff20ad2481f97b1754ef3e12ecd3a9cc');
  assert.deepEqual([h.retry, h.httpProtocol, h.urls[0]?.regex, h.urls[0]?.regexOptions], [2, '1.1', 'ok', ['caseless']]);
  const def = onlyVs(build(vserver('', 'HTTP_GET {\n url {\n path /\n }\n }'))).realServers[0]?.checkers[0] as HttpCheck;
  assert.deepEqual(def.urls[0]?.statusCodes, [{ from: 200, to: 299 }]);
  assert.ok(build(vserver('', 'HTTP_GET {\n url {\n path /\n digest xyz\n status_code 700\n }\n }')).errors.length >= 2);
  assert.ok(build(vserver('', 'HTTP_GET {\n connect_timeout 3\n }')).errors.some((e) => e.includes('HTTP_GET has no url')));
});

test('SMTP_CHECK helo default and deprecated host block; UDP_CHECK payloads; FILE/BFD references', () => {
  const b = build('track_file tf {\n file /tmp/w\n}\n' + vserver('', 'SMTP_CHECK {\n host {\n connect_ip 10.0.0.9\n connect_port 25\n }\n }\n UDP_CHECK {\n payload 0a 0B\n require_reply 0Xf\n }\n FILE_CHECK {\n track_file tf\n weight 2 reverse\n }\n BFD_CHECK {\n name nosuch\n }'));
  assert.ok(b.warnings.some((w) => w.includes("'host' blocks are deprecated")));
  assert.ok(b.errors.some((e) => e.includes('bfd_instance nosuch not found')));
  const [s, u, f] = onlyVs(b).realServers[0]?.checkers ?? [];
  const smtp = s as SmtpCheck;
  assert.deepEqual([smtp.heloName, smtp.hosts?.map((h) => `${h.connectIp?.address}:${h.connectPort}`), smtp.checkOwnConnection], ['smtpchecker.keepalived.org', ['10.0.0.9:25'], false]);
  assert.deepEqual([(u as UdpCheck).payload, (u as UdpCheck).requireReply, (u as UdpCheck).replyRequired, (u as UdpCheck).maxReplyLength], ['0a0b', '0x0f', true, 255]);
  assert.deepEqual(f, { type: 'FILE_CHECK', loc: f?.loc, trackFile: 'tf', weight: 2, weightReverse: true });
  assert.ok(build(vserver('', 'UDP_CHECK {\n payload 0g\n }')).errors.some((e) => e.includes('Invalid hex string for UDP_CHECK payload')));
  assert.ok(build(vserver('', 'FILE_CHECK {\n track_file none\n }')).errors.some((e) => e.includes('track_file none not found')));
});

test('quorum clamped to the total weight (error), hysteresis below quorum, duplicate RS removed', () => {
  const b = build(vserver(' quorum 5\n hysteresis 9'));
  assert.ok(b.errors.some((e) => e.includes('quorum 5 exceeds total weight of real servers 1')));
  const vs = onlyVs(b);
  assert.deepEqual([vs.quorum, vs.hysteresis], [1, 0]);
  const d = build('virtual_server 10.0.0.100 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n real_server 10.0.0.2 80 {\n }\n real_server 10.0.0.2 80 {\n }\n}\n');
  assert.ok(d.errors.some((w) => w.includes('is duplicated')));
  assert.equal(onlyVs(d).realServers.length, 1);
});

test('ops only with UDP, ha_suspend not with fwmark', () => {
  assert.ok(build(vserver(' ops')).errors.some((e) => e.includes('(ops) is only for UDP')));
  assert.ok(build('virtual_server fwmark 1 {\n lvs_sched rr\n lvs_method DR\n ha_suspend\n}\n').errors.some((e) => e.includes('ha_suspend is not supported with fwmark')));
});

test('sorry server, scheduler flags, IPv6 service', () => {
  const vs = onlyVs(build(vserver(' sorry_server 10.0.0.50\n sorry_server_lvs_method DR\n sh-port\n mh-fallback\n hashed', '', '[2001:db8::1]'.slice(1, -1) + ' 443', '2001:db8::2 443')));
  assert.deepEqual(vs.sorryServer, { address: { family: 4, address: '10.0.0.50' }, port: 443, method: { kind: 'DR' } });
  assert.deepEqual([vs.flags.shPort, vs.flags.mhFallback, vs.flags.hashed, vs.flags.ops], [true, true, true, false]);
  assert.equal(vs.family, 6);
});

test('a real server of the wrong family is an error unless tunnelled', () => {
  assert.ok(build(vserver('', '', '10.0.0.100 80', '2001:db8::2 80')).errors.some((e) => e.includes('not the family of the service')));
  assert.deepEqual(build(vserver(' lvs_method TUN', '', '10.0.0.100 80', '2001:db8::2 80').replace(' lvs_method NAT\n', '')).errors, []);
});

test('virtual_server_group: ranges, prefixes, fwmarks; group references', () => {
  const b = build('virtual_server_group G {\n 10.0.0.1-3 80\n 10.0.1.0/30 443\n 10.0.2.250-10.0.3.1 8080\n fwmark 5 inet\n}\n' + vserver('', '', 'group G', '10.0.0.9 80'));
  assert.deepEqual(b.errors, []);
  const g = b.config.virtualServerGroups[0];
  assert.deepEqual(g?.entries.map((e) => (e.kind === 'range' ? `${e.first.address}-${e.last.address}:${e.port}` : `fwmark ${e.fwmark}/${e.family ?? ''}`)),
    ['10.0.0.1-10.0.0.3:80', '10.0.1.0-10.0.1.3:443', '10.0.2.250-10.0.3.1:8080', 'fwmark 5/4']);
  assert.deepEqual(onlyVs(b).key, { kind: 'group', group: 'G' });
  const missing = build(vserver('', '', 'group NOPE', '10.0.0.9 80'));
  assert.deepEqual(missing.errors, []);
  assert.ok(missing.warnings.some((w) => w.includes('no virtual_server_group NOPE')));
  assert.equal(missing.config.virtualServers.length, 0);
  assert.ok(build('virtual_server_group G {\n 10.0.0.5-2 80\n}\n').errors.some((e) => e.includes('before the start')));
});

test('SSL block and a duplicate service', () => {
  const b = build('SSL {\n ca /etc/ca.pem\n certificate /etc/c.pem\n key /etc/k.pem\n password pw\n}\n' + vserver() + vserver());
  assert.deepEqual(b.config.ssl && { ...b.config.ssl, loc: undefined }, { loc: undefined, ca: '/etc/ca.pem', certificate: '/etc/c.pem', key: '/etc/k.pem', password: 'pw' });
  assert.ok(b.warnings.some((e) => e.includes('virtual_server is defined twice')));
});

test('real server notify scripts and smtp_alert defaults from global smtp_alert_checker', () => {
  const b = build('global_defs {\n enable_script_security\n smtp_alert_checker off\n}\n' + vserver('', ' notify_up "/bin/up a"\n notify_down /bin/down'));
  const rs = onlyVs(b).realServers[0];
  assert.deepEqual([rs?.notifyUp?.argv, rs?.notifyDown?.argv, rs?.smtpAlert], [['/bin/up', 'a'], ['/bin/down'], false]);
});

test('keepalived drops services without real servers and empty groups (errors); port 0 needs persistence', () => {
  const b = build('virtual_server 10.0.0.100 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n}\nvirtual_server_group E {\n}\n');
  assert.ok(b.errors.some((e) => e.includes('has no real servers - ignoring')));
  assert.ok(b.errors.some((e) => e.includes('virtual server group E has no entries')));
  assert.deepEqual([b.config.virtualServers.length, b.config.virtualServerGroups.length], [0, 0]);
  const z = build(vserver('', '', '10.0.0.100 0', '10.0.0.2'));
  assert.ok(z.errors.some((e) => e.includes('zero port only valid for persistent services')));
  assert.deepEqual(build(vserver(' persistence_timeout 30', '', '10.0.0.100 0', '10.0.0.2')).errors, []);
  assert.ok(build('virtual_server 10.0.0.100 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n real_server 10.0.0.2 80\n}\n').errors.length > 0);
});
