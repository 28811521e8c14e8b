// Numbers of nfnetlink and nf_tables (linux/netfilter/nfnetlink.h, nf_tables.h), as our own
// tables. Integer attributes of nf_tables are big endian.

export const NETLINK_NETFILTER = 12;
export const NFNL_SUBSYS_NFTABLES = 10;
export const NFNL_MSG_BATCH_BEGIN = 0x10;
export const NFNL_MSG_BATCH_END = 0x11;

export const NftMsg = {
  NEWTABLE: 0,
  GETTABLE: 1,
  DELTABLE: 2,
  NEWCHAIN: 3,
  GETCHAIN: 4,
  DELCHAIN: 5,
  NEWRULE: 6,
  GETRULE: 7,
  DELRULE: 8,
  NEWSET: 9,
  GETSET: 10,
  DELSET: 11,
  NEWSETELEM: 12,
  GETSETELEM: 13,
  DELSETELEM: 14,
  NEWGEN: 15,
  GETGEN: 16,
} as const;

/** NFTA_GEN_ID: the ruleset generation, bumped by every committed transaction. */
export const GenAttr = { ID: 1 } as const;

export const NfProto = { INET: 1, IPV4: 2, IPV6: 10 } as const;
export const NfHook = { PRE_ROUTING: 0, LOCAL_IN: 1, FORWARD: 2, LOCAL_OUT: 3, POST_ROUTING: 4 } as const;

export const TableAttr = { NAME: 1, FLAGS: 2 } as const;
export const ChainAttr = { TABLE: 1, NAME: 3, HOOK: 4, POLICY: 5, TYPE: 7 } as const;
export const HookAttr = { HOOKNUM: 1, PRIORITY: 2 } as const;
export const RuleAttr = { TABLE: 1, CHAIN: 2, EXPRESSIONS: 4, USERDATA: 7 } as const;
export const ListAttr = { ELEM: 1 } as const;
export const ExprAttr = { NAME: 1, DATA: 2 } as const;
export const SetAttr = { TABLE: 1, NAME: 2, FLAGS: 3, KEY_TYPE: 4, KEY_LEN: 5, DATA_TYPE: 6, DATA_LEN: 7, ID: 10, TIMEOUT: 11, USERDATA: 13 } as const;
export const SetFlag = { ANONYMOUS: 0x1, CONSTANT: 0x2, INTERVAL: 0x4, MAP: 0x8, TIMEOUT: 0x10, EVAL: 0x20, CONCAT: 0x80 } as const;
export const SetElemListAttr = { TABLE: 1, SET: 2, ELEMENTS: 3 } as const;
export const SetElemAttr = { KEY: 1, DATA: 2, FLAGS: 3, TIMEOUT: 4 } as const;
export const DataAttr = { VALUE: 1, VERDICT: 2 } as const;
export const VerdictAttr = { CODE: 1, CHAIN: 2 } as const;
export const Verdict = { DROP: 0, ACCEPT: 1, CONTINUE: -1, BREAK: -2, JUMP: -3, GOTO: -4, RETURN: -5 } as const;
/** NFTA_SET_DATA_TYPE of a verdict map. */
export const NFT_DATA_VERDICT = 0xffffff00;

export const Reg = { VERDICT: 0, R1: 1, R2: 2, R3: 3, R4: 4, R32_00: 8 } as const;

export const PayloadAttr = { DREG: 1, BASE: 2, OFFSET: 3, LEN: 4 } as const;
export const PayloadBase = { LL: 0, NETWORK: 1, TRANSPORT: 2 } as const;
export const MetaAttr = { DREG: 1, KEY: 2 } as const;
export const MetaKey = { MARK: 3, OIFNAME: 7, NFPROTO: 15, L4PROTO: 16 } as const;
export const CmpAttr = { SREG: 1, OP: 2, DATA: 3 } as const;
export const CmpOp = { EQ: 0, NEQ: 1 } as const;
export const LookupAttr = { SET: 1, SREG: 2, DREG: 3 } as const;
export const NumgenAttr = { DREG: 1, MODULUS: 2, TYPE: 3 } as const;
export const NumgenType = { INC: 0, RANDOM: 1 } as const;
export const HashAttr = { SREG: 1, DREG: 2, LEN: 3, MODULUS: 4, SEED: 5, TYPE: 7 } as const;
export const HashType = { JENKINS: 0, SYM: 1 } as const;
export const BitwiseAttr = { SREG: 1, DREG: 2, LEN: 3, MASK: 4, XOR: 5 } as const;
export const NatAttr = { TYPE: 1, FAMILY: 2, REG_ADDR_MIN: 3, REG_ADDR_MAX: 4, REG_PROTO_MIN: 5, REG_PROTO_MAX: 6 } as const;
export const NatType = { SNAT: 0, DNAT: 1 } as const;
export const DynsetAttr = { SET_NAME: 1, OP: 3, SREG_KEY: 4, SREG_DATA: 5, TIMEOUT: 6 } as const;
export const DynsetOp = { ADD: 0, UPDATE: 1 } as const;
export const ImmediateAttr = { DREG: 1, DATA: 2 } as const;

/** nft's data type numbers, only so that `nft list ruleset` can print our sets. */
export const NftType = { VERDICT: 1, INTEGER: 4, IPADDR: 7, IP6ADDR: 8, INET_PROTOCOL: 12, INET_SERVICE: 13, MARK: 19, IFNAME: 41 } as const;
/** nft builds a concatenation's type by shifting earlier fields up by this many bits. */
export const NFT_TYPE_BITS = 6;
