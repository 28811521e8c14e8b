// nf_tables netlink messages and expressions: pure encoders. A message here is the nfgenmsg
// header plus attributes; transport.ts frames them into one nfnetlink batch.
import { AttributeEncoder } from '../netlink/attributes.js';
import {
  BitwiseAttr,
  ChainAttr,
  CmpAttr,
  CmpOp,
  DataAttr,
  DynsetAttr,
  ExprAttr,
  HashAttr,
  HookAttr,
  ListAttr,
  LookupAttr,
  MetaAttr,
  NatAttr,
  NatType,
  NftMsg,
  NumgenAttr,
  PayloadAttr,
  RuleAttr,
  SetAttr,
  SetElemAttr,
  SetElemListAttr,
  TableAttr,
  VerdictAttr,
  ImmediateAttr,
  Reg,
} from './constants.js';

export interface NftMessage {
  /** NFT_MSG_* */
  msg: number;
  family: number;
  /** Extra netlink flags: NLM_F_CREATE etc. */
  flags: number;
  attrs: Buffer;
}

const be32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v | 0);
  return b;
};
const be64 = (v: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(v);
  return b;
};

/** Expressions of a rule, in order; each is a name and its attributes. */
export type Expr = { name: string; attrs: (e: AttributeEncoder) => void };

export const expr = {
  payload: (base: number, offset: number, len: number, dreg: number): Expr => ({
    name: 'payload',
    attrs: (e) => e.bytes(PayloadAttr.DREG, be32(dreg)).bytes(PayloadAttr.BASE, be32(base)).bytes(PayloadAttr.OFFSET, be32(offset)).bytes(PayloadAttr.LEN, be32(len)),
  }),
  meta: (key: number, dreg: number): Expr => ({ name: 'meta', attrs: (e) => e.bytes(MetaAttr.KEY, be32(key)).bytes(MetaAttr.DREG, be32(dreg)) }),
  cmpEq: (sreg: number, value: Buffer): Expr => ({
    name: 'cmp',
    attrs: (e) => e.bytes(CmpAttr.SREG, be32(sreg)).bytes(CmpAttr.OP, be32(CmpOp.EQ)).nested(CmpAttr.DATA, (d) => d.bytes(DataAttr.VALUE, value)),
  }),
  lookup: (set: string, sreg: number, dreg?: number): Expr => ({
    name: 'lookup',
    attrs: (e) => {
      e.string(LookupAttr.SET, set).bytes(LookupAttr.SREG, be32(sreg));
      if (dreg !== undefined) e.bytes(LookupAttr.DREG, be32(dreg));
    },
  }),
  numgen: (type: number, modulus: number, dreg: number): Expr => ({
    name: 'numgen',
    attrs: (e) => e.bytes(NumgenAttr.DREG, be32(dreg)).bytes(NumgenAttr.MODULUS, be32(modulus)).bytes(NumgenAttr.TYPE, be32(type)),
  }),
  jhash: (sreg: number, len: number, modulus: number, seed: number, dreg: number): Expr => ({
    name: 'hash',
    attrs: (e) =>
      e.bytes(HashAttr.SREG, be32(sreg)).bytes(HashAttr.DREG, be32(dreg)).bytes(HashAttr.LEN, be32(len)).bytes(HashAttr.MODULUS, be32(modulus)).bytes(HashAttr.SEED, be32(seed)).bytes(HashAttr.TYPE, be32(0)),
  }),
  /** reg = reg & mask (xor 0). */
  mask: (reg: number, mask: Buffer): Expr => ({
    name: 'bitwise',
    attrs: (e) =>
      e
        .bytes(BitwiseAttr.SREG, be32(reg))
        .bytes(BitwiseAttr.DREG, be32(reg))
        .bytes(BitwiseAttr.LEN, be32(mask.length))
        .nested(BitwiseAttr.MASK, (d) => d.bytes(DataAttr.VALUE, mask))
        .nested(BitwiseAttr.XOR, (d) => d.bytes(DataAttr.VALUE, Buffer.alloc(mask.length))),
  }),
  dnat: (family: number, addrReg: number, protoReg?: number): Expr => ({
    name: 'nat',
    attrs: (e) => {
      e.bytes(NatAttr.TYPE, be32(NatType.DNAT)).bytes(NatAttr.FAMILY, be32(family)).bytes(NatAttr.REG_ADDR_MIN, be32(addrReg));
      if (protoReg !== undefined) e.bytes(NatAttr.REG_PROTO_MIN, be32(protoReg));
    },
  }),
  /** Adds key -> data to a timed map (an entry that exists is left as it is). */
  dynsetAdd: (set: string, keyReg: number, dataReg: number, timeoutMs: number): Expr => ({
    name: 'dynset',
    attrs: (e) =>
      e.string(DynsetAttr.SET_NAME, set).bytes(DynsetAttr.OP, be32(0)).bytes(DynsetAttr.SREG_KEY, be32(keyReg)).bytes(DynsetAttr.SREG_DATA, be32(dataReg)).bytes(DynsetAttr.TIMEOUT, be64(BigInt(timeoutMs))),
  }),
  /** Refreshes (or adds) the key in a timed set. */
  dynsetUpdate: (set: string, keyReg: number, timeoutMs: number): Expr => ({
    name: 'dynset',
    attrs: (e) => e.string(DynsetAttr.SET_NAME, set).bytes(DynsetAttr.OP, be32(1)).bytes(DynsetAttr.SREG_KEY, be32(keyReg)).bytes(DynsetAttr.TIMEOUT, be64(BigInt(timeoutMs))),
  }),
  immediate: (dreg: number, value: Buffer): Expr => ({
    name: 'immediate',
    attrs: (e) => e.bytes(ImmediateAttr.DREG, be32(dreg)).nested(ImmediateAttr.DATA, (d) => d.bytes(DataAttr.VALUE, value)),
  }),
  verdict: (code: number, chain?: string): Expr => ({
    name: 'immediate',
    attrs: (e) =>
      e.bytes(ImmediateAttr.DREG, be32(Reg.VERDICT)).nested(ImmediateAttr.DATA, (d) =>
        d.nested(DataAttr.VERDICT, (v) => {
          v.bytes(VerdictAttr.CODE, be32(code));
          if (chain !== undefined) v.string(VerdictAttr.CHAIN, chain);
        }),
      ),
  }),
};

