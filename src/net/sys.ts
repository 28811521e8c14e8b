// The thin system-call layer that Node lacks: sockets of any family (raw IP, AF_PACKET,
// AF_NETLINK), with ancillary data, readiness on the libuv loop. Implemented by the
// N-API addon in native/; no protocol logic lives here or there.
//
// This file is the contract the rest of src/net codes against; tests use fakes of
// `SocketLike`. `openSocket` loads the addon (native/build/Release/kts_native.node).

import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as C from './constants.js';
import { bytesToIpv4, bytesToIpv6, ipv4ToBytes, ipv6ToBytes } from './inet-address.js';

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
  /** When it arrived (the kernel's stamp with SO_TIMESTAMPNS, else when it was read): CLOCK_MONOTONIC in whole µs (monotonicNowUs's clock). */
  at?: number;
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

// ---------------------------------------------------------------------------------------
// The loader and the socket over the addon.


/** The raw ancillary item as it crosses the addon boundary. */
export interface RawCmsg {
  level: number;
  type: number;
  data: Buffer;
}

interface RawMessage {
  data: Buffer;
  from: Buffer | null;
  cmsgs: RawCmsg[];
  flags: number;
  /** When the addon read it: CLOCK_MONOTONIC in whole µs (absent from an older build). */
  at?: number;
}

/** What native/kts_native.c exports. Addresses and cmsg payloads are raw kernel structs. */
interface NativeAddon {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer): void;
  connect(fd: number, addr: Buffer): void;
  setsockopt(fd: number, level: number, name: number, value: number | Buffer): void;
  getsockopt(fd: number, level: number, name: number, length: number): Buffer;
  sendmsg(fd: number, data: Buffer[], addr: Buffer | null, cmsgs: RawCmsg[] | null, flags: number): number;
  recvmsg(fd: number, size: number): RawMessage | null;
  pollStart(fd: number, size: number, cb: (err: SysError | null, msg: RawMessage | null) => void): unknown;
  pollStop(handle: unknown): void;
  close(fd: number): void;
  ifNameToIndex(name: string): number;
  ifIndexToName(index: number): string;
  mkfifo(path: string, mode: number): void;
  watchSignal(signo: number, cb: (signo: number) => void): unknown;
  closeSignal(handle: unknown): void;
  sigrtmin(): number;
  sigrtmax(): number;
  timerOpen(cb: () => void): unknown;
  timerArm(handle: unknown, sec: number, nsec: number): void;
  timerClose(handle: unknown): void;
  setScheduler(tid: number, policy: number, priority: number): void;
  setRlimit(resource: number, soft: number, hard: number): void;
  setAffinity(tid: number, cpus: number[]): void;
  connectNb(fd: number, addr: Buffer): number;
  socketError(fd: number): number;
  readInto(fd: number, buf: Buffer): number;
  writeFrom(fd: number, buf: Buffer): number;
  epollOpen(out: Int32Array, cb: (count: number) => void): unknown;
  epollCtl(handle: unknown, op: number, fd: number, events: number, tag: number): number;
  epollClose(handle: unknown): void;
  epollPoll(handle: unknown): number;
  epollWatchLoop(handle: unknown, on: boolean): void;
}

/** Where `npm ci` (node-gyp in native/) leaves the addon, relative to dist/src/net/. */
export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../../../native/build/Release/kts_native.node', import.meta.url));

let addon: NativeAddon | undefined;
let loadError: string | undefined;

function load(): NativeAddon {
  if (addon) return addon;
  if (loadError === undefined) {
    try {
      addon = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as NativeAddon;
      return addon;
    } catch (e) {
      const missing = (e as { code?: string }).code === 'MODULE_NOT_FOUND';
      loadError = missing
        ? 'keepalived-ts: native addon not built (native/build/Release/kts_native.node): run npm ci'
        : `keepalived-ts: native addon native/build/Release/kts_native.node does not load (${(e as Error).message.split('\n')[0]}): run npm ci`;
    }
  }
  throw new Error(loadError);
}

