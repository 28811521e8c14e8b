// The NAT load-balancer lab of the namespace tests that send real client traffic through a
// keepalived-ts load balancer: a client on 10.9.1.0/24, the load balancer between that and
// the real servers' 10.9.2.0/24 (forwarding on, the VIP on its eth0), and the real servers,
// routed back through it.
import { Lab, type Netns } from './netns.js';

export const NAT_LAB_VIP = '10.9.1.100';

/** The i-th real server's address (10.9.2.11, .12, ...). */
export const natLabServerAddress = (i: number): string => `10.9.2.${11 + i}`;

export interface NatLbLab {
  lab: Lab;
  client: Netns;
  lb: Netns;
  /** One namespace per name given, in order, at natLabServerAddress(i). */
  servers: Netns[];
}

export async function createNatLbLab(serverNames: readonly string[]): Promise<NatLbLab> {
  const lab = await Lab.create();
  const client = await lab.addHost('cli', { addrs: ['10.9.1.10/24'] });
  const lb = await lab.addHost('lb', { addrs: ['10.9.1.1/24', '10.9.2.1/24'] });
  await lb.ip('addr', 'add', `${NAT_LAB_VIP}/32`, 'dev', 'eth0');
  for (const k of ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.eth0.send_redirects=0']) await lb.run('sysctl', ['-qw', k]);
  const servers: Netns[] = [];
  for (const [i, name] of serverNames.entries()) {
    const ns = await lab.addHost(name, { addrs: [`${natLabServerAddress(i)}/24`] });
    await ns.ip('route', 'add', 'default', 'via', '10.9.2.1');
    servers.push(ns);
  }
  return { lab, client, lb, servers };
}
