// The VRRP runtime on the real system: raw sockets, rtnetlink, AF_PACKET announcements and
// Node's timers plugged into the runtime's ports. This is the only place that knows both.
import { RtnetlinkClient } from '../../net/rtnetlink.js';
import { VrrpRouter, type CreateRouterResult, type RouterOptions } from '../router.js';
import type { VrrpEventSink } from '../ports.js';
import type { VrrpInstanceSpec } from '../spec.js';
import { NetlinkAddresses } from './addresses.js';
import { PacketAnnouncer } from './announce.js';
import { systemClock } from './clock.js';
import { RawSocketTransport } from './transport.js';

export interface SystemRouter extends CreateRouterResult {
  rt: RtnetlinkClient;
  /** Stops the router (priority-0 adverts, VIPs removed) and closes every socket. */
  shutdown(): Promise<void>;
}

/**
 * Fills in what keepalived takes from the interface when the config does not say: the
 * source address of adverts (the interface's primary IPv4 address, or its IPv6 link-local).
 */
export async function withSourceAddresses(specs: readonly VrrpInstanceSpec[], rt: RtnetlinkClient): Promise<VrrpInstanceSpec[]> {
  const out: VrrpInstanceSpec[] = [];
  for (const s of specs) {
    if (s.sourceAddress !== undefined || s.interface === undefined) {
      out.push(s);
      continue;
    }
    const family = s.family ?? (s.vips[0]?.address.includes(':') ? 'inet6' : 'inet');
    let addrs: Awaited<ReturnType<RtnetlinkClient['addresses']>> = [];
    try {
      addrs = await rt.addresses({ link: s.interface, family: family === 'inet' ? 4 : 6 });
    } catch {
      /* a missing interface is the instance's fault state, reported by the runtime */
    }
    const vipSet = new Set(s.vips.map((v) => v.address));
    const primary =
      family === 'inet'
        ? addrs.find((a) => !a.flags.includes('secondary') && !vipSet.has(a.address))
        : addrs.find((a) => a.address.toLowerCase().startsWith('fe80:'));
    out.push(primary ? { ...s, sourceAddress: primary.address } : s);
  }
  return out;
}

export async function createSystemRouter(specs: readonly VrrpInstanceSpec[], sink: VrrpEventSink, options: RouterOptions = {}): Promise<SystemRouter> {
  const rt = RtnetlinkClient.open();
  const log = (line: string) => sink.log(line);
  const announcer = new PacketAnnouncer(log);
  const filled = await withSourceAddresses(specs, rt);
  const created = VrrpRouter.create(
    filled,
    { transport: new RawSocketTransport(log), addresses: new NetlinkAddresses(rt, log), announce: announcer, clock: systemClock(), sink },
    options,
  );
  return {
    ...created,
    rt,
    async shutdown() {
      await created.router.stop();
      await created.router.idle();
      announcer.close();
      rt.close();
    },
  };
}
