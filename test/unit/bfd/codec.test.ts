// BFD Control packet codec: hand-assembled packets from the RFC 5880 §4.1 layout, every
// validation error, and a fuzz that decoding never throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../lib/prng.js';
import {
  BFD_DIAG_ADMIN_DOWN,
  BFD_DIAG_CONCAT_PATH_DOWN,
  BFD_DIAG_DETECT_EXPIRED,
  BFD_DIAG_ECHO_FAILED,
  BFD_DIAG_FORWARDING_RESET,
  BFD_DIAG_NEIGHBOR_DOWN,
  BFD_DIAG_NONE,
  BFD_DIAG_PATH_DOWN,
  BFD_DIAG_REVERSE_CONCAT_PATH_DOWN,
  decodeBfdControl,
  diagName,
  encodeBfdControl,
  keepalivedSanityError,
  type BfdControl,
} from '../../../src/bfd/codec.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// Vers 1, Diag 3 | Sta Up(3), P | Mult 5 | Len 24 | My 0x11223344 | Your 0x55667788 |
// Desired Min TX 1 s | Required Min RX 10 ms | Echo 0.
const UP_POLL = hex('23 e0 05 18  11223344  55667788  000f4240  00002710  00000000');
// Vers 1, Diag 0 | Sta Down(1), no flags | Mult 3 | Len 24 | My 0xdeadbeef | Your 0 |
// 2 s | 300 ms | 50 ms echo.
const DOWN = hex('20 40 03 18  deadbeef  00000000  001e8480  000493e0  0000c350');
// Sta Init(2) with F, C and D bits: 0x80 | 0x10 | 0x08 | 0x02.
const INIT_FCD = hex('21 9a ff 18  ffffffff  00000001  ffffffff  00000001  00000000');

function decoded(b: Uint8Array): BfdControl {
  const r = decodeBfdControl(b);
  assert.ok('packet' in r, 'error' in r ? r.error : '');
  return r.packet;
}

function errorOf(b: Uint8Array): string {
  const r = decodeBfdControl(b);
  assert.ok('error' in r, 'expected a decode error');
  return r.error;
}

const base: BfdControl = {
  diag: 0, state: 'Up', poll: false, final: false, cpi: false, authPresent: false, demand: false, multipoint: false,
  detectMult: 3, myDiscriminator: 1, yourDiscriminator: 2, desiredMinTxUs: 1_000_000, requiredMinRxUs: 10_000, requiredMinEchoRxUs: 0,
};

/** A valid packet's bytes with one byte range overwritten. */
function patched(at: number, bytes: number[], from: Buffer = encodeBfdControl(base)): Buffer {
  const b = Buffer.from(from);
  bytes.forEach((v, i) => { b[at + i] = v; });
  return b;
}

test('hand-assembled Up+Poll packet decodes and re-encodes to the same bytes', () => {
  const p = decoded(UP_POLL);
  assert.deepEqual(p, {
    diag: BFD_DIAG_NEIGHBOR_DOWN, state: 'Up', poll: true, final: false, cpi: false, authPresent: false, demand: false, multipoint: false,
    detectMult: 5, myDiscriminator: 0x11223344, yourDiscriminator: 0x55667788,
    desiredMinTxUs: 1_000_000, requiredMinRxUs: 10_000, requiredMinEchoRxUs: 0,
  });
  assert.deepEqual(encodeBfdControl(p), UP_POLL);
});

test('Down with your discriminator 0, and the F/C/D bits and 32-bit extremes, round trip', () => {
  const d = decoded(DOWN);
  assert.equal(d.state, 'Down');
  assert.equal(d.yourDiscriminator, 0);
  assert.equal(d.myDiscriminator, 0xdeadbeef);
  assert.equal(d.desiredMinTxUs, 2_000_000);
  assert.equal(d.requiredMinRxUs, 300_000);
  assert.equal(d.requiredMinEchoRxUs, 50_000);
  assert.deepEqual(encodeBfdControl(d), DOWN);

  const i = decoded(INIT_FCD);
  assert.deepEqual(
    { state: i.state, diag: i.diag, p: i.poll, f: i.final, c: i.cpi, a: i.authPresent, d: i.demand, m: i.multipoint, mult: i.detectMult, my: i.myDiscriminator, tx: i.desiredMinTxUs },
    { state: 'Init', diag: BFD_DIAG_DETECT_EXPIRED, p: false, f: true, c: true, a: false, d: true, m: false, mult: 255, my: 0xffffffff, tx: 0xffffffff },
  );
  assert.deepEqual(encodeBfdControl(i), INIT_FCD);
});

test('AdminDown encodes as state 0 with diag 7', () => {
  const b = encodeBfdControl({ ...base, state: 'AdminDown', diag: BFD_DIAG_ADMIN_DOWN, yourDiscriminator: 0 });
  assert.equal(b.length, 24);
  assert.equal(b[0], 0x27);
  assert.equal(b[1], 0x00);
  assert.equal(b[3], 24);
  assert.equal(decoded(b).state, 'AdminDown');
});

test('bytes after the Length field are ignored; a decode of a Buffer slice reads its own bytes', () => {
  assert.deepEqual(decoded(Buffer.concat([UP_POLL, hex('aabbccdd eeff0011')])), decoded(UP_POLL));
  const pool = Buffer.concat([hex('ffffffff'), UP_POLL]);
  assert.deepEqual(decoded(pool.subarray(4)), decoded(UP_POLL));
  assert.deepEqual(decoded(new Uint8Array(UP_POLL)), decoded(UP_POLL));
});

