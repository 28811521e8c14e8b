// Line-based test servers (SMTP sinks and scripts): a socket's CRLF-terminated lines, one at a time.
import type { Socket } from 'node:net';

/** Calls `onLine` with each CRLF-terminated line `c` receives (latin1, without the CRLF). */
export function onCrlfLines(c: Socket, onLine: (line: string) => void): void {
  let buf = '';
  c.on('data', (d: Buffer | string) => {
    buf += typeof d === 'string' ? d : d.toString('latin1');
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      onLine(line);
    }
  });
}
