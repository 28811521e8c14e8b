import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetlinkConnection } from '../../../src/net/netlink/connection.js';
import { NetlinkError } from '../../../src/net/netlink/errors.js';
import { ControlType, MessageFlag, NetlinkSockOpt, SOL_NETLINK } from '../../../src/net/netlink/constants.js';
import { encodeDone, encodeErrorReply, encodeMessage, type NetlinkMessage } from '../../../src/net/netlink/message.js';
import { FakeNetlinkSocket, ackAll } from '../../lib/fake-netlink.js';

test('a connection asks for extended acks and binds before use', () => {
  const sock = new FakeNetlinkSocket();
  new NetlinkConnection(sock);
  assert.ok(sock.sockopts.some((o) => o.level === SOL_NETLINK && o.name === NetlinkSockOpt.EXT_ACK && o.value === 1));
  assert.deepEqual(sock.bound, { family: 'netlink', pid: 0, groups: 0 });
});

test('a request is sent with REQUEST|ACK and a fresh sequence number, and resolves on the ack', async () => {
  const sock = new FakeNetlinkSocket(ackAll);
  const conn = new NetlinkConnection(sock);
  assert.deepEqual(await conn.request({ type: 20, flags: MessageFlag.CREATE, payload: Buffer.alloc(8), operation: 'x' }), []);
  await conn.request({ type: 20, payload: Buffer.alloc(8), operation: 'y' });
  const [a, b] = sock.requests;
  assert.equal(a!.flags, MessageFlag.REQUEST | MessageFlag.ACK | MessageFlag.CREATE);
  assert.notEqual(a!.seq, b!.seq);
});

test('a refusal names the operation, the errno and why, with the kernel string', async () => {
  const sock = new FakeNetlinkSocket((m) => [encodeErrorReply(m, 17, 'kernel says exists')]);
  const conn = new NetlinkConnection(sock);
  await assert.rejects(conn.request({ type: 20, payload: Buffer.alloc(8), operation: 'adding address 10.0.0.1/24 on eth0', hints: { EEXIST: 'address already assigned' } }), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, 'EEXIST');
    assert.equal(e.errno, 17);
    assert.equal(e.message, 'adding address 10.0.0.1/24 on eth0: EEXIST (address already assigned)');
    assert.equal(e.kernelMessage, 'kernel says exists');
    return true;
  });
  // Without a hint of ours, the kernel's words are the explanation.
  sock.kernel = (m) => [encodeErrorReply(m, 22, 'Invalid prefix length')];
  await assert.rejects(conn.request({ type: 20, payload: Buffer.alloc(8), operation: 'adding address 10.0.0.1/33 on eth0' }), /^NetlinkError: adding address 10.0.0.1\/33 on eth0: EINVAL \(invalid argument\): Invalid prefix length$/);
  sock.kernel = (m) => [encodeErrorReply(m, 19)];
  await assert.rejects(conn.request({ type: 20, payload: Buffer.alloc(8), operation: 'deleting link eth9' }), /^NetlinkError: deleting link eth9: ENODEV \(no such device\)$/);
});

test('a dump collects a multipart reply spread over datagrams until NLMSG_DONE', async () => {
  const sock = new FakeNetlinkSocket((m) => {
    const part = (n: number) => encodeMessage({ type: 16, flags: MessageFlag.MULTI, seq: m.seq, pid: 4242, payload: Buffer.from([n]) });
    return [Buffer.concat([part(1), part(2)]), Buffer.concat([part(3), encodeDone(m.seq, 4242)])];
  });
  const conn = new NetlinkConnection(sock);
  const replies = await conn.dump({ type: 18, payload: Buffer.alloc(16), operation: 'listing links' });
  assert.deepEqual(replies.map((r) => r.payload[0]), [1, 2, 3]);
  assert.equal(sock.requests[0]!.flags, MessageFlag.REQUEST | MessageFlag.DUMP);
});

