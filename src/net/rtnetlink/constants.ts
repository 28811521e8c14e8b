// rtnetlink numbers (the values of linux/rtnetlink.h, if_link.h, if_addr.h, fib_rules.h,
// if_arp.h, if.h), as our own tables.

export const RtmType = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  SETLINK: 19,
  NEWADDR: 20,
  DELADDR: 21,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
  NEWRULE: 32,
  DELRULE: 33,
  GETRULE: 34,
} as const;

/** Multicast group numbers (for NETLINK_ADD_MEMBERSHIP), not the legacy RTMGRP_ bit masks. */
export const RtnlGroup = {
  LINK: 1,
  NOTIFY: 2,
  NEIGH: 3,
  TC: 4,
  IPV4_IFADDR: 5,
  IPV4_MROUTE: 6,
  IPV4_ROUTE: 7,
  IPV4_RULE: 8,
  IPV6_IFADDR: 9,
  IPV6_MROUTE: 10,
  IPV6_ROUTE: 11,
  IPV6_IFINFO: 12,
  IPV6_PREFIX: 18,
  IPV6_RULE: 19,
} as const;

// ---- links ----

/** ifinfomsg.ifi_flags (linux/if.h). */
export const LinkFlag = {
  UP: 0x1,
  BROADCAST: 0x2,
  DEBUG: 0x4,
  LOOPBACK: 0x8,
  POINTOPOINT: 0x10,
  NOTRAILERS: 0x20,
  RUNNING: 0x40,
  NOARP: 0x80,
  PROMISC: 0x100,
  ALLMULTI: 0x200,
  MASTER: 0x400,
  SLAVE: 0x800,
  MULTICAST: 0x1000,
  PORTSEL: 0x2000,
  AUTOMEDIA: 0x4000,
  DYNAMIC: 0x8000,
  LOWER_UP: 0x10000,
  DORMANT: 0x20000,
  ECHO: 0x40000,
} as const;

export const IflaAttr = {
  ADDRESS: 1,
  BROADCAST: 2,
  IFNAME: 3,
  MTU: 4,
  LINK: 5,
  QDISC: 6,
  STATS: 7,
  MASTER: 10,
  TXQLEN: 13,
  OPERSTATE: 16,
  LINKMODE: 17,
  LINKINFO: 18,
  IFALIAS: 20,
  STATS64: 23,
  AF_SPEC: 26,
  GROUP: 27,
  EXT_MASK: 29,
  PROMISCUITY: 30,
  CARRIER: 33,
  LINK_NETNSID: 37,
  MIN_MTU: 50,
  MAX_MTU: 51,
  ALT_IFNAME: 53,
  PERM_ADDRESS: 54,
  PARENT_DEV_NAME: 56,
} as const;

export const LinkInfoAttr = {
  KIND: 1,
  DATA: 2,
  XSTATS: 3,
  SLAVE_KIND: 4,
  SLAVE_DATA: 5,
} as const;

export const MacvlanAttr = {
  MODE: 1,
  FLAGS: 2,
  MACADDR_MODE: 3,
  MACADDR: 4,
  MACADDR_DATA: 5,
  MACADDR_COUNT: 6,
  BC_QUEUE_LEN: 7,
  BC_QUEUE_LEN_USED: 8,
} as const;

export const MacvlanMode = {
  private: 1,
  vepa: 2,
  bridge: 4,
  passthru: 8,
  source: 16,
} as const;
export type MacvlanModeName = keyof typeof MacvlanMode;

/** Per-family link attributes nested in IFLA_AF_SPEC, for AF_INET6 (IFLA_INET6_). */
export const Inet6LinkAttr = {
  FLAGS: 1,
  CONF: 2,
  TOKEN: 7,
  ADDR_GEN_MODE: 8,
} as const;

/** How the kernel makes an IPv6 link-local address for a link; "none" makes none. */
export const AddrGenMode = {
  eui64: 0,
  none: 1,
  stable_privacy: 2,
  random: 3,
} as const;
export type AddrGenModeName = keyof typeof AddrGenMode;

/** RFC 2863 operational states (IFLA_OPERSTATE), by number. */
export const OPERSTATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'] as const;
export type OperState = (typeof OPERSTATES)[number];

/** The few link-layer types we name (ifinfomsg.ifi_type, linux/if_arp.h). */
export const ArpHrd = {
  ETHER: 1,
  INFINIBAND: 32,
  PPP: 512,
  TUNNEL: 768,
  TUNNEL6: 769,
  SIT: 776,
  IPGRE: 778,
  LOOPBACK: 772,
  IEEE80211: 801,
  NONE: 0xfffe,
  VOID: 0xffff,
} as const;