test('each RFC 5880 §6.8.6 packet check has its own error', () => {
  assert.match(errorOf(UP_POLL.subarray(0, 23)), /too short: 23 bytes/);
  assert.match(errorOf(Buffer.alloc(0)), /too short: 0 bytes/);
  assert.match(errorOf(patched(0, [0x00])), /unsupported version 0/);
  assert.match(errorOf(patched(0, [0x43])), /unsupported version 2/);
  assert.match(errorOf(patched(3, [20])), /length field 20 is below the minimum of 24/);
  assert.match(errorOf(patched(3, [30])), /length field 30 exceeds the 24 bytes received/);
  assert.match(errorOf(Buffer.concat([patched(3, [28]), Buffer.alloc(4)])), /length field 28 is not 24/);
  // A bit: 24 is below the authenticated minimum; with room for the auth section, rejected as unsupported.
  assert.match(errorOf(patched(1, [0xc4])), /length field 24 is below the minimum of 26/);
  assert.match(errorOf(Buffer.concat([patched(1, [0xc4, 3, 26]), hex('0102')])), /authentication .* not supported/);
  assert.match(errorOf(patched(2, [0])), /detect multiplier is zero/);
  assert.match(errorOf(patched(1, [0xc1])), /multipoint/);
  assert.match(errorOf(patched(4, [0, 0, 0, 0])), /my discriminator is zero/);
  assert.match(errorOf(patched(8, [0, 0, 0, 0])), /your discriminator is zero in state Up/);
  assert.match(errorOf(patched(1, [0x80, 3, 24, 0, 0, 0, 1, 0, 0, 0, 0])), /your discriminator is zero in state Init/);
  // Zero is fine in Down and AdminDown.
  assert.equal(decoded(patched(1, [0x40, 3, 24, 0, 0, 0, 1, 0, 0, 0, 0])).state, 'Down');
  assert.equal(decoded(patched(1, [0x00, 3, 24, 0, 0, 0, 1, 0, 0, 0, 0])).state, 'AdminDown');
});

test("keepalived's extra checks: P and F together, diagnostic above 8", () => {
  assert.equal(keepalivedSanityError(base), null);
  assert.equal(keepalivedSanityError({ ...base, diag: 8 }), null);
  assert.match(keepalivedSanityError({ ...base, poll: true, final: true }) ?? '', /both poll/);
  assert.match(keepalivedSanityError({ ...base, diag: 9 }) ?? '', /invalid diagnostic 9/);
  // The RFC does not make them decode errors.
  assert.ok('packet' in decodeBfdControl(patched(0, [0x3f, 0xf0])));
});

test('diagnostic constants and names', () => {
  assert.deepEqual(
    [BFD_DIAG_NONE, BFD_DIAG_DETECT_EXPIRED, BFD_DIAG_ECHO_FAILED, BFD_DIAG_NEIGHBOR_DOWN, BFD_DIAG_FORWARDING_RESET,
      BFD_DIAG_PATH_DOWN, BFD_DIAG_CONCAT_PATH_DOWN, BFD_DIAG_ADMIN_DOWN, BFD_DIAG_REVERSE_CONCAT_PATH_DOWN],
    [0, 1, 2, 3, 4, 5, 6, 7, 8],
  );
  assert.equal(diagName(0), 'No Diagnostic');
  assert.equal(diagName(1), 'Control Detection Time Expired');
  assert.equal(diagName(3), 'Neighbor Signaled Session Down');
  assert.equal(diagName(7), 'Administratively Down');
  assert.equal(diagName(8), 'Reverse Concatenated Path Down');
  assert.equal(diagName(9), 'Unknown');
  assert.equal(diagName(-1), 'Unknown');
});

test('encode masks out-of-range fields instead of throwing', () => {
  const b = encodeBfdControl({ ...base, diag: 0xff, detectMult: 0x1ff, myDiscriminator: 2 ** 32 + 5, desiredMinTxUs: -1 });
  assert.equal(b[0]! & 0x1f, 0x1f);
  assert.equal(b[0]! >> 5, 1);
  assert.equal(b[2], 0xff);
  assert.equal(b.readUInt32BE(4), 5);
  assert.equal(b.readUInt32BE(12), 0xffffffff);
});

test('20,000 random and mutated buffers: decode never throws, and what it accepts re-encodes to the same 24 bytes', () => {
  const r = new Prng(0xbfd);
  const seeds = [UP_POLL, DOWN, INIT_FCD];
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) {
    let b: Buffer;
    const k = r.int(0, 3);
    if (k === 0) {
      b = r.bytes(r.int(0, 64));
    } else {
      b = Buffer.from(r.pick(seeds));
      const flips = r.int(1, 4);
      for (let j = 0; j < flips; j++) {
        const at = r.int(0, b.length - 1);
        b[at] = k === 1 ? b[at]! ^ (1 << r.int(0, 7)) : r.int(0, 255);
      }
      if (k === 3) b = r.next() < 0.5 ? b.subarray(0, r.int(0, b.length)) : Buffer.concat([b, r.bytes(r.int(1, 16))]);
    }
    assert.doesNotThrow(() => decodeBfdControl(b));
    const res = decodeBfdControl(b);
    if ('packet' in res) {
      accepted++;
      assert.deepEqual(encodeBfdControl(res.packet), b.subarray(0, 24));
    } else {
      assert.equal(typeof res.error, 'string');
      assert.ok(res.error.length > 0);
    }
  }
  // The mutations are mild enough that a fair share still decodes.
  assert.ok(accepted > 1_000, `only ${accepted} accepted`);
});
