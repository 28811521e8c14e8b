// An HTTP response read chunk by chunk, without I/O: HTTP_GET, SSL_GET and genhash feed it
// whatever their connection delivers and ask it when the response is complete. The header
// ends at the first blank line (CRLF CRLF, or LF LF from sloppy servers); the body ends at
// Content-Length when the server sends one, else when the connection ends. The body's MD5
// (bounded by Content-Length) is the `digest` genhash prints.
import { createHash, type Hash } from 'node:crypto';
import { CheckFailure } from './check-failure.js';

/** Bodies beyond this are hashed but not kept for the regex (a checker is not a crawler). */
const MAX_KEPT_BODY = 1 << 20;
/** A header that has not ended within this many bytes is refused. */
const MAX_HEADER = 65536;

const EMPTY = Buffer.alloc(0);

export interface HttpFetchResult {
  status: number;
  statusLine: string;
  header: Buffer;
  /** The body as far as it was kept (MAX_KEPT_BODY; empty when not wanted). */
  body: Buffer;
  bodyLength: number;
  /** Lowercase hex MD5 of the whole body ('' when not wanted). */
  digest: string;
}

/** What a caller needs of the body: a checker without `digest` or `regex` needs neither. */
export interface BodyWanted {
  digest: boolean;
  body: boolean;
  /** The header's bytes (genhash prints them; a checker does not need them). Default true. */
  header?: boolean;
}

/** Parses "HTTP/1.x NNN reason"; throws a CheckFailure on anything else. */
export function parseStatusLine(line: string): number {
  const m = /^HTTP\/\d+\.\d+\s+(\d{3})(?:\s|$)/.exec(line);
  if (!m) throw new CheckFailure('bad HTTP status line');
  return Number(m[1]);
}

export function contentLength(header: string): number | undefined {
  const m = /^content-length:[ \t]*(\d+)[ \t]*$/im.exec(header);
  return m ? Number(m[1]) : undefined;
}

/**
 * Where the header ends and the body starts, once the blank line is in `text` (the first
 * bytes as latin1 text: one conversion, then string searches, which cost a check far less
 * than Buffer's indexOf through its argument checks).
 */
function headerEnd(text: string): { end: number; bodyStart: number } | undefined {
  const crlf = text.indexOf('\r\n\r\n');
  // A LF LF before the first CRLF CRLF (or without one) ends the header there.
  const lf = text.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { end: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { end: lf, bodyStart: lf + 2 };
  return undefined;
}

interface Head {
  status: number;
  statusLine: string;
  header: Buffer;
  length: number | undefined;
}

export class HttpResponseParser {
  /** The header's bytes so far, while its end has not come (a copy: chunks may be reused). */
  private pending: Buffer | undefined;
  private head: Head | undefined;
  private hash: Hash | undefined;
  private readonly kept: Buffer[] = [];
  private keptLength = 0;
  private bodyLength = 0;

  constructor(private readonly wanted: BodyWanted) {}

  /**
   * Takes the next bytes; true once the body is complete (Content-Length reached). `chunk`
   * may be overwritten after the call: what is kept is copied. Throws a CheckFailure on a
   * status line that is not HTTP's or a header that does not end.
   */
  push(chunk: Buffer): boolean {
    if (this.head) return this.take(chunk, 0);
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    // The header must end within MAX_HEADER bytes: no need to look further.
    const text = buf.toString('latin1', 0, Math.min(buf.length, MAX_HEADER + 4));
    const he = headerEnd(text);
    if (!he) {
      if (buf.length > MAX_HEADER) throw new CheckFailure('HTTP header too long');
      this.pending = buf === chunk ? Buffer.from(chunk) : buf;
      return false;
    }
    this.pending = undefined;
    const headerText = text.slice(0, he.end);
    const eol = headerText.indexOf('\n');
    const statusLine = (eol < 0 ? headerText : headerText.slice(0, eol)).replace(/\r$/, '');
    const status = parseStatusLine(statusLine);
    const length = contentLength(headerText);
    // latin1 maps bytes to characters one to one: the text gives back the same bytes.
    const header = this.wanted.header === false ? EMPTY : Buffer.from(headerText, 'latin1');
    this.head = { status, statusLine, header, length };
    if (this.wanted.digest) this.hash = createHash('md5');
    return this.take(buf, he.bodyStart);
  }

  /**
   * The connection ended: the response as it stands (a body cut short of Content-Length is
   * what the server sent, as keepalived judges it). Throws a CheckFailure when the header
   * never ended.
   */
  end(): HttpFetchResult {
    if (!this.head) throw new CheckFailure(this.pending ? 'incomplete HTTP header' : 'no data received from remote webserver');
    return this.result();
  }

  /** The response; call once push() said it is complete (or through end()). */
  result(): HttpFetchResult {
    const h = this.head;
    if (!h) throw new CheckFailure('no data received from remote webserver');
    return {
      status: h.status,
      statusLine: h.statusLine,
      header: h.header,
      body: this.kept.length === 0 ? EMPTY : this.kept.length === 1 ? this.kept[0]! : Buffer.concat(this.kept),
      bodyLength: this.bodyLength,
      digest: this.hash ? this.hash.digest('hex') : '',
    };
  }

  /** Takes the body's bytes from `chunk[from..]`; true once Content-Length is reached. */
  private take(chunk: Buffer, from: number): boolean {
    const length = this.head!.length;
    const available = chunk.length - from;
    const n = length === undefined ? available : Math.min(available, length - this.bodyLength);
    if (n > 0) {
      this.bodyLength += n;
      // Only a body someone looks at is sliced out of the lent chunk.
      if (this.hash || this.wanted.body) {
        const part = from === 0 && n === chunk.length ? chunk : chunk.subarray(from, from + n);
        this.hash?.update(part);
        if (this.wanted.body && this.keptLength < MAX_KEPT_BODY) {
          const k = Buffer.from(part.subarray(0, MAX_KEPT_BODY - this.keptLength));
          this.kept.push(k);
          this.keptLength += k.length;
        }
      }
    }
    return length !== undefined && this.bodyLength >= length;
  }
}
