// The pending one-shot timers of a clock, earliest first: a binary min-heap keyed by
// (deadline, order of arming), where each entry knows its slot so cancelling is O(log n).
// Pure (no clock): the real clock arms one OS timer for `peek()` and calls `popDue(now)`.
// A backup resets its master-down timer on every advert, so cancel must not leave garbage.

export interface QueuedTimer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

interface Entry extends QueuedTimer {
  seq: number;
  /** Slot in the heap; -1 once fired or cancelled. */
  slot: number;
}

export class TimerQueue {
  private readonly heap: Entry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** The earliest deadline, or undefined when nothing is pending. */
  peek(): number | undefined {
    return this.heap[0]?.at;
  }

  add(id: number, at: number, callback: () => void): QueuedTimer {
    const e: Entry = { id, at, callback, seq: this.seq++, slot: this.heap.length };
    this.heap.push(e);
    this.up(e.slot);
    return e;
  }

  /** Removes a pending timer; a fired or already cancelled one is ignored. */
  cancel(t: QueuedTimer): void {
    const e = t as Entry;
    const i = e.slot;
    if (i < 0 || this.heap[i] !== e) return;
    this.removeAt(i);
  }

  /** Takes the earliest timer if it is due at `now`. */
  popDue(now: number): QueuedTimer | undefined {
    const top = this.heap[0];
    if (!top || top.at > now) return undefined;
    this.removeAt(0);
    return top;
  }

  private removeAt(i: number): void {
    const e = this.heap[i] as Entry;
    const last = this.heap.pop() as Entry;
    e.slot = -1;
    if (last === e) return;
    this.heap[i] = last;
    last.slot = i;
    this.down(i);
    this.up(last.slot);
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i] as Entry;
    const b = this.heap[j] as Entry;
    this.heap[i] = b;
    this.heap[j] = a;
    a.slot = j;
    b.slot = i;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.heap[i] as Entry, this.heap[parent] as Entry)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(this.heap[l] as Entry, this.heap[m] as Entry)) m = l;
      if (r < n && this.less(this.heap[r] as Entry, this.heap[m] as Entry)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
