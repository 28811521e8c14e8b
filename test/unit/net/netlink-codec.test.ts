import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttributeEncoder, Attributes, NetlinkDecodeError, decodeAttributes, encodeAttribute } from '../../../src/net/netlink/attributes.js';
import { decodeErrorBody, decodeMessages, encodeErrorReply, encodeMessage } from '../../../src/net/netlink/message.js';
import { ControlType, MessageFlag } from '../../../src/net/netlink/constants.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('an attribute is length, type, value, padded to 4 bytes', () => {
  // len 4+3=7 (0x0007), type 3, "lo\0", one pad byte
  assert.deepEqual(encodeAttribute(3, Buffer.from('lo\0')), hex('0700 0300 6c6f00 00'));
  assert.deepEqual(new AttributeEncoder().u32(4, 1500).finish(), hex('0800 0400 dc050000'));
  assert.deepEqual(new AttributeEncoder().u16(1, 0x1234).finish(), hex('0600 0100 3412 0000'));
  assert.deepEqual(new AttributeEncoder().flag(7).finish(), hex('0400 0700'));
});

test('a nested attribute carries NLA_F_NESTED and its children', () => {
  const b = new AttributeEncoder()
    .nested(18, (li) => {
      li.string(1, 'macvlan');
      li.nested(2, (d) => d.u32(1, 1));
    })
    .finish();
  // outer: len 4 + (12 "macvlan\0") + (4 + 8) = 28 = 0x1c, type 18|0x8000
  assert.deepEqual(b, hex('1c00 1280  0c00 0100 6d6163766c616e00  0c00 0280 0800 0100 01000000'));
  const outer = Attributes.decode(b);
  assert.equal(outer.list[0]!.nested, true);
  const li = outer.nested(18)!;
  assert.equal(li.string(1), 'macvlan');
  assert.equal(li.nested(2)!.u32(1), 1);
});

test('attribute decoding reads every typed value back', () => {
  const b = new AttributeEncoder().u8(1, 7).u16(2, 65535).u32(3, 0xdeadbeef).i32(4, -2).u64(5, 2n ** 40n).string(6, 'eth0').u16be(7, 80).finish();
  const a = Attributes.decode(b);
  assert.equal(a.u8(1), 7);
  assert.equal(a.u16(2), 65535);
  assert.equal(a.u32(3), 0xdeadbeef);
  assert.equal(a.i32(4), -2);
  assert.equal(a.u64(5), 2n ** 40n);
  assert.equal(a.string(6), 'eth0');
  assert.equal(a.u16be(7), 80);
  assert.equal(a.u32(99), undefined);
});

test('the encoder gives the same bytes when its buffer grows in the middle of an attribute or a nested one', () => {
  // Built in a 4-byte start buffer (it grows many times, inside the nest too) and in a roomy one.
  const build = (e: AttributeEncoder) =>
    e.u8(1, 7).nested(2, (n) => n.u16(1, 65535).u32(2, 0xdeadbeef).bytes(3, Buffer.from('abcde')).string(4, 'eth0').u16be(5, 80, true).flag(6).i32(7, -2).u64(8, 2n ** 40n).u32be(9, 0x0a000001)).u16(3, 9).finish();
  const small = build(new AttributeEncoder(4));
  const roomy = build(new AttributeEncoder(4096));
  assert.deepEqual(small, roomy);
  const outer = Attributes.decode(small);
  assert.equal(outer.u8(1), 7);
  assert.equal(outer.u16(3), 9);
  const inner = outer.nested(2)!;
  assert.equal(inner.u16(1), 65535);
  assert.equal(inner.u32(2), 0xdeadbeef);
  assert.equal(inner.get(3)?.toString(), 'abcde');
  assert.equal(inner.string(4), 'eth0');
  assert.equal(inner.u16be(5), 80);
  assert.ok(inner.has(6));
  assert.equal(inner.i32(7), -2);
  assert.equal(inner.u64(8), 2n ** 40n);
  assert.equal(inner.u32be(9), 0x0a000001);
  // Padding is zeroed, not left over from an unzeroed allocation.
  assert.deepEqual(small.subarray(5, 8), Buffer.alloc(3));
});

