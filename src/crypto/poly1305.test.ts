import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../util/bytes.ts';
import { poly1305, poly1305Into, poly1305IntoJs } from './poly1305.ts';
import { POLY1305_WASM_AVAILABLE, POLY1305_WASM_MAX, poly1305IntoWasm } from './poly1305-wasm.ts';

/** Textbook reference on BigInt (RFC 8439 §2.5.1). */
function refPoly1305(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const le = (b: Uint8Array) => {
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  };
  const p = (1n << 130n) - 5n;
  const r = le(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = le(key.subarray(16, 32));
  let acc = 0n;
  for (let i = 0; i < msg.length; i += 16) {
    const blk = msg.subarray(i, Math.min(i + 16, msg.length));
    acc = ((acc + le(blk) + (1n << BigInt(8 * blk.length))) * r) % p;
  }
  acc = (acc + s) & ((1n << 128n) - 1n);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number((acc >> BigInt(8 * i)) & 0xffn);
  return out;
}

// protocol.md Appendix B (selftest.cpp).
const KEY = new TextEncoder().encode('this is 32-byte key for Poly1305');

test('selftest vector: 32 zero bytes', () => {
  assert.equal(toHex(poly1305(KEY, new Uint8Array(32))), '49ec78090e481ec6c26b33b91ccc0307');
});

test('selftest vector: "Hello world!"', () => {
  assert.equal(
    toHex(poly1305(KEY, new TextEncoder().encode('Hello world!'))),
    'a6f745008f81c916a20dcc74eef2b2f0',
  );
});

test('RFC 8439 §2.5.2 vector', () => {
  const key = fromHex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
  const msg = new TextEncoder().encode('Cryptographic Forum Research Group');
  assert.equal(toHex(poly1305(key, msg)), 'a8061dc1305136c6c22b8baf0c0127a9');
});

test('edge cases around p: all-ones message blocks and key (reference cross-check)', () => {
  const ones = new Uint8Array(32).fill(0xff);
  for (const len of [0, 1, 15, 16, 17, 31, 32, 33, 64, 255, 256, 2800]) {
    const msg = new Uint8Array(len).fill(0xff);
    assert.equal(toHex(poly1305(ones, msg)), toHex(refPoly1305(ones, msg)), `len ${len}`);
  }
  // r = 0 forces h = 0 and tag = s; message bytes that make h land exactly on p-ish values.
  const k2 = new Uint8Array(32);
  k2.fill(0xff, 16);
  assert.equal(toHex(poly1305(k2, new Uint8Array(48).fill(0xfe))), 'ff'.repeat(16));
  const k3 = new Uint8Array(32);
  k3[0] = 1; // r = 1: tag = (m + 2^128... ) mod p + s, exercises the final reduction
  for (const fillv of [0xff, 0xfb, 0xfa, 0x00]) {
    const msg = new Uint8Array(16).fill(fillv);
    assert.equal(toHex(poly1305(k3, msg)), toHex(refPoly1305(k3, msg)));
  }
});

test('matches the BigInt reference on random keys and messages (property)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 300 }),
      (key, msg) => {
        assert.equal(toHex(poly1305(key, msg)), toHex(refPoly1305(key, msg)));
      },
    ),
    { numRuns: 300 },
  );
});

test('poly1305Into honours key/message/output offsets', () => {
  const key = fromHex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
  const msg = new TextEncoder().encode('xxCryptographic Forum Research Groupyy');
  const kbuf = new Uint8Array(40);
  kbuf.set(key, 5);
  const out = new Uint8Array(20);
  poly1305Into(kbuf, 5, msg, 2, msg.length - 2, out, 3);
  assert.equal(toHex(out, 3, 19), 'a8061dc1305136c6c22b8baf0c0127a9');
  assert.equal(out[0] | out[1] | out[2] | out[19], 0);
  assert.throws(() => poly1305Into(kbuf, 10, msg, 0, 1, out, 0), RangeError);
  assert.throws(() => poly1305Into(key, 0, msg, 0, msg.length + 1, out, 0), RangeError);
  assert.throws(() => poly1305Into(key, 0, msg, 0, 1, out, 5), RangeError);
  assert.throws(() => poly1305(new Uint8Array(31), msg), RangeError);
});

/** Runs one of the two cores directly (poly1305() dispatches to WebAssembly when available). */
function tagWith(impl: typeof poly1305IntoJs, key: Uint8Array, msg: Uint8Array): string {
  const out = new Uint8Array(16);
  impl(key, 0, msg, 0, msg.length, out, 0);
  return toHex(out);
}

test('WebAssembly core is available on Node and matches the JS core and BigInt reference (property)', () => {
  assert.equal(POLY1305_WASM_AVAILABLE, true);
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 600 }),
      (key, msg) => {
        const ref = toHex(refPoly1305(key, msg));
        assert.equal(tagWith(poly1305IntoWasm, key, msg), ref);
        assert.equal(tagWith(poly1305IntoJs, key, msg), ref);
      },
    ),
    { numRuns: 500 },
  );
});

test('both cores on the Appendix B / RFC vectors and extreme limbs', () => {
  const rfcKey = fromHex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
  const rfcMsg = new TextEncoder().encode('Cryptographic Forum Research Group');
  for (const impl of [poly1305IntoWasm, poly1305IntoJs]) {
    assert.equal(tagWith(impl, KEY, new Uint8Array(32)), '49ec78090e481ec6c26b33b91ccc0307');
    assert.equal(
      tagWith(impl, KEY, new TextEncoder().encode('Hello world!')),
      'a6f745008f81c916a20dcc74eef2b2f0',
    );
    assert.equal(tagWith(impl, rfcKey, rfcMsg), 'a8061dc1305136c6c22b8baf0c0127a9');
    const ones = new Uint8Array(32).fill(0xff);
    for (const len of [0, 1, 15, 16, 17, 64, 2800, 10024]) {
      const msg = new Uint8Array(len).fill(0xff);
      assert.equal(tagWith(impl, ones, msg), toHex(refPoly1305(ones, msg)), `len ${len}`);
    }
  }
});

test('poly1305Into above the WebAssembly size limit falls back to JS with the same result', () => {
  const key = new Uint8Array(32).map((_, i) => i * 29 + 3);
  const msg = new Uint8Array(POLY1305_WASM_MAX + 100).map((_, i) => i * 7);
  const out = new Uint8Array(16);
  poly1305Into(key, 0, msg, 0, msg.length, out, 0);
  assert.equal(toHex(out), tagWith(poly1305IntoJs, key, msg));
  assert.equal(toHex(out), toHex(refPoly1305(key, msg)));
});
