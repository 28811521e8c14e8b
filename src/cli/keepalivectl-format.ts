// Pure: how keepalivectl shows a DaemonStatus in a terminal. Aligned columns; colour (ANSI)
// only when the caller says stdout is a TTY.
import type { DaemonStatus, VrrpCounters, VrrpState } from '../daemon/status.js';

export interface Style { color: boolean }

const CODES = { green: 32, red: 31, yellow: 33, bold: 1, dim: 2 } as const;
type Paint = keyof typeof CODES;

function paint(style: Style, what: Paint, text: string): string {
  return style.color ? `\x1b[${CODES[what]}m${text}\x1b[0m` : text;
}

const STATE_PAINT: Record<VrrpState, Paint> = { MASTER: 'green', BACKUP: 'yellow', FAULT: 'red', INIT: 'dim', STOP: 'dim' };

/** Pure: rows as aligned columns (widths from the uncoloured text); cells may carry a paint. */
export function table(style: Style, header: string[], rows: { text: string; paint?: Paint }[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.text.length ?? 0)));
  const line = (cells: { text: string; paint?: Paint }[]) => cells
    .map((c, i) => {
      const padded = i === cells.length - 1 ? c.text : c.text.padEnd(widths[i] ?? 0);
      return c.paint ? paint(style, c.paint, padded) : padded;
    })
    .join('  ').trimEnd();
  return [line(header.map((h) => ({ text: h, paint: 'bold' as const }))), ...rows.map(line)].join('\n');
}

function ago(now: number, at: number | undefined): string {
  if (at === undefined) return '-';
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

export function formatStatus(st: DaemonStatus, style: Style): string {
  const out: string[] = [];
  const pid = (p: number | undefined) => (p === undefined ? '-' : String(p));
  out.push(`keepalived-ts ${st.phase}  parent ${st.pids.parent}  vrrp ${pid(st.pids.vrrp)}  checker ${pid(st.pids.checker)}${st.pids.bfd !== undefined ? `  bfd ${st.pids.bfd}` : ''}`);
  for (const [role, why] of Object.entries(st.errors)) out.push(paint(style, 'red', `${role} child: ${why}`));
  out.push('');
  if (st.vrrp.length === 0) out.push('No VRRP instances.');
  else {
    out.push(table(style, ['INSTANCE', 'IFACE', 'VRID', 'STATE', 'PRIO', 'EFF', 'MASTER', 'VIPS', 'SINCE', 'WHY'], st.vrrp.map((i) => [
      { text: i.name }, { text: i.interface }, { text: String(i.vrid) },
      { text: i.state, paint: STATE_PAINT[i.state] }, { text: String(i.priority) },
      { text: String(i.effectivePriority), ...(i.effectivePriority !== i.priority ? { paint: 'yellow' as const } : {}) },
      { text: i.masterAddress || '-' }, { text: i.vips.join(',') || '-' },
      { text: ago(st.at, i.lastTransition?.at) }, { text: i.lastTransition?.reason ?? '-' },
    ])));
  }
  out.push('');
  if (st.virtualServers.length === 0) out.push('No virtual servers.');
  else {
    const rows: { text: string; paint?: Paint }[][] = [];
    for (const vs of st.virtualServers) {
      const up = vs.realServers.filter((r) => r.up).length;
      rows.push([{ text: vs.name, paint: 'bold' }, { text: vs.scheduler }, { text: '' },
        { text: `${up}/${vs.realServers.length} up`, paint: vs.quorumUp ? 'green' : 'red' }, { text: '' }, { text: vs.quorumUp ? '' : 'quorum lost' }]);
      for (const rs of vs.realServers) {
        rows.push([
          { text: `  ${rs.address}:${rs.port}` }, { text: '' }, { text: String(rs.weight) },
          { text: rs.up ? 'UP' : 'DOWN', paint: rs.up ? 'green' : 'red' },
          { text: rs.lastCheck ? `${rs.lastCheck.latencyMs.toFixed(1)} ms` : '-' },
          { text: rs.lastCheck ? `${rs.lastCheck.ok ? 'ok' : 'failed'} ${ago(st.at, rs.lastCheck.at)}${rs.lastCheck.detail ? `: ${rs.lastCheck.detail}` : ''}` : '-' },
        ]);
      }
    }
    out.push(table(style, ['VIRTUAL SERVER / REAL SERVER', 'SCHED', 'WEIGHT', 'STATE', 'LATENCY', 'LAST CHECK'], rows));
  }
  if (st.bfd?.length) {
    out.push('');
    out.push(table(style, ['BFD', 'NEIGHBOR', 'STATE', 'REMOTE', 'DETECT', 'SINCE', 'DIAGNOSTIC'], st.bfd.map((b) => [
      { text: b.name }, { text: b.neighbor }, { text: b.state, paint: b.state === 'Up' ? 'green' : 'red' }, { text: b.remoteState },
      { text: `${b.detectionTimeUs / 1000} ms` }, { text: ago(st.at, b.since) }, { text: b.state === 'Up' ? '' : b.localDiag },
    ])));
  }
  return `${out.join('\n')}\n`;
}

const COUNTER_LABELS: [keyof VrrpCounters, string][] = [
  ['advertRcvd', 'ADV_RCVD'], ['advertSent', 'ADV_SENT'], ['becomeMaster', 'BECOME_MASTER'], ['releaseMaster', 'RELEASE_MASTER'],
  ['packetLenErr', 'LEN_ERR'], ['ipTtlErr', 'TTL_ERR'], ['invalidTypeRcvd', 'BAD_TYPE'], ['advertIntervalErr', 'INTERVAL_ERR'],
  ['addrListErr', 'ADDR_LIST_ERR'], ['invalidAuthType', 'BAD_AUTH_TYPE'], ['authTypeMismatch', 'AUTH_MISMATCH'], ['authFailure', 'AUTH_FAIL'],
  ['priZeroRcvd', 'PRI0_RCVD'], ['priZeroSent', 'PRI0_SENT'],
];

/** keepalived.stats' counters, one row per instance. */
export function formatStats(st: DaemonStatus, style: Style): string {
  if (st.vrrp.length === 0) return 'No VRRP instances.\n';
  return `${table(style, ['INSTANCE', ...COUNTER_LABELS.map(([, l]) => l)], st.vrrp.map((i) => [
    { text: i.name }, ...COUNTER_LABELS.map(([k]) => ({ text: String(i.counters[k]), ...(k.endsWith('Err') || k.startsWith('auth') || k.startsWith('invalid') ? (i.counters[k] > 0 ? { paint: 'red' as const } : {}) : {}) })),
  ]))}\n`;
}

/** keepalivectl stats --json: the counters by instance, versioned like the status. */
export function statsJson(st: DaemonStatus): { version: number; at: number; instances: { name: string; counters: VrrpCounters }[] } {
  return { version: st.version, at: st.at, instances: st.vrrp.map((i) => ({ name: i.name, counters: i.counters })) };
}
