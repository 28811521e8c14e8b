// A check's timeouts queued by duration: every timeout of one duration is due in the order
// it was set, so those of one duration wait in a FIFO queue behind one Node timer, where a
// Node timer each costs an object with async ids, a C++ call to read the loop's time and a
// list insert, and the same again to clear it. 10,000 TCP_CHECKs a second set two each (the
// run's deadline and the connect's timeout) and nearly always cancel them; a cancelled
// timeout leaves its queue at once. (A check's next run stays on a Node timer: queued, it
// ran later on average, and fewer checks were made per second.)
//
// A timeout is due `ms` after the moment it was set, read once per turn of the event loop
// (as Node's own timers read the loop's time once per turn), and fires only after the I/O
// already waiting when it fell due has been handled (see io-timeout.ts).

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
  /** Turns the due verdicts have waited for outcomes of I/O read just before them. */
  private deferrals = 0;

  constructor(
    private readonly ms: number,
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

  /**
   * Takes a timeout out (cancelled or firing). While others wait, the Node timer stays armed
   * and finds what is left; when none is left it is cleared, so that it does not wake the
   * process for nothing: checks started in one slot are nearly all over by the next, and
   * their cancelled timeouts' timers were one or two wake-ups per slot.
   */
  remove(t: QueuedTimeout): void {
    if (t.prev) t.prev.next = t.next;
    else this.first = t.next;
    if (t.next) t.next.prev = t.prev;
    else this.last = t.prev;
    t.queue = t.prev = t.next = undefined;
    if (!this.first && !this.running) this.disarm();
  }

  /** Stops the timer; the queue stays in the map for the next timeout of its duration (add() arms again). */
  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = this.immediate = undefined;
    this.deferrals = 0;
  }

  /** A pending timeout keeps the process alive, as a Node timer does. */
  private arm(delayMs: number): void {
    this.timer = setTimeout(TimeoutQueue.due, Math.max(1, Math.ceil(delayMs)), this);
  }

  /** Due: the verdicts wait for the I/O already waiting (setImmediate runs after the poll phase). */
  private static due(q: TimeoutQueue): void {
    q.timer = undefined;
    q.immediate = setImmediate(TimeoutQueue.afterIo, q);
  }

  private static afterIo(q: TimeoutQueue): void {
    q.immediate = undefined;
    // I/O read here settles its runs through promises: their outcomes are given after this
    // callback, so the verdicts wait one more turn (a few at most) for them.
    let read = false;
    for (const f of beforeVerdicts) if (f()) read = true;
    if (read && q.deferrals < MAX_DEFERRALS) {
      q.deferrals++;
      q.immediate = setImmediate(TimeoutQueue.afterIo, q);
      return;
    }
    q.deferrals = 0;
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

/**
 * Run before due timeouts give their verdicts: I/O that the loop is not watching at the
 * moment (the checkers' epoll set while its events are collected at slot starts) is read
 * first, so that what arrived in time is seen before a timeout counts.
 */
const beforeVerdicts: Array<() => boolean> = [];
/** Turns the verdicts wait for outcomes of I/O read just before them. */
const MAX_DEFERRALS = 3;

/** `f` reads such I/O; true when it handed anything out. */
export function addBeforeTimeoutVerdicts(f: () => boolean): void {
  beforeVerdicts.push(f);
}

/** Queues `t` to fire `ms` from now (whole ms; at least 1, as setTimeout). */
export function enqueue(t: QueuedTimeout, ms: number): void {
  const whole = Math.max(1, Math.ceil(ms));
  let q = queues.get(whole);
  if (!q) queues.set(whole, (q = new TimeoutQueue(whole, () => queues.delete(whole))));
  q.add(t);
}
