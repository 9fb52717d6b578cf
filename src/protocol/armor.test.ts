import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { cryptoVectors } from '../testing/vectors.ts';
import { fromHex, toHex } from '../util/bytes.ts';
import { armor, armorTrustedPath, cryptField, dearmor, dearmorReason, SymmetricKey } from './armor.ts';
import { PacketView, PKT_FLAGS } from './packet.ts';

const V = cryptoVectors.values as Record<string, string>;
const KEY = new SymmetricKey(fromHex(V.agree_a_b));

test('SymmetricKey derives K0/K1-keyed AES state and copies the secret', () => {
  const raw = fromHex(V.agree_a_b);
  const k = new SymmetricKey(raw);
  raw.fill(0);
  assert.equal(toHex(k.secret), V.agree_a_b);
  assert.equal(toHex(k.salsaKey), V.agree_a_b.slice(0, 64));
  assert.equal(k.siv, k.siv); // cached
  assert.throws(() => new SymmetricKey(new Uint8Array(32)), RangeError);
});

for (const [cipher, name] of [
  [0, 'armor_cipher0'],
  [1, 'armor_cipher1'],
  [3, 'armor_cipher3'],
] as const) {
  test(`armor cipher ${cipher} reproduces ${name} byte for byte`, () => {
    const pkt = fromHex(V.plain);
    armor(pkt, KEY, cipher);
    assert.equal(toHex(pkt), V[name]);
  });
}

test('dearmor of each vector succeeds and gives dearmored0/1/3', () => {
  const p0 = fromHex(V.armor_cipher0);
  assert.equal(dearmor(p0, KEY), V.dearmor0 === '1');
  assert.equal(toHex(p0), V.armor_cipher0); // cipher 0 only authenticates
  const p1 = fromHex(V.armor_cipher1);
  assert.equal(dearmor(p1, KEY), V.dearmor1 === '1');
  assert.equal(toHex(p1), V.dearmored1);
  const p3 = fromHex(V.armor_cipher3);
  assert.equal(dearmor(p3, KEY), V.dearmor3 === '1');
  assert.equal(toHex(p3), V.dearmored3);
});

test('vectors hold at every buffer alignment (packets inside larger buffers, byteOffset 0..7)', () => {
  for (let off = 0; off < 8; off++) {
    for (const [cipher, name] of [
      [0, 'armor_cipher0'],
      [1, 'armor_cipher1'],
      [3, 'armor_cipher3'],
    ] as const) {
      const plain = fromHex(V.plain);
      const backing = new Uint8Array(plain.length + 16).fill(0xaa);
      const pkt = backing.subarray(off, off + plain.length);
      pkt.set(plain);
      armor(pkt, KEY, cipher);
      assert.equal(toHex(pkt), V[name], `offset ${off} cipher ${cipher}`);
      assert.equal(dearmor(pkt, KEY), true);
      assert.equal(toHex(pkt, 27), V.plain.slice(54));
      // Bytes around the packet are untouched.
      assert.ok(backing.subarray(0, off).every((b) => b === 0xaa));
      assert.ok(backing.subarray(off + plain.length).every((b) => b === 0xaa));
    }
    const plain = fromHex(V.plain);
    const backing = new Uint8Array(plain.length + 8);
    const pkt = backing.subarray(off, off + plain.length);
    pkt.set(plain);
    cryptField(KEY, pkt, 28, 40);
    assert.equal(toHex(pkt), V.cryptfield_28_40);
    for (let len = 0; len <= 40; len += 7) {
      // Short ranges (head/tail-only paths) match the corresponding prefix of the full result.
      const q = backing.subarray(off, off + plain.length);
      q.set(plain);
      cryptField(KEY, q, 28, len);
      assert.equal(toHex(q, 28, 28 + len), V.cryptfield_28_40.slice(56, 56 + 2 * len));
      assert.equal(toHex(q, 28 + len), V.plain.slice(56 + 2 * len));
    }
  }
});

test('maximum-length packets round trip; longer ones are refused', () => {
  for (const cipher of [0, 1, 3] as const) {
    const pkt = new Uint8Array(10024).map((_, i) => i & 0xff);
    pkt[PKT_FLAGS] = 0;
    const env = pkt.slice(27);
    armor(pkt, KEY, cipher);
    assert.equal(dearmor(pkt, KEY), true);
    assert.deepEqual(pkt.subarray(27), env);
  }
  assert.throws(() => armor(new Uint8Array(10025), KEY, 1), RangeError);
  assert.equal(dearmor(new Uint8Array(10025), KEY), false);
});

test('cryptField(28, 40) reproduces cryptfield_28_40 and is its own inverse', () => {
  const pkt = fromHex(V.plain);
  cryptField(KEY, pkt, 28, 40);
  assert.equal(toHex(pkt), V.cryptfield_28_40);
  cryptField(KEY, pkt, 28, 40);
  assert.equal(toHex(pkt), V.plain);
  assert.throws(() => cryptField(KEY, pkt, 60, 40), RangeError);
});

test('HELLO: cryptField at hello_crypt_start then cipher 0 gives hello_wire; receive path inverts it', () => {
  const pkt = fromHex(V.hello_plain);
  const start = Number(V.hello_crypt_start);
  cryptField(KEY, pkt, start, pkt.length - start);
  armor(pkt, KEY, 0);
  assert.equal(toHex(pkt), V.hello_wire);
  const rx = fromHex(V.hello_wire);
  assert.equal(dearmor(rx, KEY), true);
  cryptField(KEY, rx, start, rx.length - start);
  assert.equal(toHex(rx, 27), V.hello_plain.slice(54));
});

