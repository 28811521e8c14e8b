// The thin system-call layer that Node lacks: sockets of any family (raw IP, AF_PACKET,
// AF_NETLINK), with ancillary data, readiness on the libuv loop. Implemented by the
// N-API addon in native/; no protocol logic lives here or there.
//
// This file is the contract the rest of src/net codes against; tests use fakes of
// `SocketLike`. The loader (`openSocket`) is filled in with the addon.

export type SockAddr =
  | { family: 'inet'; address: string; port?: number }
  | { family: 'inet6'; address: string; port?: number; scopeId?: number }
  | { family: 'packet'; ifindex: number; protocol: number; address?: Buffer; hatype?: number; pkttype?: number }
  | { family: 'netlink'; pid?: number; groups?: number };

/** Ancillary data, sent or received. */
export type Cmsg =
  | { kind: 'ip_pktinfo'; ifindex: number; specDst?: string; addr?: string }
  | { kind: 'ip_ttl'; ttl: number }
  | { kind: 'ipv6_pktinfo'; ifindex: number; addr: string }
  | { kind: 'ipv6_hoplimit'; hopLimit: number }
  | { kind: 'raw'; level: number; type: number; data: Buffer };

export interface ReceivedMessage {
  data: Buffer;
  from?: SockAddr;
  cmsgs: Cmsg[];
  /** MSG_TRUNC was set: the datagram was larger than the buffer. */
  truncated: boolean;
}

export interface SocketLike {
  readonly fd: number;
  bind(addr: SockAddr): void;
  connect(addr: SockAddr): void;
  setsockopt(level: number, name: number, value: number | Buffer): void;
  getsockopt(level: number, name: number, length: number): Buffer;
  /** sendmsg(2); returns bytes sent. Throws a SysError (EAGAIN included) synchronously. */
  send(data: Buffer | Buffer[], to?: SockAddr, cmsgs?: Cmsg[]): number;
  /** Starts reading on the loop: every datagram ready is delivered, until close(). */
  onMessage(handler: (msg: ReceivedMessage) => void, onError?: (err: SysError) => void): void;
  close(): void;
}

/** An errno from a system call, as Node reports its own (code "EPERM", errno 1, syscall "bind"). */
export interface SysError extends Error {
  code: string;
  errno: number;
  syscall: string;
}
