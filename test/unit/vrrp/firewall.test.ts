// no_accept's nftables table on a recording transport: made with the first block of its
// family (replacing a stale one in the same transaction), elements added and removed as
// instances block and unblock (an address two instances block stays until both let go),
// VMAC names in and out of the IGMP/MLD set, the tables deleted on close, and a refused
// transaction logged, not thrown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NftTransport, DumpedMessage } from '../../../src/net/nftables/transport.js';
import type { NftMessage } from '../../../src/net/nftables/messages.js';
import { NfProto, NftMsg } from '../../../src/net/nftables/constants.js';
import { VrrpFirewall, firewallPartMessages, ifnameKey, vipKey } from '../../../src/vrrp/os/firewall.js';

class RecordingNft implements NftTransport {
  readonly batches: NftMessage[][] = [];
  fail = false;
  closed = false;
  async transaction(messages: readonly NftMessage[]): Promise<void> {
    if (this.fail) throw new Error('Operation not permitted');
    this.batches.push([...messages]);
  }
  async dump(): Promise<DumpedMessage[]> { return []; }
  close(): void { this.closed = true; }
}

const kinds = (b: NftMessage[]) => b.map((m) => `${m.family === NfProto.IPV6 ? '6' : '4'}:${Object.entries(NftMsg).find(([, v]) => v === m.msg)?.[0]}`);
const owner = (instance: string) => ({ instance, family: 'inet' as const });

test('the table of each family: replaced, two hooked chains, a set, ND let through on IPv6, a drop rule each way', () => {
  assert.deepEqual(kinds(firewallPartMessages(NfProto.IPV4, 'keepalived', -1, 'base')), ['4:NEWTABLE', '4:DELTABLE', '4:NEWTABLE', '4:NEWCHAIN']);
  assert.deepEqual(kinds(firewallPartMessages(NfProto.IPV4, 'keepalived', -1, 'vips')), ['4:NEWCHAIN', '4:NEWSET', '4:NEWRULE', '4:NEWRULE']);
  const v6 = kinds(firewallPartMessages(NfProto.IPV6, 'keepalived', -1, 'vips'));
  assert.equal(v6.filter((k) => k === '6:NEWRULE').length, 6, 'NS and NA accepted, then the drop, in each chain');
  assert.deepEqual(kinds(firewallPartMessages(NfProto.IPV4, 'keepalived', -1, 'vmacs')), ['4:NEWSET', '4:NEWRULE'], 'IGMP');
  assert.deepEqual(kinds(firewallPartMessages(NfProto.IPV6, 'keepalived', -1, 'vmacs')), ['6:NEWSET', '6:NEWRULE', '6:NEWRULE', '6:NEWRULE'], 'MLDv2 and MLDv1 reports, router solicitations');
  assert.deepEqual(ifnameKey('vrrp.51'), Buffer.concat([Buffer.from('vrrp.51'), Buffer.alloc(9)]));
  assert.deepEqual(vipKey('10.0.0.1')?.key, Buffer.from([10, 0, 0, 1]));
  assert.equal(vipKey('fe80::1')?.family, NfProto.IPV6);
  assert.equal(vipKey('not an address'), undefined);
});

test('blocks and unblocks as instances come and go; close deletes what it made', async () => {
  const nft = new RecordingNft();
  let opened = 0;
  const lines: string[] = [];
  const fw = new VrrpFirewall(() => { opened++; return nft; }, { log: (l: string) => lines.push(l) });
  await fw.setBlock(owner('A'), [], true);
  assert.equal(opened, 0, 'nothing to block: nftables not touched');
  await fw.setBlock(owner('A'), [{ address: '10.0.0.100' }, { address: 'fd00::100' }], true);
  assert.deepEqual(kinds(nft.batches[0]!).filter((k) => k.endsWith('TABLE') || k.endsWith('SETELEM')), ['4:NEWTABLE', '4:DELTABLE', '4:NEWTABLE', '4:NEWSETELEM', '6:NEWTABLE', '6:DELTABLE', '6:NEWTABLE', '6:NEWSETELEM']);
  // A VMAC: the IGMP part is added to the IPv4 table that exists (no table again), then its name.
  await fw.setVmac('A', 'vrrp.51', 'inet', true);
  assert.deepEqual(kinds(nft.batches.at(-1)!), ['4:NEWSET', '4:NEWRULE', '4:NEWSETELEM']);
  await fw.setVmac('A', 'vrrp.51', 'inet', true);
  await fw.setVmac('A', 'vrrp.51', 'inet', false);
  assert.deepEqual(kinds(nft.batches.at(-1)!), ['4:DELSETELEM']);
  nft.batches.splice(1);
  // B blocks the same IPv4 address and another: only the new one goes in, no table again.
  await fw.setBlock(owner('B'), [{ address: '10.0.0.100' }, { address: '10.0.0.101' }], true);
  assert.deepEqual(kinds(nft.batches[1]!), ['4:NEWSETELEM']);
  // A lets go: 10.0.0.100 stays (B holds it), fd00::100 goes.
  await fw.setBlock(owner('A'), [{ address: '10.0.0.100' }, { address: 'fd00::100' }], false);
  assert.deepEqual(kinds(nft.batches[2]!), ['6:DELSETELEM']);
  await fw.setBlock(owner('B'), [{ address: '10.0.0.100' }, { address: '10.0.0.101' }], false);
  assert.deepEqual(kinds(nft.batches[3]!), ['4:DELSETELEM']);
  // Unblocking what is not blocked sends nothing.
  await fw.setBlock(owner('B'), [{ address: '10.0.0.100' }], false);
  assert.equal(nft.batches.length, 4);
  await fw.close();
  assert.deepEqual(kinds(nft.batches[4]!), ['4:DELTABLE', '6:DELTABLE']);
  assert.equal(nft.closed, true);
  assert.equal(opened, 1);
  assert.deepEqual(lines, []);
});

test('a refused transaction is logged with the instance, and the table is tried again next time', async () => {
  const nft = new RecordingNft();
  nft.fail = true;
  const lines: string[] = [];
  const fw = new VrrpFirewall(() => nft, { log: (l: string) => lines.push(l) });
  await fw.setBlock(owner('A'), [{ address: '10.0.0.100' }], true);
  assert.match(lines[0] ?? '', /^\(A\) cannot add the nftables rules for no_accept: Operation not permitted/);
  nft.fail = false;
  await fw.setBlock(owner('C'), [{ address: '10.0.0.102' }], true);
  assert.ok(kinds(nft.batches[0]!).includes('4:NEWTABLE'), 'the table is made with the next block');
  // A's refused block left nothing to undo: its unblock sends nothing (a delete of an absent element would fail the batch).
  await fw.setBlock(owner('A'), [{ address: '10.0.0.100' }], false);
  assert.equal(nft.batches.length, 1);
  await fw.close();
});
