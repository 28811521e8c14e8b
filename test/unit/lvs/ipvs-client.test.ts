import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPVS_BATCH_SIZE, IpvsBackend, IpvsClient, ipvsConnection } from '../../../src/lvs/ipvs/client.js';
import { FakeNetlinkSocket } from '../../lib/fake-netlink.js';
import { MessageFlag } from '../../../src/net/netlink/constants.js';
import { decodeMessages } from '../../../src/net/netlink/message.js';
import type { Operation } from '../../../src/lvs/reconciler.js';
import { FakeIpvsKernel } from '../../../src/lvs/ipvs/fake-kernel.js';
import { LvsReconciler } from '../../../src/lvs/backend.js';
import { materialize } from '../../../src/lvs/desired.js';
import { rs, svc, tcp, vs } from './fixtures.js';

test('the client programs and reads back a table through the kernel protocol', async () => {
  const kernel = new FakeIpvsKernel();
  const client = new IpvsClient(kernel, kernel.familyId);
  const specs = [
    vs('web', [tcp('10.0.0.1', 80), { kind: 'fwmark', family: 'inet', fwmark: 3 }], [rs('192.168.1.1', 80, { weight: 5, forwarding: { method: 'dr' } }), rs('192.168.1.2', 80)], {
      scheduler: 'sh',
      schedulerFlags: { flag1: true, flag2: true, flag3: false },
      persistence: { timeout: 300, prefixLength: 24 },
    }),
    vs('v6', [tcp('2001:db8::1', 443)], [rs('2001:db8::a', 443)], { scheduler: 'rr' }),
  ];
  const desired = materialize(specs, new Map(), new Map());
  const rec = new LvsReconciler(new IpvsBackend(client));
  await rec.sync(desired);
  assert.deepEqual(await client.readTable(), desired);
  assert.deepEqual(await rec.sync(desired), [], 'read-back equals desired: nothing to do');
});

test('EEXIST on add and ENOENT on delete are the state we wanted; edit of a missing dest adds it', async () => {
  const kernel = new FakeIpvsKernel();
  const client = new IpvsClient(kernel, kernel.familyId);
  const A = tcp('10.0.0.1', 80);
  kernel.table = [svc(A, [['192.168.1.1', 80, 1]])];
  const s = svc(A, [['192.168.1.2', 80, 4]]);
  const { destinations: _d, ...settings } = s;
  await client.apply([
    { op: 'add-service', service: settings },
    { op: 'delete-destination', service: A, destination: { family: 'inet', address: '192.168.1.9', port: 80 } },
    { op: 'edit-destination', service: A, destination: s.destinations[0]! },
  ]);
  assert.deepEqual(kernel.table[0]!.destinations.map((d) => [d.address, d.weight]), [['192.168.1.1', 1], ['192.168.1.2', 4]]);
});

test('a real refusal names the operation and the reason', async () => {
  const kernel = new FakeIpvsKernel();
  const client = new IpvsClient(kernel, kernel.familyId);
  await assert.rejects(client.addDestination(tcp('10.0.0.1', 80), svc(tcp('10.0.0.1', 80), [['192.168.1.1', 80, 1]]).destinations[0]!), /adding real server \[192\.168\.1\.1\]:80 to tcp \[10\.0\.0\.1\]:80: ESRCH \(no such virtual service\)/);
});

test('IPVS requests go to the kernel IPVS_BATCH_SIZE (256) per datagram, each datagram acked once', async () => {
  const sock = new FakeNetlinkSocket();
  const conn = ipvsConnection(sock);
  const client = new IpvsClient(conn, 0x20);
  const A = tcp('10.0.0.1', 80);
  const ops: Operation[] = Array.from({ length: 300 }, (_x, i) => ({
    op: 'add-destination', service: A,
    destination: { family: 'inet', address: `192.168.${i >> 8}.${i & 255}`, port: 80, weight: 1, forwarding: { method: 'nat' }, upperThreshold: 0, lowerThreshold: 0 },
  }));
  await client.apply(ops);
  conn.close();
  // 300 requests: one datagram of 256 and one of 44 (the connection's default of 32 made 10).
  assert.equal(IPVS_BATCH_SIZE, 256);
  const datagrams = sock.sent.map((b) => decodeMessages(b));
  assert.deepEqual(datagrams.map((d) => d.length), [256, 44]);
  for (const d of datagrams) assert.deepEqual(d.map((m) => (m.flags & MessageFlag.ACK) !== 0), d.map((_m, i) => i === d.length - 1));
});
