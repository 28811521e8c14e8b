// use_vmac, piece by piece: names and MACs, the spec the runtime gets, where a router puts
// VIPs and adverts, and the VMAC manager's links and sysctls (on in-memory fakes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTree } from '../../lib/tree.js';
import { FakeLinks } from '../../lib/fake-links.js';
import { buildConfig, fatalDiagnostics } from '../../../src/config/build.js';
import { vrrpSpecsFromConfig } from '../../../src/vrrp/from-config.js';
import { defaultVmacName, eui64LinkLocal, linkFaults, vmacAddress } from '../../../src/vrrp/vmac.js';
import { FakeSegment, VirtualClock } from '../../../src/vrrp/fakes.js';
import { VrrpRouter } from '../../../src/vrrp/router.js';
import type { VrrpInstanceSpec } from '../../../src/vrrp/spec.js';
import { ensureVmacs, VmacManager } from '../../../src/vrrp/os/vmac.js';
import { FakeSysctl } from '../../../src/vrrp/os/sysctl.js';

test('VMAC MAC: RFC 5798 virtual router MAC per family, a configured one, a 5-octet one gets the VRID', () => {
  assert.equal(vmacAddress('inet', 51), '00:00:5e:00:01:33');
  assert.equal(vmacAddress('inet6', 255), '00:00:5e:00:02:ff');
  assert.equal(vmacAddress('inet', 1), '00:00:5e:00:01:01');
  assert.equal(vmacAddress('inet', 7, '02:aa:bb:cc:dd:ee'), '02:aa:bb:cc:dd:ee');
  assert.equal(vmacAddress('inet', 7, '2:aa:b:cc:dd'), '02:aa:0b:cc:dd:07');
});

test('EUI-64 link-local from a MAC (universal/local bit flipped)', () => {
  assert.equal(eui64LinkLocal('a6:7f:32:7b:88:fa'), 'fe80::a47f:32ff:fe7b:88fa');
  assert.equal(eui64LinkLocal('00:00:5e:00:02:01'), 'fe80::200:5eff:fe00:201');
  assert.throws(() => eui64LinkLocal('zz'));
});

test('default VMAC names: vrrp.VRID, then vrrp6 for IPv6 or vrrp1.., shortened to 15 characters', () => {
  assert.equal(defaultVmacName('vrrp', 51, 'inet', new Set()), 'vrrp.51');
  assert.equal(defaultVmacName('vrrp', 51, 'inet6', new Set(['vrrp.51'])), 'vrrp6.51');
  assert.equal(defaultVmacName('vrrp', 51, 'inet', new Set(['vrrp.51'])), 'vrrp1.51');
  assert.equal(defaultVmacName('abcdefghijklmnop', 200, 'inet', new Set()), 'abcdefghijk.200');
});

function configSpecs(text: string): VrrpInstanceSpec[] {
  const { config, diagnostics } = buildConfig(parseTree(text, 'k.conf'), { hostname: 'h' });
  assert.deepEqual(fatalDiagnostics(diagnostics), []);
  return vrrpSpecsFromConfig(config);
}

const inst = (name: string, vrid: number, vip: string, extra = '') =>
  `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n priority 100\n${extra}\n virtual_ipaddress {\n  ${vip}\n }\n}\n`;

test('config -> spec: VMAC name, MAC and xmit_base; an IPv6 twin of a VRID gets vrrp6.VRID', () => {
  const specs = configSpecs(
    inst('A', 51, '10.0.0.100/24', ' use_vmac') +
      inst('B', 51, 'fe80::100/64', ' use_vmac') +
      inst('C', 52, '10.0.0.101/24', ' use_vmac vr52 02:00:00:00:00:52\n vmac_xmit_base') +
      inst('D', 53, '10.0.0.102/24'),
  );
  const by = (n: string) => specs.find((s) => s.name === n)?.vmac;
  assert.deepEqual(by('A'), { name: 'vrrp.51', mac: '00:00:5e:00:01:33', xmitBase: false });
  assert.deepEqual(by('B'), { name: 'vrrp6.51', mac: '00:00:5e:00:02:33', xmitBase: false });
  assert.deepEqual(by('C'), { name: 'vr52', mac: '02:00:00:00:00:52', xmitBase: true });
  assert.equal(by('D'), undefined);
  const vipDev = (n: string) => specs.find((s) => s.name === n)?.vips.map((v) => v.device);
  assert.deepEqual(vipDev('A'), ['vrrp.51'], 'VIPs on the instance interface go on the VMAC');
  assert.deepEqual(vipDev('D'), ['eth0']);
  const other = configSpecs(inst('E', 60, '10.0.0.1/24\n  10.9.0.1/24 dev eth1', ' use_vmac') + inst('F', 61, '10.0.0.2/24', ' use_vmac\n virtual_ipaddress_excluded {\n  fe80::61/64\n }'));
  assert.deepEqual(other[0]?.vips.map((v) => v.device), ['vrrp.60', 'eth1'], 'a VIP on another interface stays there');
  assert.deepEqual(other[1]?.excludedVips?.map((v) => v.device), ['eth0'], 'an eVIP of the other family stays on the parent');
  const pfx = configSpecs('global_defs {\n vmac_prefix kv\n}\n' + inst('A', 9, '10.0.0.1/24', ' use_vmac'));
  assert.equal(pfx[0]?.vmac?.name, 'kv.9');
});

