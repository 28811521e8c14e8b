// The addon on loopback in this process's namespace: no privileges beyond sockets needed
// except where noted (raw sockets, SO_BINDTODEVICE need root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ifIndexToName, ifNameToIndex, isSysError, nativeUnavailable, openSocket, type ReceivedMessage } from '../../../src/net/sys.js';
import * as C from '../../../src/net/constants.js';

const skip = nativeUnavailable();

function udpPair(): { rx: ReturnType<typeof openSocket>; tx: ReturnType<typeof openSocket>; port: number } {
  // getsockname is not exposed: take the first free port from a pid-derived start.
  for (let port = 40000 + (process.pid % 10000); ; port++) {
    const s = openSocket(C.AF_INET, C.SOCK_DGRAM, 0, { receiveBufferSize: 8 });
    try {
      s.bind({ family: 'inet', address: '127.0.0.1', port });
      return { rx: s, tx: openSocket(C.AF_INET, C.SOCK_DGRAM, 0), port };
    } catch (e) {
      s.close();
      if (!isSysError(e) || e.code !== 'EADDRINUSE') throw e;
    }
  }
}

test('datagrams arrive as events on the loop, with source, cmsgs and MSG_TRUNC', { skip }, async () => {
  const { rx, tx, port } = udpPair();
  try {
    rx.setsockopt(C.SOL_IP, C.IP_PKTINFO, 1);
    rx.setsockopt(C.SOL_IP, C.IP_RECVTTL, 1);
    const got: ReceivedMessage[] = [];
    let synchronous = true;
    const done = new Promise<void>((resolve) => {
      rx.onMessage((m) => {
        assert.equal(synchronous, false, 'delivered from the loop, not from within send()');
        got.push(m);
        if (got.length === 3) resolve();
      });
    });
    for (let i = 0; i < 3; i++) tx.send([Buffer.from('ab'), Buffer.from(`c${i}`)], { family: 'inet', address: '127.0.0.1', port }, [{ kind: 'ip_ttl', ttl: 7 }]);
    tx.send(Buffer.from('0123456789abcdef'), { family: 'inet', address: '127.0.0.1', port });
    synchronous = false;
    await done;
    assert.deepEqual(got.map((m) => m.data.toString()), ['abc0', 'abc1', 'abc2']);
    const m = got[0]!;
    assert.equal(m.from?.family, 'inet');
    assert.deepEqual(m.cmsgs.find((c) => c.kind === 'ip_ttl'), { kind: 'ip_ttl', ttl: 7 });
    assert.deepEqual(m.cmsgs.find((c) => c.kind === 'ip_pktinfo'), { kind: 'ip_pktinfo', ifindex: 1, specDst: '127.0.0.1', addr: '127.0.0.1' });
    assert.equal(m.truncated, false);
    // The fourth datagram (16 bytes) did not fit the 8-byte buffer.
    await new Promise<void>((resolve) => {
      rx.onMessage((t) => {
        assert.equal(t.truncated, true);
        assert.equal(t.data.toString(), '01234567');
        resolve();
      });
    });
  } finally {
    rx.close();
    tx.close();
  }
});

test('system call errors carry code, errno and syscall like Node\'s own', { skip }, () => {
  const s = openSocket(C.AF_INET, C.SOCK_DGRAM, 0);
  try {
    assert.throws(() => s.setsockopt(C.SOL_SOCKET, C.SO_BINDTODEVICE, Buffer.from('nosuchdev0\0')), (e: unknown) => {
      assert.ok(isSysError(e));
      // ENODEV as root; EPERM without CAP_NET_RAW.
      assert.ok(['ENODEV', 'EPERM'].includes(e.code), e.code);
      assert.equal(e.syscall, 'setsockopt');
      assert.match(e.message, /^(ENODEV|EPERM): .*, setsockopt$/);
      return true;
    });
    assert.throws(() => s.bind({ family: 'inet', address: '192.0.2.1', port: 0 }), { code: 'EADDRNOTAVAIL', errno: 99, syscall: 'bind' });
    assert.throws(() => ifNameToIndex('nosuchdev0'), { code: 'ENODEV', syscall: 'if_nametoindex' });
    assert.equal(ifNameToIndex('lo'), 1);
    assert.equal(ifIndexToName(1), 'lo');
    assert.equal(s.recv(), undefined, 'a read with nothing waiting returns at once');
  } finally {
    s.close();
  }
  assert.throws(() => s.send(Buffer.from('x'), { family: 'inet', address: '127.0.0.1', port: 9 }), { code: 'EBADF', syscall: 'sendmsg' });
  assert.throws(() => openSocket(12345, C.SOCK_RAW, 0), { code: 'EAFNOSUPPORT', syscall: 'socket' });
});

test('a netlink socket binds and reports the kernel as the source', { skip }, async () => {
  const s = openSocket(C.AF_NETLINK, C.SOCK_RAW, C.NETLINK_ROUTE);
  try {
    s.bind({ family: 'netlink', pid: 0, groups: 0 });
    // RTM_GETLINK dump request for loopback: nlmsghdr(16) + ifinfomsg(16).
    const req = Buffer.alloc(32);
    req.writeUInt32LE(32, 0);
    req.writeUInt16LE(18, 4); // RTM_GETLINK
    req.writeUInt16LE(0x1 | 0x300, 6); // NLM_F_REQUEST | NLM_F_DUMP
    req.writeUInt32LE(1, 8);
    const reply = new Promise<ReceivedMessage>((resolve) => s.onMessage(resolve));
    s.send(req, { family: 'netlink', pid: 0, groups: 0 });
    const m = await reply;
    assert.deepEqual(m.from, { family: 'netlink', pid: 0, groups: 0 });
    assert.ok(m.data.length >= 16);
  } finally {
    s.close();
  }
});

test('closing a socket from its handler stops delivery mid-drain', { skip }, async () => {
  const { rx, tx, port } = udpPair();
  try {
    const got: string[] = [];
    for (let i = 0; i < 3; i++) tx.send(Buffer.from(`m${i}`), { family: 'inet', address: '127.0.0.1', port });
    await new Promise<void>((resolve) => {
      rx.onMessage((m) => {
        got.push(m.data.toString());
        rx.close();
        resolve();
      });
    });
    // Give the loop several turns: nothing more may arrive on the closed socket.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, ['m0']);
    assert.throws(() => rx.recv(), { code: 'EBADF' });
  } finally {
    rx.close();
    tx.close();
  }
});
