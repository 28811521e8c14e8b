// Takes the VRRP code through a failover once at start-up, on fake ports and a virtual clock,
// so that the first real failover does not wait for V8.
//
// V8 compiles a function the first time it is called. The code of a takeover (master-down
// timer -> MASTER: advert, VIPs, GARPs, notifications) and of a handover (priority-0 advert)
// runs for the first time exactly when a failover happens, and compiling it then cost about
// 1-2 ms per transition: measured on the wire, our first takeover came 1-2 ms after
// keepalived's. Running the same transitions here beforehand, on copies of the configured
// instances (same version, family, authentication, advert interval), moves that cost to
// start-up, where nobody waits for it. Nothing here touches a socket, an address or a clock.
import { FakeSegment, VirtualClock } from './fakes.js';
import { VrrpRouter } from './router.js';
import type { VrrpInstanceSpec } from './spec.js';
import { normaliseAdvertIntUs } from './timers.js';

/** Distinct kinds of instance warmed up (version × family × auth × mode); more add nothing. */
const MAX_VARIANTS = 8;

/** Documentation addresses (RFC 5737, RFC 3849): never on a real interface, and never used here. */
const HOSTS = {
  inet: { self: '192.0.2.1', peer: '192.0.2.2', vip: '192.0.2.100' },
  inet6: { self: 'fe80::1', peer: 'fe80::2', vip: '2001:db8::100' },
} as const;

/** The kinds of instance `specs` hold, each as one stand-in spec on documentation addresses. */
export function warmupSpecs(specs: readonly VrrpInstanceSpec[]): VrrpInstanceSpec[] {
  const seen = new Map<string, VrrpInstanceSpec>();
  for (const s of specs) {
    const family = s.family ?? (s.vips[0]?.address.includes(':') ? 'inet6' : 'inet');
    const version = family === 'inet6' ? 3 : (s.version ?? 2);
    const unicast = (s.unicastPeers?.length ?? 0) > 0;
    const auth = version === 2 ? s.auth : undefined;
    const key = `${version}/${family}/${auth?.type ?? 'none'}/${unicast ? 'u' : 'm'}`;
    if (seen.has(key) || seen.size >= MAX_VARIANTS) continue;
    const h = HOSTS[family];
    const w: VrrpInstanceSpec = {
      name: `warmup-${seen.size}`,
      vrid: 1,
      version,
      family,
      interface: 'warm0',
      priority: 100,
      // The interval sets no code path; a valid one for the version is all that matters.
      advertIntSec: normaliseAdvertIntUs(version, s.advertIntSec ?? 1) / 1_000_000,
      vips: [{ address: h.vip, prefixLength: family === 'inet6' ? 64 : 24 }],
      sourceAddress: h.self,
    };
    if (auth) w.auth = auth;
    if (unicast) w.unicastPeers = [{ address: h.peer }];
    seen.set(key, w);
  }
  return [...seen.values()];
}

/**
 * For each stand-in: BACKUP -> MASTER on the master-down timer, MASTER -> BACKUP on a higher
 * advert, BACKUP -> MASTER on a priority-0 advert, and the priority-0 advert of a stop.
 * Returns the states each stand-in went through (for the tests). Errors are swallowed: this
 * is an optimisation, never a reason not to run.
 */
export async function warmUpFailover(specs: readonly VrrpInstanceSpec[]): Promise<string[][]> {
  const seen: string[][] = [];
  for (const spec of warmupSpecs(specs)) {
    try {
      seen.push(await warmUpOne(spec));
    } catch {
      // A stand-in the fakes cannot run only leaves that path cold.
    }
  }
  return seen;
}

async function warmUpOne(spec: VrrpInstanceSpec): Promise<string[]> {
  const h = HOSTS[spec.family ?? 'inet'];
  const seg = new FakeSegment(new VirtualClock());
  const host = seg.host('self', [h.self]);
  const self = VrrpRouter.create([spec], host.ports()).router;
  const peerSpec: VrrpInstanceSpec = { ...spec, priority: 200, sourceAddress: h.peer };
  if (spec.unicastPeers) peerSpec.unicastPeers = [{ address: h.self }];
  const peer = VrrpRouter.create([peerSpec], seg.host('peer', [h.peer]).ports()).router;
  // Each step outlasts a master-down interval (3 adverts + the skew time, under 4 adverts).
  const stepUs = 2 * Math.round((spec.advertIntSec ?? 1) * 1_000_000);
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 4; i++) {
      seg.clock.advance(stepUs);
      await Promise.all([self.idle(), peer.idle()]);
    }
  };
  await self.start();
  await settle(); // alone: master-down timer -> MASTER
  // One round is enough: more (10, 40) made no difference on the wire.
  await peer.start();
  await settle(); // the peer preempts: MASTER -> BACKUP
  await peer.stop();
  await settle(); // priority 0 heard: BACKUP -> MASTER after the skew time
  await self.stop(); // priority 0 sent, VIPs removed
  return host.sink.changes.map((c) => c.state);
}
