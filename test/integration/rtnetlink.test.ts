// The rtnetlink client against the real kernel, in namespaces: what it adds, `ip` sees;
// what it refuses, it says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labUnavailable, type Netns } from '../lib/netns.js';
import { nativeUnavailable } from '../../src/net/sys.js';
import { rtnl, rtnlOk, MonitorProcess } from './rtnl-fixture.js';

const skip = labUnavailable() ?? nativeUnavailable();

/** A namespace with eth0 (a veth whose peer eth0p is up, so eth0 has carrier) and 10.0.0.10/24. */
async function host(lab: Lab, label: string): Promise<Netns> {
  const ns = await lab.addNs(label);
  await ns.ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p');
  await ns.ip('link', 'set', 'eth0p', 'up');
  await ns.ip('link', 'set', 'eth0', 'up');
  await ns.ip('addr', 'add', '10.0.0.10/24', 'dev', 'eth0');
  return ns;
}

interface IpAddrJson {
  addr_info: Array<{ family: string; local: string; prefixlen: number; label?: string; broadcast?: string; noprefixroute?: boolean; nodad?: boolean; home?: boolean; scope: string }>;
}

async function ipAddrs(ns: Netns, dev: string): Promise<IpAddrJson['addr_info']> {
  return (JSON.parse(await ns.ip('-j', 'addr', 'show', 'dev', dev)) as IpAddrJson[]).flatMap((l) => l.addr_info);
}

test('addresses added by the client, in one batch, are what ip addr shows, with their options', { skip }, async () => {
  const lab = await Lab.create();
  try {
    const ns = await host(lab, 'ad');
    const result = await rtnlOk<string[]>(ns, 'change-addresses', {
      items: [
        { op: 'add', link: 'eth0', address: '10.0.0.1/24', broadcast: '+', label: 'eth0:vip' },
        { op: 'add', link: 'eth0', address: '10.0.5.5', flags: ['noprefixroute'], scope: 'link' },
        { op: 'add', link: 'eth0', address: 'fd00::1/64', flags: ['nodad'] },
        { op: 'add', link: 'eth0', address: 'fd00::2/128', flags: ['nodad', 'home'], preferredLifetime: 0 },
        { op: 'add', link: 'eth0', address: '10.0.0.10/24' },
        { op: 'add', link: 'nosuch0', address: '10.0.0.3/24' },
        { op: 'delete', link: 'eth0', address: '10.9.9.9/32' },
        // After the refusals: a refusal stops nothing after it in the datagram.
        { op: 'add', link: 'eth0', address: '10.0.6.6/32' },
      ],
    });
    assert.deepEqual(result.slice(0, 4), ['ok', 'ok', 'ok', 'ok']);
    assert.equal(result[7], 'ok');
    assert.equal(result[4], 'adding address 10.0.0.10/24 on eth0: EEXIST (address already assigned)');
    assert.equal(result[5], 'adding address 10.0.0.3/24 on nosuch0: ENODEV (no such interface)');
    assert.match(result[6]!, /^deleting address 10\.9\.9\.9\/32 on eth0: EADDRNOTAVAIL \(address not assigned to the interface\)/);

    const seen = await ipAddrs(ns, 'eth0');
    const vip = seen.find((a) => a.local === '10.0.0.1');
    assert.deepEqual([vip?.prefixlen, vip?.label, vip?.broadcast], [24, 'eth0:vip', '10.0.0.255']);
    const host32 = seen.find((a) => a.local === '10.0.5.5');
    assert.deepEqual([host32?.prefixlen, host32?.noprefixroute, host32?.scope], [32, true, 'link']);
    const v6 = seen.find((a) => a.local === 'fd00::1');
    assert.deepEqual([v6?.prefixlen, v6?.nodad], [64, true]);
    assert.equal(seen.find((a) => a.local === 'fd00::2')?.home, true);
    assert.ok(seen.some((a) => a.local === '10.0.6.6'), 'the change after the refusals was made');

    // The client's own listing agrees.
    const listed = await rtnlOk<Array<{ address: string; prefixLength: number; label?: string; flags: string[] }>>(ns, 'addresses', { link: 'eth0' });
    assert.ok(listed.some((a) => a.address === '10.0.0.1' && a.prefixLength === 24 && a.label === 'eth0:vip'));
    assert.ok(listed.some((a) => a.address === 'fd00::2' && a.flags.includes('home') && a.flags.includes('nodad')));

    // "replace" updates an address in place (here its lifetimes) instead of failing.
    assert.deepEqual(await rtnlOk(ns, 'change-addresses', { items: [{ op: 'replace', link: 'eth0', address: '10.0.0.1/24', broadcast: '+', label: 'eth0:vip', validLifetime: 3600, preferredLifetime: 0 }] }), ['ok']);
    const replaced = (await ipAddrs(ns, 'eth0')).find((a) => a.local === '10.0.0.1') as { valid_life_time?: number; deprecated?: boolean } | undefined;
    assert.ok(replaced && replaced.valid_life_time! <= 3600 && replaced.deprecated === true, JSON.stringify(replaced));

    // Deleting removes exactly those.
    await rtnlOk(ns, 'delete-address', { link: 'eth0', address: '10.0.0.1/24' });
    await rtnlOk(ns, 'delete-address', { link: 'eth0', address: 'fd00::1/64' });
    const after = (await ipAddrs(ns, 'eth0')).map((a) => a.local);
    assert.ok(!after.includes('10.0.0.1') && !after.includes('fd00::1'));
    assert.ok(after.includes('10.0.0.10') && after.includes('10.0.5.5'));
  } finally {
    await lab.cleanup();
  }
});

