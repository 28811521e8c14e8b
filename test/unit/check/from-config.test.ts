import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig } from '../../../src/config/build.js';
import { checkerSpecsFromConfig } from '../../../src/check/from-config.js';
import { parseTree } from '../../lib/tree.js';

const conf = `
SSL {
  certificate /etc/ssl/client.pem
  key /etc/ssl/client.key
}
track_file tf1 {
  file /run/rs1.state
  weight 5
  init_file 2
}
virtual_server 10.0.0.1 80 {
  delay_loop 6
  lb_algo rr
  lb_kind NAT
  protocol TCP
  virtualhost www.example.org
  quorum 2
  hysteresis 1
  sorry_server 10.0.0.9 80
  real_server 192.168.1.10 8080 {
    weight 3
    notify_down "/usr/local/bin/rs-down x"
    HTTP_GET {
      url {
        path /health
        digest 0123456789abcdef0123456789abcdef
        status_code 200 300-302
      }
      connect_timeout 2
      retry 4
      delay_before_retry 1
    }
    TCP_CHECK {
      connect_port 22
    }
  }
  real_server 192.168.1.11 8080 {
    SSL_GET {
      url { path / }
      enable_sni
    }
    MISC_CHECK {
      misc_path "/usr/local/bin/check 'a b'"
      misc_timeout 3
      misc_dynamic
    }
    FILE_CHECK {
      track_file tf1
    }
    DNS_CHECK {
      type A
      name ok.test
    }
    UDP_CHECK {
      payload 50494e47
      require_reply 504fXX
    }
  }
}
`;

test('from the typed config to checker specs: inheritance, defaults, SSL{}, track_file', () => {
  const { config, diagnostics } = buildConfig(parseTree(conf), { hostname: 'h' });
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
  const { virtualServers: [vs], warnings } = checkerSpecsFromConfig(config);
  assert.deepEqual(warnings, []);
  assert.ok(vs);
  assert.deepEqual([vs.id, vs.quorum, vs.hysteresis, vs.sorryServer], ['[10.0.0.1]:tcp:80', 2, 1, '10.0.0.9:80']);
  const [rs1, rs2] = vs.realServers;
  assert.ok(rs1 && rs2);
  assert.deepEqual([rs1.id, rs1.weight, rs1.notifyDown], ['192.168.1.10:8080', 3, '/usr/local/bin/rs-down x']);
  const [http, tcp] = rs1.checkers;
  assert.equal(http?.kind, 'HTTP_GET');
  if (http?.kind !== 'HTTP_GET') return;
  assert.deepEqual(http.conn, { host: '192.168.1.10', port: 8080, connectTimeoutMs: 2000 });
  assert.deepEqual(http.urls, [{ path: '/health', digest: '0123456789abcdef0123456789abcdef', statusCodes: [[200, 200], [300, 302]] }]);
  assert.equal(http.virtualhost, 'www.example.org');
  assert.deepEqual([http.timing.retry, http.timing.delayBeforeRetryMs, http.timing.delayLoopMs], [4, 1000, 6000]);
  assert.equal(tcp?.kind === 'TCP_CHECK' && tcp.conn.port, 22);
  const byKind = Object.fromEntries(rs2.checkers.map((c) => [c.kind, c]));
  const ssl = byKind.SSL_GET;
  assert.ok(ssl?.kind === 'SSL_GET');
  assert.deepEqual(ssl.tls, { certFile: '/etc/ssl/client.pem', keyFile: '/etc/ssl/client.key', serverName: 'www.example.org' });
  const misc = byKind.MISC_CHECK;
  assert.ok(misc?.kind === 'MISC_CHECK');
  assert.deepEqual([misc.argv, misc.timeoutMs, misc.dynamic], [['/usr/local/bin/check', 'a b'], 3000, true]);
  const file = byKind.FILE_CHECK;
  assert.ok(file?.kind === 'FILE_CHECK');
  assert.deepEqual([file.file, file.weight, file.reverse, file.initValue], ['/run/rs1.state', 5, false, 2]);
  const dns = byKind.DNS_CHECK;
  assert.ok(dns?.kind === 'DNS_CHECK');
  assert.deepEqual([dns.type, dns.name, dns.timing.retry], ['A', 'ok.test', 3]);
  const udp = byKind.UDP_CHECK;
  assert.ok(udp?.kind === 'UDP_CHECK');
  assert.equal(udp.payload.toString(), 'PING');
  assert.deepEqual([...(udp.requireReply?.mask ?? [])], [0, 0, 0xff]);
});

test('SMTP_CHECK host blocks (deprecated, as keepalived reads them): each host checked; its own connection only when it sets one', () => {
  const vs = (check: string) => `virtual_server 10.0.0.1 25 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 10.0.0.2 25 {\n  SMTP_CHECK {\n   connect_timeout 4\n${check}  }\n }\n}\n`;
  const hostsOf = (check: string) => {
    const { config, diagnostics } = buildConfig(parseTree(vs(check)), { hostname: 'h' });
    assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
    const c = checkerSpecsFromConfig(config).virtualServers[0]?.realServers[0]?.checkers[0];
    assert.ok(c?.kind === 'SMTP_CHECK');
    return c.hosts.map((h) => `${h.host}:${h.port}/${h.connectTimeoutMs}`);
  };
  const blocks = '   host {\n    connect_ip 10.0.0.3\n   }\n   host {\n    connect_ip 10.0.0.4\n    connect_port 2525\n    connect_timeout 2\n   }\n';
  // connect_timeout alone counts as a connection keyword (keepalived: connection_to set).
  assert.deepEqual(hostsOf(blocks), ['10.0.0.2:25/4000', '10.0.0.3:25/4000', '10.0.0.4:2525/2000']);
  const { config } = buildConfig(parseTree(vs(blocks).replace('   connect_timeout 4\n', '')), { hostname: 'h' });
  const c = checkerSpecsFromConfig(config).virtualServers[0]?.realServers[0]?.checkers[0];
  assert.ok(c?.kind === 'SMTP_CHECK');
  assert.deepEqual(c.hosts.map((h) => `${h.host}:${h.port}`), ['10.0.0.3:25', '10.0.0.4:2525'], 'only the host blocks');
  assert.deepEqual(hostsOf(''), ['10.0.0.2:25/4000'], 'no host block: the real server');
});
