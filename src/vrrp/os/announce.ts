// The announce port: gratuitous ARPs for IPv4 VIPs and unsolicited neighbour advertisements
// for IPv6 ones, from the interface's MAC, over one AF_PACKET sender per interface.
import { openLinkSender, type LinkSender } from '../../net/link-sender.js';
import { sendGratuitousArp } from '../../net/arp.js';
import { ipv6ForwardingEnabled, sendUnsolicitedNa } from '../../net/ndp.js';
import type { AddressOwner, AnnouncePort } from '../ports.js';
import type { VipSpec } from '../spec.js';

export class PacketAnnouncer implements AnnouncePort {
  private readonly senders = new Map<string, LinkSender>();

  constructor(
    private readonly log: (line: string) => void,
    private readonly open: (ifname: string) => LinkSender = (ifname) => openLinkSender(ifname),
  ) {}

  announce(owner: AddressOwner, addresses: readonly VipSpec[], repeat: number): void {
    for (let i = 0; i < repeat; i++) {
      for (const a of addresses) {
        const ifname = a.device ?? owner.interface;
        if (ifname === undefined) continue;
        try {
          const link = this.sender(ifname);
          // keepalived sets the NA's Router flag when the interface forwards IPv6.
          if (a.address.includes(':')) sendUnsolicitedNa(link, a.address, { router: ipv6ForwardingEnabled(ifname) });
          else sendGratuitousArp(link, a.address);
        } catch (e) {
          this.log(`(${owner.instance}) cannot announce ${a.address} on ${ifname}: ${(e as Error).message}`);
          // A sender on a vanished interface is useless; open a new one next time.
          this.senders.get(ifname)?.close();
          this.senders.delete(ifname);
        }
      }
    }
  }

  close(): void {
    for (const s of this.senders.values()) s.close();
    this.senders.clear();
  }

  private sender(ifname: string): LinkSender {
    let s = this.senders.get(ifname);
    if (!s) {
      s = this.open(ifname);
      this.senders.set(ifname, s);
    }
    return s;
  }
}
