// Reads `ipvsadm -Sn` output (an independent view of the kernel's IPVS table) into a
// normalised form, and renders our desired table in the same form, so a test can compare.
import { canonicalAddress, type ServiceEntry, type ServiceKey } from '../../src/lvs/desired.js';

export interface SavedService {
  scheduler: string;
  persistence?: string;
  onePacket: boolean;
  flags: string[];
  destinations: Record<string, string>;
}

export type SavedTable = Record<string, SavedService>;

function hostPort(text: string): string {
  const m = /^\[(.*)\]:(\d+)$/.exec(text) ?? /^(.*):(\d+)$/.exec(text);
  if (!m) throw new Error(`ipvsadm: cannot read address ${text}`);
  return `${canonicalAddress(m[1]!)}:${m[2]}`;
}

/** Parses every -A/-a line; throws on what it does not understand (the test then shows the text). */
export function parseIpvsadmSave(text: string): SavedTable {
  const out: SavedTable = {};
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const t = line.split(/\s+/);
    const cmd = t.shift();
    let svc = '';
    const opts = new Map<string, string | true>();
    while (t.length) {
      const o = t.shift()!;
      if (o === '-t' || o === '-u' || o === '--sctp-service') svc = `${o === '-t' ? 'tcp' : o === '-u' ? 'udp' : 'sctp'} ${hostPort(t.shift()!)}`;
      else if (o === '-f') svc = `fwmark ${t.shift()!}`;
      else if (o === '-6') svc += ' inet6';
      else if (['-s', '-p', '-M', '-b', '-r', '-w', '-x', '-y', '--tun-type', '--tun-port', '--pe'].includes(o)) opts.set(o, t.shift()!);
      else opts.set(o, true);
    }
    if (svc.startsWith('fwmark') && !svc.endsWith('inet6')) svc += ' inet';
    if (cmd === '-A') {
      const p = opts.get('-p');
      out[svc] = {
        scheduler: String(opts.get('-s')),
        ...(p ? { persistence: `${p}${opts.has('-M') ? ` ${String(opts.get('-M'))}` : ''}${opts.has('--pe') ? ` pe ${String(opts.get('--pe'))}` : ''}` } : {}),
        onePacket: opts.has('-o'),
        flags: opts.has('-b') ? String(opts.get('-b')).split(',').sort() : [],
        destinations: {},
      };
    } else if (cmd === '-a') {
      const s = out[svc];
      if (!s) throw new Error(`ipvsadm: destination before its service: ${line}`);
      const fwd = opts.has('-m') ? 'nat' : opts.has('-g') ? 'dr' : opts.has('-i') ? 'tun' : '?';
      const tun = opts.has('--tun-type')
        ? ` ${String(opts.get('--tun-type'))}${opts.has('--tun-port') ? ` port ${String(opts.get('--tun-port'))}` : ''}${opts.has('--tun-csum') ? ' csum' : opts.has('--tun-remcsum') ? ' remcsum' : ''}`
        : '';
      s.destinations[hostPort(String(opts.get('-r')))] = `${fwd}${tun} weight ${String(opts.get('-w'))}`;
    } else {
      throw new Error(`ipvsadm: unexpected line ${line}`);
    }
  }
  return out;
}

function keyText(k: ServiceKey): string {
  return k.kind === 'fwmark' ? `fwmark ${k.fwmark} ${k.family}` : `${k.protocol} ${canonicalAddress(k.address)}:${k.port}`;
}

/** Our table in the same normalised form. */
export function savedFromTable(table: readonly ServiceEntry[]): SavedTable {
  const out: SavedTable = {};
  for (const s of table) {
    const names = s.scheduler === 'sh' || s.scheduler === 'mh' ? [`${s.scheduler}-fallback`, `${s.scheduler}-port`, 'flag-3'] : ['flag-1', 'flag-2', 'flag-3'];
    const flags = [s.schedulerFlags.flag1, s.schedulerFlags.flag2, s.schedulerFlags.flag3].map((on, i) => (on ? names[i]! : '')).filter(Boolean).sort();
    let persistence: string | undefined;
    if (s.persistence) {
      const p = s.persistence;
      const full = s.key.family === 'inet' ? p.prefixLength === 32 : p.prefixLength === 128;
      const mask = s.key.family === 'inet' ? [24, 16, 8, 0].map((sh) => ((((0xffffffff << (32 - p.prefixLength)) >>> 0) >>> sh) & 0xff).toString()).join('.') : String(p.prefixLength);
      persistence = `${p.timeout}${full ? '' : ` ${p.prefixLength === 0 ? '0.0.0.0' : mask}`}${p.engine ? ` pe ${p.engine}` : ''}`;
    }
    const destinations: Record<string, string> = {};
    for (const d of s.destinations) {
      const f = d.forwarding;
      const tun = f.method === 'tun' ? ` ${f.encap.type}${f.encap.type === 'gue' ? ` port ${f.encap.port}` : ''}${f.encap.type !== 'ipip' && f.encap.checksum !== 'nocsum' ? ` ${f.encap.checksum}` : ''}` : '';
      destinations[`${canonicalAddress(d.address)}:${d.port}`] = `${f.method}${tun} weight ${d.weight}`;
    }
    out[keyText(s.key)] = { scheduler: s.scheduler, ...(persistence ? { persistence } : {}), onePacket: s.onePacket, flags, destinations };
  }
  return out;
}
