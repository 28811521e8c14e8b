// The generated ~100,000-line keepalived.conf of the config-parse benchmark (1,000
// vrrp_instances on eth0-eth3, 1,000 virtual_servers with 10 real_servers each). Shared by
// bench/config-parse.bench.mjs (through dist/) and the golden dump test, so the benchmark
// times exactly the text whose dump the test pins.
export function generateBigConfig(): string {
  const out = ['global_defs {', '    router_id BENCH', '    enable_script_security', '}'];
  for (let i = 0; i < 1000; i++) {
    const a = `10.${Math.floor(i / 250)}.${i % 250}`;
    out.push(
      `vrrp_instance VI_${i} {`, '    state BACKUP', `    interface eth${Math.floor(i / 250)}`, `    virtual_router_id ${(i % 250) + 1}`,
      `    priority ${100 + (i % 50)}`, '    advert_int 1', '    authentication {', '        auth_type PASS',
      `        auth_pass p${i}`, '    }', '    virtual_ipaddress {', `        ${a}.1/24`, '    }', '}');
  }
  for (let v = 0; v < 1000; v++) {
    const vip = `172.16.${Math.floor(v / 250)}.${(v % 250) + 1}`;
    out.push(`virtual_server ${vip} 80 {`, '    delay_loop 6', '    lb_algo rr', '    lb_kind NAT', '    protocol TCP');
    for (let r = 0; r < 10; r++) {
      out.push(`    real_server 192.168.${v % 250}.${r + 1} 8080 {`, '        weight 1', '        TCP_CHECK {',
        '            connect_timeout 3', '            retry 2', '            delay_before_retry 1', '        }', '    }');
    }
    out.push('}');
  }
  return out.join('\n') + '\n';
}
