import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../util/bytes.ts';
import { Salsa20, salsaBlock, salsaBlocks, salsaIncrement, salsaState } from './salsa20.ts';
import { SALSA_WASM_AVAILABLE } from './salsa20-wasm.ts';

// protocol.md Appendix B (selftest.cpp vectors).
const KEY = fromHex('0f62b5085bae0154a7fa4da0f34699ec3f92e5388bde3184d72a7dd02376c91c');
const NONCE = fromHex('288ff65dc42b92f9');
const S20_BLOCK0 =
  '5e5e71f90199340304abb22a37b6625bf883fb89ce3b21f54a10b81066ef87da30b77699aa7379da595c77dd59542da208e5954f89e40eb7aa80a84a6176663f';
const S12_BLOCK0 =
  '99db33ad11ce0ccb3bfdbf8d0c18160452d014cde989b4c411a559ff7c20a169e6dc9909d816becedc4063ce07cea828f44bf9b6c9a0a0b200e1b52af41859c5';

/** Straight-from-the-spec reference (arrays, quarterround function, byte serialisation). */
function refKeystream(key: Uint8Array, nonce: Uint8Array, rounds: number, len: number): Uint8Array {
  const rotl = (v: number, c: number) => ((v << c) | (v >>> (32 - c))) >>> 0;
  const le = (b: Uint8Array, o: number) =>
    (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
  const qr = (y: number[], a: number, b: number, c: number, d: number) => {
    y[b] ^= rotl((y[a] + y[d]) >>> 0, 7);
    y[c] ^= rotl((y[b] + y[a]) >>> 0, 9);
    y[d] ^= rotl((y[c] + y[b]) >>> 0, 13);
    y[a] ^= rotl((y[d] + y[c]) >>> 0, 18);
    for (const i of [a, b, c, d]) y[i] >>>= 0;
  };
  const out = new Uint8Array(len);
  const sigma = new TextEncoder().encode('expand 32-byte k');
  for (let blk = 0; blk * 64 < len; blk++) {
    const inp = [
      le(sigma, 0),
      le(key, 0),
      le(key, 4),
      le(key, 8),
      le(key, 12),
      le(sigma, 4),
      le(nonce, 0),
      le(nonce, 4),
      blk >>> 0,
      Math.floor(blk / 2 ** 32),
      le(sigma, 8),
      le(key, 16),
      le(key, 20),
      le(key, 24),
      le(key, 28),
      le(sigma, 12),
    ];
    const x = inp.slice();
    for (let r = 0; r < rounds; r += 2) {
      qr(x, 0, 4, 8, 12);
      qr(x, 5, 9, 13, 1);
      qr(x, 10, 14, 2, 6);
      qr(x, 15, 3, 7, 11);
      qr(x, 0, 1, 2, 3);
      qr(x, 5, 6, 7, 4);
      qr(x, 10, 11, 8, 9);
      qr(x, 15, 12, 13, 14);
    }
    for (let i = 0; i < 16; i++) {
      const w = (x[i] + inp[i]) >>> 0;
      for (let k = 0; k < 4; k++) {
        const p = blk * 64 + i * 4 + k;
        if (p < len) out[p] = (w >>> (8 * k)) & 0xff;
      }
    }
  }
  return out;
}

test('Salsa20/20 block 0 matches selftest vector', () => {
  const out = new Uint32Array(16);
  salsaBlock(20, salsaState(KEY, NONCE), out, 0);
  assert.equal(toHex(new Uint8Array(out.buffer)), S20_BLOCK0);
  const ks = new Uint8Array(64);
  new Salsa20(KEY, NONCE, 20).keystream(ks);
  assert.equal(toHex(ks), S20_BLOCK0);
});

test('Salsa20/12 block 0 matches selftest vector', () => {
  const ks = new Uint8Array(64);
  new Salsa20(KEY, NONCE, 12).crypt(new Uint8Array(64), ks);
  assert.equal(toHex(ks), S12_BLOCK0);
});

test('salsaBlock writes at the word offset and leaves the counter alone', () => {
  const st = salsaState(KEY, NONCE);
  const out = new Uint32Array(48);
  salsaBlock(12, st, out, 16);
  assert.equal(st[8], 0);
  assert.equal(toHex(new Uint8Array(out.buffer, 64, 64)), S12_BLOCK0);
  assert.ok(out.subarray(0, 16).every((w) => w === 0));
  assert.ok(out.subarray(32).every((w) => w === 0));
});

test('salsaIncrement carries into the high counter word', () => {
  const st = salsaState(KEY, NONCE);
  st[8] = 0xffffffff;
  salsaIncrement(st);
  assert.equal(st[8], 0);
  assert.equal(st[9], 1);
});

test('multi-block keystream equals the reference (12 and 20 rounds)', () => {
  for (const rounds of [12, 20] as const) {
    const ks = new Uint8Array(64 * 7 + 13);
    new Salsa20(KEY, NONCE, rounds).keystream(ks);
    assert.equal(toHex(ks), toHex(refKeystream(KEY, NONCE, rounds, ks.length)));
  }
});

test('streaming in arbitrary splits equals one-shot crypt (property)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.uint8Array({ maxLength: 400 }),
      fc.array(fc.nat(130), { maxLength: 8 }),
      fc.constantFrom(12 as const, 20 as const),
      (key, nonce, msg, cuts, rounds) => {
        const ref = refKeystream(key, nonce, rounds, msg.length);
        const expect = msg.map((b, i) => b ^ ref[i]);
        const s = new Salsa20(key, nonce, rounds);
        const out = msg.slice(); // in place (aliasing)
        let pos = 0;
        for (const c of cuts) {
          const end = Math.min(msg.length, pos + c);
          const part = out.subarray(pos, end);
          s.crypt(part, part);
          pos = end;
        }
        const rest = out.subarray(pos);
        s.crypt(rest, rest);
        assert.deepEqual(out, expect);
      },
    ),
    { numRuns: 200 },
  );
});

