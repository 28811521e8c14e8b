// Small probes for the keyword-level agreement test (test/interop/config-model-agreement.test.ts).
// (A url without path is left out: keepalived 2.2.7 crashes on it.)
const vi = (extra = '', name = 'VI_1', vrid = 51, vip = '10.0.0.1/24', ifname = 'eth0'): string =>
  `vrrp_instance ${name} {\n interface ${ifname}\n virtual_router_id ${vrid}\n${extra}\n virtual_ipaddress {\n  ${vip}\n }\n}\n`;
const g = (x: string): string => `global_defs {\n ${x}\n}\n`;
const vs = (vsExtra = 'lb_algo rr\n lb_kind NAT\n protocol TCP', rsExtra = 'TCP_CHECK {\n }', rs = '10.0.0.2 80'): string =>
  `virtual_server 10.0.0.100 80 {\n ${vsExtra}\n real_server ${rs} {\n  ${rsExtra}\n }\n}\n`;
const base = 'lb_algo rr\n lb_kind NAT\n protocol TCP';
/** Value-range and edge probes, one keyword each (keepalived decides the expected exit). */
export const PROBES: Record<string, string> = {
  adv0: vi(' advert_int 0'), adv256: vi(' advert_int 256'), adv255: vi(' advert_int 255'), advneg: vi(' advert_int -1'),
  prio0: vi(' priority 0'), prioabc: vi(' priority abc'), vrid256: vi('', 'V', 256),
  pd1001: vi(' preempt_delay 1001'), dta0: vi(' down_timer_adverts 0'), dta101: vi(' down_timer_adverts 101'),
  ver4: vi(' version 4'), gmd256: vi(' garp_master_delay 256'), gmr256: vi(' garp_master_repeat 256'),
  uttl256: vi(' unicast_ttl 256'), debug5: vi(' debug 5'), smtp_bad: vi(' smtp_alert maybe'),
  strictfoo: vi(' strict_mode foo'), accept_arg: vi(' accept yes'), nopreempt_arg: vi(' nopreempt x'),
  mcast_bad: vi(' mcast_dst_ip 10.1.1.1'), srcip_bad: vi(' mcast_src_ip 10.0.0.256'),
  vmac_long: vi(' use_vmac abcdefghijklmnopq'), vip_bad: vi('', 'V', 5, '10.0.0.300'),
  vip_scope: vi('', 'V', 5, '10.0.0.3 scope foo'), vip_label: vi('', 'V', 5, '10.0.0.3 dev eth0 label eth0:x'),
  vip_brd: vi('', 'V', 5, '10.0.0.3/24 brd 10.0.0.255'), vip_peer: vi('', 'V', 5, '10.0.0.3 peer 10.0.0.4'),
  ti_noweight: vi(' track_interface {\n  eth1 weight\n }'), ti_reverse: vi(' track_interface {\n  eth1 weight 5 reverse\n }'),
  ti_noreverse: vi(' track_interface {\n  eth1 weight 5 noreverse\n }'),
  g_ver: g('vrrp_version 4'), g_dta: g('vrrp_down_timer_adverts 0'), g_umask: g('umask 0999'), g_rt: g('vrrp_rt_priority 100'),
  g_prio: g('vrrp_priority 20'), g_smtp_to: g('smtp_connect_timeout 0'), g_ssto: g('startup_script_timeout 0'),
  g_maxauto: g('max_auto_priority 100'), g_maxauto_none: g('max_auto_priority'), g_rlim: g('vrrp_rlimit_rttime 1'),
  g_gmd: g('vrrp_garp_master_delay 256'), g_refresh: g('vrrp_garp_master_refresh 1'), g_extra: g('vrrp_garp_extra_if 0'),
  g_sync_bad: g('lvs_sync_daemon eth0 id 300'), g_timeouts: g('lvs_timeouts tcp'), g_flush: g('lvs_flush_on_stop foo'),
  g_ipt: g('vrrp_iptables'), g_nft_ipvs: g('nftables_ipvs'), g_snmp_int: g('snmp_vs_stats_update_interval 31'),
  g_routerid_multi: g('router_id a b'), g_email_from_multi: g('notification_email_from a b'),
  g_smtp_port: g('smtp_server 10.0.0.1 70000'), g_vmac_prefix: g('vmac_prefix abcdefghijkl'),
  g_cpu: g('vrrp_cpu_affinity 0-1'), g_rxbuf: g('vrrp_rx_bufs_policy FOO'), g_child: 'child_wait_time 10\n',
  g_default_if_missing: g('default_interface eth9'), g_dyn_bad: g('dynamic_interfaces foo'),
  s_interval0: 'vrrp_script s {\n script /bin/true\n interval 0\n}\n', s_weight300: 'vrrp_script s {\n script /bin/true\n weight 300\n}\n',
  s_rise0: 'vrrp_script s {\n script /bin/true\n rise 0\n}\n', s_noscript: 'vrrp_script s {\n interval 1\n}\n',
  tf_nofile: 'track_file t {\n weight 1\n}\n', tp_noproc: 'vrrp_track_process p {\n weight 1\n}\n',
  vs_sched_bad: vs('lb_algo foo\n lb_kind NAT\n protocol TCP'), vs_kind_bad: vs('lb_algo rr\n lb_kind FOO\n protocol TCP'),
  vs_proto_bad: vs('lb_algo rr\n lb_kind NAT\n protocol ICMP'), vs_delay0: vs(base + '\n delay_loop 0'),
  vs_persist0: vs(base + '\n persistence_timeout 0'), vs_gran_bad: vs(base + '\n persistence_timeout 5\n persistence_granularity 33'),
  vs_quorum0: vs(base + '\n quorum 0'), vs_weight_neg: vs(base + '\n weight -1'), rs_weight_neg: vs(base, 'weight -1'),
  rs_noport_dr: vs('lb_algo rr\n lb_kind DR\n protocol TCP', 'TCP_CHECK {\n }', '10.0.0.2'),
  rs_port0: vs(base, 'TCP_CHECK {\n }', '10.0.0.2 0'), rs_noblock: `virtual_server 10.0.0.100 80 {\n ${base}\n real_server 10.0.0.2 80\n}\n`,
  vs_noport: `virtual_server 10.0.0.100 {\n ${base}\n real_server 10.0.0.2 80 {\n }\n}\n`,
  vs_no_rs: `virtual_server 10.0.0.100 80 {\n ${base}\n}\n`,
  hc_retry_neg: vs(base, 'TCP_CHECK {\n   retry -1\n  }'), hc_ct0: vs(base, 'TCP_CHECK {\n   connect_timeout 0\n  }'),
  hc_port_bad: vs(base, 'TCP_CHECK {\n   connect_port 70000\n  }'), hc_ip_bad: vs(base, 'TCP_CHECK {\n   connect_ip 1.2.3\n  }'),
  http_proto_bad: vs(base, 'HTTP_GET {\n   url {\n    path /\n   }\n   http_protocol 2.0\n  }'),
  http_digest_bad: vs(base, 'HTTP_GET {\n   url {\n    path /\n    digest abc\n   }\n  }'),
  http_status_range: vs(base, 'HTTP_GET {\n   url {\n    path /\n    status_code 200-201 404\n   }\n  }'),
  http_status_99: vs(base, 'HTTP_GET {\n   url {\n    path /\n    status_code 99\n   }\n  }'),
  dns_type_bad: vs(base, 'DNS_CHECK {\n   type FOO\n  }'), dns_type_lower: vs(base, 'DNS_CHECK {\n   type a\n  }'),
  misc_nopath: vs(base, 'MISC_CHECK {\n   misc_timeout 5\n  }'), udp_min_gt_max: vs(base, 'UDP_CHECK {\n   min_reply_length 10\n   max_reply_length 5\n  }'),
  vsg_bad: 'virtual_server_group G {\n 10.0.0.5-2 80\n}\n', vsg_empty: 'virtual_server_group G {\n}\n',
  vsg_unused: 'virtual_server_group G {\n 10.0.0.1 80\n}\n',
  sorry_port: vs(base + '\n sorry_server 10.0.0.50'), ssl_unknown: 'SSL {\n foo bar\n}\n',
};