test('link faults: the parent is BASE_INTERFACE_DOWN, the VMAC itself INTERFACE_DOWN', () => {
  assert.deepEqual(linkFaults({ interface: 'eth0' }), [['eth0', 'interface']]);
  assert.deepEqual(linkFaults({ interface: 'eth0', vmac: { name: 'vrrp.5', mac: '00:00:5e:00:01:05', xmitBase: false } }), [['eth0', 'base-interface'], ['vrrp.5', 'interface']]);
});

test('link faults: every other interface of a VIP or excluded VIP, once, unless the address says no_track (keepalived\'s TRACK_ADDR)', () => {
  const vmac = { name: 'vrrp.5', mac: '00:00:5e:00:01:05', xmitBase: false };
  assert.deepEqual(
    linkFaults({
      interface: 'eth0', vmac,
      vips: [{}, { device: 'vrrp.5' }, { device: 'eth1' }, { device: 'eth1' }, { device: 'eth2', noTrack: true }, { device: 'eth0' }],
      excludedVips: [{ device: 'eth3' }, { device: 'vrrp4.5' }],
    }),
    [['eth0', 'base-interface'], ['vrrp.5', 'interface'], ['eth1', 'vip-interface:eth1'], ['eth3', 'vip-interface:eth3'], ['vrrp4.5', 'vip-interface:vrrp4.5']],
  );
  assert.deepEqual(linkFaults({ vips: [{ device: 'eth1' }] }), [['eth1', 'vip-interface:eth1']], 'unicast without an interface still tracks its VIPs\' one');
});

test('router: VIPs and GARPs on the VMAC, adverts on the VMAC (or the parent with vmac_xmit_base)', async () => {
  const seg = new FakeSegment(new VirtualClock());
  const host = seg.host('a', ['10.0.0.1']);
  const vmac = { name: 'vrrp.51', mac: '00:00:5e:00:01:33', xmitBase: false };
  const specs: VrrpInstanceSpec[] = [
    { name: 'V', vrid: 51, interface: 'eth0', priority: 255, sourceAddress: '10.0.0.1', vips: [{ address: '10.0.0.100', prefixLength: 24 }, { address: '10.9.0.1', device: 'eth1' }], vmac },
    { name: 'X', vrid: 52, interface: 'eth0', priority: 255, sourceAddress: '10.0.0.1', vips: [{ address: '10.0.0.101' }], vmac: { ...vmac, name: 'vrrp.52', xmitBase: true } },
  ];
  const { router, errors } = VrrpRouter.create(specs, host.ports());
  assert.deepEqual(errors, []);
  await router.start();
  seg.clock.runUntil(4_000_000);
  await router.idle();
  assert.equal(host.addresses.devices.get('10.0.0.100'), 'vrrp.51');
  assert.equal(host.addresses.devices.get('10.9.0.1'), 'eth1', 'a VIP with dev stays where it was put');
  assert.equal(host.addresses.devices.get('10.0.0.101'), 'vrrp.52', 'xmit_base still puts VIPs on the VMAC');
  assert.deepEqual(host.transport.keys.map((k) => k.interface).sort(), ['eth0', 'vrrp.51']);
  assert.ok(host.announce.sent.some((s) => s.address === '10.0.0.100' && s.device === 'vrrp.51'));
  await router.stop();
});

function manager(links = new FakeLinks(), sysctl = new FakeSysctl()) {
  const lines: string[] = [];
  return { links, sysctl, lines, m: new VmacManager(links, sysctl, (l) => lines.push(l)) };
}

