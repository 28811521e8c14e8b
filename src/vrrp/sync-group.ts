// vrrp_sync_group: instances that must change state together (inventory §4.1.7). Each
// member keeps its own state machine; the group propagates transitions the way
// keepalived's TSM table does: a member becoming MASTER takes the others with it (only
// once every member wants MASTER, else it waits in BACKUP), a MASTER falling back to
// BACKUP takes the others to BACKUP, a member in FAULT puts the whole group in FAULT until
// every member's own faults are gone.

import type { VrrpState } from './fsm.js';
import type { VrrpInstance } from './instance.js';
import type { VrrpEventSink } from './ports.js';

export interface SyncGroupSpec {
  name: string;
  /** Instance names. */
  members: string[];
}

export class SyncGroup {
  state: VrrpState = 'INIT';
  readonly members: VrrpInstance[] = [];

  constructor(readonly name: string, private readonly sink: VrrpEventSink) {}

  /**
   * keepalived's start-up rule: a group starts MASTER only when every member is an address
   * owner (priority 255) wanting MASTER; otherwise its owners start as BACKUP like the rest.
   */
  startsMaster(): boolean {
    return this.members.every((m) => m.config.wantMaster && m.config.basePriority === 255);
  }

  /** Owners and non-owners mixed: keepalived reports it as a configuration error. */
  mixesOwners(): boolean {
    const owners = this.members.filter((m) => m.config.basePriority === 255).length;
    return owners > 0 && owners < this.members.length;
  }

  /** vrrp_sync_can_goto_master. */
  canGotoMaster(inst: VrrpInstance): boolean {
    if (this.state === 'MASTER') return true;
    return this.members.every((m) => m === inst || m.fsmState().wantState === 'MASTER');
  }

  /** Whether another member still has a fault of its own (the group stays in FAULT). */
  othersFaulty(inst: VrrpInstance): boolean {
    return this.members.some((m) => m !== inst && m.fsmState().faults.length > 0);
  }

  onTransition(inst: VrrpInstance, from: VrrpState, to: VrrpState): void {
    if (to === 'MASTER') this.syncTo(inst, 'MASTER');
    else if (to === 'BACKUP' && (from === 'MASTER' || from === 'FAULT')) this.syncTo(inst, 'BACKUP');
    else if (to === 'FAULT') this.syncTo(inst, 'FAULT');
    else if (to === 'BACKUP' && this.state === 'INIT') this.state = 'BACKUP';
  }

  private syncTo(inst: VrrpInstance, to: 'MASTER' | 'BACKUP' | 'FAULT'): void {
    if (this.state === to) return;
    if (to === 'MASTER' && !this.canGotoMaster(inst)) return;
    this.state = to;
    this.sink.log(`VRRP_Group(${this.name}) Syncing instances to ${to} state`);
    for (const m of this.members) if (m !== inst) m.applySync(to);
    this.sink.groupStateChange?.({ group: this.name, state: to });
  }
}
