// The MIB snapshot a subagent answers from, rebuilt when the daemon's state changed
// (invalidate()) or when it is older than `maxAgeMs` (counters move without events). A walk
// is hundreds of requests; building the MIB for each would cost O(rows) every time.
import type { MibView } from './mib.js';

export class ViewCache {
  private view: MibView | undefined;
  private builtAt = 0;

  constructor(private readonly build: () => MibView, private readonly maxAgeMs = 1000, private readonly now: () => number = Date.now) {}

  get(): MibView {
    const t = this.now();
    if (!this.view || t - this.builtAt >= this.maxAgeMs) {
      this.view = this.build();
      this.builtAt = t;
    }
    return this.view;
  }

  invalidate(): void {
    this.view = undefined;
  }
}