test('OK(HELLO) with cipher 3 gives okhello_wire_aes and dearmors back', () => {
  const pkt = fromHex(V.okhello_plain);
  armor(pkt, KEY, 3);
  assert.equal(toHex(pkt), V.okhello_wire_aes);
  assert.equal(dearmor(pkt, KEY), true);
  assert.equal(toHex(pkt, 27), V.okhello_plain.slice(54));
});

test('tamper: flipping any bit outside the hop count makes dearmor fail and leaves the packet', () => {
  for (const name of ['armor_cipher0', 'armor_cipher1', 'armor_cipher3', 'hello_wire', 'okhello_wire_aes']) {
    const wire = fromHex(V[name]);
    for (let i = 0; i < wire.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        if (i === PKT_FLAGS && bit < 3) continue; // hops: tested below
        const t = wire.slice();
        t[i] ^= 1 << bit;
        const before = t.slice();
        assert.equal(dearmor(t, KEY), false, `${name} byte ${i} bit ${bit}`);
        assert.deepEqual(t, before);
      }
    }
    // Truncation / extension changes L (mangle) or the envelope.
    assert.equal(dearmor(wire.slice(0, wire.length - 1), KEY), false);
    const longer = new Uint8Array(wire.length + 1);
    longer.set(wire);
    assert.equal(dearmor(longer, KEY), false);
  }
});

test('hop count changes (relaying, §3.4) do not break dearmor', () => {
  for (const name of ['armor_cipher0', 'armor_cipher1', 'armor_cipher3']) {
    for (let hops = 1; hops < 8; hops++) {
      const t = fromHex(V[name]);
      t[PKT_FLAGS] = (t[PKT_FLAGS] & 0xf8) | hops;
      assert.equal(dearmor(t, KEY), true, `${name} hops ${hops}`);
    }
  }
});

test('wrong key, short packets and unkeyed ciphers are rejected without throwing', () => {
  const other = new SymmetricKey(new Uint8Array(48).fill(1));
  for (const name of ['armor_cipher0', 'armor_cipher1', 'armor_cipher3']) {
    assert.equal(dearmor(fromHex(V[name]), other), false);
  }
  assert.equal(dearmor(new Uint8Array(27), KEY), false);
  for (const c of [2, 4, 5, 6, 7]) {
    const t = fromHex(V.armor_cipher0);
    t[PKT_FLAGS] = (t[PKT_FLAGS] & ~0x38) | (c << 3);
    assert.equal(dearmor(t, KEY), false);
  }
  assert.throws(() => armor(new Uint8Array(27), KEY, 0), RangeError);
  assert.throws(() => armor(fromHex(V.plain), KEY, 2 as 0), RangeError);
});

test('armor sets flags per cipher: 0x80 iff cipher 1, hops 0 for AES, fragment bit kept', () => {
  const base = fromHex(V.plain);
  base[PKT_FLAGS] = 0x40 | 0x80 | 0x03; // fragmented, stale legacy bit, hops 3
  const cases: [0 | 1 | 3, number][] = [
    [0, 0x43],
    [1, 0xcb],
    [3, 0x58],
  ];
  for (const [c, expect] of cases) {
    const p = base.slice();
    armor(p, KEY, c);
    assert.equal(p[PKT_FLAGS], expect, `cipher ${c}`);
    assert.equal(dearmor(p, KEY), true);
  }
});

test('round trip on random packets of random length for every cipher (property)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 28, maxLength: 1500 }),
      fc.constantFrom(0 as const, 1 as const, 3 as const),
      (bytes, cipher) => {
        const pkt = bytes.slice();
        pkt[PKT_FLAGS] &= 0x40;
        const plainEnv = pkt.slice(27);
        armor(pkt, KEY, cipher);
        assert.equal(dearmor(pkt, KEY), true);
        assert.deepEqual(pkt.subarray(27), plainEnv);
      },
    ),
    { numRuns: 200 },
  );
});

test('dearmor never throws on arbitrary bytes (fuzz)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      assert.equal(typeof dearmor(bytes, KEY), 'boolean');
    }),
    { numRuns: 500 },
  );
});

test('dearmorReason names why a packet was dropped', () => {
  assert.equal(dearmorReason(fromHex(V.armor_cipher1), KEY), 'ok');
  assert.equal(dearmorReason(new Uint8Array(20), KEY), 'bad-length');
  const t = fromHex(V.armor_cipher3);
  t[40] ^= 1;
  assert.equal(dearmorReason(t, KEY), 'bad-mac');
  const c2 = fromHex(V.plain);
  armorTrustedPath(c2, 0x1122334455667788n);
  assert.equal(dearmorReason(c2, KEY), 'unkeyed-cipher');
});

test('armorTrustedPath sets cipher 2 and the path ID, leaving fragment bit and payload', () => {
  const p = fromHex(V.plain);
  p[PKT_FLAGS] = 0x40 | 0x80 | 0x18;
  armorTrustedPath(p, 0xfedcba9876543210n);
  const v = PacketView.wrap(p);
  assert.equal(v.cipher, 2);
  assert.equal(v.fragmented, true);
  assert.equal(v.legacyEncrypted, false);
  assert.equal(v.mac, 0xfedcba9876543210n);
  assert.equal(toHex(p, 27), V.plain.slice(54));
  assert.throws(() => armorTrustedPath(new Uint8Array(10), 1n), RangeError);
});
