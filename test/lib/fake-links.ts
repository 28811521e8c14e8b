// An in-memory set of links for the VMAC manager (src/vrrp/os/vmac.ts): the few rtnetlink
// operations it uses, with the kernel's refusals (ENODEV, EEXIST) as NetlinkErrors.
import type { Address, AddressOp, ChangeOutcome, Link, LinkRef, MacvlanOptions } from '../../src/net/rtnetlink.js';
import type { AddrGenModeName } from '../../src/net/rtnetlink/constants.js';
import { NetlinkError, errnoNumber } from '../../src/net/netlink/errors.js';
import type { VmacNetlink } from '../../src/vrrp/os/vmac.js';

export interface FakeLink extends Link {
  addresses: string[];
}

export class FakeLinks implements VmacNetlink {
  readonly links = new Map<number, FakeLink>();
  /** Operations in order, e.g. "create vrrp.51", "up vrrp.51", "delete vrrp.51". */
  readonly ops: string[] = [];
  private nextIndex = 1;

  add(name: string, over: Partial<FakeLink> = {}): FakeLink {
    const l: FakeLink = { index: this.nextIndex++, name, flags: 0, up: true, lowerUp: true, operState: 'up', hardwareType: 1, addresses: [], ...over };
    this.links.set(l.index, l);
    return l;
  }

  byName(name: string): FakeLink | undefined {
    for (const l of this.links.values()) if (l.name === name) return l;
    return undefined;
  }

  private find(ref: LinkRef, operation: string): FakeLink {
    const l = typeof ref === 'number' ? this.links.get(ref) : this.byName(ref);
    if (!l) throw new NetlinkError({ operation, errno: errnoNumber('ENODEV'), hint: 'no such interface' });
    return l;
  }

  link(ref: LinkRef): Promise<Link> {
    try {
      return Promise.resolve({ ...this.find(ref, `getting link ${ref}`) });
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  createMacvlan(o: MacvlanOptions): Promise<Link> {
    const operation = `creating macvlan ${o.name}`;
    if (this.byName(o.name)) return Promise.reject(new NetlinkError({ operation, errno: errnoNumber('EEXIST'), hint: 'exists' }));
    let parent: FakeLink;
    try {
      parent = this.find(o.parent, operation);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    this.ops.push(`create ${o.name}`);
    const l = this.add(o.name, { kind: 'macvlan', parentIndex: parent.index, macvlanMode: o.mode ?? 'private', up: o.up === true, lowerUp: o.up === true, ...(o.mac ? { mac: o.mac } : {}) });
    return Promise.resolve({ ...l });
  }

  deleteLink(ref: LinkRef): Promise<void> {
    try {
      const l = this.find(ref, `deleting link ${ref}`);
      this.links.delete(l.index);
      this.ops.push(`delete ${l.name}`);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /** Changes one link (ENODEV when missing) and records the operation `change` names. */
  private changeLink(ref: LinkRef, operation: string, change: (l: FakeLink) => string): Promise<void> {
    try {
      const l = this.find(ref, operation);
      this.ops.push(change(l));
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  setLinkUp(ref: LinkRef, up: boolean): Promise<void> {
    return this.changeLink(ref, `setting link ${ref} up`, (l) => {
      l.up = up;
      l.lowerUp = up;
      return `${up ? 'up' : 'down'} ${l.name}`;
    });
  }

  setLinkGroup(ref: LinkRef, group: number): Promise<void> {
    return this.changeLink(ref, 'setting group', (l) => {
      l.group = group;
      return `group ${group} ${l.name}`;
    });
  }

  setAddrGenMode(ref: LinkRef, mode: AddrGenModeName): Promise<void> {
    return this.changeLink(ref, 'setting addrgenmode', (l) => {
      l.addrGenMode = mode;
      return `addrgenmode ${mode} ${l.name}`;
    });
  }

  addresses(filter: { family?: 4 | 6; link?: LinkRef } = {}): Promise<Address[]> {
    const out: Address[] = [];
    for (const l of this.links.values()) {
      if (filter.link !== undefined && l.name !== filter.link && l.index !== filter.link) continue;
      for (const a of l.addresses) {
        const [address = '', len = '0'] = a.split('/');
        const family = address.includes(':') ? 6 : 4;
        if (filter.family !== undefined && filter.family !== family) continue;
        out.push({ family, prefixLength: Number(len), flags: [], scope: 'global', index: l.index, address } as unknown as Address);
      }
    }
    return Promise.resolve(out);
  }

  changeAddresses(changes: AddressOp[]): Promise<ChangeOutcome[]> {
    return Promise.resolve(
      changes.map((c): ChangeOutcome => {
        const l = typeof c.link === 'number' ? this.links.get(c.link) : this.byName(c.link);
        const operation = `${c.op} address ${c.address}`;
        if (!l) return { ok: false, error: new NetlinkError({ operation, errno: errnoNumber('ENODEV'), hint: 'no such interface' }) };
        const has = l.addresses.includes(c.address);
        if (c.op === 'delete') {
          if (!has) return { ok: false, error: new NetlinkError({ operation, errno: errnoNumber('EADDRNOTAVAIL'), hint: 'not there' }) };
          l.addresses = l.addresses.filter((a) => a !== c.address);
        } else {
          if (has && c.op === 'add') return { ok: false, error: new NetlinkError({ operation, errno: errnoNumber('EEXIST'), hint: 'there' }) };
          if (!has) l.addresses.push(c.address);
        }
        this.ops.push(`${c.op} ${c.address} ${l.name}`);
        return { ok: true };
      }),
    );
  }
}
