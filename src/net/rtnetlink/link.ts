// Links (interfaces): struct ifinfomsg (16 bytes) + IFLA_ attributes.
//   u8 family, u8 pad, u16 type (ARPHRD_), i32 index, u32 flags, u32 change mask
import { AttributeEncoder, Attributes } from '../netlink/attributes.js';
import { bytesToMac, macToBytes } from '../ip-bytes.js';
import { AddrGenMode, IflaAttr, Inet6LinkAttr, LinkFlag, LinkInfoAttr, MacvlanAttr, MacvlanMode, OPERSTATES, type AddrGenModeName, type MacvlanModeName, type OperState } from './constants.js';
import { AF_INET6 } from '../ip-bytes.js';

export const IFINFOMSG_LEN = 16;

export interface IfInfoHeader {
  family: number;
  type: number;
  index: number;
  flags: number;
  change: number;
}

export function encodeIfInfo(h: IfInfoHeader): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b.writeUInt8(h.family, 0);
  b.writeUInt16LE(h.type, 2);
  b.writeInt32LE(h.index, 4);
  b.writeUInt32LE(h.flags >>> 0, 8);
  b.writeUInt32LE(h.change >>> 0, 12);
  return b;
}

export function decodeIfInfo(b: Buffer): IfInfoHeader {
  if (b.length < IFINFOMSG_LEN) throw new Error(`ifinfomsg needs ${IFINFOMSG_LEN} bytes, got ${b.length}`);
  return { family: b.readUInt8(0), type: b.readUInt16LE(2), index: b.readInt32LE(4), flags: b.readUInt32LE(8), change: b.readUInt32LE(12) };
}

export interface Link {
  index: number;
  name: string;
  /** IFF_ bits as the kernel reports them. */
  flags: number;
  /** Administratively up (IFF_UP). */
  up: boolean;
  /** Carrier present (IFF_LOWER_UP). */
  lowerUp: boolean;
  operState: OperState;
  /** ARPHRD_ link-layer type (1 = Ethernet). */
  hardwareType: number;
  mac?: string;
  broadcast?: string;
  mtu?: number;
  /** "macvlan", "veth", "bridge"...; absent for physical devices and loopback. */
  kind?: string;
  /** Index of the lower device (IFLA_LINK), e.g. a macvlan's parent. */
  parentIndex?: number;
  masterIndex?: number;
  macvlanMode?: MacvlanModeName;
  alias?: string;
  /** How the kernel makes its IPv6 link-local address ("none": it makes none). */
  addrGenMode?: AddrGenModeName;
  /** IFLA_GROUP: the link's group (0, "default", unless set). */
  group?: number;
}

export function decodeLink(payload: Buffer): Link {
  const h = decodeIfInfo(payload);
  const a = Attributes.decode(payload.subarray(IFINFOMSG_LEN));
  const op = a.u8(IflaAttr.OPERSTATE);
  const link: Link = {
    index: h.index,
    name: a.string(IflaAttr.IFNAME) ?? `if${h.index}`,
    flags: h.flags,
    up: (h.flags & LinkFlag.UP) !== 0,
    lowerUp: (h.flags & LinkFlag.LOWER_UP) !== 0,
    operState: OPERSTATES[op ?? 0] ?? 'unknown',
    hardwareType: h.type,
  };
  const mac = a.get(IflaAttr.ADDRESS);
  if (mac && mac.length > 0) link.mac = bytesToMac(mac);
  const brd = a.get(IflaAttr.BROADCAST);
  if (brd && brd.length > 0) link.broadcast = bytesToMac(brd);
  const mtu = a.u32(IflaAttr.MTU);
  if (mtu !== undefined) link.mtu = mtu;
  const parent = a.u32(IflaAttr.LINK);
  if (parent !== undefined && parent !== h.index) link.parentIndex = parent;
  const master = a.u32(IflaAttr.MASTER);
  if (master !== undefined && master !== 0) link.masterIndex = master;
  const alias = a.string(IflaAttr.IFALIAS);
  if (alias) link.alias = alias;
  const group = a.u32(IflaAttr.GROUP);
  if (group !== undefined) link.group = group;
  const genMode = a.nested(IflaAttr.AF_SPEC)?.nested(AF_INET6)?.u8(Inet6LinkAttr.ADDR_GEN_MODE);
  const genName = (Object.keys(AddrGenMode) as AddrGenModeName[]).find((k) => AddrGenMode[k] === genMode);
  if (genName) link.addrGenMode = genName;
  const info = a.nested(IflaAttr.LINKINFO);
  if (info) {
    const kind = info.string(LinkInfoAttr.KIND);
    if (kind) link.kind = kind;
    if (kind === 'macvlan' || kind === 'macvtap') {
      const mode = info.nested(LinkInfoAttr.DATA)?.u32(MacvlanAttr.MODE);
      const name = (Object.keys(MacvlanMode) as MacvlanModeName[]).find((k) => MacvlanMode[k] === mode);
      if (name) link.macvlanMode = name;
    }
  }
  return link;
}

