// Checks' next runs, started together with the others that fall due in the same slot.
//
// A wake-up of an idle Node process costs far more than a check's own work: an empty timer
// callback, measured on an otherwise idle loop, took ~100-130 µs of user CPU on this host
// and ~0.8-0.95 ms under the VM's CPU emulation, where a C loop waking the same way
// (keepalived's) took ~5-13 µs and ~60 µs (bench/wakeup.bench.mjs). 200 HTTP_GETs at delay_loop 5 s woke the checker 40 times a second
// for the starts alone, each check then waking it again for its reply. So a run that is due
// a second or more ahead starts at the last multiple of SLOT_MS before its due time (at most
// SLOT_MS early, never late), with the others of its slot, in one wake-up, their replies
// often read in one wake-up too. Rounding down keeps the period: a run starts on a slot
// boundary, its next one is due delay_loop after it ends, and when it took less than a slot
// that rounds down to delay_loop after it started. Rounded up (or to the nearest), every
// period would gain up to a slot (to the nearest, the VM benchmark counted 186 TCP_CHECKs a
// second where 200 were due).

/** Slot length: a run due in [k*SLOT_MS, (k+1)*SLOT_MS) starts at k*SLOT_MS. */
export const SLOT_MS = 100;
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

/** Runs `fn` at the last multiple of SLOT_MS before `ms` from now (not before now). */
export function slotTimer(ms: number, fn: () => void): SlotTimer {
  const now = performance.now();
  const key = Math.max(Math.floor((now + ms) / SLOT_MS), Math.ceil(now / SLOT_MS));
  let slot = slots.get(key);
  if (!slot) slots.set(key, (slot = new Slot(key, Math.max(1, Math.ceil(key * SLOT_MS - now)))));
  const t = new SlotTimer(fn, slot);
  slot.timers.add(t);
  return t;
}
