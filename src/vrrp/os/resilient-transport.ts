// A transport wrapper that never lets one socket take the whole router down. When a socket
// cannot be opened (the unicast source address is not configured yet: EADDRNOTAVAIL; the
// interface does not exist: ENODEV), the instances on it are put in FAULT and the open is
// retried until it succeeds; they then leave FAULT. keepalived does the same when an
// interface or address appears later.
import type { ChannelKey, OutgoingPacket, ReceivedPacket, VrrpChannel, VrrpTransport } from '../ports.js';

export interface SocketFaultListener {
  /** The socket for `key` could not be opened (`error` says why), or (error undefined) it now is. */
  (key: ChannelKey, error: Error | undefined): void;
}

export function describeChannel(key: ChannelKey): string {
  const where = key.interface ?? key.sourceAddress ?? 'any interface';
  return key.mode === 'unicast' ? `${where} (unicast${key.sourceAddress !== undefined && key.interface !== undefined ? ` from ${key.sourceAddress}` : ''})` : `${where} (${key.group ?? 'multicast'})`;
}

class RetryingChannel implements VrrpChannel {
  inner: VrrpChannel | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly open: () => Promise<VrrpChannel>,
    private readonly retryMs: number,
    private readonly onOpened: () => void,
  ) {}

  schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.retry(), this.retryMs);
    this.timer.unref();
  }

  private async retry(): Promise<void> {
    this.timer = undefined;
    if (this.closed) return;
    try {
      const ch = await this.open();
      if (this.closed) {
        await ch.close();
        return;
      }
      this.inner = ch;
      this.onOpened();
    } catch {
      this.schedule();
    }
  }

  send(packet: OutgoingPacket): void | Promise<void> {
    // No socket: the instances are in FAULT and send nothing but a final priority 0.
    return this.inner?.send(packet);
  }

  close(): void | Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    return this.inner?.close();
  }
}

export class ResilientTransport implements VrrpTransport {
  constructor(
    private readonly inner: VrrpTransport,
    private readonly onFault: SocketFaultListener,
    private readonly retryMs = 2000,
  ) {}

  async open(key: ChannelKey, onPacket: (packet: ReceivedPacket) => void): Promise<VrrpChannel> {
    const open = async () => this.inner.open(key, onPacket);
    try {
      return await open();
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const ch = new RetryingChannel(open, this.retryMs, () => this.onFault(key, undefined));
      this.onFault(key, err);
      ch.schedule();
      return ch;
    }
  }
}
