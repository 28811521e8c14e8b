// A check's timeout that only fires after the I/O already waiting has been handled.
//
// libuv runs due timers before it polls for I/O. When the process was kept off the CPU for
// longer than connect_timeout (a loaded host, a long GC), a connect or a reply that the
// kernel completed meanwhile is still unread when the timers run, and a plain setTimeout
// would fail the check: a false down. So when the timer is due, the verdict is deferred
// with setImmediate, which runs after the poll phase: whatever had arrived in time is seen
// first, and the timeout only counts when nothing had.

/** A pending timeout; cancel() is safe at any time, also once it is due. */
export class IoTimeout {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;

  // Static callbacks with the instance as argument: no closures per timeout (10,000 a second).
  constructor(ms: number, private readonly onTimeout: () => void) {
    this.timer = setTimeout(IoTimeout.due, ms, this);
  }

  private static due(t: IoTimeout): void {
    t.timer = undefined;
    t.immediate = setImmediate(IoTimeout.fire, t);
  }

  private static fire(t: IoTimeout): void {
    t.immediate = undefined;
    t.onTimeout();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }
}