test('mixing keystream() and crypt() continues one stream', () => {
  const ref = refKeystream(KEY, NONCE, 12, 200);
  const s = new Salsa20(KEY, NONCE, 12);
  const a = new Uint8Array(70);
  s.keystream(a);
  const b = new Uint8Array(130);
  s.crypt(new Uint8Array(130), b);
  assert.equal(toHex(a) + toHex(b), toHex(ref));
});

test('rejects bad key/nonce sizes and rounds', () => {
  assert.throws(() => new Salsa20(new Uint8Array(16), NONCE, 12), RangeError);
  assert.throws(() => new Salsa20(KEY, new Uint8Array(4), 12), RangeError);
  assert.throws(() => new Salsa20(KEY, NONCE, 8 as 12), RangeError);
});

/** n blocks the slow way: salsaBlock + salsaIncrement. */
function scalarBlocks(rounds: 12 | 20, state: Uint32Array, n: number): Uint32Array {
  const out = new Uint32Array(16 * n);
  for (let b = 0; b < n; b++) {
    salsaBlock(rounds, state, out, 16 * b);
    salsaIncrement(state);
  }
  return out;
}

test('salsaBlocks (SIMD core) equals salsaBlock one by one, and advances the counter the same', () => {
  assert.equal(SALSA_WASM_AVAILABLE, true);
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.nat(70),
      fc.constantFrom(12 as const, 20 as const),
      fc.nat(3),
      (key, nonce, n, rounds, pad) => {
        const s1 = salsaState(key, nonce);
        const s2 = salsaState(key, nonce);
        const expect = scalarBlocks(rounds, s1, n);
        const out = new Uint32Array(16 * (n + pad) + 16 * pad);
        salsaBlocks(rounds, s2, out, 16 * pad, n);
        assert.deepEqual(out.subarray(16 * pad, 16 * (pad + n)), expect);
        assert.ok(out.subarray(0, 16 * pad).every((w) => w === 0));
        assert.deepEqual(s2, s1);
      },
    ),
    { numRuns: 150 },
  );
});

test('salsaBlocks across the 32-bit counter boundary and beyond one SIMD call', () => {
  for (const lo of [0xfffffff0, 0xfffffffd, 0xffffffff, 0]) {
    const s1 = salsaState(KEY, NONCE);
    const s2 = salsaState(KEY, NONCE);
    s1[8] = s2[8] = lo;
    s1[9] = s2[9] = 7;
    const n = 40;
    const expect = scalarBlocks(20, s1, n);
    const out = new Uint32Array(16 * n);
    salsaBlocks(20, s2, out, 0, n);
    assert.deepEqual(out, expect, `counter ${lo.toString(16)}`);
    assert.deepEqual(s2, s1);
  }
  const s1 = salsaState(KEY, NONCE);
  const s2 = salsaState(KEY, NONCE);
  const n = 5000; // > SALSA_WASM_MAX_BLOCKS: several calls
  const expect = scalarBlocks(12, s1, n);
  const out = new Uint32Array(16 * n);
  salsaBlocks(12, s2, out, 0, n);
  assert.deepEqual(out, expect);
  assert.deepEqual(s2, s1);
});

test('salsaBlocks reproduces the selftest block 0 vectors', () => {
  for (const [rounds, hex] of [
    [20, S20_BLOCK0],
    [12, S12_BLOCK0],
  ] as const) {
    const out = new Uint32Array(16 * 8);
    salsaBlocks(rounds, salsaState(KEY, NONCE), out, 0, 8);
    assert.equal(toHex(new Uint8Array(out.buffer, 0, 64)), hex);
  }
});
