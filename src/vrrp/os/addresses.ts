// The address port on rtnetlink: VIPs added and removed as keepalived does (IPv6 VIPs with
// nodad so they are usable at once), in one batch per instance. Adding an address that is
// there, or removing one that is not, is success: the runtime may repeat itself after a
// restart, and must never fail a transition over it.
import type { RtnetlinkClient, AddressChange, ScopeName } from '../../net/rtnetlink.js';
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

export class NetlinkAddresses implements AddressPort {
  constructor(
    private readonly rt: RtnetlinkClient,
    private readonly log: (line: string) => void,
  ) {}

  async addVips(owner: AddressOwner, vips: readonly VipSpec[]): Promise<void> {
    const outcomes = await this.rt.changeAddresses(vips.map((v) => ({ op: 'add' as const, ...vipChange(owner, v) })));
    outcomes.forEach((o, i) => {
      if (!o.ok && o.error.code !== 'EEXIST') this.log(`(${owner.instance}) cannot add VIP ${vips[i]!.address}: ${o.error.message}`);
    });
  }

  async removeVips(owner: AddressOwner, vips: readonly VipSpec[]): Promise<void> {
    const outcomes = await this.rt.changeAddresses(
      vips.map((v) => {
        const c = vipChange(owner, v);
        return { op: 'delete' as const, address: c.address, link: c.link };
      }),
    );
    outcomes.forEach((o, i) => {
      if (!o.ok && o.error.code !== 'EADDRNOTAVAIL' && o.error.code !== 'ENODEV') this.log(`(${owner.instance}) cannot remove VIP ${vips[i]!.address}: ${o.error.message}`);
    });
  }
}
