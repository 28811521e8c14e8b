// Brings our nftables table to a desired state from whatever the kernel holds, in one
// transaction that never leaves a moment without the services that stay: a table left by an
// earlier run is adopted where it already says what we want, and only the services that
// differ (changed by hand, or by a different configuration) are deleted and written again,
// inside the same transaction. Without a table, or when its base (the nat chains and the
// dispatch maps) is not ours as we would write it, the whole table is replaced, again in
// one transaction. Pure: `planConverge` turns the two states into messages.
import { serviceKeyString, type ServiceEntry } from '../desired.js';
import { NfProto } from '../../net/nftables/constants.js';
import * as m from '../../net/nftables/messages.js';
import type { NftMessage } from '../../net/nftables/messages.js';
import { addServiceMessages, fullMessages, serviceWords } from './ruleset.js';
import { TableState, type NftObject } from './state.js';

const F = NfProto.INET;
const BASE_CHAINS = new Set(['prerouting', 'output']);
const DISPATCH_MAPS = new Set(['fwmark', 'svc4', 'svc4any', 'svc6', 'svc6any']);
const BASE = '';
/** Dispatch-map entries are owned one by one (by the service they jump to); other sets are compared whole. */
export const perElement = (set: string): boolean => DISPATCH_MAPS.has(set);

/** Which service (its words in object names) an object belongs to; BASE for the table's frame. */
function ownerOf(o: NftObject): string {
  const fromName = (name: string): string => {
    const mm = /^(?:vs|rs|pe)_(.+?)(?:__.*)?$/.exec(name);
    return mm ? mm[1]! : BASE;
  };
  switch (o.kind) {
    case 'chain':
      return BASE_CHAINS.has(o.name) ? BASE : fromName(o.name);
    case 'rule':
      return BASE_CHAINS.has(o.chain) ? BASE : fromName(o.chain);
    case 'set':
      return DISPATCH_MAPS.has(o.name) ? BASE : fromName(o.name);
    case 'element':
      // A service's entry in a dispatch map goes with the service it jumps to.
      return DISPATCH_MAPS.has(o.set) ? (o.goto ? fromName(o.goto) : BASE) : fromName(o.set);
    case 'elements':
      return fromName(o.set);
  }
}

function groups(state: TableState): Map<string, Map<string, NftObject>> {
  const out = new Map<string, Map<string, NftObject>>();
  for (const [id, o] of state.objects) {
    const owner = ownerOf(o);
    let g = out.get(owner);
    if (!g) out.set(owner, (g = new Map()));
    g.set(id, o);
  }
  return out;
}

function sameGroup(a: Map<string, NftObject> | undefined, b: Map<string, NftObject> | undefined): boolean {
  if (!a || !b) return !a && !b;
  if (a.size !== b.size) return false;
  for (const [id, o] of a) if (b.get(id)?.content !== o.content) return false;
  return true;
}

export interface ConvergePlan {
  messages: NftMessage[];
  /** Why the whole table is written afresh; undefined when it is adopted (in part). */
  rewrite?: string;
  /** Services (their key text) found as desired and left untouched. */
  kept: string[];
  /** Services found different from what is desired (or missing), written again. */
  replaced: string[];
  /** Services (object name words) in the table that are not desired any more, deleted. */
  removed: string[];
}

export function planConverge(table: string, desired: readonly ServiceEntry[], actual: TableState | undefined): ConvergePlan {
  const full = fullMessages(table, desired);
  const names = desired.map((s) => serviceKeyString(s.key));
  if (!actual) return { messages: full, rewrite: `there is no table inet ${table}`, kept: [], replaced: names, removed: [] };
  const want = groups(TableState.fromMessages(full, perElement));
  const have = groups(actual);
  if (!sameGroup(want.get(BASE), have.get(BASE))) return { messages: full, rewrite: 'its base chains or dispatch maps are not as we write them', kept: [], replaced: names, removed: [] };

  const byWords = new Map(desired.map((s) => [serviceWords(s.key), s]));
  const plan: ConvergePlan = { messages: [], kept: [], replaced: [], removed: [] };
  const redo: ServiceEntry[] = [];
  const doomed: NftObject[] = [];
  for (const words of new Set([...want.keys(), ...have.keys()])) {
    if (words === BASE) continue;
    const s = byWords.get(words);
    if (sameGroup(want.get(words), have.get(words))) {
      if (s) plan.kept.push(serviceKeyString(s.key));
      continue;
    }
    doomed.push(...(have.get(words)?.values() ?? []));
    if (s) {
      redo.push(s);
      plan.replaced.push(serviceKeyString(s.key));
    } else {
      plan.removed.push(words);
    }
  }
  // Deleting in the order the kernel accepts: references first (dispatch entries, rules,
  // map elements), then the chains and sets nothing points at any more.
  const kinds = <K extends NftObject['kind']>(k: K) => doomed.filter((o): o is Extract<NftObject, { kind: K }> => o.kind === k);
  const dispatch = new Map<string, Buffer[]>();
  for (const e of kinds('element')) if (DISPATCH_MAPS.has(e.set)) dispatch.set(e.set, [...(dispatch.get(e.set) ?? []), e.key]);
  for (const [set, keys] of dispatch) plan.messages.push(m.delElements(F, table, set, keys));
  const chains = kinds('chain').map((c) => c.name);
  const sets = kinds('set').map((s) => s.name);
  for (const c of chains) plan.messages.push(m.flushChain(F, table, c));
  for (const s of sets) plan.messages.push(m.flushSet(F, table, s));
  for (const c of chains) plan.messages.push(m.delChain(F, table, c));
  for (const s of sets) plan.messages.push(m.delSet(F, table, s));
  for (const s of redo) plan.messages.push(...addServiceMessages(table, s));
  return plan;
}
