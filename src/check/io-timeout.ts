// A check's timeout that only fires after the I/O already waiting has been handled.
//
// libuv runs due timers before it polls for I/O. When the process was kept off the CPU for
// longer than connect_timeout (a loaded host, a long GC), a connect or a reply that the
// kernel completed meanwhile is still unread when the timers run, and a plain setTimeout
// would fail the check: a false down. So when the timer is due, the verdict is deferred
// with setImmediate, which runs after the poll phase: whatever had arrived in time is seen
// first, and the timeout only counts when nothing had. Queued by duration (timeout-queue.ts):
// every check sets one or two.
import { enqueue, QueuedTimeout } from './timeout-queue.js';

/** A pending timeout; cancel() is safe at any time, also once it is due. */
export class IoTimeout extends QueuedTimeout {
  constructor(ms: number, onTimeout: () => void) {
    super(onTimeout);
    enqueue(this, ms);
  }
}
