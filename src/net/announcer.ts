// The VRRP runtime's announce port (src/vrrp/ports.ts) on real interfaces: gratuitous
// ARP for IPv4 VIPs and unsolicited neighbour advertisements for IPv6 VIPs, sent from the
// VIP's interface (its `dev`, else the instance's) with that interface's MAC, so a VMAC
// interface announces its VMAC. Failures are logged, never thrown: a missing announce
// must not stop a transition.
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import type { AddressOwner, AnnouncePort } from '../vrrp/ports.js';
import type { VipSpec } from '../vrrp/spec.js';
import { sendGratuitousArp } from './arp.js';
import { openLinkSender, type LinkSender } from './link-sender.js';
import { sendUnsolicitedNa } from './ndp.js';

export interface LinkAnnouncerOptions {
  /** Pause between two GARPs on one interface (garp_interval; default 0). */
  garpIntervalMs?: (ifname: string) => number;
  /** Pause between two NAs on one interface (gna_interval; default 0). */
  gnaIntervalMs?: (ifname: string) => number;
  log?: (line: string) => void;
  /** For tests: how a sender is opened, whether IPv6 forwarding is on, how to wait. */
  openLink?: (ifname: string) => LinkSender;
  ipv6Forwarding?: (ifname: string) => boolean;
  sleep?: (ms: number) => Promise<void>;
}

/** keepalived sets the NA Router flag when the interface forwards IPv6. */
export function ipv6ForwardingEnabled(ifname: string): boolean {
  try {
    return readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

export class LinkAnnouncer implements AnnouncePort {
  private readonly links = new Map<string, LinkSender>();

  constructor(private readonly opts: LinkAnnouncerOptions = {}) {}

  async announce(owner: AddressOwner, addresses: readonly VipSpec[], repeat: number): Promise<void> {
    for (let round = 0; round < repeat; round++) {
      for (const vip of addresses) {
        const ifname = vip.device ?? owner.interface;
        if (!ifname) continue;
        const v4 = isIPv4(vip.address);
        this.sendOne(ifname, vip.address, v4);
        const pause = (v4 ? this.opts.garpIntervalMs : this.opts.gnaIntervalMs)?.(ifname) ?? 0;
        if (pause > 0) await (this.opts.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms))))(pause);
      }
    }
  }

  private sendOne(ifname: string, address: string, v4: boolean): void {
    // A cached sender may point at an interface that has since been re-created: retry once fresh.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const link = this.link(ifname);
        if (v4) sendGratuitousArp(link, address);
        else sendUnsolicitedNa(link, address, { router: (this.opts.ipv6Forwarding ?? ipv6ForwardingEnabled)(ifname) });
        return;
      } catch (e) {
        this.drop(ifname);
        if (attempt === 1) {
          const what = v4 ? 'gratuitous ARP' : 'unsolicited neighbour advert';
          this.opts.log?.(`Error sending ${what} on ${ifname} for ${address}: ${(e as Error).message}`);
        }
      }
    }
  }

  private link(ifname: string): LinkSender {
    let l = this.links.get(ifname);
    if (!l) {
      l = (this.opts.openLink ?? ((n) => openLinkSender(n)))(ifname);
      this.links.set(ifname, l);
    }
    return l;
  }

  private drop(ifname: string): void {
    const l = this.links.get(ifname);
    this.links.delete(ifname);
    try {
      l?.close();
    } catch {
      /* already unusable */
    }
  }

  /** Closes every sender (on shutdown or reload). */
  close(): void {
    for (const name of [...this.links.keys()]) this.drop(name);
  }
}