const V4 = { instance: 'V', parent: 'eth0', family: 'inet' as const, vmac: { name: 'vrrp.51', mac: '00:00:5e:00:01:33', xmitBase: false } };

test('VMAC manager: makes a private macvlan with the MAC, up, with keepalived\'s IPv4 sysctls; removal puts the parent back', async () => {
  const { links, sysctl, lines, m } = manager();
  const eth0 = links.add('eth0', { mac: 'a6:7f:32:7b:88:fa' });
  links.add('eth1');
  for (const [k, v] of [['arp_ignore', 0], ['arp_filter', 0]] as const) sysctl.values.set(`net/ipv4/conf/eth0/${k}`, v);
  sysctl.values.set('net/ipv4/conf/all/rp_filter', 2);
  sysctl.values.set('net/ipv4/conf/default/rp_filter', 1);
  sysctl.values.set('net/ipv4/conf/eth1/rp_filter', 0);
  sysctl.values.set('net/ipv4/conf/eth0/rp_filter', 2);
  const l = await m.ensure(V4);
  assert.ok(l);
  assert.equal(l.kind, 'macvlan');
  assert.equal(l.macvlanMode, 'private');
  assert.equal(l.mac, '00:00:5e:00:01:33');
  assert.equal(l.parentIndex, eth0.index);
  assert.equal(l.up, true);
  const v = (p: string) => sysctl.values.get(p);
  assert.deepEqual(['arp_ignore', 'accept_local', 'rp_filter', 'promote_secondaries'].map((k) => v(`net/ipv4/conf/vrrp.51/${k}`)), [1, 1, 0, 1]);
  assert.equal(v('net/ipv6/conf/vrrp.51/disable_ipv6'), 1);
  assert.deepEqual([v('net/ipv4/conf/eth0/arp_ignore'), v('net/ipv4/conf/eth0/arp_filter')], [1, 1]);
  // all.rp_filter moved onto default and the interfaces that had less, then set to 0.
  assert.deepEqual([v('net/ipv4/conf/all/rp_filter'), v('net/ipv4/conf/default/rp_filter'), v('net/ipv4/conf/eth1/rp_filter')], [0, 2, 2]);
  assert.ok(lines.includes('(V) Success creating VMAC interface vrrp.51'));
  // Idempotent: a second ensure re-uses it.
  await m.ensure(V4);
  assert.equal(links.ops.filter((o) => o.startsWith('create')).length, 1);
  await m.removeAll();
  assert.equal(links.byName('vrrp.51'), undefined);
  assert.deepEqual([v('net/ipv4/conf/eth0/arp_ignore'), v('net/ipv4/conf/eth0/arp_filter')], [0, 0]);
  assert.deepEqual([v('net/ipv4/conf/all/rp_filter'), v('net/ipv4/conf/default/rp_filter'), v('net/ipv4/conf/eth1/rp_filter')], [2, 1, 0]);
});

test('VMAC manager: the parent keeps its settings until its last VMAC goes', async () => {
  const { links, sysctl, m } = manager();
  links.add('eth0');
  sysctl.values.set('net/ipv4/conf/eth0/arp_ignore', 0);
  await m.ensure(V4);
  await m.ensure({ ...V4, instance: 'W', vmac: { ...V4.vmac, name: 'vrrp.52', mac: '00:00:5e:00:01:34' } });
  await m.remove('vrrp.51');
  assert.equal(sysctl.values.get('net/ipv4/conf/eth0/arp_ignore'), 1);
  await m.remove('vrrp.52');
  assert.equal(sysctl.values.get('net/ipv4/conf/eth0/arp_ignore'), 0);
});

