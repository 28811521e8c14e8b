// smtp_alert mail: one SMTP dialog per alert (HELO, MAIL FROM, RCPT TO each address, DATA,
// QUIT) with keepalived's headers in keepalived's order (Date, From, Subject, X-Mailer, To),
// as its smtp.c sends them. Used by both the VRRP process and the checker process.
import { CheckFailure, SocketReader, connectTcp } from '../check/conn.js';
import type { ConnectOptions } from '../check/types.js';

export interface MailSettings {
  /** global_defs smtp_server (default port 25) and smtp_connect_timeout. */
  server: ConnectOptions;
  /** smtp_helo_name (default: the host name). */
  heloName: string;
  /** notification_email_from */
  from: string;
  /** notification_email */
  to: string[];
  /** router_id, shown as "[router_id] " before the subject. */
  routerId?: string;
}

export interface Mail { subject: string; body: string; date?: Date }

async function expect(reader: SocketReader, want: number, step: string): Promise<void> {
  for (;;) {
    const line = await reader.readLine();
    if (line === null) throw new CheckFailure(`SMTP server closed the connection at ${step}`);
    const m = /^(\d{3})([ -]?)/.exec(line);
    if (!m) throw new CheckFailure(`bad SMTP reply at ${step}`);
    if (m[2] === '-') continue;
    if (Number(m[1]) !== want) throw new CheckFailure(`SMTP ${step} answered ${m[1]}, expected ${want}`);
    return;
  }
}

/** Dot-stuffs and CRLF-terminates a message body (RFC 5321 4.5.2). */
export function formatMessage(s: MailSettings, mail: Mail): string {
  const subject = `${s.routerId ? `[${s.routerId}] ` : ''}${mail.subject}`;
  const headers = [
    `Date: ${(mail.date ?? new Date()).toUTCString().replace('GMT', '+0000')}`,
    `From: ${s.from}`,
    `Subject: ${subject}`,
    'X-Mailer: Keepalived',
    `To: ${s.to.join(', ')}`,
  ];
  const body = mail.body.split(/\r?\n/).map((l) => (l.startsWith('.') ? `.${l}` : l));
  return [...headers, '', ...body].join('\r\n') + '\r\n.\r\n';
}

/** Sends one alert; rejects with a CheckFailure saying which step failed. */
export async function sendMail(s: MailSettings, mail: Mail, signal: AbortSignal = new AbortController().signal): Promise<void> {
  if (s.to.length === 0) return;
  const sock = await connectTcp(s.server, signal);
  try {
    const reader = new SocketReader(sock, s.server.connectTimeoutMs, signal);
    await expect(reader, 220, 'banner');
    sock.write(`HELO ${s.heloName}\r\n`);
    await expect(reader, 250, 'HELO');
    sock.write(`MAIL FROM:<${s.from}>\r\n`);
    await expect(reader, 250, 'MAIL FROM');
    for (const to of s.to) {
      sock.write(`RCPT TO:<${to}>\r\n`);
      await expect(reader, 250, 'RCPT TO');
    }
    sock.write('DATA\r\n');
    await expect(reader, 354, 'DATA');
    sock.write(formatMessage(s, mail));
    await expect(reader, 250, 'end of data');
    sock.write('QUIT\r\n');
  } finally {
    sock.end();
    setTimeout(() => sock.destroy(), 1000).unref();
  }
}
