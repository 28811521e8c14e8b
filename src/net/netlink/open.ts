// Opens a real netlink socket (through the native addon) wrapped in a connection.
import { openSocket } from '../sys.js';
import { AF_NETLINK } from './constants.js';
import { NetlinkConnection, type NetlinkConnectionOptions } from './connection.js';

const SOCK_RAW = 3;
/** Large enough for the biggest dump datagram the kernel builds (it caps them at 32 KiB). */
const DATAGRAM_BUFFER = 64 * 1024;

/** A connection on a new AF_NETLINK socket of `protocol` (NetlinkProtocol.ROUTE, .GENERIC). */
export function openNetlink(protocol: number, options: NetlinkConnectionOptions = {}): NetlinkConnection {
  const socket = openSocket(AF_NETLINK, SOCK_RAW, protocol, { receiveBufferSize: DATAGRAM_BUFFER });
  return new NetlinkConnection(socket, options);
}