test('headroom, values filled in place, and attributes copied in raw', () => {
  const e = new AttributeEncoder(4, 4);
  const at = e.value(1, 6);
  e.buffer[at] = 0xab;
  e.raw(new AttributeEncoder().u16(2, 9).finish());
  const out = e.take();
  // Four bytes of headroom (the caller's), then: len 10 type 1, ab + five zeros (value() zeroes
  // an unzeroed buffer), two pad bytes; then the raw u16 attribute.
  assert.deepEqual(out.subarray(4), hex('0a00 0100 ab0000000000 0000  0600 0200 0900 0000'));
  assert.equal(out.length, 4 + 12 + 8);
});

test('an attribute whose length runs past the buffer is an error, not a misread', () => {
  assert.throws(() => decodeAttributes(hex('0c00 0100 0000')), NetlinkDecodeError);
  assert.throws(() => decodeAttributes(hex('0200 0100')), /length 2/);
});

test('a message is a 16-byte header then the payload, padded', () => {
  const m = encodeMessage({ type: 18, flags: MessageFlag.REQUEST | MessageFlag.ACK, seq: 0x01020304, pid: 0, payload: hex('aabbcc') });
  assert.deepEqual(m, hex('13000000 1200 0500 04030201 00000000 aabbcc 00'));
});

test('one datagram holding several messages splits into them', () => {
  const a = encodeMessage({ type: 16, flags: MessageFlag.MULTI, seq: 5, pid: 77, payload: hex('0102') });
  const done = encodeMessage({ type: ControlType.DONE, flags: MessageFlag.MULTI, seq: 5, pid: 77, payload: hex('00000000') });
  const msgs = decodeMessages(Buffer.concat([a, done]));
  assert.equal(msgs.length, 2);
  assert.deepEqual(msgs[0]!.payload, hex('0102'));
  assert.equal(msgs[1]!.type, ControlType.DONE);
  assert.equal(msgs[1]!.pid, 77);
  assert.throws(() => decodeMessages(hex('20000000 1000 0000 00000000 00000000')), NetlinkDecodeError);
});

test('an error reply with extended ack yields errno, the request header and the kernel string', () => {
  // As the kernel sends with CAP_ACK and EXT_ACK: error -17, the request header, then
  // NLMSGERR_ATTR_MSG "exists" and NLMSGERR_ATTR_OFFS 0x20.
  const reply = hex(
    '38000000 0200 0003 2a000000 e8030000' + // len 56, ERROR, CAPPED|ACK_TLVS, seq 42, pid 1000
      'efffffff' + // -17
      '28000000 1400 0506 2a000000 00000000' + // echoed request header
      '0b00 0100 65786973747300 00' + // MSG "exists"
      '0800 0200 20000000', // OFFS 32
  );
  const [m] = decodeMessages(reply);
  const body = decodeErrorBody(m!);
  assert.equal(body.errno, 17);
  assert.deepEqual(body.request, { type: 20, flags: 0x605, seq: 42, pid: 0 });
  assert.equal(body.message, 'exists');
  assert.equal(body.offset, 32);
  // Our encoder for fakes produces what we decode.
  const again = decodeErrorBody(decodeMessages(encodeErrorReply({ type: 20, flags: 5, seq: 9, pid: 0, payload: hex('00000000') }, 22, 'bad'))[0]!);
  assert.equal(again.errno, 22);
  assert.equal(again.message, 'bad');
  assert.equal(again.request.seq, 9);
});

test('an error reply without CAP_ACK echoes the whole request before the TLVs', () => {
  const reqPayload = hex('0a0b0c0d0e0f1011');
  const body = Buffer.concat([hex('eaffffff'), encodeMessage({ type: 20, flags: 5, seq: 3, pid: 0, payload: reqPayload }), hex('0800 0100 78797a00')]);
  const m = { type: ControlType.ERROR, flags: MessageFlag.ACK_TLVS, seq: 3, pid: 0, payload: body };
  const e = decodeErrorBody(m);
  assert.equal(e.errno, 22);
  assert.equal(e.message, 'xyz');
});
