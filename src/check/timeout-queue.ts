// Timeouts queued by duration: every timeout of one duration is due in the order it was set,
// so those of one duration wait in a FIFO queue behind one Node timer, where a Node timer
// each (an object with async ids, a C++ call to read the loop's time, a linked-list insert,
// and the same again to clear it) cost more than the work of a TCP check. 10,000 TCP_CHECKs
// a second set and clear three timeouts each (the next run, the run's deadline, the
// connect's timeout).
//
// A timeout is due `ms` after the moment it was set, read once per turn of the event loop
// (as Node's own timers read the loop's time once per turn); a timeout never fires before
// it is due.

/** A pending timeout; cancel() is safe at any time, also once it has fired. */
export class QueuedTimeout {
  /** When it is due (performance.now() ms); set when queued. */
  due = 0;
  /** undefined once fired or cancelled. */
  private fn: (() => void) | undefined;
  /** Its place in its queue (a doubly linked list: a cancelled timeout leaves at once). */
  queue: TimeoutQueue | undefined;
  prev: QueuedTimeout | undefined;
  next: QueuedTimeout | undefined;

  constructor(fn: () => void) {
    this.fn = fn;
  }

  cancel(): void {
    this.fn = undefined;
    this.queue?.remove(this);
  }

  /** Runs it unless it was cancelled; at most once. */
  fire(): void {
    const fn = this.fn;
    this.fn = undefined;
    fn?.();
  }
}

export interface QueueMode {
  /**
   * Fire only after the I/O already waiting has been handled (setImmediate after the timer):
   * a check's timeout must not count an answer that had arrived while the process was kept
   * off the CPU (see io-timeout.ts).
   */
  afterIo: boolean;
  /** Keeps the process alive while pending (as a Node timer does unless unref'd). */
  ref: boolean;
}

let stamp = 0;
let stampValid = false;
const invalidate = (): void => {
  stampValid = false;
};

/** performance.now() read once per macrotask: clock reads are dear (~3 µs each under CPU emulation). */
function turnNow(): number {
  if (!stampValid) {
    stamp = performance.now();
    stampValid = true;
    queueMicrotask(invalidate);
  }
  return stamp;
}

class TimeoutQueue {
  private first: QueuedTimeout | undefined;
  private last: QueuedTimeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** Inside run(): it arms the timer for whatever is first when it is done. */
  private running = false;

  constructor(
    private readonly ms: number,
    private readonly mode: QueueMode,
    private readonly onEmpty: () => void,
  ) {}

  add(t: QueuedTimeout): void {
    t.due = turnNow() + this.ms;
    t.queue = this;
    t.prev = this.last;
    t.next = undefined;
    if (this.last) this.last.next = t;
    else this.first = t;
    this.last = t;
    // An armed timer is for an earlier timeout (they fall due in order) and finds this one.
    if (!this.timer && !this.immediate && !this.running) this.arm(this.ms);
  }

  /** Takes a timeout out (cancelled or firing). The Node timer stays armed; it finds what is left. */
  remove(t: QueuedTimeout): void {
    if (t.prev) t.prev.next = t.next;
    else this.first = t.next;
    if (t.next) t.next.prev = t.prev;
    else this.last = t.prev;
    t.queue = t.prev = t.next = undefined;
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(TimeoutQueue.due, Math.max(1, Math.ceil(delayMs)), this);
    if (!this.mode.ref) this.timer.unref();
  }

  private static due(q: TimeoutQueue): void {
    q.timer = undefined;
    if (!q.mode.afterIo) q.run();
    else {
      q.immediate = setImmediate(TimeoutQueue.afterIo, q);
      if (!q.mode.ref) q.immediate.unref();
    }
  }

  private static afterIo(q: TimeoutQueue): void {
    q.immediate = undefined;
    q.run();
  }

  /** Fires every timeout that is due, in order; then waits for the next one. */
  private run(): void {
    const now = performance.now();
    this.running = true;
    try {
      for (let t = this.first; t && t.due <= now; t = this.first) {
        this.remove(t);
        t.fire();
      }
    } finally {
      this.running = false;
      // Also after a throw (it goes on to 'uncaughtException' as a timer's would): the rest
      // still fire.
      if (!this.first) this.onEmpty();
      else if (!this.timer && !this.immediate) this.arm(this.first.due - now);
    }
  }
}

const queues = new Map<number, TimeoutQueue>();

/** Queues `t` to fire `ms` from now (whole ms; at least 1, as setTimeout). */
export function enqueue(t: QueuedTimeout, ms: number, mode: QueueMode): QueuedTimeout {
  const whole = Math.max(1, Math.ceil(ms));
  const key = whole * 4 + (mode.afterIo ? 2 : 0) + (mode.ref ? 1 : 0);
  let q = queues.get(key);
  if (!q) queues.set(key, (q = new TimeoutQueue(whole, mode, () => queues.delete(key))));
  q.add(t);
  return t;
}

/** A timeout of `ms` that calls `fn` (Node timer semantics: before the I/O of its turn). */
export function queueTimeout(ms: number, fn: () => void, ref: boolean): QueuedTimeout {
  return enqueue(new QueuedTimeout(fn), ms, { afterIo: false, ref });
}