// ---- addresses ----

export const IfaAttr = {
  ADDRESS: 1,
  LOCAL: 2,
  LABEL: 3,
  BROADCAST: 4,
  ANYCAST: 5,
  CACHEINFO: 6,
  MULTICAST: 7,
  FLAGS: 8,
  RT_PRIORITY: 9,
  TARGET_NETNSID: 10,
  PROTO: 11,
} as const;

export const AddressFlag = {
  secondary: 0x01,
  nodad: 0x02,
  optimistic: 0x04,
  dadfailed: 0x08,
  home: 0x10,
  deprecated: 0x20,
  tentative: 0x40,
  permanent: 0x80,
  mngtmpaddr: 0x100,
  noprefixroute: 0x200,
  autojoin: 0x400,
  stable_privacy: 0x800,
} as const;
export type AddressFlagName = keyof typeof AddressFlag;

// ---- routes ----

export const RtaAttr = {
  DST: 1,
  SRC: 2,
  IIF: 3,
  OIF: 4,
  GATEWAY: 5,
  PRIORITY: 6,
  PREFSRC: 7,
  METRICS: 8,
  MULTIPATH: 9,
  FLOW: 11,
  CACHEINFO: 12,
  TABLE: 15,
  MARK: 16,
  VIA: 18,
  PREF: 20,
  ENCAP_TYPE: 21,
  ENCAP: 22,
  EXPIRES: 23,
  UID: 25,
  NH_ID: 30,
} as const;

/** Route metrics (nested in RTA_METRICS), as ip route's "mtu", "advmss", ... */
export const RouteMetric = {
  lock: 1,
  mtu: 2,
  window: 3,
  rtt: 4,
  rttvar: 5,
  ssthresh: 6,
  cwnd: 7,
  advmss: 8,
  reordering: 9,
  hoplimit: 10,
  initcwnd: 11,
  features: 12,
  rto_min: 13,
  initrwnd: 14,
  quickack: 15,
  congctl: 16,
  fastopen_no_cookie: 17,
} as const;
export const RTAX_FEATURE_ECN = 0x1;

/** IPv6 router preference (RTA_PREF). */
export const RoutePreference = {
  medium: 0,
  high: 1,
  low: 3,
} as const;

/** rtm_type / fib rule type, by number. */
export const ROUTE_TYPES = ['unspec', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve'] as const;
export type RouteType = (typeof ROUTE_TYPES)[number];

export const Scope = {
  global: 0,
  site: 200,
  link: 253,
  host: 254,
  nowhere: 255,
} as const;
export type ScopeName = keyof typeof Scope;

export const Table = {
  unspec: 0,
  default: 253,
  main: 254,
  local: 255,
} as const;

/** Route protocols we name (rtm_protocol); others print as numbers. */
export const RouteProtocol = {
  unspec: 0,
  redirect: 1,
  kernel: 2,
  boot: 3,
  static: 4,
  ra: 9,
  zebra: 11,
  bird: 12,
  dhcp: 16,
  keepalived: 18,
  babel: 42,
  bgp: 186,
  isis: 187,
  ospf: 188,
  rip: 189,
} as const;

/** rtm_flags and rtnh_flags. */
export const RouteFlag = {
  DEAD: 0x1,
  PERVASIVE: 0x2,
  ONLINK: 0x4,
  OFFLOAD: 0x8,
  LINKDOWN: 0x10,
  UNRESOLVED: 0x20,
  NOTIFY: 0x100,
  CLONED: 0x200,
} as const;

// ---- rules ----

export const FraAttr = {
  DST: 1,
  SRC: 2,
  IIFNAME: 3,
  GOTO: 4,
  PRIORITY: 6,
  FWMARK: 10,
  FLOW: 11,
  TUN_ID: 12,
  SUPPRESS_IFGROUP: 13,
  SUPPRESS_PREFIXLEN: 14,
  TABLE: 15,
  FWMASK: 16,
  OIFNAME: 17,
  L3MDEV: 19,
  UID_RANGE: 20,
  PROTOCOL: 21,
  IP_PROTO: 22,
  SPORT_RANGE: 23,
  DPORT_RANGE: 24,
} as const;

/** fib_rule_hdr.action, by number. */
export const RULE_ACTIONS = ['unspec', 'lookup', 'goto', 'nop', 'res3', 'res4', 'blackhole', 'unreachable', 'prohibit'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

export const RuleFlag = {
  PERMANENT: 0x1,
  INVERT: 0x2,
  UNRESOLVED: 0x4,
  IIF_DETACHED: 0x8,
  OIF_DETACHED: 0x10,
} as const;
