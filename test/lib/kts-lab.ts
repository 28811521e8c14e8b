// The frame most daemon tests share: a lab of namespaces, a temp dir, and the keepalived-ts
// nodes the test starts (pushed onto `nodes`). On failure each node's output is printed; the
// nodes, the namespaces and the dir go in every case.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from './netns.js';
import type { KtsNode } from './kts-node.js';

export interface KtsLab {
  lab: Lab;
  dir: string;
  nodes: KtsNode[];
}

export async function inKtsLab(tmpPrefix: string, body: (l: KtsLab) => Promise<void>): Promise<void> {
  const lab = await Lab.create();
  const dir = mkdtempSync(join(tmpdir(), tmpPrefix));
  const nodes: KtsNode[] = [];
  try {
    await body({ lab, dir, nodes });
  } catch (e) {
    for (const n of nodes) console.log(`--- ${n.ns.name}\n${n.output}`);
    throw e;
  } finally {
    for (const n of nodes) await n.cleanup();
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}