test('a dump the kernel marks interrupted is asked again', async () => {
  let calls = 0;
  const sock = new FakeNetlinkSocket((m) => {
    calls++;
    const flags = MessageFlag.MULTI | (calls === 1 ? MessageFlag.DUMP_INTR : 0);
    return [Buffer.concat([encodeMessage({ type: 16, flags, seq: m.seq, pid: 1, payload: Buffer.from([calls]) }), encodeDone(m.seq, 1)])];
  });
  const replies = await new NetlinkConnection(sock).dump({ type: 18, payload: Buffer.alloc(16), operation: 'listing links' });
  assert.equal(calls, 2);
  assert.deepEqual(replies.map((r) => r.payload[0]), [2]);
});

test('a dump failing midway (DONE with an errno) rejects', async () => {
  const sock = new FakeNetlinkSocket((m) => {
    const done = Buffer.alloc(4);
    done.writeInt32LE(-22);
    return [encodeMessage({ type: ControlType.DONE, flags: MessageFlag.MULTI, seq: m.seq, pid: 1, payload: done })];
  });
  await assert.rejects(new NetlinkConnection(sock).dump({ type: 18, payload: Buffer.alloc(16), operation: 'listing links' }), /listing links: EINVAL/);
});

test('a batch asking one ack per datagram: one sendmsg per chunk, the last request acked, each request settled on its own', async () => {
  // As the kernel: every third request is refused (a duplicate address), a refusal is always
  // answered, a success only when the request carries NLM_F_ACK.
  let n = 0;
  let answers = 0;
  const sock = new FakeNetlinkSocket((m) => {
    const refused = ++n % 3 === 0;
    if (!refused && (m.flags & MessageFlag.ACK) === 0) return undefined;
    answers++;
    return [encodeErrorReply(m, refused ? 17 : 0)];
  });
  const conn = new NetlinkConnection(sock, { batchSize: 4 });
  const reqs = Array.from({ length: 10 }, (_, i) => ({ type: 20, payload: Buffer.alloc(8), operation: `req ${i}` }));
  const results = await conn.batch(reqs, { oneAckPerDatagram: true });
  assert.equal(sock.sent.length, 3, 'ten requests in chunks of four: three datagrams');
  assert.equal(sock.requests.length, 10);
  assert.deepEqual(
    sock.requests.map((m) => (m.flags & MessageFlag.ACK) !== 0),
    [false, false, false, true, false, false, false, true, false, true],
    'only the last request of each datagram asks for an ack',
  );
  assert.equal(answers, 6, 'three acks (one per datagram) and three refusals, not ten answers');
  assert.deepEqual(
    results.map((r) => r.ok),
    [true, true, false, true, true, false, true, true, false, true],
  );
  const third = results[2]!;
  assert.ok(!third.ok && third.error.message.startsWith('req 2: EEXIST'));
});

test("a batched request without its own ack succeeds when the datagram's last request is refused", async () => {
  const sock = new FakeNetlinkSocket((m) => ((m.flags & MessageFlag.ACK) !== 0 ? [encodeErrorReply(m, 17)] : undefined));
  const conn = new NetlinkConnection(sock, { batchSize: 3 });
  const results = await conn.batch(Array.from({ length: 3 }, (_, i) => ({ type: 20, payload: Buffer.alloc(8), operation: `req ${i}` })), { oneAckPerDatagram: true });
  assert.deepEqual(results.map((r) => r.ok), [true, true, false]);
});

test('requests whose success is implied settle in the order they were sent, before the one acked', async () => {
  const sock = new FakeNetlinkSocket();
  const conn = new NetlinkConnection(sock, { batchSize: 3 });
  const order: string[] = [];
  const reqs = Array.from({ length: 3 }, (_, i) => ({ type: 20, payload: Buffer.alloc(8), operation: `req ${i}` }));
  // Two batches in one turn share a datagram: the first batch's requests are implied by the second's last ack.
  await Promise.all([
    conn.batch(reqs.slice(0, 2), { oneAckPerDatagram: true }).then(() => order.push('first')),
    conn.batch(reqs.slice(2), { oneAckPerDatagram: true }).then(() => order.push('second')),
  ]);
  assert.equal(sock.sent.length, 1);
  assert.deepEqual(order, ['first', 'second']);
});

