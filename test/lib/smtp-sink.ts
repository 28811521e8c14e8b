// A tiny SMTP sink for tests: accepts every mail and hands over the envelope and the data.
// smtp-sink-main.ts runs it standalone (inside a namespace), one JSON line per mail.
import { createServer, type Server } from 'node:net';
import { onCrlfLines } from './crlf-lines.js';

export interface ReceivedMail {
  helo: string;
  from: string;
  to: string[];
  data: string;
}

export function createSmtpSink(onMail: (m: ReceivedMail) => void): Server {
  return createServer((c) => {
    c.setEncoding('utf8');
    let inData = false;
    let mail: ReceivedMail = { helo: '', from: '', to: [], data: '' };
    c.write('220 sink ESMTP\r\n');
    onCrlfLines(c, (line) => {
      if (inData) {
        if (line === '.') {
          inData = false;
          onMail(mail);
          c.write('250 queued\r\n');
          mail = { helo: mail.helo, from: '', to: [], data: '' };
        } else mail.data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
        return;
      }
      const cmd = line.slice(0, 4).toUpperCase();
      if (cmd === 'HELO' || cmd === 'EHLO') {
        mail.helo = line.slice(5);
        c.write('250 sink\r\n');
      } else if (cmd === 'MAIL') {
        mail.from = line.replace(/^MAIL FROM:\s*<?([^>]*)>?.*$/i, '$1');
        c.write('250 ok\r\n');
      } else if (cmd === 'RCPT') {
        mail.to.push(line.replace(/^RCPT TO:\s*<?([^>]*)>?.*$/i, '$1'));
        c.write('250 ok\r\n');
      } else if (cmd === 'DATA') {
        inData = true;
        c.write('354 go ahead\r\n');
      } else if (cmd === 'QUIT') {
        c.write('221 bye\r\n');
        c.end();
      } else c.write('250 ok\r\n');
    });
    c.on('error', () => undefined);
  });
}