test('VMAC manager: re-uses a matching macvlan, replaces one with the wrong MAC or parent, refuses a non-macvlan', async () => {
  {
    const { links, m } = manager();
    const eth0 = links.add('eth0');
    links.add('vrrp.51', { kind: 'macvlan', parentIndex: eth0.index, mac: '00:00:5e:00:01:33', macvlanMode: 'private', up: false });
    assert.ok(await m.ensure(V4));
    assert.deepEqual(links.ops, ['up vrrp.51']);
  }
  {
    const { links, m, lines } = manager();
    const eth0 = links.add('eth0');
    links.add('vrrp.51', { kind: 'macvlan', parentIndex: eth0.index, mac: '00:00:5e:00:01:99', macvlanMode: 'bridge' });
    const l = await m.ensure(V4);
    assert.equal(l?.mac, '00:00:5e:00:01:33');
    assert.equal(l?.macvlanMode, 'private');
    assert.ok(lines.some((x) => x.includes('removing old VMAC interface vrrp.51 (wrong MAC or mode)')));
  }
  {
    const { links, m } = manager();
    links.add('eth0');
    const eth9 = links.add('eth9');
    links.add('vrrp.51', { kind: 'macvlan', parentIndex: eth9.index, mac: '00:00:5e:00:01:33', macvlanMode: 'private' });
    const l = await m.ensure(V4);
    assert.equal(l?.parentIndex, links.byName('eth0')?.index);
  }
  {
    const { links, m, lines } = manager();
    links.add('eth0');
    links.add('vrrp.51', { kind: 'veth' });
    assert.equal(await m.ensure(V4), undefined);
    assert.ok(links.byName('vrrp.51'), 'someone else\'s interface is left alone');
    assert.ok(lines.some((x) => x.includes('conflicts with an existing interface')));
    await m.removeAll();
    assert.ok(links.byName('vrrp.51'));
  }
  {
    const { m, lines } = manager();
    assert.equal(await m.ensure(V4), undefined);
    assert.ok(lines.some((x) => x.includes('cannot create VMAC vrrp.51: interface eth0')));
  }
});

test('IPv6 VMAC: no automatic link-local, the source address (or one from the parent MAC) added, then up', async () => {
  const { links, sysctl, m } = manager();
  links.add('eth0', { mac: 'a6:7f:32:7b:88:fa' });
  const refused = new Set<string>();
  const spec: VrrpInstanceSpec = { name: 'S', vrid: 7, family: 'inet6', interface: 'eth0', vips: [{ address: 'fe80::7' }], vmac: { name: 'vrrp.7', mac: '00:00:5e:00:02:07', xmitBase: false } };
  const [out] = await ensureVmacs([spec], links, m, refused);
  assert.equal(out?.sourceAddress, 'fe80::a47f:32ff:fe7b:88fa');
  const l = links.byName('vrrp.7');
  assert.deepEqual(l?.addresses, ['fe80::a47f:32ff:fe7b:88fa/64']);
  assert.equal(l?.addrGenMode, 'none');
  assert.equal(sysctl.values.get('net/ipv6/conf/vrrp.7/disable_ipv6'), 0);
  assert.equal(sysctl.values.get('net/ipv4/conf/vrrp.7/arp_ignore'), undefined, 'no IPv4 settings for an IPv6 VMAC');
  assert.ok(links.ops.indexOf('addrgenmode none vrrp.7') < links.ops.indexOf('up vrrp.7'));
  assert.deepEqual([...refused], []);
  // A configured source address is used as it is.
  const [out2] = await ensureVmacs([{ ...spec, sourceAddress: 'fe80::1234' }], links, m, refused);
  assert.equal(out2?.sourceAddress, 'fe80::1234');
  assert.ok(links.byName('vrrp.7')?.addresses.includes('fe80::1234/64'));
  // One that cannot be made is reported.
  await ensureVmacs([{ ...spec, name: 'T', interface: 'nope' }], links, m, refused);
  assert.deepEqual([...refused], ['T']);
});

test('router: reopenChannels gives the instances on that interface a new socket, and they keep working', async () => {
  const seg = new FakeSegment(new VirtualClock());
  const a = seg.host('a', ['10.0.0.1']);
  const vmac = { name: 'vrrp.51', mac: '00:00:5e:00:01:33', xmitBase: false };
  const { router } = VrrpRouter.create([{ name: 'V', vrid: 51, interface: 'eth0', priority: 255, sourceAddress: '10.0.0.1', vips: [{ address: '10.0.0.100' }], vmac }], a.ports());
  await router.start();
  seg.clock.runUntil(2_000_000);
  await router.reopenChannels('eth0');
  assert.equal(a.transport.opened, 1, 'no socket on the parent to reopen');
  await router.reopenChannels('vrrp.51');
  assert.equal(a.transport.opened, 2);
  const before = seg.captured.length;
  seg.clock.runUntil(4_000_000);
  assert.ok(seg.captured.length > before, 'adverts go out of the new socket');
  await router.stop();
});

