// Our nftables table as a set of objects with comparable contents, built the same way from
// two sources: the messages we would send to write it (what the table should hold) and the
// messages the kernel dumps when we list it (what it holds). Comparing the two tells which
// services are intact, which were changed under us (`nft delete rule ...`, `nft flush
// table ...`) and what is left over from an earlier run. Pure, apart from `readTableState`.
//
// Contents are canonical text: only the attributes that decide what the table does (the
// kernel adds handles, use counts, statistics and defaults to its dumps; our requests carry
// transaction-local set ids), nested attributes decoded by a schema (the kernel does not
// always flag them as nested), and attributes whose value is all zeros left out (absent and
// zero mean the same to nf_tables).
import { decodeAttributes, type Attribute } from '../../net/netlink/attributes.js';
import { AttributeEncoder } from '../nla.js';
import { ChainAttr, DataAttr, ExprAttr, GenAttr, ListAttr, NfProto, NftMsg, RuleAttr, SetAttr, SetElemAttr, SetElemListAttr, SetFlag, TableAttr, VerdictAttr } from '../../net/nftables/constants.js';
import type { NftMessage } from '../../net/nftables/messages.js';
import { DumpInterruptedError, type NftTransport } from '../../net/nftables/transport.js';

/** How to read an attribute list: which types nest (and how to read them), which to skip. */
interface Schema {
  nested?: Record<number, Schema>;
  /** Only these types count (default: all but `skip`). */
  keep?: readonly number[];
  skip?: readonly number[];
  /** Register numbers: the kernel dumps a 32-bit register that starts a 128-bit one by the latter's number. */
  regs?: readonly number[];
}

const DATA: Schema = { nested: { [DataAttr.VERDICT]: { skip: [3 /* CHAIN_ID */] } } };
/** Expression attributes that nest a data value, per expression; set ids are transaction-local. */
const EXPRESSIONS: Record<string, Schema> = {
  meta: { regs: [1, 3] },
  payload: { regs: [1, 5] },
  cmp: { nested: { 3: DATA }, regs: [1] },
  bitwise: { nested: { 4: DATA, 5: DATA, 7: DATA }, regs: [1, 2] },
  immediate: { nested: { 2: DATA }, regs: [1] },
  lookup: { skip: [4 /* SET_ID */], regs: [2, 3] },
  dynset: { skip: [2 /* SET_ID */], regs: [4, 5] },
  numgen: { regs: [1] },
  hash: { regs: [1, 2] },
  // The kernel fills in the range's upper registers and the flags from what we gave.
  nat: { skip: [4, 6, 7], regs: [3, 5] },
};

/** NFT_REG32_00 + 4n is the start of 128-bit register n + 1. */
function canonRegister(b: Buffer): Buffer {
  if (b.length !== 4) return b;
  const v = b.readUInt32BE(0);
  if (v < 8 || (v - 8) % 4 !== 0) return b;
  const out = Buffer.alloc(4);
  out.writeUInt32BE((v - 8) / 4 + 1);
  return out;
}

/** Attributes of a nested attribute; undefined when the bytes are not an attribute list (not ours). */
function tryDecode(b: Buffer): Attribute[] | undefined {
  try {
    return decodeAttributes(b);
  } catch {
    return undefined;
  }
}

function canonAttrs(attrs: Attribute[], schema: Schema): string {
  const parts: string[] = [];
  for (const a of attrs) {
    if (schema.keep ? !schema.keep.includes(a.type) : schema.skip?.includes(a.type)) continue;
    const sub = schema.nested?.[a.type];
    const list = sub ? tryDecode(a.data) : undefined;
    if (sub && list) {
      const inner = canonAttrs(list, sub);
      if (inner) parts.push(`${a.type}{${inner}}`);
    } else if (a.data.some((b) => b !== 0)) {
      parts.push(`${a.type}=${(schema.regs?.includes(a.type) ? canonRegister(a.data) : a.data).toString('hex')}`);
    }
  }
  return parts.sort().join(' ');
}

function canonExpressions(list: Buffer): string {
  const out: string[] = [];
  for (const el of decodeAttributes(list)) {
    if (el.type !== ListAttr.ELEM) continue;
    const parts = decodeAttributes(el.data);
    const name = parts.find((p) => p.type === ExprAttr.NAME)?.data.toString('latin1').replace(/\0+$/, '') ?? '?';
    const data = parts.find((p) => p.type === ExprAttr.DATA);
    out.push(`${name}(${data ? canonAttrs(decodeAttributes(data.data), EXPRESSIONS[name] ?? {}) : ''})`);
  }
  return out.join(' ');
}

