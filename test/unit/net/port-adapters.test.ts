// The VRRP runtime's transport and announce ports over src/net, with fake sockets/links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkAnnouncer } from '../../../src/net/announcer.js';
import { SocketVrrpTransport } from '../../../src/net/vrrp-channel.js';
import type { LinkSender } from '../../../src/net/link-sender.js';
import type { VrrpPacket, VrrpSendOptions, VrrpSocketOptions, VrrpTransport } from '../../../src/net/vrrp-socket.js';
import type { ReceivedPacket } from '../../../src/vrrp/ports.js';
import { makeSysError } from '../../../src/net/sys.js';
import { GARP_10_1_1_100, NA_FE80_13, SENDER_MAC } from './golden-frames.js';
import { macToBytes } from '../../../src/net/inet-address.js';

function fakeLink(ifname: string, sent: Array<[string, Buffer]>, failures = { left: 0 }): LinkSender {
  return {
    ifname,
    ifindex: 3,
    mac: macToBytes(SENDER_MAC),
    sendFrame(frame) {
      if (failures.left > 0) {
        failures.left--;
        throw makeSysError('ENXIO', 6, 'sendmsg');
      }
      sent.push([ifname, frame]);
    },
    close() {},
  };
}

test('announce: GARP for IPv4 and NA for IPv6 VIPs, on the VIP dev or the instance interface, repeated', async () => {
  const sent: Array<[string, Buffer]> = [];
  const sleeps: number[] = [];
  const a = new LinkAnnouncer({
    openLink: (n) => fakeLink(n, sent),
    ipv6Forwarding: () => false,
    garpIntervalMs: () => 5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  await a.announce({ instance: 'VI_1', interface: 'eth0', family: 'inet' }, [{ address: '10.1.1.100' }, { address: 'fe80::13', device: 'eth1' }], 2);
  assert.deepEqual(sent.map(([n]) => n), ['eth0', 'eth1', 'eth0', 'eth1']);
  assert.deepEqual(sent[0]![1], GARP_10_1_1_100);
  assert.deepEqual(sent[1]![1], NA_FE80_13);
  assert.deepEqual(sleeps, [5, 5], 'garp_interval after each GARP, no gna_interval');
});

test('announce: Router flag when the interface forwards; a failed send is retried on a fresh socket, then logged', async () => {
  const sent: Array<[string, Buffer]> = [];
  const logs: string[] = [];
  let opened = 0;
  const failures = { left: 1 };
  const a = new LinkAnnouncer({
    openLink: (n) => {
      opened++;
      return fakeLink(n, sent, failures);
    },
    ipv6Forwarding: () => true,
    log: (l) => logs.push(l),
  });
  await a.announce({ instance: 'VI_6', interface: 'eth0', family: 'inet6' }, [{ address: 'fe80::13' }], 1);
  assert.equal(opened, 2);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]![1].readUInt32BE(58), 0xa0000000);
  assert.deepEqual(logs, []);
  failures.left = 2;
  await a.announce({ instance: 'VI_6', interface: 'eth0', family: 'inet6' }, [{ address: 'fe80::13' }], 1);
  assert.deepEqual(logs, ['Error sending unsolicited neighbour advert on eth0 for fe80::13: ENXIO: ENXIO, sendmsg']);
});

class FakeTransport implements VrrpTransport {
  sent: Array<[string, ...unknown[]]> = [];
  cb: ((p: VrrpPacket) => void) | undefined;
  closed = false;
  dropped = 0;
  ifindex = 4;
  constructor(readonly family: 'inet' | 'inet6', readonly protocol: number) {}
  send(payload: Buffer, o: VrrpSendOptions): void {
    this.sent.push(['send', payload.toString('hex'), o]);
  }
  sendIpv4Datagram(datagram: Buffer, dst: string): void {
    this.sent.push(['datagram', datagram.toString('hex'), dst]);
  }
  onPacket(cb: (p: VrrpPacket) => void): void {
    this.cb = cb;
  }
  close(): void {
    this.closed = true;
  }
}

test('transport port: keys become socket options; packets cross in the runtime\'s shape', () => {
  const opened: VrrpSocketOptions[] = [];
  const transports: FakeTransport[] = [];
  const port = new SocketVrrpTransport({
    open: (o) => {
      opened.push(o);
      const t = new FakeTransport(o.family, o.protocol ?? 112);
      transports.push(t);
      return t;
    },
  });
  const got: ReceivedPacket[] = [];
  const c4 = port.open({ family: 'inet', interface: 'eth0', mode: 'multicast', group: '224.0.0.18' }, (p) => got.push(p));
  const c6 = port.open({ family: 'inet6', interface: 'eth0', mode: 'unicast', sourceAddress: 'fd00::1', protocol: 112 }, (p) => got.push(p));
  port.open({ family: 'inet', mode: 'unicast', protocol: 51 }, () => {});
  assert.deepEqual(opened, [
    { family: 'inet', protocol: 112, ifname: 'eth0', multicastGroup: '224.0.0.18' },
    { family: 'inet6', protocol: 112, ifname: 'eth0', unicast: true, unicastSrc: 'fd00::1' },
    { family: 'inet', protocol: 51, unicast: true },
  ]);
  c4.send({ data: Buffer.from('4500', 'hex'), dst: '224.0.0.18', multicast: true });
  c6.send({ data: Buffer.from('31', 'hex'), dst: 'fd00::2', src: 'fd00::1', hopLimit: 64, multicast: false });
  assert.deepEqual(transports[0]!.sent, [['datagram', '4500', '224.0.0.18']]);
  assert.deepEqual(transports[1]!.sent, [['send', '31', { dst: 'fd00::2', src: 'fd00::1', ttl: 64 }]]);
  transports[0]!.cb!({ family: 'inet', protocol: 112, payload: Buffer.from('21', 'hex'), ipHeader: Buffer.from('45c0', 'hex'), src: '10.0.0.2', dst: '224.0.0.18', ttl: 255, ifindex: 4 });
  transports[1]!.cb!({ family: 'inet6', protocol: 112, payload: Buffer.from('31', 'hex'), src: 'fd00::2', dst: 'fd00::1', ttl: 255, ifindex: 4 });
  assert.deepEqual(got, [
    { data: Buffer.from('45c021', 'hex'), src: '10.0.0.2', dst: '224.0.0.18', ifindex: 4 },
    { data: Buffer.from('31', 'hex'), src: 'fd00::2', dst: 'fd00::1', hopLimit: 255, ifindex: 4 },
  ]);
  c4.close();
  assert.equal(transports[0]!.closed, true);
});