test('a batch without oneAckPerDatagram asks an ack of every request, and each settles on its own', async () => {
  let answers = 0;
  const sock = new FakeNetlinkSocket((m) => {
    answers++;
    return [encodeErrorReply(m, 0)];
  });
  const conn = new NetlinkConnection(sock, { batchSize: 4 });
  const results = await conn.batch(Array.from({ length: 6 }, (_, i) => ({ type: 20, payload: Buffer.alloc(8), operation: `req ${i}` })));
  assert.ok(sock.requests.every((m) => (m.flags & MessageFlag.ACK) !== 0));
  assert.equal(answers, 6);
  assert.deepEqual(results.map((r) => r.ok), [true, true, true, true, true, true]);
});

test('a lone request keeps its own ack, and requests of one turn are not implied by each other', async () => {
  const sock = new FakeNetlinkSocket();
  const conn = new NetlinkConnection(sock);
  await Promise.all([conn.request({ type: 20, payload: Buffer.alloc(8), operation: 'a' }), conn.request({ type: 20, payload: Buffer.alloc(8), operation: 'b' })]);
  assert.equal(sock.sent.length, 1, 'one datagram');
  assert.ok(sock.requests.every((m) => (m.flags & MessageFlag.ACK) !== 0), 'each asks for its ack');
});

test('acks arriving out of order still settle the right requests', async () => {
  const held: NetlinkMessage[] = [];
  const sock = new FakeNetlinkSocket((m) => {
    held.push(m);
    return undefined;
  });
  const conn = new NetlinkConnection(sock);
  const a = conn.request({ type: 20, payload: Buffer.alloc(8), operation: 'first' });
  const b = conn.request({ type: 20, payload: Buffer.alloc(8), operation: 'second' });
  // Requests made in the same turn leave together, on the loop's next check phase.
  await new Promise((r) => setImmediate(r));
  assert.equal(sock.sent.length, 1);
  sock.deliver(Buffer.concat([encodeErrorReply(held[1]!, 0), encodeErrorReply(held[0]!, 99)]));
  await b;
  await assert.rejects(a, /^NetlinkError: first: /);
});

test('messages answering no request, and multicasts, go to event handlers', async () => {
  const sock = new FakeNetlinkSocket(ackAll);
  const conn = new NetlinkConnection(sock);
  const events: NetlinkMessage[] = [];
  conn.onEvent((m) => events.push(m));
  conn.subscribe(1);
  assert.ok(sock.sockopts.some((o) => o.name === NetlinkSockOpt.ADD_MEMBERSHIP && o.value === 1));
  sock.multicast(encodeMessage({ type: 16, flags: 0, seq: 0, pid: 0, payload: Buffer.alloc(16) }), 1);
  sock.deliver(encodeMessage({ type: 20, flags: 0, seq: 12345, pid: 0, payload: Buffer.alloc(8) }));
  assert.deepEqual(events.map((e) => e.type), [16, 20]);
});

test('a receive-queue overrun fails pending requests and is reported', async () => {
  const sock = new FakeNetlinkSocket(() => undefined);
  const conn = new NetlinkConnection(sock);
  let overruns = 0;
  conn.onOverrun(() => overruns++);
  const p = conn.request({ type: 20, payload: Buffer.alloc(8), operation: 'adding address 10.0.0.9/32 on eth0' });
  sock.failReceive('ENOBUFS', 105);
  await assert.rejects(p, /adding address 10.0.0.9\/32 on eth0: ENOBUFS \(netlink receive queue overflowed; replies were lost\)/);
  assert.equal(overruns, 1);
});

test('a closed connection refuses requests with a clear error', async () => {
  const sock = new FakeNetlinkSocket();
  const conn = new NetlinkConnection(sock);
  conn.close();
  assert.ok(sock.closed);
  await assert.rejects(conn.request({ type: 20, payload: Buffer.alloc(8), operation: 'adding address' }), /adding address: EBADF \(netlink connection closed\)/);
});

test('an event handler that throws does not stop the others or escape into the socket callback', () => {
  const sock = new FakeNetlinkSocket();
  const conn = new NetlinkConnection(sock);
  const seen: number[] = [];
  conn.onEvent(() => {
    throw new Error('handler bug');
  });
  conn.onEvent((m) => seen.push(m.type));
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    sock.multicast(encodeMessage({ type: 16, flags: 0, seq: 0, pid: 0, payload: Buffer.alloc(16) }), 1);
  } finally {
    setImmediate(() => process.off('warning', onWarning));
  }
  assert.deepEqual(seen, [16]);
});