test('links are listed with state, MAC and MTU, and set down and up', { skip }, async () => {
  const lab = await Lab.create();
  try {
    const ns = await host(lab, 'lk');
    await ns.ip('link', 'set', 'eth0', 'address', '02:00:00:00:00:0a', 'mtu', '1400');
    const eth0 = await rtnlOk<{ name: string; up: boolean; lowerUp: boolean; operState: string; mac: string; mtu: number; kind: string; index: number }>(ns, 'link', { link: 'eth0' });
    assert.deepEqual([eth0.up, eth0.lowerUp, eth0.operState, eth0.mac, eth0.mtu, eth0.kind], [true, true, 'up', '02:00:00:00:00:0a', 1400, 'veth']);
    const all = await rtnlOk<Array<{ name: string; index: number }>>(ns, 'links');
    assert.deepEqual(all.map((l) => l.name).sort(), ['eth0', 'eth0p', 'lo']);
    assert.equal((await rtnlOk<{ name: string }>(ns, 'link', { link: eth0.index })).name, 'eth0');

    await rtnlOk(ns, 'set-link', { link: 'eth0', up: false });
    const flags = (JSON.parse(await ns.ip('-j', 'link', 'show', 'dev', 'eth0')) as Array<{ flags: string[] }>)[0]!.flags;
    assert.ok(!flags.includes('UP'), `eth0 still up: ${flags.join(',')}`);
    assert.equal((await rtnlOk<{ up: boolean; operState: string }>(ns, 'link', { link: 'eth0' })).operState, 'down');
    await rtnlOk(ns, 'set-link', { link: 'eth0', up: true });
    assert.ok((JSON.parse(await ns.ip('-j', 'link', 'show', 'dev', 'eth0')) as Array<{ flags: string[] }>)[0]!.flags.includes('UP'));

    // IFLA_GROUP, as netlink_notify_msg sets it: ip shows the group, the client reads it back.
    await rtnlOk(ns, 'set-link-group', { link: 'eth0', group: 7 });
    assert.match(await ns.ip('link', 'show', 'dev', 'eth0'), /\bgroup 7\b/);
    assert.equal((await rtnlOk<{ group: number }>(ns, 'link', { link: 'eth0' })).group, 7);
    await rtnlOk(ns, 'set-link-group', { link: 'eth0', group: 0 });
    assert.match(await ns.ip('link', 'show', 'dev', 'eth0'), /\bgroup default\b/);

    const missing = await rtnl(ns, 'set-link', { link: 'nosuch0', up: true });
    assert.deepEqual(missing, { ok: false, error: 'setting link nosuch0 up: ENODEV (no such interface)', code: 'ENODEV' });
  } finally {
    await lab.cleanup();
  }
});

