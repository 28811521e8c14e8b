// The AgentX codec (RFC 2741) and the subagent's request answering, without a master: PDUs
// are built byte by byte as a master would send them and the answers decoded back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareOid, decodePdu, encodeNotify, encodeOpen, encodeRegister, encodeResponse, parseOid, pduLength, PDU, AgentxParseError,
} from '../../../src/snmp/agentx.js';
import { MibBuilder, gauge, int, str, counter64, ipAddress } from '../../../src/snmp/mib.js';
import { bulk, parseAgentxAddress } from '../../../src/snmp/subagent.js';

const ids = { sessionId: 7, transactionId: 8, packetId: 9 };

/** A request PDU as a master writes it (little- or big-endian). */
function request(type: number, body: Buffer, be = true, flags = 0): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt8(1, 0);
  h.writeUInt8(type, 1);
  h.writeUInt8(flags | (be ? 0x10 : 0), 2);
  const w = (v: number, o: number) => (be ? h.writeUInt32BE(v, o) : h.writeUInt32LE(v, o));
  w(7, 4); w(8, 8); w(9, 12); w(body.length, 16);
  return Buffer.concat([h, body]);
}

function oidBytes(oid: number[], include = 0, be = true): Buffer {
  let sub = oid;
  let prefix = 0;
  if (oid.length > 4 && oid[0] === 1 && oid[1] === 3 && oid[2] === 6 && oid[3] === 1) { prefix = oid[4] ?? 0; sub = oid.slice(5); }
  const b = Buffer.alloc(4 + 4 * sub.length);
  b.writeUInt8(sub.length, 0); b.writeUInt8(prefix, 1); b.writeUInt8(include, 2);
  sub.forEach((s, i) => (be ? b.writeUInt32BE(s, 4 + 4 * i) : b.writeUInt32LE(s, 4 + 4 * i)));
  return b;
}

test('agentx: header and OIDs as RFC 2741 §5 lays them out (prefix compression, network byte order)', () => {
  const open = encodeOpen(ids, 0, parseOid('1.3.6.1.4.1.9586.100.5'), 'ka');
  assert.equal(open.readUInt8(0), 1);
  assert.equal(open.readUInt8(1), PDU.Open);
  assert.equal(open.readUInt8(2) & 0x10, 0x10);
  assert.equal(open.readUInt32BE(16), open.length - 20);
  // timeout, 3 reserved, then the OID: 4 sub-ids after prefix 4 (enterprises).
  assert.deepEqual([...open.subarray(24, 28)], [4, 4, 0, 0]);
  assert.deepEqual([1, 9586, 100, 5].map((_, i) => open.readUInt32BE(28 + 4 * i)), [1, 9586, 100, 5]);
  // the description, padded to 4
  assert.equal(open.readUInt32BE(44), 2);
  assert.equal(open.length, 20 + 4 + 20 + 8);
  const reg = encodeRegister(ids, parseOid('1.3.6.1.2.1.68'), 128);
  assert.deepEqual([...reg.subarray(20, 24)], [0, 128, 0, 0]);
  assert.deepEqual([...reg.subarray(24, 28)], [2, 2, 0, 0], '1.3.6.1.2 prefix, then 1.68');
});

test('agentx: Get/GetNext/GetBulk decoded in either byte order, with include flags and ranges', () => {
  for (const be of [true, false]) {
    const body = Buffer.concat([oidBytes([1, 3, 6, 1, 2, 1, 68, 1], 1, be), oidBytes([1, 3, 6, 1, 2, 1, 69], 0, be)]);
    const p = decodePdu(request(PDU.GetNext, body, be));
    assert.equal(p.kind, 'getnext');
    assert.equal(p.sessionId, 7);
    if (p.kind !== 'getnext') return;
    assert.deepEqual(p.ranges, [{ start: [1, 3, 6, 1, 2, 1, 68, 1], include: true, end: [1, 3, 6, 1, 2, 1, 69] }]);
  }
  const head = Buffer.alloc(4);
  head.writeUInt16BE(1, 0);
  head.writeUInt16BE(10, 2);
  const b = decodePdu(request(PDU.GetBulk, Buffer.concat([head, oidBytes([1, 3, 6, 1, 2, 1, 1]), oidBytes([]), oidBytes([1, 3, 6, 1, 2, 1, 68]), oidBytes([])])));
  assert.equal(b.kind, 'getbulk');
  if (b.kind === 'getbulk') {
    assert.equal(b.nonRepeaters, 1);
    assert.equal(b.maxRepetitions, 10);
    assert.equal(b.ranges.length, 2);
  }
  // A non-default context is read past.
  const ctx = Buffer.alloc(8);
  ctx.writeUInt32BE(3, 0);
  ctx.write('abc', 4);
  const g = decodePdu(request(PDU.Get, Buffer.concat([ctx, oidBytes([1, 3, 6, 1, 2, 1, 1, 3, 0]), oidBytes([])]), true, 0x08));
  assert.equal(g.kind, 'get');
  if (g.kind === 'get') assert.deepEqual(g.ranges[0]?.start, [1, 3, 6, 1, 2, 1, 1, 3, 0]);
});

