// SMTP_CHECK: for each host, expect a 220 banner, send "HELO <helo_name>" and expect
// 250, then send QUIT. Multi-line replies ("250-...") are read to their last line.
// The check passes only when every host passes.
import { CheckFailure, SocketReader, connectTcp } from './conn.js';
import type { CheckRun, ConnectOptions, SmtpCheckSpec, RunSignal } from './types.js';

export const DEFAULT_HELO_NAME = 'smtpchecker.keepalived.org';

async function readReply(reader: SocketReader): Promise<number> {
  for (;;) {
    const line = await reader.readLine();
    if (line === null) throw new CheckFailure('connection closed by SMTP server');
    const m = /^(\d{3})([ -]?)/.exec(line);
    if (!m) throw new CheckFailure(`bad SMTP reply "${line.slice(0, 60)}"`);
    if (m[2] !== '-') return Number(m[1]);
  }
}

export async function smtpProbe(conn: ConnectOptions, heloName: string, signal: RunSignal): Promise<void> {
  const sock = await connectTcp(conn, signal);
  try {
    const reader = new SocketReader(sock, conn.connectTimeoutMs, signal);
    const banner = await readReply(reader);
    if (banner !== 220) throw new CheckFailure(`SMTP banner ${banner}, expected 220`);
    sock.write(`HELO ${heloName}\r\n`);
    const helo = await readReply(reader);
    if (helo !== 250) throw new CheckFailure(`HELO answered ${helo}, expected 250`);
    sock.write('QUIT\r\n');
  } finally {
    sock.end();
    setTimeout(() => sock.destroy(), 1000).unref();
  }
}

export function smtpCheck(spec: Pick<SmtpCheckSpec, 'hosts' | 'heloName'>): CheckRun {
  return async (signal) => {
    for (const host of spec.hosts) {
      try {
        await smtpProbe(host, spec.heloName, signal);
      } catch (e) {
        return { ok: false, reason: `SMTP ${host.host}:${host.port}: ${e instanceof CheckFailure ? e.message : String(e)}` };
      }
    }
    return { ok: true };
  };
}