test('config -> spec: use_vmac_addr and an address\'s use_vmac put those addresses on VMACs of their own interface', () => {
  const specs = configSpecs(
    inst('A', 51, '10.0.0.1/24\n  10.9.0.1/24 dev eth1\n  10.9.0.2/24 dev eth1', ' use_vmac\n use_vmac_addr') +
      inst('B', 52, '10.0.0.2/24 use_vmac\n  10.0.0.3/24'),
  );
  const [a, b] = specs;
  const [c] = configSpecs('global_defs {\n vmac_addr_prefix va\n}\n' + inst('C', 53, '10.0.0.4/24\n  10.8.0.1/24 dev eth2', ' use_vmac_addr'));
  assert.deepEqual(a?.vips.map((v) => v.device), ['vrrp.51', 'vrrp1.51', 'vrrp1.51']);
  assert.deepEqual(a?.addressVmacs, [{ name: 'vrrp1.51', parent: 'eth1', mac: '00:00:5e:00:01:33', family: 'inet' }]);
  assert.deepEqual(b?.vips.map((v) => v.device), ['vrrp.52', 'eth0'], 'use_vmac on one address only');
  assert.equal(b?.vmac, undefined);
  assert.deepEqual(c?.vips.map((v) => v.device), ['eth0', 'va.53']);
});

test('ensureVmacs: address VMACs are made on their own parent, IPv6 ones with the parent\'s link-local', async () => {
  const { links, m } = manager();
  links.add('eth0');
  links.add('eth1', { mac: '02:00:00:00:00:01', addresses: ['fe80::1:2/64'] });
  const spec: VrrpInstanceSpec = {
    name: 'A', vrid: 5, interface: 'eth0', vips: [{ address: 'fd00::5', device: 'vrrp.5' }],
    addressVmacs: [{ name: 'vrrp.5', parent: 'eth1', mac: '00:00:5e:00:02:05', family: 'inet6' }],
  };
  await ensureVmacs([spec], links, m, new Set());
  const l = links.byName('vrrp.5');
  assert.equal(l?.parentIndex, links.byName('eth1')?.index);
  assert.deepEqual(l?.addresses, ['fe80::1:2/64']);
  assert.deepEqual(m.names(), ['vrrp.5']);
});

test('dont_track_primary: a VMAC parent going down is not a fault either', async () => {
  const seg = new FakeSegment(new VirtualClock());
  const host = seg.host('a', ['10.0.0.1']);
  const vmac = { name: 'vrrp.51', mac: '00:00:5e:00:01:33', xmitBase: false };
  const base: VrrpInstanceSpec = { name: 'V', vrid: 51, interface: 'eth0', priority: 100, sourceAddress: '10.0.0.1', vips: [{ address: '10.0.0.100' }], vmac };
  const { router } = VrrpRouter.create([base, { ...base, name: 'W', vrid: 52, dontTrackPrimary: true, vmac: { ...vmac, name: 'vrrp.52' } }], host.ports());
  await router.start();
  router.setFault('V', 'base-interface', true);
  router.setFault('W', 'base-interface', true);
  assert.equal(router.status('V')?.state, 'FAULT');
  assert.notEqual(router.status('W')?.state, 'FAULT');
  await router.stop();
});

test('config -> spec: garp_extra_if picks our other VMACs (any other interface with `all`), one address each, never the advert interface', () => {
  const specs = configSpecs(
    'global_defs {\n vrrp_garp_extra_if 120\n}\n' +
      // Off: its only other interface is not ours, and `all` is not given.
      inst('A', 51, '10.0.0.100/24', ' use_vmac') .replace('  10.0.0.100/24\n', '  10.0.0.100/24\n  10.9.0.1/24 dev eth1\n') +
      // Its VIPs on B's VMAC (ours) and on eth1 (not ours): only the VMAC, once.
      inst('C', 53, '10.0.0.102/24', ' garp_extra_if 30').replace('  10.0.0.102/24\n', '  10.0.0.102/24\n  10.0.0.103/24 dev vrrp.52\n  10.0.0.104/24 dev vrrp.52\n  10.9.0.2/24 dev eth1\n') +
      inst('B', 52, '10.0.0.101/24', ' use_vmac') +
      // `all`: eth1 too, and the excluded VIP's interface.
      inst('D', 54, '10.0.0.105/24', ' garp_extra_if all 10\n virtual_ipaddress_excluded {\n  10.8.0.1/24 dev eth2\n }').replace('  10.0.0.105/24\n', '  10.0.0.105/24\n  10.9.0.3/24 dev eth1\n') +
      // Set to 0 on the instance: off whatever the global default.
      inst('E', 55, '10.0.0.106/24', ' garp_extra_if 0').replace('  10.0.0.106/24\n', '  10.0.0.106/24\n  10.0.0.107/24 dev vrrp.52\n') +
      // vmac_xmit_base: adverts go out on eth0, so its own VMAC is announced too (given another).
      inst('F', 56, '10.0.0.108/24', ' use_vmac\n vmac_xmit_base\n garp_extra_if 5').replace('  10.0.0.108/24\n', '  10.0.0.108/24\n  10.0.0.109/24 dev vrrp.52\n'),
  );
  const extra = (n: string) => {
    const e = specs.find((s) => s.name === n)?.extraIfAnnounce;
    return e && { s: e.intervalSec, on: e.addresses.map((a) => `${a.address}@${a.device}`) };
  };
  assert.equal(extra('A'), undefined);
  assert.deepEqual(extra('C'), { s: 30, on: ['10.0.0.103@vrrp.52'] });
  assert.equal(extra('B'), undefined, 'no address off its own VMAC');
  assert.deepEqual(extra('D'), { s: 10, on: ['10.9.0.3@eth1', '10.8.0.1@eth2'] });
  assert.equal(extra('E'), undefined);
  assert.deepEqual(extra('F'), { s: 5, on: ['10.0.0.108@vrrp.56', '10.0.0.109@vrrp.52'] });
});

