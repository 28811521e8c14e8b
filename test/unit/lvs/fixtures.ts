// Small builders for LVS unit tests.
import { NO_SCHEDULER_FLAGS, type RealServerSpec, type ServiceEntry, type ServiceKey, type VirtualServerSpec } from '../../../src/lvs/desired.js';

export function tcp(address: string, port: number): ServiceKey {
  return { kind: 'addr', family: address.includes(':') ? 'inet6' : 'inet', protocol: 'tcp', address, port };
}

export function rs(address: string, port: number, extra: Partial<RealServerSpec> = {}): RealServerSpec {
  return {
    family: address.includes(':') ? 'inet6' : 'inet',
    address,
    port,
    weight: 1,
    forwarding: { method: 'nat' },
    upperThreshold: 0,
    lowerThreshold: 0,
    inhibitOnFailure: false,
    alpha: false,
    ...extra,
  };
}

export function vs(name: string, services: ServiceKey[], realServers: RealServerSpec[], extra: Partial<VirtualServerSpec> = {}): VirtualServerSpec {
  return { name, services, scheduler: 'wlc', schedulerFlags: NO_SCHEDULER_FLAGS, onePacket: false, realServers, quorum: 1, hysteresis: 0, ...extra };
}

export function svc(key: ServiceKey, dests: Array<[string, number, number]>, extra: Partial<ServiceEntry> = {}): ServiceEntry {
  return {
    key,
    scheduler: 'wlc',
    schedulerFlags: NO_SCHEDULER_FLAGS,
    onePacket: false,
    destinations: dests.map(([address, port, weight]) => ({
      family: address.includes(':') ? 'inet6' : 'inet',
      address,
      port,
      weight,
      forwarding: { method: 'nat' },
      upperThreshold: 0,
      lowerThreshold: 0,
    })),
    ...extra,
  };
}
