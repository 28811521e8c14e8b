// Pure: a DaemonStatus as Prometheus metrics (prom-client, a fresh registry per scrape so a
// deleted instance or real server disappears instead of lingering with its last value).
import { Gauge, Registry } from 'prom-client';
import type { DaemonStatus, VrrpCounters, VrrpState } from './status.js';

const STATES: VrrpState[] = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'];

/** keepalived's numeric state codes (INIT 0, BACKUP 1, MASTER 2, FAULT 3, STOP 4). */
const STATE_CODE: Record<VrrpState, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 4 };

/** Receive errors, each a value of the `error` label of keepalived_ts_vrrp_receive_errors_total. */
const RECEIVE_ERRORS: [keyof VrrpCounters, string][] = [
  ['packetLenErr', 'packet_length'], ['ipTtlErr', 'ip_ttl'], ['invalidTypeRcvd', 'invalid_type'],
  ['advertIntervalErr', 'advert_interval'], ['addrListErr', 'address_list'], ['invalidAuthType', 'invalid_auth_type'],
  ['authTypeMismatch', 'auth_type_mismatch'], ['authFailure', 'auth_failure'],
];

export async function renderMetrics(st: DaemonStatus): Promise<{ contentType: string; body: string }> {
  const registers = [new Registry()];
  const reg = registers[0] as Registry;
  const g = (name: string, help: string, labelNames: string[]) => new Gauge({ name, help, labelNames, registers });
  const inst = ['instance', 'interface', 'vrid'];
  const state = g('keepalived_ts_vrrp_state', 'VRRP instance state: 1 for the state it is in (state label), 0 for the others', [...inst, 'state']);
  const code = g('keepalived_ts_vrrp_state_code', 'VRRP instance state as keepalived numbers it (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 4 STOP)', inst);
  const prio = g('keepalived_ts_vrrp_priority', 'Configured VRRP priority', inst);
  const eff = g('keepalived_ts_vrrp_effective_priority', 'VRRP priority after tracker weights', inst);
  const vips = g('keepalived_ts_vrrp_vips_installed', '1 when the instance has its virtual addresses on the interface', inst);
  const sent = g('keepalived_ts_vrrp_adverts_sent_total', 'VRRP adverts sent', inst);
  const rcvd = g('keepalived_ts_vrrp_adverts_received_total', 'VRRP adverts received', inst);
  const becomeMaster = g('keepalived_ts_vrrp_become_master_total', 'Transitions to MASTER', inst);
  const releaseMaster = g('keepalived_ts_vrrp_release_master_total', 'Transitions out of MASTER', inst);
  const pri0 = g('keepalived_ts_vrrp_priority_zero_total', 'Priority 0 adverts (direction: sent/received)', [...inst, 'direction']);
  const errs = g('keepalived_ts_vrrp_receive_errors_total', 'Adverts dropped on receive, by reason', [...inst, 'error']);
  const lastChange = g('keepalived_ts_vrrp_last_transition_timestamp_seconds', 'When the instance last changed state', inst);
  const script = g('keepalived_ts_vrrp_tracker_good', 'Tracker (script, interface, file, process) result: 1 good, 0 bad', [...inst, 'tracker']);
  for (const i of st.vrrp) {
    const l = { instance: i.name, interface: i.interface, vrid: String(i.vrid) };
    for (const s of STATES) state.set({ ...l, state: s }, i.state === s ? 1 : 0);
    code.set(l, STATE_CODE[i.state]);
    prio.set(l, i.priority);
    eff.set(l, i.effectivePriority);
    vips.set(l, i.vipsInstalled ? 1 : 0);
    sent.set(l, i.counters.advertSent);
    rcvd.set(l, i.counters.advertRcvd);
    becomeMaster.set(l, i.counters.becomeMaster);
    releaseMaster.set(l, i.counters.releaseMaster);
    pri0.set({ ...l, direction: 'sent' }, i.counters.priZeroSent);
    pri0.set({ ...l, direction: 'received' }, i.counters.priZeroRcvd);
    for (const [k, error] of RECEIVE_ERRORS) errs.set({ ...l, error }, i.counters[k]);
    if (i.lastTransition) lastChange.set(l, i.lastTransition.at / 1000);
    for (const t of i.scripts) if (t.result !== 'unknown') script.set({ ...l, tracker: t.name }, t.result === 'good' ? 1 : 0);
  }
  const vsl = ['virtual_server', 'real_server'];
  const rsUp = g('keepalived_ts_real_server_up', 'Real server health: 1 up, 0 down', vsl);
  const rsWeight = g('keepalived_ts_real_server_weight', 'Real server weight', vsl);
  const latency = g('keepalived_ts_real_server_check_latency_seconds', 'Duration of the latest health check', vsl);
  const checkOk = g('keepalived_ts_real_server_last_check_ok', 'Result of the latest health check: 1 success, 0 failure', vsl);
  const quorum = g('keepalived_ts_virtual_server_quorum_up', 'Virtual server quorum: 1 up, 0 lost', ['virtual_server']);
  for (const vs of st.virtualServers) {
    quorum.set({ virtual_server: vs.name }, vs.quorumUp ? 1 : 0);
    for (const rs of vs.realServers) {
      const l = { virtual_server: vs.name, real_server: rs.address.includes(':') ? `[${rs.address}]:${rs.port}` : `${rs.address}:${rs.port}` };
      rsUp.set(l, rs.up ? 1 : 0);
      rsWeight.set(l, rs.weight);
      if (rs.lastCheck) {
        latency.set(l, rs.lastCheck.latencyMs / 1000);
        checkOk.set(l, rs.lastCheck.ok ? 1 : 0);
      }
    }
  }
  const bfdUp = g('keepalived_ts_bfd_session_up', 'BFD session: 1 Up, 0 otherwise', ['session', 'neighbor']);
  const bfdDetect = g('keepalived_ts_bfd_detection_time_seconds', 'BFD detection time: silence after which the session goes down', ['session', 'neighbor']);
  const bfdPackets = g('keepalived_ts_bfd_packets_total', 'BFD control packets (direction: sent/received)', ['session', 'neighbor', 'direction']);
  for (const b of st.bfd ?? []) {
    const l = { session: b.name, neighbor: b.neighbor };
    bfdUp.set(l, b.state === 'Up' ? 1 : 0);
    bfdDetect.set(l, b.detectionTimeUs / 1e6);
    bfdPackets.set({ ...l, direction: 'sent' }, b.packetsOut);
    bfdPackets.set({ ...l, direction: 'received' }, b.packetsIn);
  }
  const childUp = g('keepalived_ts_child_answered', '1 when the child process answered the status request', ['role']);
  for (const role of ['vrrp', 'checker', 'bfd'] as const) if (st.pids[role] !== undefined) childUp.set({ role }, st.errors[role] === undefined ? 1 : 0);
  return { contentType: reg.contentType, body: await reg.metrics() };
}