const text = (attrs: Attribute[], type: number): string | undefined => {
  const a = attrs.find((x) => x.type === type);
  return a ? a.data.toString('utf8').replace(/\0+$/, '') : undefined;
};
const raw = (attrs: Attribute[], type: number): Buffer | undefined => attrs.find((x) => x.type === type)?.data;

export type NftObject =
  | { kind: 'chain'; name: string; content: string }
  | { kind: 'set'; name: string; content: string; timed: boolean }
  | { kind: 'rule'; chain: string; index: number; content: string }
  | { kind: 'element'; set: string; key: Buffer; content: string; goto?: string }
  /** All elements of a set that is compared as a whole (a slot map: 120 elements). */
  | { kind: 'elements'; set: string; content: string };

/** The objects of one table, by id (`chain vs_x`, `rule vs_x #0`, `element svc4 0a000001...`). */
export class TableState {
  readonly objects = new Map<string, NftObject>();
  private readonly rulesPerChain = new Map<string, number>();
  private readonly timedSets = new Set<string>();
  private readonly setElements = new Map<string, string[]>();

  /** `perElement(set)`: sets whose elements are objects of their own (dispatch maps); others are compared whole. */
  constructor(private readonly perElement: (set: string) => boolean = () => true) {}

  /** Folds one message (ours to send, or the kernel's dump) into the state. */
  add(msg: number, attrs: Buffer): void {
    const a = decodeAttributes(attrs);
    switch (msg) {
      case NftMsg.DELTABLE:
        this.objects.clear();
        this.setElements.clear();
        this.rulesPerChain.clear();
        this.timedSets.clear();
        return;
      case NftMsg.NEWCHAIN: {
        const name = text(a, ChainAttr.NAME)!;
        this.put({ kind: 'chain', name, content: canonAttrs(a, { keep: [ChainAttr.HOOK, ChainAttr.POLICY, ChainAttr.TYPE], nested: { [ChainAttr.HOOK]: { keep: [1, 2] } } }) });
        return;
      }
      case NftMsg.NEWSET: {
        const name = text(a, SetAttr.NAME)!;
        const flags = raw(a, SetAttr.FLAGS)?.readUInt32BE(0) ?? 0;
        const timed = (flags & SetFlag.TIMEOUT) !== 0;
        if (timed) this.timedSets.add(name);
        this.put({ kind: 'set', name, timed, content: canonAttrs(a, { keep: [SetAttr.FLAGS, SetAttr.KEY_TYPE, SetAttr.KEY_LEN, SetAttr.DATA_TYPE, SetAttr.TIMEOUT, SetAttr.USERDATA] }) });
        return;
      }
      case NftMsg.NEWRULE: {
        const chain = text(a, RuleAttr.CHAIN)!;
        const index = this.rulesPerChain.get(chain) ?? 0;
        this.rulesPerChain.set(chain, index + 1);
        const exprs = raw(a, RuleAttr.EXPRESSIONS);
        const note = raw(a, RuleAttr.USERDATA);
        this.put({ kind: 'rule', chain, index, content: `${exprs ? canonExpressions(exprs) : ''}${note ? ` note=${note.toString('hex')}` : ''}` });
        return;
      }
      case NftMsg.NEWSETELEM: {
        const set = text(a, SetElemListAttr.SET)!;
        // Elements of timed sets are what the traffic wrote (persistence memory), not configuration.
        if (this.timedSets.has(set)) return;
        for (const el of decodeAttributes(raw(a, SetElemListAttr.ELEMENTS) ?? Buffer.alloc(0))) {
          if (el.type !== ListAttr.ELEM) continue;
          const e = decodeAttributes(el.data);
          const keyAttr = raw(e, SetElemAttr.KEY);
          const key = keyAttr ? (raw(decodeAttributes(keyAttr), DataAttr.VALUE) ?? Buffer.alloc(0)) : Buffer.alloc(0);
          const data = raw(e, SetElemAttr.DATA);
          const dataAttrs = data ? decodeAttributes(data) : [];
          const verdict = raw(dataAttrs, DataAttr.VERDICT);
          const goto = verdict ? text(decodeAttributes(verdict), VerdictAttr.CHAIN) : undefined;
          const content = data ? canonAttrs(dataAttrs, DATA) : '';
          if (this.perElement(set)) {
            this.put({ kind: 'element', set, key, content, ...(goto ? { goto } : {}) });
          } else {
            let list = this.setElements.get(set);
            if (!list) this.setElements.set(set, (list = []));
            list.push(`${key.toString('hex')}:${content}`);
          }
        }
        return;
      }
      default:
        return;
    }
  }

