import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../util/bytes.ts';
import { AesGmacSiv } from './aes-gmac-siv.ts';
import { kbkdf384 } from './hash.ts';

const V = JSON.parse(readFileSync(new URL('../../test/vectors/crypto-vectors.json', import.meta.url), 'utf8'))
  .values as Record<string, string>;

function sivForAB(): AesGmacSiv {
  const key = fromHex(V.agree_a_b);
  return new AesGmacSiv(kbkdf384(key, 0x30).subarray(0, 32), kbkdf384(key, 0x31).subarray(0, 32));
}

/** The §4.4 AAD of a packet: dest, source, flags (cipher 3, hops 0), zero-padded to 16. */
function aadOf(pkt: Uint8Array, flags: number): Uint8Array {
  const a = new Uint8Array(16);
  a.set(pkt.subarray(8, 18));
  a[10] = flags;
  return a;
}

test('encrypt reproduces the armor_cipher3 vector (tag halves and ciphertext)', () => {
  const plain = fromHex(V.plain);
  const wire = fromHex(V.armor_cipher3);
  const data = plain.slice(27);
  const tag = new Uint8Array(18);
  sivForAB().encrypt(plain, 0, aadOf(plain, 0x18), data, tag, 1);
  assert.equal(toHex(tag, 1, 9), toHex(wire, 0, 8));
  assert.equal(toHex(tag, 9, 17), toHex(wire, 19, 27));
  assert.equal(toHex(data), toHex(wire, 27));
});

test('decrypt of the armor_cipher3 vector gives the plaintext envelope', () => {
  const plain = fromHex(V.plain);
  const wire = fromHex(V.armor_cipher3);
  const tag = new Uint8Array(16);
  tag.set(wire.subarray(0, 8));
  tag.set(wire.subarray(19, 27), 8);
  const data = wire.slice(27);
  assert.equal(sivForAB().decrypt(tag, 0, aadOf(wire, 0x18), data), true);
  assert.equal(toHex(data), toHex(plain, 27));
});

test('round trip and tamper detection on random inputs (property)', () => {
  const siv = sivForAB();
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      (iv, aad, msg, where, flip) => {
        const data = msg.slice();
        const tag = new Uint8Array(16);
        siv.encrypt(iv, 0, aad, data, tag, 0);
        const ok = data.slice();
        assert.equal(siv.decrypt(tag, 0, aad, ok), true);
        assert.deepEqual(ok, msg);
        // Flip one byte somewhere in tag || aad || ciphertext: must fail and leave data untouched.
        const t2 = tag.slice();
        const a2 = aad.slice();
        const d2 = data.slice();
        const i = where % (16 + 16 + d2.length);
        if (i < 16) t2[i] ^= flip;
        else if (i < 32) a2[i - 16] ^= flip;
        else d2[i - 32] ^= flip;
        const before = d2.slice();
        assert.equal(siv.decrypt(t2, 0, a2, d2), false);
        assert.deepEqual(d2, before);
      },
    ),
    { numRuns: 200 },
  );
});

test('rejects wrong key and aad sizes', () => {
  assert.throws(() => new AesGmacSiv(new Uint8Array(16), new Uint8Array(32)), RangeError);
  const siv = sivForAB();
  assert.throws(() =>
    siv.encrypt(new Uint8Array(8), 0, new Uint8Array(15), new Uint8Array(4), new Uint8Array(16), 0),
  );
});

test('encrypt output decrypts with plain OpenSSL AES-256-CTR under B with byte 12 masked (property)', () => {
  const key = fromHex(V.agree_a_b);
  const k1 = kbkdf384(key, 0x31).subarray(0, 32);
  const siv = sivForAB();
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ maxLength: 600 }),
      (iv, aad, msg) => {
        const data = msg.slice();
        const tag = new Uint8Array(16);
        siv.encrypt(iv, 0, aad, data, tag, 0);
        const ctrIv = tag.slice();
        ctrIv[12] &= 0x7f;
        assert.deepEqual(new Uint8Array(createDecipheriv('aes-256-ctr', k1, ctrIv).update(data)), msg);
        // And the tag's ECB decryption starts with the IV (§4.4 decrypt step 2).
        const d = createDecipheriv('aes-256-ecb', k1, null).setAutoPadding(false).update(tag);
        assert.equal(toHex(d.subarray(0, 8)), toHex(iv));
      },
    ),
    { numRuns: 100 },
  );
});

test('both CTR paths (WebAssembly scratch and >10 KiB per-packet CTR fallback) follow §4.4 exactly', () => {
  const key = fromHex(V.agree_a_b);
  const k0 = kbkdf384(key, 0x30).subarray(0, 32);
  const k1 = kbkdf384(key, 0x31).subarray(0, 32);
  const siv = sivForAB();
  for (const n of [0, 1, 15, 16, 17, 2773, 10240, 12000]) {
    const iv = new Uint8Array(8).map((_, i) => i * 31 + n);
    const aad = new Uint8Array(16).map((_, i) => (i < 11 ? i + 1 : 0));
    const msg = new Uint8Array(n).map((_, i) => (i * 7 + 3) & 0xff);
    const data = msg.slice();
    const tag = new Uint8Array(16);
    siv.encrypt(iv, 0, aad, data, tag, 0);
    // Independent recomputation: GMAC (K0, iv || 0^4, AAD = aad || msg), folded; B = ECB(K1, iv || t8).
    const g = createCipheriv('aes-256-gcm', k0, new Uint8Array([...iv, 0, 0, 0, 0]));
    g.setAAD(new Uint8Array([...aad, ...msg]));
    g.final();
    const t = g.getAuthTag();
    const blk = new Uint8Array(16);
    blk.set(iv);
    for (let i = 0; i < 8; i++) blk[8 + i] = t[i] ^ t[8 + i];
    const b = createCipheriv('aes-256-ecb', k1, null).setAutoPadding(false).update(blk);
    assert.equal(toHex(tag), toHex(b), `tag n=${n}`);
    const ctrIv = b.subarray(0, 16);
    ctrIv[12] &= 0x7f;
    assert.equal(toHex(data), toHex(createCipheriv('aes-256-ctr', k1, ctrIv).update(msg)), `ct n=${n}`);
    assert.equal(siv.decrypt(tag, 0, aad, data), true);
    assert.deepEqual(data, msg);
    if (n > 0) {
      const bad = data.slice();
      siv.encrypt(iv, 0, aad, bad, tag, 0);
      bad[n - 1] ^= 0x80;
      const before = bad.slice();
      assert.equal(siv.decrypt(tag, 0, aad, bad), false);
      assert.deepEqual(bad, before);
    }
  }
});
