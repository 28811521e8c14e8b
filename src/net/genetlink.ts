// Generic netlink: families are named, and their numbers (and multicast groups' numbers)
// are looked up at run time from the controller (family 0x10, CTRL_CMD_GETFAMILY).
// Messages carry a 4-byte genlmsghdr (u8 cmd, u8 version, u16 reserved) before attributes.
import { AttributeEncoder, Attributes } from './netlink/attributes.js';
import { MessageFlag, NetlinkProtocol } from './netlink/constants.js';
import { openNetlink } from './netlink/open.js';
import type { NetlinkConnection, NetlinkConnectionOptions } from './netlink/connection.js';

export const GENL_ID_CTRL = 0x10;
export const GENL_HDRLEN = 4;

export const CtrlCmd = {
  NEWFAMILY: 1,
  DELFAMILY: 2,
  GETFAMILY: 3,
  NEWMCAST_GRP: 7,
  DELMCAST_GRP: 8,
} as const;

export const CtrlAttr = {
  FAMILY_ID: 1,
  FAMILY_NAME: 2,
  VERSION: 3,
  HDRSIZE: 4,
  MAXATTR: 5,
  OPS: 6,
  MCAST_GROUPS: 7,
} as const;

export const CtrlMcastGrpAttr = {
  NAME: 1,
  ID: 2,
} as const;

export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  /** Size of the family's own header after genlmsghdr (0 for most, IPVS included). */
  headerSize: number;
  maxAttr: number;
  /** Multicast group name -> group number, for NetlinkConnection.subscribe. */
  groups: ReadonlyMap<string, number>;
}

export interface GenlMessage {
  cmd: number;
  version: number;
  attrs: Attributes;
  /** The attribute bytes (after genlmsghdr), for callers with their own decoders. */
  body: Buffer;
}

export function encodeGenlHeader(cmd: number, version: number): Buffer {
  const b = Buffer.alloc(GENL_HDRLEN);
  b.writeUInt8(cmd, 0);
  b.writeUInt8(version, 1);
  return b;
}

export function decodeGenlMessage(payload: Buffer): GenlMessage {
  if (payload.length < GENL_HDRLEN) throw new Error(`generic netlink message of ${payload.length} bytes has no header`);
  const body = payload.subarray(GENL_HDRLEN);
  return { cmd: payload.readUInt8(0), version: payload.readUInt8(1), attrs: Attributes.decode(body), body };
}

export function decodeFamily(payload: Buffer): GenlFamily {
  const { attrs } = decodeGenlMessage(payload);
  const groups = new Map<string, number>();
  for (const g of attrs.nested(CtrlAttr.MCAST_GROUPS)?.list ?? []) {
    const ga = Attributes.decode(g.data);
    const name = ga.string(CtrlMcastGrpAttr.NAME);
    const id = ga.u32(CtrlMcastGrpAttr.ID);
    if (name !== undefined && id !== undefined) groups.set(name, id);
  }
  return {
    id: attrs.u16(CtrlAttr.FAMILY_ID) ?? 0,
    name: attrs.string(CtrlAttr.FAMILY_NAME) ?? '',
    version: attrs.u32(CtrlAttr.VERSION) ?? 0,
    headerSize: attrs.u32(CtrlAttr.HDRSIZE) ?? 0,
    maxAttr: attrs.u32(CtrlAttr.MAXATTR) ?? 0,
    groups,
  };
}

/**
 * Sends a generic netlink request and returns the decoded replies. With MessageFlag.DUMP
 * in `flags` it collects a whole dump; otherwise it waits for the ack (create/delete
 * commands resolve with [] on success). Refusals reject with a NetlinkError saying
 * `operation` ("adding virtual server 10.0.0.1:80") and the errno.
 */
export async function genlRequest(
  conn: NetlinkConnection,
  familyId: number,
  cmd: number,
  version: number,
  attrs: Buffer | AttributeEncoder,
  flags = 0,
  operation = `generic netlink command ${cmd} to family ${familyId}`,
  hints?: Readonly<Record<string, string>>,
): Promise<GenlMessage[]> {
  const body = attrs instanceof AttributeEncoder ? attrs.finish() : attrs;
  const payload = Buffer.concat([encodeGenlHeader(cmd, version), body]);
  const dump = (flags & MessageFlag.DUMP) === MessageFlag.DUMP;
  const req = { type: familyId, flags: flags & ~(dump ? MessageFlag.DUMP : 0), payload, operation, ...(hints ? { hints } : {}) };
  const replies = dump ? await conn.dump(req) : await conn.request(req);
  return replies.filter((m) => m.type === familyId).map((m) => decodeGenlMessage(m.payload));
}

/** Looks a family up by name ("IPVS", "nlctrl"); ENOENT when its module is not loaded. */
export async function resolveFamily(conn: NetlinkConnection, name: string): Promise<GenlFamily> {
  const replies = await genlRequest(conn, GENL_ID_CTRL, CtrlCmd.GETFAMILY, 1, new AttributeEncoder().string(CtrlAttr.FAMILY_NAME, name), 0, `resolving generic netlink family ${name}`, {
    ENOENT: 'no such generic netlink family (kernel module not loaded?)',
  });
  const first = replies[0];
  if (!first) throw new Error(`resolving generic netlink family ${name}: the controller sent no reply`);
  return decodeFamily(Buffer.concat([encodeGenlHeader(first.cmd, first.version), first.body]));
}

/** Every registered family (CTRL_CMD_GETFAMILY dump). */
export async function listFamilies(conn: NetlinkConnection): Promise<GenlFamily[]> {
  const replies = await genlRequest(conn, GENL_ID_CTRL, CtrlCmd.GETFAMILY, 1, Buffer.alloc(0), MessageFlag.DUMP, 'listing generic netlink families');
  return replies.map((m) => decodeFamily(Buffer.concat([encodeGenlHeader(m.cmd, m.version), m.body])));
}

/** A connection on a new NETLINK_GENERIC socket. */
export function openGenetlink(options: NetlinkConnectionOptions = {}): NetlinkConnection {
  return openNetlink(NetlinkProtocol.GENERIC, options);
}