  private put(o: NftObject): void {
    this.objects.set(objectId(o), o);
  }

  /** Every object, the whole-set element lists included (call once all messages are in). */
  finish(): this {
    for (const [set, list] of this.setElements) this.put({ kind: 'elements', set, content: list.sort().join(' ') });
    this.setElements.clear();
    return this;
  }

  /** The table our own messages would leave (the messages of a full write). */
  static fromMessages(messages: readonly NftMessage[], perElement?: (set: string) => boolean): TableState {
    const s = new TableState(perElement);
    for (const m of messages) s.add(m.msg, m.attrs);
    return s.finish();
  }
}

export function objectId(o: NftObject): string {
  switch (o.kind) {
    case 'chain':
      return `chain ${o.name}`;
    case 'set':
      return `set ${o.name}`;
    case 'rule':
      return `rule ${o.chain} #${o.index}`;
    case 'element':
      return `element ${o.set} ${o.key.toString('hex')}`;
    case 'elements':
      return `elements ${o.set}`;
  }
}

const F = NfProto.INET;

async function generation(t: NftTransport): Promise<number> {
  const [g] = await t.dump(NftMsg.GETGEN, 0, Buffer.alloc(0), 'reading the nftables generation', true);
  return g ? (raw(decodeAttributes(g.attrs), GenAttr.ID)?.readUInt32BE(0) ?? 0) : 0;
}

/**
 * Lists our table from the kernel: its chains, sets, rules and the elements of every set;
 * undefined when there is no such table. The listing takes one dump per set, so it is
 * repeated (up to 3 times) when the ruleset generation moved while it was read.
 */
export async function readTableState(t: NftTransport, table: string, perElement?: (set: string) => boolean): Promise<TableState | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      const gen = await generation(t);
      const state = await readOnce(t, table, perElement);
      if ((await generation(t)) === gen || attempt >= 2) return state;
    } catch (e) {
      if (!(e instanceof DumpInterruptedError) || attempt >= 2) throw e;
    }
  }
}

async function readOnce(t: NftTransport, table: string, perElement?: (set: string) => boolean): Promise<TableState | undefined> {
  const what = `listing nftables table inet ${table}`;
  const tables = await t.dump(NftMsg.GETTABLE, F, Buffer.alloc(0), what);
  if (!tables.some((m) => text(decodeAttributes(m.attrs), TableAttr.NAME) === table)) return undefined;
  const state = new TableState(perElement);
  const byTable = (attr: number) => new AttributeEncoder().string(attr, table).finish();
  const chains = await t.dump(NftMsg.GETCHAIN, F, byTable(ChainAttr.TABLE), what);
  const sets = await t.dump(NftMsg.GETSET, F, byTable(SetAttr.TABLE), what);
  const rules = await t.dump(NftMsg.GETRULE, F, byTable(RuleAttr.TABLE), what);
  // The kernel filters chains, sets and rules by table name, older kernels may not: check.
  const inTable = (m: { attrs: Buffer }, attr: number) => text(decodeAttributes(m.attrs), attr) === table;
  for (const m of chains) if (inTable(m, ChainAttr.TABLE)) state.add(m.msg, m.attrs);
  for (const m of sets) if (inTable(m, SetAttr.TABLE)) state.add(m.msg, m.attrs);
  for (const m of rules) if (inTable(m, RuleAttr.TABLE)) state.add(m.msg, m.attrs);
  for (const m of sets) {
    if (!inTable(m, SetAttr.TABLE)) continue;
    const a = decodeAttributes(m.attrs);
    const name = text(a, SetAttr.NAME)!;
    if (((raw(a, SetAttr.FLAGS)?.readUInt32BE(0) ?? 0) & SetFlag.TIMEOUT) !== 0) continue; // runtime contents
    const req = new AttributeEncoder().string(SetElemListAttr.TABLE, table).string(SetElemListAttr.SET, name).finish();
    for (const e of await t.dump(NftMsg.GETSETELEM, F, req, `${what}: set ${name}`)) state.add(e.msg, e.attrs);
  }
  return state.finish();
}
