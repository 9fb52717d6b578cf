/**
 * Poly1305 block function in WebAssembly, emitted from this file at load time (no toolchain,
 * no binary blob): the 64-bit integer multiplies that JavaScript lacks make it ~2.5x faster
 * than the pure-JS 13-bit-limb core in `poly1305.ts` (bench/armor.bench.ts), which is what
 * dominates cipher 0/1 armor (protocol.md §4.2). `poly1305.ts` stays the reference: it is used
 * when WebAssembly is unavailable, and the tests check both against a BigInt implementation.
 *
 * Arithmetic (RFC 8439 §2.5, "donna-32" layout): five 26-bit limbs in i64 registers.
 * Accumulator limbs < 2^27 after adding a block, r limbs < 2^26, 5·r < 2^28.4, so each row of
 * five products is < 2^57.7: no overflow in 64 bits. The block loop lives in WebAssembly;
 * key setup, padding of the last block and the final reduction mod 2^130 − 5 are in JS.
 *
 * Memory layout (one 64 KiB page): [0, 40) r0..r4 as i64; [40, 80) 5·r0..5·r4 as i64 (5·r0
 * unused); [80, 120) h0..h4 as i64; message from byte 128 (up to 10240 bytes + a padded block).
 * @module
 */
import { buildModule, Code, instantiate, OP, T } from './wasm-emit.ts';

const OFF_R = 0;
const OFF_S = 40;
const OFF_H = 80;
/** Where the message is copied. */
const OFF_MSG = 128;
/** Largest message accepted by the WebAssembly path (callers fall back to JS above it). */
export const POLY1305_WASM_MAX = 65536 - OFF_MSG - 32;

// ---- the block function -----------------------------------------------------------------------

/**
 * `blocks(msgOff: i32, n: i32, hibit: i32)`: for n 16-byte blocks at msgOff, h = (h + block +
 * hibit·2^128)·r mod-ish p, with r, 5r and h in memory (h read at the start, written at the end).
 */
function emitBlocks(): Code {
  // Locals: 0 msgOff, 1 n, 2 hibit (i32 params); i64: 3..7 r, 8..12 s (s_k = 5 r_k), 13..17 h,
  // 18..22 d, 23 carry, 24 hibit64.
  const R = 3;
  const S = 8;
  const H = 13;
  const D = 18;
  const C = 23;
  const HB = 24;
  const M26 = 0x3ffffff;
  const c = new Code();

  for (let i = 0; i < 5; i++) {
    c.i32(0)
      .mem(OP.i64Load, OFF_R + 8 * i)
      .set(R + i);
    c.i32(0)
      .mem(OP.i64Load, OFF_S + 8 * i)
      .set(S + i);
    c.i32(0)
      .mem(OP.i64Load, OFF_H + 8 * i)
      .set(H + i);
  }
  c.get(2).op(OP.i64ExtendI32U).set(HB);

  c.op(OP.block, 0x40, OP.loop, 0x40);
  c.get(1).op(OP.i32Eqz, OP.brIf, 1);
  // h_i += 26-bit limb i of the block (little-endian; limb 4 gets the 2^128 bit instead of a mask).
  const limbs: [number, number][] = [
    [0, 0],
    [3, 2],
    [6, 4],
    [9, 6],
    [12, 8],
  ];
  limbs.forEach(([byteOff, shift], i) => {
    c.get(H + i)
      .get(0)
      .mem(OP.i64Load32U, byteOff);
    if (shift !== 0) c.i64(shift).op(OP.i64ShrU);
    if (i < 4) c.i64(M26).op(OP.i64And);
    else c.get(HB).op(OP.i64Or);
    c.op(OP.i64Add).set(H + i);
  });
  // d_i = Σ_j h_j · (j <= i ? r_{i-j} : 5 r_{i-j+5})   (2^130 ≡ 5 mod p)
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      c.get(H + j)
        .get(j <= i ? R + (i - j) : S + (i - j + 5))
        .op(OP.i64Mul);
      if (j > 0) c.op(OP.i64Add);
    }
    c.set(D + i);
  }
  // Carry chain: h_i = d_i mod 2^26, d_{i+1} += d_i >> 26; the carry out of limb 4 wraps × 5.
  for (let i = 0; i < 5; i++) {
    c.get(D + i)
      .i64(26)
      .op(OP.i64ShrU)
      .set(C);
    c.get(D + i)
      .i64(M26)
      .op(OP.i64And)
      .set(H + i);
    if (i < 4)
      c.get(D + i + 1)
        .get(C)
        .op(OP.i64Add)
        .set(D + i + 1);
  }
  c.get(H).get(C).i64(5).op(OP.i64Mul, OP.i64Add).tee(H).i64(26).op(OP.i64ShrU).set(C);
  c.get(H).i64(M26).op(OP.i64And).set(H);
  c.get(H + 1)
    .get(C)
    .op(OP.i64Add)
    .set(H + 1);
  // msgOff += 16; n -= 1; continue
  c.get(0).i32(16).op(OP.i32Add).set(0);
  c.get(1).i32(1).op(OP.i32Sub).set(1);
  c.op(OP.br, 0, OP.end, OP.end);
  for (let i = 0; i < 5; i++)
    c.i32(0)
      .get(H + i)
      .mem(OP.i64Store, OFF_H + 8 * i);
  return c;
}

