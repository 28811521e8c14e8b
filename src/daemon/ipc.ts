// Messages between the parent and a child over the fork IPC channel (JSON serialised).
import type { LogConfig } from './log.js';
import type { DumpKind } from './service.js';
import type { StatusSnapshot } from './status.js';

export type ParentMessage =
  | { type: 'start'; config: unknown; generation: number; log: LogConfig }
  | { type: 'reload'; config: unknown; generation: number }
  | { type: 'stop' }
  | { type: 'ping'; seq: number }
  | { type: 'dump'; kind: DumpKind; path: string; /** Zero the counters once written (SIGRTMAX-1). */ clear?: boolean }
  | { type: 'status'; seq: number }
  /** A BFD session's state, relayed from the BFD child to the VRRP and checker children. */
  | { type: 'bfd'; name: string; up: boolean };

/** What a BFD session's change means to the other children, and which of them it is for. */
export interface BfdEvent { type: 'bfd'; name: string; up: boolean; vrrp: boolean; checker: boolean }

export type ChildMessage =
  | { type: 'ready'; generation: number }
  | { type: 'reloaded'; generation: number; error?: string }
  | { type: 'pong'; seq: number }
  | { type: 'dumped'; kind: DumpKind; path: string; error?: string }
  | { type: 'status'; seq: number; snapshot?: StatusSnapshot; error?: string }
  | BfdEvent;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Validates a message from the other side; anything malformed is ignored by the receiver. */
export function asParentMessage(v: unknown): ParentMessage | undefined {
  if (!isObject(v)) return undefined;
  switch (v['type']) {
    case 'start': return typeof v['generation'] === 'number' && isObject(v['log']) ? (v as ParentMessage) : undefined;
    case 'reload': return typeof v['generation'] === 'number' ? (v as ParentMessage) : undefined;
    case 'stop': return v as ParentMessage;
    case 'ping': return typeof v['seq'] === 'number' ? (v as ParentMessage) : undefined;
    case 'status': return typeof v['seq'] === 'number' ? (v as ParentMessage) : undefined;
    case 'dump': return typeof v['path'] === 'string' && ['data', 'stats', 'json'].includes(v['kind'] as string) ? (v as ParentMessage) : undefined;
    case 'bfd': return typeof v['name'] === 'string' && typeof v['up'] === 'boolean' ? (v as ParentMessage) : undefined;
    default: return undefined;
  }
}

export function asChildMessage(v: unknown): ChildMessage | undefined {
  if (!isObject(v)) return undefined;
  switch (v['type']) {
    case 'ready': case 'reloaded': return typeof v['generation'] === 'number' ? (v as ChildMessage) : undefined;
    case 'pong': return typeof v['seq'] === 'number' ? (v as ChildMessage) : undefined;
    case 'dumped': return typeof v['path'] === 'string' ? (v as ChildMessage) : undefined;
    case 'status': return typeof v['seq'] === 'number' ? (v as ChildMessage) : undefined;
    case 'bfd': return typeof v['name'] === 'string' && typeof v['up'] === 'boolean' && typeof v['vrrp'] === 'boolean' && typeof v['checker'] === 'boolean' ? (v as ChildMessage) : undefined;
    default: return undefined;
  }
}