export function newTable(family: number, name: string): NftMessage {
  return { msg: NftMsg.NEWTABLE, family, flags: 0, attrs: new AttributeEncoder().string(TableAttr.NAME, name).bytes(TableAttr.FLAGS, be32(0)).finish() };
}

export function delTable(family: number, name: string): NftMessage {
  return { msg: NftMsg.DELTABLE, family, flags: 0, attrs: new AttributeEncoder().string(TableAttr.NAME, name).finish() };
}

export function newChain(family: number, table: string, name: string, hook?: { type: 'nat' | 'filter'; hooknum: number; priority: number }): NftMessage {
  const e = new AttributeEncoder().string(ChainAttr.TABLE, table).string(ChainAttr.NAME, name);
  if (hook) {
    e.nested(ChainAttr.HOOK, (h) => h.bytes(HookAttr.HOOKNUM, be32(hook.hooknum)).bytes(HookAttr.PRIORITY, be32(hook.priority)));
    e.bytes(ChainAttr.POLICY, be32(1));
    e.string(ChainAttr.TYPE, hook.type);
  }
  return { msg: NftMsg.NEWCHAIN, family, flags: 0, attrs: e.finish() };
}

export function delChain(family: number, table: string, name: string): NftMessage {
  return { msg: NftMsg.DELCHAIN, family, flags: 0, attrs: new AttributeEncoder().string(ChainAttr.TABLE, table).string(ChainAttr.NAME, name).finish() };
}

/** Deletes every rule of a chain (no handle: the whole chain is flushed). */
export function flushChain(family: number, table: string, chain: string): NftMessage {
  return { msg: NftMsg.DELRULE, family, flags: 0, attrs: new AttributeEncoder().string(RuleAttr.TABLE, table).string(RuleAttr.CHAIN, chain).finish() };
}

/** nft's comment format in rule user data: TLV type 0, length, NUL-terminated text. */
function comment(text: string): Buffer {
  const s = Buffer.from(text.slice(0, 120) + '\0', 'utf8');
  return Buffer.concat([Buffer.from([0, s.length]), s]);
}

