import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { cryptoVectors } from '../testing/vectors.ts';
import { fromHex, toHex } from '../util/bytes.ts';
import {
  CIPHER_AES_GMAC_SIV,
  FLAG_FRAGMENTED,
  flagsCipher,
  incrementPacketHops,
  PACKET_MIN_LENGTH,
  PacketView,
  packetHops,
  setPacketHops,
  writePacketHeader,
  writePacketHeaderRaw,
} from './packet.ts';

const V = cryptoVectors.values as Record<string, string>;

function view(hex: string): PacketView {
  const r = PacketView.check(fromHex(hex));
  assert.ok(r.ok);
  return r.value;
}

test('deconstruct: the plaintext ECHO A->B header fields', () => {
  const v = view(V.plain);
  assert.equal(v.length, 68);
  assert.equal(v.packetId, 0x0102030405060708n);
  assert.equal(toHex(v.packetIdBytes), '0102030405060708');
  assert.equal(v.destination, 0x83edc7390e);
  assert.equal(v.source, 0x2d1d262d72);
  assert.equal(v.flags, 0);
  assert.equal(v.cipher, 0);
  assert.equal(v.hops, 0);
  assert.equal(v.fragmented, false);
  assert.equal(v.mac, 0n);
  assert.equal(v.verbByte, 0x08);
  assert.equal(v.verb, 8); // ECHO
  assert.equal(v.compressed, false);
  assert.equal(v.payload.length, 40);
  assert.equal(v.payload[39], 0x27);
});

test('deconstruct: armored vectors expose cipher, legacy flag and MAC', () => {
  const c1 = view(V.armor_cipher1);
  assert.equal(c1.cipher, 1);
  assert.equal(c1.legacyEncrypted, true);
  assert.equal(toHex(c1.macBytes), '507f4784dc165015');
  assert.equal(c1.mac, 0x507f4784dc165015n);
  const c3 = view(V.armor_cipher3);
  assert.equal(c3.cipher, CIPHER_AES_GMAC_SIV);
  assert.equal(c3.legacyEncrypted, false);
  const lz = view(V.compressed_pkt);
  assert.equal(lz.compressed, true);
  assert.equal(lz.verb, 8);
});

test('construct: writePacketHeader + setters rebuild the plaintext vector exactly', () => {
  const plain = fromHex(V.plain);
  const buf = new Uint8Array(plain.length);
  buf.set(plain.subarray(28), 28);
  writePacketHeader(buf, {
    packetId: fromHex('0102030405060708'),
    destination: 0x83edc7390e,
    source: 0x2d1d262d72,
    verb: 8,
  });
  assert.equal(toHex(buf), V.plain);
  const b2 = new Uint8Array(plain.length);
  writePacketHeader(b2, {
    packetId: 0x0102030405060708n,
    destination: 1,
    source: 2,
    verb: 8,
    compressed: true,
  });
  const v = PacketView.wrap(b2);
  v.destination = 0x83edc7390e;
  v.source = 0x2d1d262d72;
  v.compressed = false;
  v.payload.set(plain.subarray(28));
  assert.equal(toHex(b2), V.plain);
});

test('flag accessors touch only their bits', () => {
  const v = PacketView.wrap(new Uint8Array(28));
  v.hops = 5;
  v.cipher = 3;
  v.fragmented = true;
  assert.equal(v.flags, 0x40 | 0x18 | 5);
  v.hops = 9; // masked to 3 bits
  assert.equal(v.hops, 1);
  v.fragmented = false;
  assert.equal(v.flags, 0x18 | 1);
  assert.equal(flagsCipher(0xff), 7);
  v.mac = 0xfedcba9876543210n;
  assert.equal(toHex(v.macBytes), 'fedcba9876543210');
  v.packetId = 0xffffffffffffffffn;
  assert.equal(v.packetId, 0xffffffffffffffffn);
  v.verbByte = 0x81;
  assert.equal(v.verb, 1);
  assert.equal(v.compressed, true);
});

test('hop helpers: relay increment wraps at 8 and keeps other bits (§3.4)', () => {
  const b = new Uint8Array(28);
  b[18] = FLAG_FRAGMENTED | 0x08 | 6;
  assert.equal(incrementPacketHops(b), 7);
  assert.equal(incrementPacketHops(b), 0);
  assert.equal(b[18], FLAG_FRAGMENTED | 0x08);
  setPacketHops(b, 2);
  assert.equal(packetHops(b), 2);
});

test('check: rejects short and over-long buffers, never throws (fuzz)', () => {
  const short = PacketView.check(new Uint8Array(PACKET_MIN_LENGTH - 1));
  assert.deepEqual(short, { ok: false, reason: 'too-short' });
  assert.equal(PacketView.check(new Uint8Array(10025)).ok, false);
  assert.throws(() => PacketView.wrap(new Uint8Array(10)), RangeError);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      const r = PacketView.check(b);
      assert.equal(r.ok, b.length >= 28);
      if (r.ok) {
        void r.value.destination;
        void r.value.source;
        void r.value.mac;
        assert.equal(r.value.payload.length, b.length - 28);
      }
    }),
  );
});

test('writePacketHeader validates its arguments', () => {
  assert.throws(() =>
    writePacketHeader(new Uint8Array(27), { packetId: 0n, destination: 0, source: 0, verb: 0 }),
  );
  assert.throws(() =>
    writePacketHeader(new Uint8Array(28), { packetId: 0n, destination: 0, source: 0, verb: 32 }),
  );
  assert.throws(() =>
    writePacketHeader(new Uint8Array(28), {
      packetId: new Uint8Array(7),
      destination: 0,
      source: 0,
      verb: 0,
    }),
  );
});

test('writePacketHeaderRaw writes what writePacketHeader writes, with the same checks', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.integer({ min: 0, max: 2 ** 40 - 1 }),
      fc.integer({ min: 0, max: 2 ** 40 - 1 }),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 31 }),
      fc.boolean(),
      (id, dest, src, flags, verb, compressed) => {
        const a = new Uint8Array(40).fill(0xee);
        const b = new Uint8Array(40).fill(0xee);
        writePacketHeader(a, { packetId: id, destination: dest, source: src, verb, compressed, flags });
        writePacketHeaderRaw(b, id, dest, src, flags, verb | (compressed ? 0x80 : 0));
        assert.deepEqual(b, a);
      },
    ),
  );
  const id = new Uint8Array(8);
  assert.throws(() => writePacketHeaderRaw(new Uint8Array(27), id, 0, 0, 0, 0), RangeError);
  assert.throws(() => writePacketHeaderRaw(new Uint8Array(28), id, 0, 0, 0, 32), RangeError);
  assert.throws(() => writePacketHeaderRaw(new Uint8Array(28), new Uint8Array(7), 0, 0, 0, 0), RangeError);
});