test('agentx: varbinds of every type survive a round trip (binary OCTET STRINGs, IpAddress, Counter64, negative INTEGER)', () => {
  const vbs = [
    { oid: [1, 3, 6, 1, 2, 1, 68, 1, 1, 0], value: int(-5) },
    { oid: [1, 3, 6, 1, 2, 1, 68, 1, 2, 0], value: str(Buffer.from([0x0a, 0x00, 0xc8, 0xff, 0x80])) },
    { oid: [1, 3, 6, 1, 2, 1, 68, 1, 3, 0], value: ipAddress(Buffer.from([10, 0, 0, 200])) },
    { oid: [1, 3, 6, 1, 2, 1, 68, 1, 4, 0], value: counter64(2n ** 40n + 3n) },
    { oid: [1, 3, 6, 1, 2, 1, 68, 1, 5, 0], value: gauge(4294967295) },
    { oid: [1, 3, 6, 1, 2, 1, 68, 1, 6, 0], value: { type: 'oid' as const, value: [1, 3, 6, 1, 6, 3, 1] } },
    { oid: [1, 3, 6, 1, 2, 1, 68, 1, 7, 0], value: { type: 'endOfMibView' as const } },
  ];
  const resp = encodeResponse(ids, 0, 0, vbs);
  assert.equal(pduLength(resp), resp.length);
  const back = decodePdu(resp);
  assert.equal(back.kind, 'response');
  if (back.kind === 'response') assert.deepEqual(back.varbinds, vbs);
  // A TestSet carries varbinds too.
  const ts = decodePdu(request(PDU.TestSet, encodeNotify(ids, vbs.slice(0, 3)).subarray(20)));
  assert.equal(ts.kind, 'testset');
  if (ts.kind === 'testset') assert.deepEqual(ts.varbinds, vbs.slice(0, 3));
});

test('agentx: stream framing: partial and coalesced PDUs; nonsense is an error, not a crash', () => {
  const a = encodeResponse(ids, 0, 0, []);
  assert.equal(pduLength(a.subarray(0, 19)), undefined);
  assert.equal(pduLength(a.subarray(0, a.length - 1)), undefined);
  assert.equal(pduLength(Buffer.concat([a, a])), a.length);
  const bad = Buffer.from(a);
  bad.writeUInt8(2, 0);
  assert.throws(() => decodePdu(bad), AgentxParseError);
  const trunc = request(PDU.Get, Buffer.from([5, 2, 0, 0, 0, 0]));
  assert.throws(() => decodePdu(trunc), AgentxParseError);
});

test('mib: Get, GetNext within a search range, sparse columns, noSuchInstance vs noSuchObject', () => {
  const entry = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 2, 3, 1];
  const rows = [{ i: 1, name: 'VI_1', group: 'G' }, { i: 2, name: 'VI_2', group: undefined }];
  const v = new MibBuilder()
    .scalar([1, 3, 6, 1, 4, 1, 9586, 100, 5, 1, 2], str('r1'))
    .table({ entry, rows, index: (r) => [r.i], columns: { 2: (r) => str(r.name), 18: (r) => (r.group ? str(r.group) : undefined) } })
    .build();
  assert.equal(v.size, 4);
  assert.deepEqual(v.get([...entry, 2, 2]), str('VI_2'));
  assert.deepEqual(v.get([...entry, 18, 2]), { type: 'noSuchInstance' }, 'a column with no value for this row');
  assert.deepEqual(v.get([...entry, 2, 3]), { type: 'noSuchInstance' });
  assert.deepEqual(v.get([...entry, 19, 1]), { type: 'noSuchObject' });
  assert.deepEqual(v.get([1, 3, 6, 1, 4, 1, 9586, 100, 5, 1, 2, 0]), str('r1'));
  // Column-major walk order; the sparse cell is skipped.
  assert.deepEqual(v.next([...entry], false, [])?.oid, [...entry, 2, 1]);
  assert.deepEqual(v.next([...entry, 2, 1], false, [])?.oid, [...entry, 2, 2]);
  assert.deepEqual(v.next([...entry, 2, 2], false, [])?.oid, [...entry, 18, 1]);
  assert.equal(v.next([...entry, 18, 1], false, []), undefined, 'end of the view');
  assert.deepEqual(v.next([...entry, 2, 1], true, [])?.oid, [...entry, 2, 1], 'include: the start itself');
  assert.equal(v.next([...entry, 2, 2], false, [...entry, 18]), undefined, 'not at or past the range end');
  const b = bulk(v, [{ start: entry, include: false, end: [] }], 0, 10);
  assert.deepEqual(b.map((x) => x.value.type), ['str', 'str', 'str', 'endOfMibView']);
  assert.equal(compareOid([1, 3], [1, 3, 0]) < 0, true);
});

test('agentx: the master socket syntax of snmp_socket / -A', () => {
  assert.deepEqual(parseAgentxAddress('unix:/var/agentx/master'), { kind: 'unix', path: '/var/agentx/master' });
  assert.deepEqual(parseAgentxAddress('/run/agentx.sock'), { kind: 'unix', path: '/run/agentx.sock' });
  assert.deepEqual(parseAgentxAddress('tcp:localhost:705'), { kind: 'tcp', host: 'localhost', port: 705 });
  assert.deepEqual(parseAgentxAddress('127.0.0.1:705'), { kind: 'tcp', host: '127.0.0.1', port: 705 });
  assert.deepEqual(parseAgentxAddress('tcp:705'), { kind: 'tcp', host: 'localhost', port: 705 });
  assert.deepEqual(parseAgentxAddress('tcp:[::1]:705'), { kind: 'tcp', host: '::1', port: 705 });
  assert.equal(typeof parseAgentxAddress('udp:localhost:705'), 'string');
  assert.equal(typeof parseAgentxAddress('unix:'), 'string');
  assert.equal(typeof parseAgentxAddress('localhost:99999'), 'string');
  assert.equal(typeof parseAgentxAddress('nonsense'), 'string');
});
