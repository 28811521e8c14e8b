// The address port on rtnetlink: VIPs added and removed as keepalived does (IPv6 VIPs with
// nodad so they are usable at once), in one batch per instance. Adding an address that is
// there, or removing one that is not, is success: the runtime may repeat itself after a
// restart, and must never fail a transition over it.
//
// Interfaces are named to the kernel by index, looked up with if_nametoindex (one ioctl, no
// round trip): a takeover then costs one netlink exchange (the batch), not two (a link lookup
// first), on the way from the master-down timer to the VIP on the interface. A name that does
// not resolve is passed on as a name, for rtnetlink to report ("no such interface").
import type { RtnetlinkClient, AddressChange, AddressOp, LinkRef, ScopeName } from '../../net/rtnetlink.js';
import { ifNameToIndex } from '../../net/sys.js';
import type { AddressOwner, AddressPort } from '../ports.js';
import type { VipSpec } from '../spec.js';

function prefixed(v: VipSpec): string {
  const len = v.prefixLength ?? (v.address.includes(':') ? 128 : 32);
  return `${v.address}/${len}`;
}

export function vipChange(owner: AddressOwner, v: VipSpec): AddressChange {
  const link = v.device ?? owner.interface;
  if (link === undefined) throw new Error(`(${owner.instance}) VIP ${v.address} has no interface`);
  const change: AddressChange = { address: prefixed(v), link };
  if (v.label !== undefined) change.label = v.label;
  if (v.scope !== undefined) change.scope = v.scope as ScopeName;
  if (v.broadcast !== undefined) change.broadcast = v.broadcast;
  if (v.address.includes(':')) change.flags = ['nodad'];
  return change;
}

function byIndex(link: LinkRef, lookup: (name: string) => number): LinkRef {
  if (typeof link === 'number') return link;
  try {
    return lookup(link);
  } catch {
    return link;
  }
}

/** Where no_accept's blocking of the VIPs goes (firewall.ts). */
export interface VipBlocker {
  setBlock(owner: AddressOwner, vips: readonly VipSpec[], block: boolean): Promise<void>;
}

export class NetlinkAddresses implements AddressPort {
  constructor(
    private readonly rt: RtnetlinkClient,
    private readonly log: (line: string) => void,
    private readonly lookup: (name: string) => number = ifNameToIndex,
    private readonly blocker?: VipBlocker,
  ) {}

  setVipBlock(owner: AddressOwner, vips: readonly VipSpec[], block: boolean): Promise<void> {
    return this.blocker ? this.blocker.setBlock(owner, vips, block) : Promise.resolve();
  }

  async addVips(owner: AddressOwner, vips: readonly VipSpec[]): Promise<void> {
    const outcomes = await this.rt.changeAddresses(this.additions(owner, vips));
    outcomes.forEach((o, i) => {
      if (!o.ok && o.error.code !== 'EEXIST') this.log(`(${owner.instance}) cannot add VIP ${vips[i]!.address} on ${vips[i]!.device ?? owner.interface ?? '?'}: ${o.error.message}`);
    });
  }

  rehearseAddVips(owner: AddressOwner, vips: readonly VipSpec[]): void {
    try {
      this.rt.rehearseChangeAddresses(this.additions(owner, vips));
    } catch {
      // addVips will report what is wrong.
    }
  }

  private additions(owner: AddressOwner, vips: readonly VipSpec[]): AddressOp[] {
    return vips.map((v) => {
      const c = vipChange(owner, v);
      return { op: 'add' as const, ...c, link: byIndex(c.link, this.lookup) };
    });
  }

  async removeVips(owner: AddressOwner, vips: readonly VipSpec[]): Promise<void> {
    const outcomes = await this.rt.changeAddresses(
      vips.map((v) => {
        const c = vipChange(owner, v);
        return { op: 'delete' as const, address: c.address, link: byIndex(c.link, this.lookup) };
      }),
    );
    outcomes.forEach((o, i) => {
      if (!o.ok && o.error.code !== 'EADDRNOTAVAIL' && o.error.code !== 'ENODEV') this.log(`(${owner.instance}) cannot remove VIP ${vips[i]!.address} on ${vips[i]!.device ?? owner.interface ?? '?'}: ${o.error.message}`);
    });
  }
}
