// Checks' next runs, started together with the others that fall due in the same slot.
//
// A wake-up of an idle Node process costs far more than a check's own work: an empty timer
// callback, measured on an otherwise idle loop, took ~100-130 µs of user CPU on this host
// and ~0.8-0.95 ms under the VM's CPU emulation, where a C loop waking the same way
// (keepalived's) took ~5-13 µs and ~60 µs (bench/wakeup.bench.mjs). 200 HTTP_GETs at delay_loop 5 s woke the checker 40 times a second
// for the starts alone, each check then waking it again for its reply. So a run that is due
// a second or more ahead may start a little early, with others, in one wake-up, their
// replies often read in one wake-up too (epoll-socket.ts):
// - it joins the latest slot already set within its slack before its due time: a tenth of
//   its delay, at least SLOT_MS and at most MAX_SLACK_MS (delay_loop 1 s: 100 ms; 5 s and
//   more: 500 ms), so that checks spread over a delay_loop of 5 s start in ~10 wake-ups
//   per period instead of ~50;
// - else it starts a new slot at the last multiple of SLOT_MS before its due time.
// Never late, and at most the slack early. Starting early keeps the period: the next run is
// due delay_loop after this one ends, so a check that joined an earlier slot once stays in
// step with it from then on. Rounded up (or to the nearest), every period would gain up to a
// slot (to the nearest, the VM benchmark counted 186 TCP_CHECKs a second where 200 were due).

/** Slots start on multiples of this: a new one for a run due in [k*SLOT_MS, (k+1)*SLOT_MS) starts at k*SLOT_MS. */
export const SLOT_MS = 100;
/** The most a run starts early to join a slot already set. */
export const MAX_SLACK_MS = 500;
/** Slots follow each other by at most this much while runs are spread evenly (the slack, plus the grid's rounding). */
export const SLOT_SPACING_MS = MAX_SLACK_MS + SLOT_MS;
/** Delays shorter than this run when they are due (a delay of a fraction of a second is meant). */
export const MIN_SLOTTED_MS = 1000;

/** A run waiting in its slot; cancel() is safe at any time. */
export class SlotTimer {
  constructor(
    private fn: (() => void) | undefined,
    private slot: Slot | undefined,
  ) {}

  cancel(): void {
    this.fn = undefined;
    this.slot?.remove(this);
    this.slot = undefined;
  }

  /** Runs it unless cancelled; at most once. */
  fire(): void {
    const fn = this.fn;
    this.fn = undefined;
    this.slot = undefined;
    fn?.();
  }
}

const slots = new Map<number, Slot>();

/** What runs around every slot: before its timers, and after them. */
export interface SlotHooks {
  beforeSlot(): void;
  afterSlot(): void;
  /** A slot that was due lost its last timer (cancelled): it will not fire. */
  slotDropped(): void;
}

const hooks: SlotHooks[] = [];

/** Registers hooks run at every slot (one process-wide list; the epoll set's collector uses it). */
export function addSlotHooks(h: SlotHooks): void {
  hooks.push(h);
}

/** Calls every hook's `which`; one that throws does not stop the rest. The first failure. */
function runHooks(which: keyof SlotHooks): { error: unknown } | undefined {
  let failure: { error: unknown } | undefined;
  for (const h of hooks) {
    try {
      h[which]();
    } catch (error) {
      failure ??= { error };
    }
  }
  return failure;
}

/** Whether a slot (with timers in it) is due within `ms` from now. */
export function slotDueWithin(ms: number): boolean {
  const now = performance.now();
  for (let k = Math.ceil(now / SLOT_MS), last = Math.floor((now + ms) / SLOT_MS); k <= last; k++) if (slots.has(k)) return true;
  return false;
}

class Slot {
  readonly timers = new Set<SlotTimer>();
  private readonly timeout: NodeJS.Timeout;

  constructor(private readonly key: number, delayMs: number) {
    this.timeout = setTimeout(() => this.fire(), delayMs);
    // As the scheduler's timers always were: pending checks do not keep the process alive.
    this.timeout.unref();
  }

  remove(t: SlotTimer): void {
    this.timers.delete(t);
    if (this.timers.size === 0) {
      clearTimeout(this.timeout);
      slots.delete(this.key);
      const failure = runHooks('slotDropped');
      if (failure) throw failure.error;
    }
  }

  /** Runs every timer of the slot in the order they were set; one that throws does not stop the rest. */
  private fire(): void {
    slots.delete(this.key);
    let failure = runHooks('beforeSlot');
    for (const t of this.timers) {
      try {
        t.fire();
      } catch (error) {
        failure ??= { error };
      }
    }
    this.timers.clear();
    const after = runHooks('afterSlot');
    failure ??= after;
    // On to 'uncaughtException', as a Node timer's callback that throws.
    if (failure) throw failure.error;
  }
}

/** How early a run with this delay (its delay_loop, delay_before_retry, ...) may start: a tenth of it, within [SLOT_MS, MAX_SLACK_MS]. */
export function slackFor(delayMs: number): number {
  return Math.min(MAX_SLACK_MS, Math.max(SLOT_MS, delayMs / 10));
}

/**
 * Runs `fn` `ms` from now, or up to `slackMs` earlier: in the latest slot already set in
 * that window, else at the last multiple of SLOT_MS before it (not before now).
 */
export function slotTimer(ms: number, fn: () => void, slackMs = SLOT_MS): SlotTimer {
  const now = performance.now();
  const first = Math.ceil(now / SLOT_MS);
  let key = Math.max(Math.floor((now + ms) / SLOT_MS), first);
  for (let k = key, earliest = Math.max(first, Math.ceil((now + ms - slackMs) / SLOT_MS)); k >= earliest; k--) {
    if (slots.has(k)) {
      key = k;
      break;
    }
  }
  let slot = slots.get(key);
  if (!slot) slots.set(key, (slot = new Slot(key, Math.max(1, Math.ceil(key * SLOT_MS - now)))));
  const t = new SlotTimer(fn, slot);
  slot.timers.add(t);
  return t;
}
