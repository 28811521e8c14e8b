// Netlink core numbers (the values of linux/netlink.h, written out as our own tables).
// Grouped by what they describe, so a call site reads `MessageFlag.ACK`, not a magic number.

/** Socket protocols (the third argument of socket(AF_NETLINK, SOCK_RAW, protocol)). */
export const NetlinkProtocol = {
  ROUTE: 0,
  GENERIC: 16,
} as const;

export const AF_NETLINK = 16;
export const SOL_NETLINK = 270;
export const SOL_SOCKET = 1;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
/** Like SO_RCVBUF but past the rmem_max ceiling (needs CAP_NET_ADMIN, which the daemon has). */
export const SO_RCVBUFFORCE = 33;

/** Options at level SOL_NETLINK. */
export const NetlinkSockOpt = {
  ADD_MEMBERSHIP: 1,
  DROP_MEMBERSHIP: 2,
  PKTINFO: 3,
  BROADCAST_ERROR: 4,
  NO_ENOBUFS: 5,
  LISTEN_ALL_NSID: 8,
  LIST_MEMBERSHIPS: 9,
  /** Errors do not echo the whole request back, only its header. */
  CAP_ACK: 10,
  /** Errors carry the kernel's explanation string and the offending attribute's offset. */
  EXT_ACK: 11,
  GET_STRICT_CHK: 12,
} as const;

/** Control message types, below NLMSG_MIN_TYPE; families start numbering at 0x10. */
export const ControlType = {
  NOOP: 1,
  ERROR: 2,
  DONE: 3,
  OVERRUN: 4,
} as const;
export const NLMSG_MIN_TYPE = 0x10;

export const MessageFlag = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  ECHO: 0x8,
  DUMP_INTR: 0x10,
  DUMP_FILTERED: 0x20,
  // GET requests
  ROOT: 0x100,
  MATCH: 0x200,
  ATOMIC: 0x400,
  DUMP: 0x300,
  // NEW requests
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
  // DELETE requests
  NONREC: 0x100,
  BULK: 0x200,
  // ACK / ERROR messages
  CAPPED: 0x100,
  ACK_TLVS: 0x200,
} as const;

/** TLVs after an error/ack when ACK_TLVS is set (extended ack). */
export const ErrorAttr = {
  UNUSED: 0,
  MSG: 1,
  OFFS: 2,
  COOKIE: 3,
  POLICY: 4,
  MISS_TYPE: 5,
  MISS_NEST: 6,
} as const;

/** Bits of nla_type that are flags, not the type number. */
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

export const NLMSG_HDRLEN = 16;
export const NLA_HDRLEN = 4;
