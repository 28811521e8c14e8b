// SMTP alerts (smtp_alert): one short plain SMTP conversation per mail, as keepalived's
// smtp.c does (HELO, MAIL FROM, RCPT TO per address, DATA, QUIT). A tiny client on
// node:net rather than a mail library: the conversation is fixed and a dependency would
// outweigh it. Never throws and never blocks: an unreachable server is logged.
import { connect, type Socket } from 'node:net';

export interface SmtpSettings {
  host: string;
  port: number;
  heloName: string;
  from: string;
  to: string[];
  connectTimeoutMs: number;
}

export interface Mail {
  subject: string;
  body: string;
}

/** Pure: the message text (headers + body, dot-stuffed, CRLF). */
export function formatMail(s: SmtpSettings, m: Mail, date: Date): string {
  const lines = [
    `From: ${s.from}`,
    `Subject: ${m.subject}`,
    'X-Mailer: Keepalived',
    `To: ${s.to.join(', ')}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    '',
    ...m.body.split('\n').map((l) => (l.startsWith('.') ? `.${l}` : l)),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** Pure: keepalived's subject and body for an instance/group state change. */
export function stateMail(routerId: string, kind: 'INSTANCE' | 'GROUP', name: string, state: string): Mail {
  const what = kind === 'INSTANCE' ? 'VRRP Instance' : 'VRRP Group';
  const body =
    state === 'MASTER' ? `=> ${what} is now owning VRRP VIPs <=`
      : state === 'BACKUP' ? `=> ${what} is nolonger owning VRRP VIPs <=`
        : state === 'FAULT' ? `=> ${what} is in FAULT state <=`
          : `=> ${what} is ${state === 'STOP' ? 'stopped' : state.toLowerCase()} <=`;
  return { subject: `[${routerId}] ${what} ${name} - Entering ${state} state`, body };
}

/** Sends one mail; resolves with an error text or undefined. */
export function sendMail(s: SmtpSettings, m: Mail, now: Date = new Date()): Promise<string | undefined> {
  return new Promise((resolve) => {
    let sock: Socket;
    let buf = '';
    let step = 0;
    let settled = false;
    const rcpts = [...s.to];
    const finish = (err: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(err);
    };
    const timer = setTimeout(() => finish(`timeout talking to ${s.host}:${s.port}`), s.connectTimeoutMs + 10_000);
    timer.unref();
    try {
      sock = connect({ host: s.host, port: s.port, timeout: s.connectTimeoutMs });
    } catch (e) {
      resolve((e as Error).message);
      return;
    }
    sock.setEncoding('utf8');
    sock.on('timeout', () => finish(`connection to ${s.host}:${s.port} timed out`));
    sock.on('error', (e) => finish(e.message));
    sock.on('close', () => finish(step >= 6 ? undefined : 'connection closed by the server'));
    const send = (line: string) => sock.write(`${line}\r\n`);
    const onReply = (code: number, text: string) => {
      const ok = (want: number) => {
        if (Math.floor(code / 100) !== want) {
          finish(`server said: ${code} ${text}`);
          return false;
        }
        return true;
      };
      switch (step) {
        case 0: if (ok(2)) { step = 1; send(`HELO ${s.heloName}`); } return;
        case 1: if (ok(2)) { step = 2; send(`MAIL FROM:<${s.from}>`); } return;
        case 2:
          if (!ok(2)) return;
          step = 3;
          send(`RCPT TO:<${rcpts.shift() ?? ''}>`);
          return;
        case 3:
          if (!ok(2)) return;
          if (rcpts.length > 0) send(`RCPT TO:<${rcpts.shift() ?? ''}>`);
          else { step = 4; send('DATA'); }
          return;
        case 4: if (ok(3)) { step = 5; sock.write(`${formatMail(s, m, now)}.\r\n`); } return;
        case 5: if (ok(2)) { step = 6; send('QUIT'); } return;
        default:
          finish(undefined);
      }
    };
    sock.on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        const m2 = /^(\d{3})([ -])(.*)$/.exec(line);
        if (!m2) continue;
        if (m2[2] === '-') continue; // multi-line reply: wait for the last line
        onReply(Number(m2[1]), m2[3] ?? '');
      }
    });
  });
}