/** Why the addon cannot be used, or undefined when it can (for clear errors and test skips). */
export function nativeUnavailable(): string | undefined {
  try {
    load();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The system calls of process tuning (src/daemon/process-tuning.ts); each throws a SysError. */
export interface SchedCalls {
  /** sched_setscheduler(tid, policy, {priority}); tid 0: the calling thread. */
  setScheduler(tid: number, policy: number, priority: number): void;
  /** setrlimit(resource, {soft, hard}); -1: RLIM_INFINITY. */
  setRlimit(resource: number, soft: number, hard: number): void;
  /** sched_setaffinity(tid, cpus). */
  setAffinity(tid: number, cpus: number[]): void;
}

export function schedCalls(): SchedCalls {
  const a = load();
  return {
    setScheduler: (tid, policy, priority) => a.setScheduler(tid, policy, priority),
    setRlimit: (resource, soft, hard) => a.setRlimit(resource, soft, hard),
    setAffinity: (tid, cpus) => a.setAffinity(tid, cpus),
  };
}

/** mkfifo(3): Node has no call for it. Throws a SysError (code EEXIST, ...) on failure. */
export function makeFifo(path: string, mode = 0o644): void {
  load().mkfifo(path, mode);
}

export function nativeAvailable(): boolean {
  return nativeUnavailable() === undefined;
}

export function isSysError(e: unknown): e is SysError {
  return e instanceof Error && typeof (e as SysError).code === 'string' && typeof (e as SysError).syscall === 'string';
}

/** An error shaped like the addon's (for fakes and for checks done on the JS side). */
export function makeSysError(code: string, errno: number, syscall: string, message = code): SysError {
  return Object.assign(new Error(`${code}: ${message}, ${syscall}`), { code, errno, syscall });
}

// Struct fields the kernel keeps in host byte order (families, ifindex, pids).
const LE = endianness() === 'LE';
const u16 = (b: Buffer, v: number, o: number) => (LE ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
const u32 = (b: Buffer, v: number, o: number) => (LE ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
const i32 = (b: Buffer, v: number, o: number) => (LE ? b.writeInt32LE(v, o) : b.writeInt32BE(v, o));
const ru16 = (b: Buffer, o: number) => (LE ? b.readUInt16LE(o) : b.readUInt16BE(o));
const ru32 = (b: Buffer, o: number) => (LE ? b.readUInt32LE(o) : b.readUInt32BE(o));
const ri32 = (b: Buffer, o: number) => (LE ? b.readInt32LE(o) : b.readInt32BE(o));

/** struct sockaddr_in / _in6 / _ll / _nl bytes for an address. */
export function encodeSockAddr(a: SockAddr): Buffer {
  switch (a.family) {
    case 'inet': {
      const b = Buffer.alloc(16);
      u16(b, C.AF_INET, 0);
      b.writeUInt16BE(a.port ?? 0, 2);
      ipv4ToBytes(a.address).copy(b, 4);
      return b;
    }
    case 'inet6': {
      const b = Buffer.alloc(28);
      u16(b, C.AF_INET6, 0);
      b.writeUInt16BE(a.port ?? 0, 2);
      ipv6ToBytes(a.address).copy(b, 8);
      u32(b, a.scopeId ?? 0, 24);
      return b;
    }
    case 'packet': {
      const b = Buffer.alloc(20);
      u16(b, C.AF_PACKET, 0);
      b.writeUInt16BE(a.protocol, 2);
      i32(b, a.ifindex, 4);
      u16(b, a.hatype ?? 0, 8);
      b[10] = a.pkttype ?? 0;
      const hw = a.address ?? Buffer.alloc(0);
      if (hw.length > 8) throw new RangeError('a link-layer address has at most 8 bytes');
      b[11] = hw.length;
      hw.copy(b, 12);
      return b;
    }
    case 'netlink': {
      const b = Buffer.alloc(12);
      u16(b, C.AF_NETLINK, 0);
      u32(b, a.pid ?? 0, 4);
      u32(b, a.groups ?? 0, 8);
      return b;
    }
  }
}

/** The address the kernel reported, or undefined for a family we do not model. */
export function decodeSockAddr(b: Buffer): SockAddr | undefined {
  if (b.length < 2) return undefined;
  const family = ru16(b, 0);
  if (family === C.AF_INET && b.length >= 8) return { family: 'inet', address: bytesToIpv4(b, 4), port: b.readUInt16BE(2) };
  if (family === C.AF_INET6 && b.length >= 28) return { family: 'inet6', address: bytesToIpv6(b, 8), port: b.readUInt16BE(2), scopeId: ru32(b, 24) };
  if (family === C.AF_PACKET && b.length >= 12) {
    const halen = Math.min(b[11] ?? 0, 8);
    return { family: 'packet', protocol: b.readUInt16BE(2), ifindex: ri32(b, 4), hatype: ru16(b, 8), pkttype: b[10] ?? 0, address: Buffer.from(b.subarray(12, 12 + halen)) };
  }
  if (family === C.AF_NETLINK && b.length >= 12) return { family: 'netlink', pid: ru32(b, 4), groups: ru32(b, 8) };
  return undefined;
}

/** Writes a C int in host byte order (ifindex fields of ip_mreqn, ipv6_mreq, ...). */
export function writeHostInt32(b: Buffer, v: number, offset: number): void {
  i32(b, v, offset);
}

function intBytes(v: number): Buffer {
  const b = Buffer.alloc(4);
  i32(b, v, 0);
  return b;
}

export function encodeCmsg(c: Cmsg): RawCmsg {
  switch (c.kind) {
    case 'ip_pktinfo': {
      // struct in_pktinfo { int ipi_ifindex; struct in_addr ipi_spec_dst, ipi_addr; }
      const d = Buffer.alloc(12);
      i32(d, c.ifindex, 0);
      if (c.specDst) ipv4ToBytes(c.specDst).copy(d, 4);
      if (c.addr) ipv4ToBytes(c.addr).copy(d, 8);
      return { level: C.SOL_IP, type: C.IP_PKTINFO, data: d };
    }
    case 'ip_ttl':
      return { level: C.SOL_IP, type: C.IP_TTL, data: intBytes(c.ttl) };
    case 'ipv6_pktinfo': {
      // struct in6_pktinfo { struct in6_addr ipi6_addr; int ipi6_ifindex; }
      const d = Buffer.alloc(20);
      ipv6ToBytes(c.addr).copy(d, 0);
      i32(d, c.ifindex, 16);
      return { level: C.SOL_IPV6, type: C.IPV6_PKTINFO, data: d };
    }
    case 'ipv6_hoplimit':
      return { level: C.SOL_IPV6, type: C.IPV6_HOPLIMIT, data: intBytes(c.hopLimit) };
    case 'raw':
      return { level: c.level, type: c.type, data: c.data };
  }
}

export function decodeCmsg(r: RawCmsg): Cmsg {
  const d = r.data;
  if (r.level === C.SOL_IP && r.type === C.IP_PKTINFO && d.length >= 12)
    return { kind: 'ip_pktinfo', ifindex: ri32(d, 0), specDst: bytesToIpv4(d, 4), addr: bytesToIpv4(d, 8) };
  if (r.level === C.SOL_IP && r.type === C.IP_TTL && d.length >= 4) return { kind: 'ip_ttl', ttl: ri32(d, 0) };
  if (r.level === C.SOL_IPV6 && r.type === C.IPV6_PKTINFO && d.length >= 20) return { kind: 'ipv6_pktinfo', addr: bytesToIpv6(d, 0), ifindex: ri32(d, 16) };
  if (r.level === C.SOL_IPV6 && r.type === C.IPV6_HOPLIMIT && d.length >= 4) return { kind: 'ipv6_hoplimit', hopLimit: ri32(d, 0) };
  return { kind: 'raw', level: r.level, type: r.type, data: d };
}

function toMessage(m: RawMessage): ReceivedMessage {
  // Once per datagram read (every netlink ack, every advert): no spread, no map of nothing.
  const msg: ReceivedMessage = { data: m.data, cmsgs: m.cmsgs.length === 0 ? [] : m.cmsgs.map(decodeCmsg), truncated: (m.flags & C.MSG_TRUNC) !== 0 };
  const from = m.from ? decodeSockAddr(m.from) : undefined;
  if (from) msg.from = from;
  if (m.at !== undefined) msg.at = m.at;
  return msg;
}

export interface OpenSocketOptions {
  /** Largest datagram read in one piece (default 65536; larger ones arrive truncated). */
  receiveBufferSize?: number;
}

/** A socket from the addon. Methods throw SysErrors; after close() they throw EBADF. */
class NativeSocket implements SocketLike {
  private poll: unknown;
  private closed = false;

  constructor(
    private readonly native: NativeAddon,
    readonly fd: number,
    private readonly bufferSize: number,
  ) {}

  private check(syscall: string): void {
    // The fd number may already belong to another socket: never touch it after close.
    if (this.closed) throw makeSysError('EBADF', 9, syscall, 'socket is closed');
  }

  bind(addr: SockAddr): void {
    this.check('bind');
    this.native.bind(this.fd, encodeSockAddr(addr));
  }

  connect(addr: SockAddr): void {
    this.check('connect');
    this.native.connect(this.fd, encodeSockAddr(addr));
  }

  setsockopt(level: number, name: number, value: number | Buffer): void {
    this.check('setsockopt');
    this.native.setsockopt(this.fd, level, name, value);
  }

  getsockopt(level: number, name: number, length: number): Buffer {
    this.check('getsockopt');
    return this.native.getsockopt(this.fd, level, name, length);
  }

  /** `flags` are sendmsg(2) flags (MSG_DONTROUTE for VRRP multicast). */
  send(data: Buffer | Buffer[], to?: SockAddr, cmsgs?: Cmsg[], flags = 0): number {
    this.check('sendmsg');
    const parts = Array.isArray(data) ? data : [data];
    return this.native.sendmsg(this.fd, parts, to ? encodeSockAddr(to) : null, cmsgs?.length ? cmsgs.map(encodeCmsg) : null, flags);
  }

  /** One non-blocking read: the next datagram, or undefined when none is waiting. */
  recv(): ReceivedMessage | undefined {
    this.check('recvmsg');
    const m = this.native.recvmsg(this.fd, this.bufferSize);
    return m ? toMessage(m) : undefined;
  }

  onMessage(handler: (msg: ReceivedMessage) => void, onError?: (err: SysError) => void): void {
    this.check('uv_poll');
    if (this.poll !== undefined) this.native.pollStop(this.poll);
    this.poll = this.native.pollStart(this.fd, this.bufferSize, (err, msg) => {
      if (err) {
        if (onError) onError(err);
        else process.emitWarning(`socket ${this.fd}: ${err.message}`);
      } else if (msg) {
        handler(toMessage(msg));
      }
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.poll !== undefined) this.native.pollStop(this.poll);
    this.poll = undefined;
    this.native.close(this.fd);
  }
}

/** Most Buffers one send() takes as an iovec (the addon's MAX_IOV); more must be joined first. */
export const MAX_SEND_PARTS = 64;

/** The socket the addon returns: SocketLike plus a synchronous non-blocking read. */
export interface NativeSocketLike extends SocketLike {
  send(data: Buffer | Buffer[], to?: SockAddr, cmsgs?: Cmsg[], flags?: number): number;
  recv(): ReceivedMessage | undefined;
}

/** socket(2), always non-blocking and close-on-exec. Throws a SysError (EPERM without CAP_NET_RAW). */
export function openSocket(domain: number, type: number, protocol: number, opts: OpenSocketOptions = {}): NativeSocketLike {
  const native = load();
  const fd = native.socket(domain, type, protocol);
  return new NativeSocket(native, fd, opts.receiveBufferSize ?? 65536);
}

/** if_nametoindex(3); throws a SysError (ENODEV) for an unknown interface. */
export function ifNameToIndex(name: string): number {
  return load().ifNameToIndex(name);
}

/** if_indextoname(3); throws a SysError (ENXIO) for an unknown index. */
export function ifIndexToName(index: number): string {
  return load().ifIndexToName(index);
}

/** A signal being watched by watchSignal; close() restores the previous disposition. */
export interface SignalWatch {
  close(): void;
}

/**
 * Runs `handler` on the Node loop each time signal `signo` arrives. Unlike process.on, this
 * can catch real-time signals (keepalived's JSON dump is SIGRTMIN+2), whose default action
 * would otherwise terminate the process. It does not keep the process alive.
 */
export function watchSignal(signo: number, handler: (signo: number) => void): SignalWatch {
  const native = load();
  const handle = native.watchSignal(signo, handler);
  return { close: () => native.closeSignal(handle) };
}

/** The C library's SIGRTMIN as this process sees it (glibc reserves the first few). */
export function sigrtmin(): number {
  return load().sigrtmin();
}

/** The C library's SIGRTMAX. */
export function sigrtmax(): number {
  return load().sigrtmax();
}

/** A one-deadline timer on CLOCK_MONOTONIC (timerfd), run on the Node loop. */
export interface MonotonicTimer {
  /** Fire `onExpire` once at this CLOCK_MONOTONIC time, in µs (see monotonicNowUs); replaces any earlier deadline. */
  arm(atUs: number): void;
  disarm(): void;
  /** No callback after this; the process may exit. */
  close(): void;
}

/**
 * Opens a timerfd (CLOCK_MONOTONIC, absolute deadlines) polled on Node's loop: `onExpire`
 * runs within microseconds of the deadline, never before it, where setTimeout counts whole
 * milliseconds. Keeps the process alive only while armed.
 */
export function openMonotonicTimer(onExpire: () => void): MonotonicTimer {
  const native = load();
  const handle = native.timerOpen(onExpire);
  return {
    arm: (atUs) => {
      const us = Math.max(0, Math.ceil(atUs));
      native.timerArm(handle, Math.floor(us / 1_000_000), (us % 1_000_000) * 1000);
    },
    disarm: () => native.timerArm(handle, -1, 0),
    close: () => native.timerClose(handle),
  };
}

/**
 * CLOCK_MONOTONIC in whole µs (rounded down, so a timer armed for T reads >= T when it
 * fires). process.hrtime reads the same clock as the timerfd (libuv's uv_hrtime).
 */
export function monotonicNowUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1_000_000 + Math.floor(ns / 1000);
}

/**
 * The calls of a checker's non-blocking socket watched with epoll (src/check/epoll-socket.ts):
 * each the system call and nothing more. All but `streamSocket` return errnos instead of
 * throwing (a health check's connect is in progress or refused thousands of times a second).
 */
export interface ConnectCalls {
  /** socket(domain, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) -> fd; throws a SysError. */
  streamSocket(domain: number): number;
  /** connect(2) -> 0 or its errno (EINPROGRESS while the handshake runs). */
  connect(fd: number, addr: Buffer): number;
  /** getsockopt(SO_ERROR): the socket's pending error, 0 for none. */
  socketError(fd: number): number;
  /** read(2) into `buf`: bytes read, 0 at end of stream, or -errno (-EAGAIN: nothing waiting). */
  read(fd: number, buf: Buffer): number;
  /** send(2) of `buf` (MSG_NOSIGNAL): bytes written, or -errno. */
  write(fd: number, buf: Buffer): number;
  close(fd: number): void;
}

export function connectCalls(): ConnectCalls {
  const a = load();
  return {
    streamSocket: (domain) => a.socket(domain, C.SOCK_STREAM, 0),
    connect: (fd, addr) => a.connectNb(fd, addr),
    socketError: (fd) => a.socketError(fd),
    read: (fd, buf) => a.readInto(fd, buf),
    write: (fd, buf) => a.writeFrom(fd, buf),
    close: (fd) => a.close(fd),
  };
}

/** An epoll set polled on the Node loop; does not keep the process alive. */
export interface EpollSet {
  /** epoll_ctl(EPOLL_CTL_ADD): `tag` comes back with the fd's events; returns 0 or an errno. */
  add(fd: number, events: number, tag: number): number;
  /** epoll_ctl(EPOLL_CTL_MOD): the events watched for a registered fd; returns 0 or an errno. */
  modify(fd: number, events: number, tag: number): number;
  /** epoll_ctl(EPOLL_CTL_DEL); returns 0 or an errno. */
  remove(fd: number): number;
  /**
   * Collects the events ready now, without waiting, and hands them to the callback as the
   * loop would (nothing is called when none is ready); returns their count.
   */
  poll(): number;
  /** Whether the Node loop watches the set (default on); off, only poll() reports its events. */
  watchLoop(on: boolean): void;
  /** No callback after this. The fds still registered are the caller's to close. */
  close(): void;
}

/**
 * Opens an epoll set. When some of its fds are ready, `onReady(pairs, count)` runs once with
 * `pairs` holding `count` (tag, events) pairs; `room` pairs at most per call (the rest come
 * at the next loop iteration).
 */
export function openEpollSet(room: number, onReady: (pairs: Int32Array, count: number) => void): EpollSet {
  const native = load();
  const pairs = new Int32Array(2 * room);
  const handle = native.epollOpen(pairs, (count) => onReady(pairs, count));
  return {
    add: (fd, events, tag) => native.epollCtl(handle, C.EPOLL_CTL_ADD, fd, events, tag),
    modify: (fd, events, tag) => native.epollCtl(handle, C.EPOLL_CTL_MOD, fd, events, tag),
    remove: (fd) => native.epollCtl(handle, C.EPOLL_CTL_DEL, fd, 0, 0),
    poll: () => {
      const count = native.epollPoll(handle);
      if (count > 0) onReady(pairs, count);
      return count;
    },
    watchLoop: (on) => native.epollWatchLoop(handle, on),
    close: () => native.epollClose(handle),
  };
}