// ---- JS side ---------------------------------------------------------------------------------

const wasm = instantiate(
  buildModule([{ name: 'blocks', params: 3, locals: [[22, T.i64]], body: emitBlocks() }], 1),
);
const core = wasm === null ? null : { blocks: wasm.fns.blocks, mem8: wasm.mem8, mem32: wasm.mem32 };

/** True if the WebAssembly Poly1305 core could be instantiated on this runtime. */
export const POLY1305_WASM_AVAILABLE = core !== null;

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function writeLe32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/**
 * Same contract as `poly1305Into` (which validates arguments and calls this): the tag of
 * `msg[start..end)` under `key[keyOff..+32)` into `out[outOff..+16)`. Requires
 * {@link POLY1305_WASM_AVAILABLE} and `end - start <= POLY1305_WASM_MAX`.
 */
export function poly1305IntoWasm(
  key: Uint8Array,
  keyOff: number,
  msg: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outOff: number,
): void {
  const k = core!;
  const m32 = k.mem32;
  const blocks = k.blocks;
  // r with the RFC 8439 clamp folded into the 26-bit split; i64 slots = (low word, 0).
  const r0 = le32(key, keyOff) & 0x3ffffff;
  const r1 = (le32(key, keyOff + 3) >>> 2) & 0x3ffff03;
  const r2 = (le32(key, keyOff + 6) >>> 4) & 0x3ffc0ff;
  const r3 = (le32(key, keyOff + 9) >>> 6) & 0x3f03fff;
  const r4 = (le32(key, keyOff + 12) >>> 8) & 0x00fffff;
  m32.fill(0, 0, 30); // r, s, h (120 bytes)
  m32[0] = r0;
  m32[2] = r1;
  m32[4] = r2;
  m32[6] = r3;
  m32[8] = r4;
  m32[12] = r1 * 5;
  m32[14] = r2 * 5;
  m32[16] = r3 * 5;
  m32[18] = r4 * 5;
  const n = end - start;
  const full = n >>> 4;
  const rem = n & 15;
  const mem8 = k.mem8;
  mem8.set(msg.subarray(start, end), OFF_MSG);
  if (full !== 0) blocks(OFF_MSG, full, 1 << 24);
  if (rem !== 0) {
    // Final partial block: 0x01 after the message, then zeros, and no 2^128 bit (§2.5.1).
    const o = OFF_MSG + full * 16;
    mem8[o + rem] = 1;
    mem8.fill(0, o + rem + 1, o + 16);
    blocks(o, 1, 0);
  }

  // Final reduction mod p = 2^130 - 5 (limbs are < 2^32 in the low words of the i64 slots).
  let h0 = m32[20];
  let h1 = m32[22];
  let h2 = m32[24];
  let h3 = m32[26];
  let h4 = m32[28];
  // Two full carry passes: after the first, h1 may still be exactly 2^26 (a carry out of h0);
  // after the second every limb is < 2^26, which the packing below relies on.
  let c = 0;
  for (let pass = 0; pass < 2; pass++) {
    c = h1 >>> 26;
    h1 &= 0x3ffffff;
    h2 += c;
    c = h2 >>> 26;
    h2 &= 0x3ffffff;
    h3 += c;
    c = h3 >>> 26;
    h3 &= 0x3ffffff;
    h4 += c;
    c = h4 >>> 26;
    h4 &= 0x3ffffff;
    h0 += c * 5;
    c = h0 >>> 26;
    h0 &= 0x3ffffff;
    h1 += c;
  }
  // g = h + 5 - 2^130; if g >= 0 then h >= p and the result is g (constant-time select).
  let g0 = h0 + 5;
  c = g0 >>> 26;
  g0 &= 0x3ffffff;
  let g1 = h1 + c;
  c = g1 >>> 26;
  g1 &= 0x3ffffff;
  let g2 = h2 + c;
  c = g2 >>> 26;
  g2 &= 0x3ffffff;
  let g3 = h3 + c;
  c = g3 >>> 26;
  g3 &= 0x3ffffff;
  const g4 = (h4 + c - (1 << 26)) | 0;
  const mask = ~(g4 >> 31);
  h0 = (h0 & ~mask) | (g0 & mask);
  h1 = (h1 & ~mask) | (g1 & mask);
  h2 = (h2 & ~mask) | (g2 & mask);
  h3 = (h3 & ~mask) | (g3 & mask);
  h4 = (h4 & ~mask) | (g4 & mask);
  // tag = (h + s) mod 2^128
  const w0 = (h0 | (h1 << 26)) >>> 0;
  const w1 = ((h1 >>> 6) | (h2 << 20)) >>> 0;
  const w2 = ((h2 >>> 12) | (h3 << 14)) >>> 0;
  const w3 = ((h3 >>> 18) | (h4 << 8)) >>> 0;
  let f = w0 + le32(key, keyOff + 16);
  writeLe32(out, outOff, f);
  f = w1 + le32(key, keyOff + 20) + (f > 0xffffffff ? 1 : 0);
  writeLe32(out, outOff + 4, f);
  f = w2 + le32(key, keyOff + 24) + (f > 0xffffffff ? 1 : 0);
  writeLe32(out, outOff + 8, f);
  f = w3 + le32(key, keyOff + 28) + (f > 0xffffffff ? 1 : 0);
  writeLe32(out, outOff + 12, f);
}