/** RTM_GETLINK for one link, by index or by name. */
export function encodeGetLink(link: number | string): Buffer {
  const h = encodeIfInfo({ family: 0, type: 0, index: typeof link === 'number' ? link : 0, flags: 0, change: 0 });
  if (typeof link === 'number') return h;
  return Buffer.concat([h, new AttributeEncoder().string(IflaAttr.IFNAME, link).finish()]);
}

export function encodeDumpLinks(): Buffer {
  return encodeIfInfo({ family: 0, type: 0, index: 0, flags: 0, change: 0 });
}

/** RTM_NEWLINK changing only IFF_UP. */
export function encodeSetLinkUp(index: number, up: boolean): Buffer {
  return encodeIfInfo({ family: 0, type: 0, index, flags: up ? LinkFlag.UP : 0, change: LinkFlag.UP });
}

/** RTM_NEWLINK setting the link's group (IFLA_GROUP); the kernel announces the link after it. */
export function encodeSetLinkGroup(index: number, group: number): Buffer {
  return Buffer.concat([encodeIfInfo({ family: 0, type: 0, index, flags: 0, change: 0 }), new AttributeEncoder().u32(IflaAttr.GROUP, group).finish()]);
}

export interface MacvlanSpec {
  name: string;
  parentIndex: number;
  /** The macvlan's own MAC (VRRP's 00:00:5e:00:01:VRID); the kernel picks a random one without. */
  mac?: string;
  mode?: MacvlanModeName;
  up?: boolean;
}

function addrGenModeAttr(e: AttributeEncoder, mode: AddrGenModeName): void {
  e.nested(IflaAttr.AF_SPEC, (af) => af.nested(AF_INET6, (i6) => i6.u8(Inet6LinkAttr.ADDR_GEN_MODE, AddrGenMode[mode])));
}

/**
 * RTM_NEWLINK setting how the link's IPv6 link-local address is made. Only for a link that
 * exists: at creation the kernel has no IPv6 state for it yet and refuses (EAFNOSUPPORT).
 */
export function encodeSetAddrGenMode(index: number, mode: AddrGenModeName): Buffer {
  const e = new AttributeEncoder();
  addrGenModeAttr(e, mode);
  return Buffer.concat([encodeIfInfo({ family: 0, type: 0, index, flags: 0, change: 0 }), e.finish()]);
}

/** RTM_NEWLINK (with CREATE|EXCL) creating a macvlan on a parent. */
export function encodeNewMacvlan(s: MacvlanSpec): Buffer {
  const h = encodeIfInfo({ family: 0, type: 0, index: 0, flags: s.up ? LinkFlag.UP : 0, change: s.up ? LinkFlag.UP : 0 });
  const e = new AttributeEncoder().string(IflaAttr.IFNAME, s.name).u32(IflaAttr.LINK, s.parentIndex);
  if (s.mac) e.bytes(IflaAttr.ADDRESS, macToBytes(s.mac));
  e.nested(IflaAttr.LINKINFO, (li) => {
    li.string(LinkInfoAttr.KIND, 'macvlan');
    li.nested(LinkInfoAttr.DATA, (d) => d.u32(MacvlanAttr.MODE, MacvlanMode[s.mode ?? 'private']));
  });
  return Buffer.concat([h, e.finish()]);
}

export function encodeDelLink(index: number): Buffer {
  return encodeIfInfo({ family: 0, type: 0, index, flags: 0, change: 0 });
}