export function newRule(family: number, table: string, chain: string, exprs: Expr[], note?: string): NftMessage {
  const e = new AttributeEncoder().string(RuleAttr.TABLE, table).string(RuleAttr.CHAIN, chain);
  e.nested(RuleAttr.EXPRESSIONS, (list) => {
    for (const x of exprs) list.nested(ListAttr.ELEM, (el) => el.string(ExprAttr.NAME, x.name).nested(ExprAttr.DATA, x.attrs));
  });
  if (note) e.bytes(RuleAttr.USERDATA, comment(note));
  return { msg: NftMsg.NEWRULE, family, flags: 0x800 /* APPEND */, attrs: e.finish() };
}

export interface SetSpec {
  name: string;
  flags: number;
  keyType: number;
  keyLen: number;
  /** Maps: data type (NFT_DATA_VERDICT for verdict maps) and length (ignored for verdicts). */
  dataType?: number;
  dataLen?: number;
  timeoutMs?: number;
  id: number;
  /** The key is a host-order integer (a mark, a counter): said in the set's user data for nft's display. */
  hostOrderKey?: boolean;
}

export function newSet(family: number, table: string, s: SetSpec): NftMessage {
  const e = new AttributeEncoder().string(SetAttr.TABLE, table).string(SetAttr.NAME, s.name).bytes(SetAttr.FLAGS, be32(s.flags)).bytes(SetAttr.KEY_TYPE, be32(s.keyType)).bytes(SetAttr.KEY_LEN, be32(s.keyLen));
  if (s.dataType !== undefined) e.bytes(SetAttr.DATA_TYPE, be32(s.dataType));
  if (s.dataLen !== undefined) e.bytes(SetAttr.DATA_LEN, be32(s.dataLen));
  if (s.timeoutMs !== undefined) e.bytes(SetAttr.TIMEOUT, be64(BigInt(s.timeoutMs)));
  e.bytes(SetAttr.ID, be32(s.id));
  // nft's set user data: TLV type 0 (key byte order), 4 bytes, value 1 (host endian).
  if (s.hostOrderKey) e.bytes(SetAttr.USERDATA, Buffer.from([0, 4, 1, 0, 0, 0]));
  return { msg: NftMsg.NEWSET, family, flags: 0, attrs: e.finish() };
}

export function delSet(family: number, table: string, name: string): NftMessage {
  return { msg: NftMsg.DELSET, family, flags: 0, attrs: new AttributeEncoder().string(SetAttr.TABLE, table).string(SetAttr.NAME, name).finish() };
}

export type ElementData = { value: Buffer } | { verdict: number; chain?: string };

export function newElements(family: number, table: string, set: string, elements: Array<{ key: Buffer; data?: ElementData }>): NftMessage {
  return { msg: NftMsg.NEWSETELEM, family, flags: 0, attrs: elementList(table, set, elements) };
}

export function delElements(family: number, table: string, set: string, keys: Buffer[]): NftMessage {
  return { msg: NftMsg.DELSETELEM, family, flags: 0, attrs: elementList(table, set, keys.map((key) => ({ key }))) };
}

/** DELSETELEM without elements empties the set. */
export function flushSet(family: number, table: string, set: string): NftMessage {
  return { msg: NftMsg.DELSETELEM, family, flags: 0, attrs: new AttributeEncoder().string(SetElemListAttr.TABLE, table).string(SetElemListAttr.SET, set).finish() };
}

function elementList(table: string, set: string, elements: Array<{ key: Buffer; data?: ElementData }>): Buffer {
  return new AttributeEncoder()
    .string(SetElemListAttr.TABLE, table)
    .string(SetElemListAttr.SET, set)
    .nested(SetElemListAttr.ELEMENTS, (list) => {
      for (const el of elements) {
        list.nested(ListAttr.ELEM, (x) => {
          x.nested(SetElemAttr.KEY, (k) => k.bytes(DataAttr.VALUE, el.key));
          const d = el.data;
          if (d && 'value' in d) x.nested(SetElemAttr.DATA, (v) => v.bytes(DataAttr.VALUE, d.value));
          else if (d)
            x.nested(SetElemAttr.DATA, (v) =>
              v.nested(DataAttr.VERDICT, (vv) => {
                vv.bytes(VerdictAttr.CODE, be32(d.verdict));
                if (d.chain !== undefined) vv.string(VerdictAttr.CHAIN, d.chain);
              }),
            );
        });
      }
    })
    .finish();
}