interface IpRouteJson {
  dst: string;
  gateway?: string;
  dev?: string;
  metric?: number;
  prefsrc?: string;
  type?: string;
  protocol?: string;
  scope?: string;
  flags: string[];
}

test('routes added by the client are what ip route shows, and go away when deleted', { skip }, async () => {
  const lab = await Lab.create();
  try {
    const ns = await host(lab, 'rt');
    await ns.ip('addr', 'add', 'fd00::10/64', 'dev', 'eth0', 'nodad');
    await rtnlOk(ns, 'add-route', { destination: '10.50.0.0/16', gateway: '10.0.0.254', device: 'eth0', table: 100, metric: 5, source: '10.0.0.10', protocol: 'keepalived' });
    await rtnlOk(ns, 'add-route', { destination: '10.60.0.0/16', type: 'blackhole' });
    await rtnlOk(ns, 'add-route', { destination: 'fd00:60::/32', type: 'unreachable' });
    await rtnlOk(ns, 'add-route', { destination: 'fd00:70::/48', gateway: 'fd00::1', device: 'eth0' });
    await rtnlOk(ns, 'add-route', { destination: '192.168.7.0/24', gateway: '192.168.99.1', device: 'eth0', onlink: true });
    await rtnlOk(ns, 'add-route', { destination: 'default', gateway: '10.0.0.1', table: 100 });

    const t100 = JSON.parse(await ns.ip('-j', 'route', 'show', 'table', '100')) as IpRouteJson[];
    const r = t100.find((x) => x.dst === '10.50.0.0/16');
    assert.deepEqual([r?.gateway, r?.dev, r?.metric, r?.prefsrc, r?.protocol], ['10.0.0.254', 'eth0', 5, '10.0.0.10', 'keepalived']);
    assert.ok(t100.some((x) => x.dst === 'default' && x.gateway === '10.0.0.1'));
    const main = JSON.parse(await ns.ip('-j', 'route', 'show')) as IpRouteJson[];
    assert.equal(main.find((x) => x.dst === '10.60.0.0/16')?.type, 'blackhole');
    assert.ok(main.find((x) => x.dst === '192.168.7.0/24')?.flags.includes('onlink'));
    const v6 = JSON.parse(await ns.ip('-j', '-6', 'route', 'show')) as IpRouteJson[];
    assert.equal(v6.find((x) => x.dst === 'fd00:60::/32')?.type, 'unreachable');
    assert.equal(v6.find((x) => x.dst === 'fd00:70::/48')?.gateway, 'fd00::1');

    // Multipath with metrics, and realms, as keepalived's virtual_routes can ask.
    await rtnlOk(ns, 'add-route', {
      destination: '10.51.0.0/16',
      nexthops: [
        { gateway: '10.0.0.1', device: 'eth0', weight: 1 },
        { gateway: '10.0.0.2', device: 'eth0', weight: 2 },
      ],
      metrics: { mtu: 1400, locked: ['mtu'], advmss: 1360, congctl: 'cubic' },
    });
    await rtnlOk(ns, 'add-route', { destination: '10.52.0.0/16', gateway: '10.0.0.1', realms: (1 << 16) | 2 });
    const mp = (await ns.ip('route', 'show', '10.51.0.0/16')).replace(/\s+/g, ' ').trim();
    assert.equal(mp, '10.51.0.0/16 mtu lock 1400 advmss 1360 congctl cubic nexthop via 10.0.0.1 dev eth0 weight 1 nexthop via 10.0.0.2 dev eth0 weight 2');
    assert.match(await ns.ip('route', 'show', '10.52.0.0/16'), /via 10\.0\.0\.1 dev eth0 realms 1\/2/);
    const bad = await rtnl(ns, 'add-route', { destination: '10.53.0.0/16', nexthops: [{ gateway: '10.0.0.1', device: 'eth0' }], realms: 5 });
    assert.ok(!bad.ok && bad.code === 'EINVAL' && /^adding route 10\.53\.0\.0\/16: EINVAL \(invalid argument\): \S/.test(bad.error), JSON.stringify(bad));

    // replace / prepend / append, as ip route's verbs.
    await rtnlOk(ns, 'add-route', { destination: '10.60.0.0/16', type: 'unreachable', mode: 'replace' });
    assert.equal((JSON.parse(await ns.ip('-j', 'route', 'show', '10.60.0.0/16')) as IpRouteJson[])[0]?.type, 'unreachable');
    await rtnlOk(ns, 'add-route', { destination: '10.60.0.0/16', type: 'blackhole', mode: 'replace' });
    await rtnlOk(ns, 'add-route', { destination: '10.61.0.0/16', gateway: '10.0.0.1', metric: 7 });
    await rtnlOk(ns, 'add-route', { destination: '10.61.0.0/16', gateway: '10.0.0.2', metric: 7, mode: 'prepend' });
    await rtnlOk(ns, 'add-route', { destination: '10.61.0.0/16', gateway: '10.0.0.3', metric: 7, mode: 'append' });
    const order = (JSON.parse(await ns.ip('-j', 'route', 'show', '10.61.0.0/16')) as IpRouteJson[]).map((x) => x.gateway);
    assert.deepEqual(order, ['10.0.0.2', '10.0.0.1', '10.0.0.3']);

    // The client's listing agrees.
    const listed = await rtnlOk<Array<{ destination: string; table: number; gateway?: string; metric?: number; protocol: string | number }>>(ns, 'routes', { table: 100 });
    assert.ok(listed.some((x) => x.destination === '10.50.0.0/16' && x.gateway === '10.0.0.254' && x.metric === 5 && x.protocol === 'keepalived'));

    // Refusals say what and why.
    const dup = await rtnl(ns, 'add-route', { destination: '10.60.0.0/16', type: 'blackhole' });
    assert.ok(!dup.ok && dup.code === 'EEXIST' && dup.error.startsWith('adding route blackhole 10.60.0.0/16: EEXIST (route already exists)'), JSON.stringify(dup));
    const unreachable = await rtnl(ns, 'add-route', { destination: '10.70.0.0/16', gateway: '172.16.0.1' });
    assert.ok(!unreachable.ok && unreachable.code === 'ENETUNREACH', JSON.stringify(unreachable));
    assert.match(unreachable.ok ? '' : unreachable.error, /^adding route 10\.70\.0\.0\/16 via 172\.16\.0\.1: ENETUNREACH \(gateway not reachable/);

    await rtnlOk(ns, 'delete-route', { destination: '10.50.0.0/16', table: 100 });
    await rtnlOk(ns, 'delete-route', { destination: '10.60.0.0/16', type: 'blackhole' });
    await rtnlOk(ns, 'delete-route', { destination: 'fd00:60::/32', type: 'unreachable' });
    assert.ok(!(JSON.parse(await ns.ip('-j', 'route', 'show', 'table', '100')) as IpRouteJson[]).some((x) => x.dst === '10.50.0.0/16'));
    assert.ok(!(JSON.parse(await ns.ip('-j', 'route', 'show')) as IpRouteJson[]).some((x) => x.dst === '10.60.0.0/16'));
    const noDev = await rtnl(ns, 'add-route', { destination: '10.90.0.0/16', device: 'nosuch0' });
    assert.deepEqual(noDev, { ok: false, error: 'adding route 10.90.0.0/16 dev nosuch0: ENODEV (no such interface)', code: 'ENODEV' });
    const gone = await rtnl(ns, 'delete-route', { destination: '10.50.0.0/16', table: 100 });
    assert.ok(!gone.ok && gone.code === 'ESRCH' && gone.error.includes('no such route'), JSON.stringify(gone));
  } finally {
    await lab.cleanup();
  }
});

interface IpRuleJson {
  priority: number;
  src?: string;
  srclen?: number;
  dst?: string;
  dstlen?: number;
  table?: string;
  fwmark?: string;
  fwmask?: string;
  iif?: string;
  oif?: string;
  not?: null;
  goto?: number;
}

test('rules added by the client are what ip rule shows, and go away when deleted', { skip }, async () => {
  const lab = await Lab.create();
  try {
    const ns = await host(lab, 'ru');
    await rtnlOk(ns, 'add-rule', { from: '10.0.0.0/24', table: 100, priority: 1000 });
    await rtnlOk(ns, 'add-rule', { fwmark: 0x10, fwmask: 0xff, table: 200, priority: 1001 });
    await rtnlOk(ns, 'add-rule', { iif: 'eth0', to: '10.1.0.0/16', table: 300, priority: 1002, invert: true });
    await rtnlOk(ns, 'add-rule', { from: 'fd00::/64', oif: 'eth0', table: 400, priority: 1003 });
    await rtnlOk(ns, 'add-rule', { goto: 1003, priority: 900, from: '10.9.0.0/16' });

    const v4 = JSON.parse(await ns.ip('-j', 'rule', 'show')) as IpRuleJson[];
    const r1000 = v4.find((r) => r.priority === 1000);
    assert.deepEqual([r1000?.src, r1000?.srclen, r1000?.table], ['10.0.0.0', 24, '100']);
    const r1001 = v4.find((r) => r.priority === 1001);
    assert.deepEqual([r1001?.fwmark, r1001?.fwmask, r1001?.table], ['0x10', '0xff', '200']);
    const r1002 = v4.find((r) => r.priority === 1002);
    assert.deepEqual([r1002?.iif, r1002?.dst, r1002?.dstlen, r1002?.table, 'not' in (r1002 ?? {})], ['eth0', '10.1.0.0', 16, '300', true]);
    const r900 = v4.find((r) => r.priority === 900);
    assert.deepEqual([r900?.src, r900?.goto], ['10.9.0.0', 1003]);
    const v6 = JSON.parse(await ns.ip('-j', '-6', 'rule', 'show')) as IpRuleJson[];
    const r1003 = v6.find((r) => r.priority === 1003);
    assert.deepEqual([r1003?.src, r1003?.oif, r1003?.table], ['fd00::', 'eth0', '400']);

    const listed = await rtnlOk<Array<{ priority: number; fwmark?: number; fwmask?: number; table: number; invert: boolean; iif?: string }>>(ns, 'rules', { family: 4 });
    assert.ok(listed.some((r) => r.priority === 1001 && r.fwmark === 0x10 && r.fwmask === 0xff && r.table === 200));
    assert.ok(listed.some((r) => r.priority === 1002 && r.invert && r.iif === 'eth0'));

    const dup = await rtnl(ns, 'add-rule', { from: '10.0.0.0/24', table: 100, priority: 1000 });
    assert.ok(!dup.ok && dup.code === 'EEXIST' && dup.error.startsWith('adding rule from 10.0.0.0/24 priority 1000 lookup 100: EEXIST'), JSON.stringify(dup));

    await rtnlOk(ns, 'delete-rule', { from: '10.0.0.0/24', table: 100, priority: 1000 });
    await rtnlOk(ns, 'delete-rule', { fwmark: 0x10, fwmask: 0xff, priority: 1001 });
    const after = (JSON.parse(await ns.ip('-j', 'rule', 'show')) as IpRuleJson[]).map((r) => r.priority);
    assert.ok(!after.includes(1000) && !after.includes(1001) && after.includes(1002), after.join(','));
    const gone = await rtnl(ns, 'delete-rule', { from: '10.0.0.0/24', table: 100, priority: 1000 });
    assert.ok(!gone.ok && gone.code === 'ENOENT' && gone.error.includes('no such rule'), JSON.stringify(gone));
  } finally {
    await lab.cleanup();
  }
});

test('a macvlan VMAC is created on its parent with the MAC asked, in private mode, and deleted', { skip }, async () => {
  const lab = await Lab.create();
  try {
    const ns = await host(lab, 'mv');
    const made = await rtnlOk<{ name: string; mac: string; kind: string; macvlanMode: string; up: boolean; parentIndex: number }>(ns, 'create-macvlan', {
      name: 'vrrp.51',
      parent: 'eth0',
      mac: '00:00:5e:00:01:33',
      up: true,
    });
    assert.deepEqual([made.name, made.mac, made.kind, made.macvlanMode, made.up], ['vrrp.51', '00:00:5e:00:01:33', 'macvlan', 'private', true]);
    const d = (JSON.parse(await ns.ip('-j', '-d', 'link', 'show', 'dev', 'vrrp.51')) as Array<{ address: string; link: string; flags: string[]; linkinfo: { info_kind: string; info_data: { mode: string } } }>)[0]!;
    assert.deepEqual([d.address, d.link, d.linkinfo.info_kind, d.linkinfo.info_data.mode, d.flags.includes('UP')], ['00:00:5e:00:01:33', 'eth0', 'macvlan', 'private', true]);

    const again = await rtnl(ns, 'create-macvlan', { name: 'vrrp.51', parent: 'eth0', mac: '00:00:5e:00:01:33' });
    assert.ok(!again.ok && again.code === 'EEXIST' && again.error.startsWith('creating macvlan vrrp.51 on eth0 with MAC 00:00:5e:00:01:33: EEXIST'), JSON.stringify(again));
    const orphan = await rtnl(ns, 'create-macvlan', { name: 'vrrp.52', parent: 'nosuch0' });
    assert.deepEqual(orphan, { ok: false, error: 'creating macvlan vrrp.52 on nosuch0: ENODEV (no such parent interface)', code: 'ENODEV' });

    // An IPv6 VMAC: no kernel-made link-local address, only what keepalived adds.
    const v6 = await rtnlOk<{ addrGenMode: string }>(ns, 'create-macvlan', { name: 'vrrp6.51', parent: 'eth0', mac: '00:00:5e:00:02:33', up: true, addrGenMode: 'none' });
    assert.equal(v6.addrGenMode, 'none');
    const d6 = (JSON.parse(await ns.ip('-j', '-d', 'link', 'show', 'dev', 'vrrp6.51')) as Array<{ inet6_addr_gen_mode?: string }>)[0]!;
    assert.equal(d6.inet6_addr_gen_mode, 'none');
    assert.deepEqual((await ipAddrs(ns, 'vrrp6.51')).filter((a) => a.family === 'inet6'), []);
    await rtnlOk(ns, 'set-addr-gen-mode', { link: 'vrrp6.51', mode: 'eui64' });
    assert.equal((JSON.parse(await ns.ip('-j', '-d', 'link', 'show', 'dev', 'vrrp6.51')) as Array<{ inet6_addr_gen_mode?: string }>)[0]!.inet6_addr_gen_mode, 'eui64');

    await rtnlOk(ns, 'delete-link', { link: 'vrrp.51' });
    assert.equal((await ns.exec('ip', ['link', 'show', 'dev', 'vrrp.51'])).code !== 0, true);
  } finally {
    await lab.cleanup();
  }
});

test('the link monitor reports addresses added by ip, links going down and up, new and deleted links', { skip }, async () => {
  const lab = await Lab.create();
  try {
    const ns = await host(lab, 'mo');
    const mon = await MonitorProcess.start(ns);
    await ns.ip('addr', 'add', '10.0.0.77/24', 'dev', 'eth0');
    const added = await mon.waitFor('address-add 10.0.0.77', (e) => e.kind === 'address-add' && (e.address as { address: string }).address === '10.0.0.77');
    assert.equal((added.address as { prefixLength: number }).prefixLength, 24);
    assert.equal(added.ifname, 'eth0');
    await ns.ip('addr', 'del', '10.0.0.77/24', 'dev', 'eth0');
    await mon.waitFor('address-delete 10.0.0.77', (e) => e.kind === 'address-delete' && (e.address as { address: string }).address === '10.0.0.77');
    await ns.ip('-6', 'addr', 'add', 'fd00::77/64', 'dev', 'eth0', 'nodad');
    await mon.waitFor('address-add fd00::77', (e) => e.kind === 'address-add' && (e.address as { address: string }).address === 'fd00::77');

    await ns.ip('link', 'set', 'eth0', 'down');
    await mon.waitFor('link-down eth0', (e) => e.kind === 'link-down' && (e.link as { name: string }).name === 'eth0');
    await ns.ip('link', 'set', 'eth0', 'up');
    await mon.waitFor('link-up eth0', (e) => e.kind === 'link-up' && (e.link as { name: string }).name === 'eth0');
    // Carrier loss (the peer goes down) is a link-down too.
    const eth0Downs = () => mon.events.filter((e) => e.kind === 'link-down' && (e.link as { name: string }).name === 'eth0').length;
    const before = eth0Downs();
    await ns.ip('link', 'set', 'eth0p', 'down');
    await mon.waitFor(`link-down of eth0 on carrier loss (events: ${JSON.stringify(mon.events.slice(-3))})`, () => eth0Downs() > before);

    await ns.ip('link', 'add', 'extra0', 'type', 'veth', 'peer', 'name', 'extra1');
    await mon.waitFor('link-new extra0', (e) => e.kind === 'link-new' && (e.link as { name: string }).name === 'extra0');
    await ns.ip('link', 'set', 'extra0', 'name', 'renamed0');
    await mon.waitFor('link-rename extra0 -> renamed0', (e) => e.kind === 'link-rename' && e.oldName === 'extra0' && (e.link as { name: string }).name === 'renamed0');
    await ns.ip('link', 'del', 'renamed0');
    await mon.waitFor('link-delete renamed0', (e) => e.kind === 'link-delete' && (e.link as { name: string }).name === 'renamed0');
    mon.stop();
  } finally {
    await lab.cleanup();
  }
});

test('a thousand VIPs added in one batch are all on the interface, and all go in one more', { skip }, async () => {
  const lab = await Lab.create();
  try {
    const ns = await host(lab, 'bt');
    const vips = Array.from({ length: 1000 }, (_, i) => `10.100.${i >> 8}.${i & 255}/32`);
    const added = await rtnlOk<string[]>(ns, 'change-addresses', { items: vips.map((address) => ({ op: 'add', link: 'eth0', address })) });
    assert.deepEqual(added.filter((r) => r !== 'ok'), []);
    const on = new Set((await ipAddrs(ns, 'eth0')).map((a) => `${a.local}/${a.prefixlen}`));
    assert.equal(vips.filter((v) => on.has(v)).length, 1000);
    const removed = await rtnlOk<string[]>(ns, 'change-addresses', { items: vips.map((address) => ({ op: 'delete', link: 'eth0', address })) });
    assert.deepEqual(removed.filter((r) => r !== 'ok'), []);
    assert.deepEqual((await ipAddrs(ns, 'eth0')).filter((a) => a.family === 'inet').map((a) => a.local), ['10.0.0.10']);
  } finally {
    await lab.cleanup();
  }
});

test('generic netlink resolves the controller family, and names a missing one', { skip }, async () => {
  const lab = await Lab.create();
  try {
    const ns = await lab.addNs('gn');
    const fam = await rtnlOk<{ id: number; name: string; groups: Record<string, number> }>(ns, 'genl-family', { name: 'nlctrl' });
    assert.deepEqual([fam.id, fam.name, typeof fam.groups.notify], [16, 'nlctrl', 'number']);
    const missing = await rtnl(ns, 'genl-family', { name: 'NO_SUCH_FAMILY' });
    assert.deepEqual(missing, {
      ok: false,
      error: 'resolving generic netlink family NO_SUCH_FAMILY: ENOENT (no such generic netlink family (kernel module not loaded?))',
      code: 'ENOENT',
    });
  } finally {
    await lab.cleanup();
  }
});

test('the link monitor reports routes added and deleted by ip when asked to', { skip }, async () => {
  const lab = await Lab.create();
  try {
    const ns = await host(lab, 'mr');
    const mon = await MonitorProcess.start(ns, { routes: true });
    await ns.ip('route', 'add', '10.80.0.0/16', 'via', '10.0.0.1', 'table', '100');
    const add = await mon.waitFor('route-add 10.80.0.0/16', (e) => e.kind === 'route-add' && (e.route as { destination: string }).destination === '10.80.0.0/16');
    assert.deepEqual([(add.route as { table: number }).table, (add.route as { gateway: string }).gateway], [100, '10.0.0.1']);
    await ns.ip('route', 'del', '10.80.0.0/16', 'table', '100');
    await mon.waitFor('route-delete 10.80.0.0/16', (e) => e.kind === 'route-delete' && (e.route as { destination: string }).destination === '10.80.0.0/16');
    mon.stop();
  } finally {
    await lab.cleanup();
  }
});
