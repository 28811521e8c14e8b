// DNS_CHECK: a UDP query (RD set) for `name`/`type` (default SOA for "."); the server is up
// when a response with our id and QR set arrives within connect_timeout with RCODE 0
// (NOERROR). Datagrams with another id, or queries, are ignored as keepalived does.
import { randomInt } from 'node:crypto';
import { DNS_TYPES, decodeHeader, encodeQuery } from './dns-codec.js';
import { udpExchange } from './dgram-exchange.js';
import type { CheckRun, DnsCheckSpec } from './types.js';

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export function dnsCheck(spec: Pick<DnsCheckSpec, 'conn' | 'type' | 'name'>): CheckRun {
  const type = DNS_TYPES[spec.type];
  encodeQuery(0, spec.name, type); // a bad name fails here, when the checker is built
  return async (signal) => {
    const id = randomInt(0, 0x10000);
    const outcome = await udpExchange(spec.conn, encodeQuery(id, spec.name, type), signal, (d) => {
      const h = decodeHeader(d);
      return h !== undefined && h.id === id && h.qr;
    });
    if (outcome.kind === 'timeout') return { ok: false, reason: 'read timeout' };
    if (outcome.kind === 'error') return { ok: false, reason: outcome.reason };
    const h = decodeHeader(outcome.data);
    if (!h) return { ok: false, reason: 'short reply' };
    if (h.rcode !== 0) return { ok: false, reason: `error occurred (rcode = ${h.rcode}${RCODES[h.rcode] ? ` ${RCODES[h.rcode]}` : ''})` };
    return { ok: true };
  };
}
