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

  constructor(ms: number, private readonly onTimeout: () => void) {
    this.timer = setTimeout(this.due, ms);
  }

  private readonly due = (): void => {
    this.timer = undefined;
    this.immediate = setImmediate(this.fire);
  };

  private readonly fire = (): void => {
    this.immediate = undefined;
    this.onTimeout();
  };

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }
}
