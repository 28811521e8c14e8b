// Per-instance tracking state: which trackers each instance follows (with its weights) and
// what they currently read. Feeds the router: total priority via setPriority, tracker
// faults via setFault("tracker:KEY"). The runners (link monitor, scripts, files,
// processes) call `update(key, reading)`; one reading can fan out to many instances.
import type { TrackRef } from '../../config/model.js';
import { computeTracking, type TrackedItem, type TrackerReading } from './priority.js';

export interface TrackingTarget {
  setPriority(instance: string, total: number): boolean;
  setFault(instance: string, reason: `tracker:${string}`, active: boolean): boolean;
}

interface InstanceTracking {
  base: number;
  /** 255 (address owner): weights are ignored, only FAULTs count. */
  owner: boolean;
  items: TrackedItem[];
  faults: Set<string>;
  lastTotal: number | undefined;
}

export class TrackingTable {
  private readonly instances = new Map<string, InstanceTracking>();
  private readonly readings = new Map<string, TrackerReading>();

  constructor(private readonly target: TrackingTarget, private readonly log: (line: string) => void) {}

  /** Declares that `instance` tracks `key` (weight from the reference, else the tracker's own). */
  add(instance: string, base: number, key: string, ref: Pick<TrackRef, 'weight' | 'reverse'>, trackerWeight: number, trackerReverse = false, syncGroupNoWeights = false): void {
    let t = this.instances.get(instance);
    if (!t) {
      t = { base, owner: base === 255, items: [], faults: new Set(), lastTotal: undefined };
      this.instances.set(instance, t);
    }
    const weight = ref.weight ?? trackerWeight;
    const reverse = ref.weight !== undefined ? ref.reverse : trackerReverse || ref.reverse;
    if (syncGroupNoWeights && weight !== 0) {
      // Members of a sync group move together: a weight would let them disagree.
      this.log(`(${instance}) tracker ${key} has a weight but the instance is in a sync group without sync_group_tracking_weight - removing`);
      return;
    }
    if (t.owner && weight !== 0) {
      // keepalived removes weighted trackers from address owners (a config error).
      this.log(`(${instance}) tracker ${key} has a weight but the address owner's priority cannot change - removing`);
      return;
    }
    t.items.push({ key, weight, reverse, reading: this.readings.get(key) ?? { kind: 'status', ok: true } });
  }

  keys(): string[] {
    return [...new Set([...this.instances.values()].flatMap((t) => t.items.map((i) => i.key)))];
  }

  reading(key: string): TrackerReading | undefined {
    return this.readings.get(key);
  }

  /** A tracker's new reading: recompute every instance that tracks it. */
  update(key: string, reading: TrackerReading): void {
    this.readings.set(key, reading);
    for (const [name, t] of this.instances) {
      let hit = false;
      for (const item of t.items) if (item.key === key) {
        item.reading = reading;
        hit = true;
      }
      if (hit) this.apply(name, t);
    }
  }

  /** Applies every instance's current tracking (after start or reload). */
  applyAll(): void {
    for (const [name, t] of this.instances) {
      t.lastTotal = undefined;
      t.faults.clear();
      this.apply(name, t);
    }
  }

  /** The instances that track `key`. */
  instancesTracking(key: string): string[] {
    return [...this.instances].filter(([, t]) => t.items.some((i) => i.key === key)).map(([name]) => name);
  }

  /** The tracker keys currently putting `instance` in FAULT. */
  faultsOf(instance: string): string[] {
    return [...(this.instances.get(instance)?.faults ?? [])];
  }

  /** Tracker readings for status: key ("script chk_x", ...), good/bad (values are good), weight. */
  statusOf(instance: string): { name: string; result: 'good' | 'bad'; weight: number }[] {
    return (this.instances.get(instance)?.items ?? []).map((i) => ({
      name: i.key, result: i.reading.kind === 'status' && !i.reading.ok ? 'bad' : 'good', weight: i.weight,
    }));
  }

  /** Tracker lines for the data dump. */
  describe(instance: string): string[] {
    return (this.instances.get(instance)?.items ?? []).map((i) => {
      const r = i.reading.kind === 'status' ? (i.reading.ok ? 'UP' : 'DOWN') : `value ${i.reading.value}`;
      return `${i.key} ${r} weight ${i.weight}${i.reverse ? ' reverse' : ''}`;
    });
  }

  private apply(name: string, t: InstanceTracking): void {
    const r = computeTracking(t.base, t.items);
    const now = new Set(r.faults);
    for (const f of now) if (!t.faults.has(f)) this.target.setFault(name, `tracker:${f}`, true);
    for (const f of t.faults) if (!now.has(f)) this.target.setFault(name, `tracker:${f}`, false);
    t.faults = now;
    if (!t.owner && r.total !== t.lastTotal) {
      t.lastTotal = r.total;
      this.target.setPriority(name, r.total);
    }
  }
}
