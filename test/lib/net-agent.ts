// A small program run inside a test namespace (`ip netns exec NS node net-agent.js JSON`)
// that drives src/net sockets there and reports on stdout, one JSON object per line.
// Sockets belong to the namespace of the process that opens them, so namespace tests
// need a process per namespace.
import { openVrrpSocket, type VrrpSocketOptions } from '../../src/net/vrrp-socket.js';
import { openLinkSender } from '../../src/net/link-sender.js';
import { sendGratuitousArp } from '../../src/net/arp.js';
import { sendUnsolicitedNa } from '../../src/net/ndp.js';
import { isSysError, monotonicNowUs } from '../../src/net/sys.js';

export type AgentCommand =
  /**
   * `readOnGo`: the socket is open (adverts queue in it) but read only once a line arrives on
   * stdin; each packet then also reports `readAt` (CLOCK_MONOTONIC µs when it reached us).
   */
  | { op: 'vrrp-recv'; socket: VrrpSocketOptions; count: number; readOnGo?: boolean }
  | { op: 'vrrp-send'; socket: VrrpSocketOptions; sends: Array<{ payloadHex: string; src: string; dst: string; ttl?: number; id?: number }> }
  | { op: 'garp'; ifname: string; ip: string; mac?: string }
  | { op: 'na'; ifname: string; target: string; mac?: string; router?: boolean };

function say(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function run(cmd: AgentCommand): void {
  switch (cmd.op) {
    case 'vrrp-recv': {
      const t = openVrrpSocket(cmd.socket);
      let left = cmd.count;
      const read = (): void => t.onPacket((p) => {
        say({ packet: { ...p, payload: p.payload.toString('hex'), ipHeader: p.ipHeader?.toString('hex') }, readAt: monotonicNowUs() });
        if (--left === 0) {
          t.close();
          say({ done: true });
        }
      });
      if (cmd.readOnGo) process.stdin.once('data', read);
      else read();
      say({ ready: true, ifindex: t.ifindex });
      return;
    }
    case 'vrrp-send': {
      const t = openVrrpSocket(cmd.socket);
      for (const s of cmd.sends) t.send(Buffer.from(s.payloadHex, 'hex'), s);
      t.close();
      say({ sent: cmd.sends.length });
      return;
    }
    case 'garp': {
      const l = openLinkSender(cmd.ifname, cmd.mac ? { mac: cmd.mac } : {});
      sendGratuitousArp(l, cmd.ip);
      l.close();
      say({ sent: 1, mac: l.mac.toString('hex') });
      return;
    }
    case 'na': {
      const l = openLinkSender(cmd.ifname, cmd.mac ? { mac: cmd.mac } : {});
      sendUnsolicitedNa(l, cmd.target, { router: cmd.router ?? false });
      l.close();
      say({ sent: 1, mac: l.mac.toString('hex') });
      return;
    }
  }
}

try {
  run(JSON.parse(process.argv[2] ?? '{}') as AgentCommand);
} catch (e) {
  say({ error: isSysError(e) ? { code: e.code, errno: e.errno, syscall: e.syscall, message: e.message } : { message: String(e) } });
  process.exitCode = 1;
}