test('router: garp_extra_if sends one GARP per extra interface every interval while MASTER, from garp_master_delay + interval, and stops on leaving', async () => {
  const seg = new FakeSegment(new VirtualClock());
  const host = seg.host('a', ['10.0.0.1']);
  const spec: VrrpInstanceSpec = {
    name: 'V', vrid: 51, interface: 'eth0', priority: 255, sourceAddress: '10.0.0.1',
    vips: [{ address: '10.0.0.100', prefixLength: 24 }, { address: '10.9.0.1', device: 'eth1' }],
    garp: { masterDelaySec: 5, masterRepeat: 1 },
    extraIfAnnounce: { intervalSec: 10, addresses: [{ address: '10.9.0.1', device: 'eth1' }] },
  };
  const { router, errors } = VrrpRouter.create([spec], host.ports());
  assert.deepEqual(errors, []);
  await router.start();
  const extraSent = () => host.announce.sent.filter((s) => s.address === '10.9.0.1' && s.repeat === 1 && s.device === 'eth1').length;
  // Owner: MASTER at once; the burst after garp_master_delay (5 s) announces every VIP, with repeat 1 too.
  seg.clock.runUntil(4_000_000);
  await router.idle();
  const atMaster = extraSent();
  seg.clock.runUntil(14_900_000);
  await router.idle();
  const beforeFirst = extraSent();
  seg.clock.runUntil(15_100_000);
  await router.idle();
  assert.equal(extraSent(), beforeFirst + 1, 'the first extra GARP comes garp_master_delay + interval after becoming master');
  seg.clock.runUntil(35_100_000);
  await router.idle();
  assert.equal(extraSent(), beforeFirst + 3, 'then one every interval');
  const onlyExtra = host.announce.sent.filter((s) => s.repeat === 1 && s.device === 'eth1' && s.address !== '10.9.0.1');
  assert.deepEqual(onlyExtra, [], 'one address per extra interface');
  assert.ok(atMaster <= beforeFirst);
  await router.stop();
  const afterStop = extraSent();
  seg.clock.runUntil(80_000_000);
  assert.equal(extraSent(), afterStop, 'no more once it is no longer MASTER');
});

test('VMAC manager: netlink_notify_msg sets the parent\'s group to its own after making and after deleting the VMAC; not without it, nor on re-use', async () => {
  const { links, m } = manager();
  links.add('eth0', { mac: 'a6:7f:32:7b:88:fa', group: 5 });
  await m.ensure({ ...V4, vmac: { ...V4.vmac, netlinkNotifyMsg: true } });
  await m.ensure({ ...V4, vmac: { ...V4.vmac, netlinkNotifyMsg: true } });
  await m.removeAll();
  assert.deepEqual(links.ops.filter((o) => /^(create|delete|group)/.test(o)), ['create vrrp.51', 'group 5 eth0', 'delete vrrp.51', 'group 5 eth0']);
  const plain = manager();
  plain.links.add('eth0');
  await plain.m.ensure(V4);
  await plain.m.removeAll();
  assert.deepEqual(plain.links.ops.filter((o) => o.startsWith('group')), []);
});

test('config -> spec: use_vmac netlink_notify_msg reaches the VMAC placement', () => {
  const [s] = configSpecs(inst('A', 51, '10.0.0.100/24', ' use_vmac vrrp.51 netlink_notify_msg'));
  assert.equal(s?.vmac?.netlinkNotifyMsg, true);
});
