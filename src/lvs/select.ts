// Which data plane to use: `lvs_backend ipvs|nftables|auto` (a keepalived-ts extension in
// global_defs; default auto). auto takes IPVS when the kernel has it (keepalived's own data
// plane, with every scheduler and forwarding method), else nftables (NAT only).
import type { LvsBackend } from './backend.js';
import { IpvsBackend, IpvsUnavailableError } from './ipvs/client.js';
import { NftablesBackend } from './nftables/backend.js';

export type LvsBackendChoice = 'ipvs' | 'nftables' | 'auto';

export async function openLvsBackend(choice: LvsBackendChoice = 'auto', nftablesTable?: string): Promise<LvsBackend> {
  if (choice === 'ipvs') return IpvsBackend.open();
  if (choice === 'nftables') return NftablesBackend.open(nftablesTable);
  try {
    return await IpvsBackend.open();
  } catch (e) {
    if (!(e instanceof IpvsUnavailableError)) throw e;
    return NftablesBackend.open(nftablesTable);
  }
}
