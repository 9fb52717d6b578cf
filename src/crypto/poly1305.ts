/**
 * Poly1305 one-time authenticator (D. J. Bernstein; RFC 8439 §2.5), used by ZeroTier's
 * cipher suites 0 and 1 with a key taken from Salsa20/12 keystream block 0 (protocol.md §4.2).
 *
 * Arithmetic mod 2^130 - 5 on ten 13-bit limbs: every partial product (< 2^30) and every
 * half-row sum stays below 2^32, so the whole core runs on exact small-integer/double
 * arithmetic with no BigInt. The multiply is unrolled (generated) because it is the hot loop
 * of packet authentication.
 *
 * {@link poly1305Into} runs the WebAssembly core of `poly1305-wasm.ts` when the runtime has
 * WebAssembly (64-bit multiplies, ~2.5x faster); this file's JS core is the fallback and the
 * reference both are tested against.
 * @module
 */
import { POLY1305_WASM_AVAILABLE, POLY1305_WASM_MAX, poly1305IntoWasm } from './poly1305-wasm.ts';

/** Poly1305 key length: r (16, clamped) || s (16). */
export const POLY1305_KEY_BYTES = 32;
/** Poly1305 tag length. */
export const POLY1305_TAG_BYTES = 16;

// Module-level scratch (single-threaded, not re-entrant) so a MAC allocates nothing.
const PAD = new Uint8Array(16);
const H = new Int32Array(10);
const G = new Int32Array(10);
const W = new Int32Array(8);

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

/** The argument checks of both entry points (API misuse throws RangeError). */
function checkRanges(
  key: Uint8Array,
  keyOff: number,
  msg: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outOff: number,
): void {
  if (keyOff < 0 || keyOff + POLY1305_KEY_BYTES > key.length)
    throw new RangeError('poly1305: key out of range');
  if (start < 0 || end > msg.length || start > end)
    throw new RangeError('poly1305: message range out of bounds');
  if (outOff < 0 || outOff + POLY1305_TAG_BYTES > out.length)
    throw new RangeError('poly1305: output too short');
}

/**
 * Computes the 16-byte Poly1305 tag of `msg[start..end)` under the 32 bytes at
 * `key[keyOff..keyOff+32)` and writes it to `out[outOff..outOff+16)`. Allocation-free; the
 * packet armor calls this directly on its keystream buffer and the packet envelope.
 * Uses the WebAssembly core (`poly1305-wasm.ts`) when available, else {@link poly1305IntoJs}.
 */
export function poly1305Into(
  key: Uint8Array,
  keyOff: number,
  msg: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outOff: number,
): void {
  checkRanges(key, keyOff, msg, start, end, out, outOff);
  if (POLY1305_WASM_AVAILABLE && end - start <= POLY1305_WASM_MAX)
    poly1305IntoWasm(key, keyOff, msg, start, end, out, outOff);
  else poly1305IntoJs(key, keyOff, msg, start, end, out, outOff);
}

/**
 * The pure-JS Poly1305 (same contract as {@link poly1305Into}): the reference the WebAssembly
 * core is tested against, and the fallback where WebAssembly is unavailable.
 */
export function poly1305IntoJs(
  key: Uint8Array,
  keyOff: number,
  msg: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outOff: number,
): void {
  checkRanges(key, keyOff, msg, start, end, out, outOff);
  // r = key[0..16) with the RFC 8439 §2.5 clamp (top 4 bits of bytes 3,7,11,15 and low 2 bits
  // of bytes 4,8,12 cleared), folded into the limb split.
  const t0 = u16(key, keyOff);
  const t1 = u16(key, keyOff + 2);
  const t2 = u16(key, keyOff + 4);
  const t3 = u16(key, keyOff + 6);
  const t4 = u16(key, keyOff + 8);
  const t5 = u16(key, keyOff + 10);
  const t6 = u16(key, keyOff + 12);
  const t7 = u16(key, keyOff + 14);
  const k3 = key[keyOff + 3] & 0x0f;
  const k4 = key[keyOff + 4] & 0xfc;
  const k7 = key[keyOff + 7] & 0x0f;
  const k8 = key[keyOff + 8] & 0xfc;
  const k11 = key[keyOff + 11] & 0x0f;
  const k12 = key[keyOff + 12] & 0xfc;
  const k15 = key[keyOff + 15] & 0x0f;
  const c1 = (t1 & 0xff) | (k3 << 8);
  const c2 = k4 | (t2 & 0xff00);
  const c3 = (t3 & 0xff) | (k7 << 8);
  const c4 = k8 | (t4 & 0xff00);
  const c5 = (t5 & 0xff) | (k11 << 8);
  const c6 = k12 | (t6 & 0xff00);
  const c7 = (t7 & 0xff) | (k15 << 8);
  const r0 = t0 & 0x1fff;
  const r1 = ((t0 >>> 13) | (c1 << 3)) & 0x1fff;
  const r2 = ((c1 >>> 10) | (c2 << 6)) & 0x1fff;
  const r3 = ((c2 >>> 7) | (c3 << 9)) & 0x1fff;
  const r4 = ((c3 >>> 4) | (c4 << 12)) & 0x1fff;
  const r5 = (c4 >>> 1) & 0x1fff;
  const r6 = ((c4 >>> 14) | (c5 << 2)) & 0x1fff;
  const r7 = ((c5 >>> 11) | (c6 << 5)) & 0x1fff;
  const r8 = ((c6 >>> 8) | (c7 << 8)) & 0x1fff;
  const r9 = (c7 >>> 5) & 0x1fff;
  // 2^130 = 5 (mod p): limbs that overflow past limb 9 wrap around multiplied by 5.
  const s1 = r1 * 5;
  const s2 = r2 * 5;
  const s3 = r3 * 5;
  const s4 = r4 * 5;
  const s5 = r5 * 5;
  const s6 = r6 * 5;
  const s7 = r7 * 5;
  const s8 = r8 * 5;
  const s9 = r9 * 5;

  let h0 = 0;
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  let h5 = 0;
  let h6 = 0;
  let h7 = 0;
  let h8 = 0;
  let h9 = 0;
  const pad = PAD;
  let p = start;
  while (p < end) {
    let m = msg;
    let q = p;
    // Full blocks carry the 2^128 bit; the final partial block is padded with 0x01 then zeros.
    let hibit = 1 << 11;
    if (end - p < 16) {
      pad.fill(0);
      pad.set(msg.subarray(p, end));
      pad[end - p] = 1;
      m = pad;
      q = 0;
      hibit = 0;
    }
    p += 16;
    const m0 = u16(m, q);
    const m1 = u16(m, q + 2);
    const m2 = u16(m, q + 4);
    const m3 = u16(m, q + 6);
    const m4 = u16(m, q + 8);
    const m5 = u16(m, q + 10);
    const m6 = u16(m, q + 12);
    const m7 = u16(m, q + 14);
    h0 += m0 & 0x1fff;
    h1 += ((m0 >>> 13) | (m1 << 3)) & 0x1fff;
    h2 += ((m1 >>> 10) | (m2 << 6)) & 0x1fff;
    h3 += ((m2 >>> 7) | (m3 << 9)) & 0x1fff;
    h4 += ((m3 >>> 4) | (m4 << 12)) & 0x1fff;
    h5 += (m4 >>> 1) & 0x1fff;
    h6 += ((m4 >>> 14) | (m5 << 2)) & 0x1fff;
    h7 += ((m5 >>> 11) | (m6 << 5)) & 0x1fff;
    h8 += ((m6 >>> 8) | (m7 << 8)) & 0x1fff;
    h9 += (m7 >>> 5) | hibit;

    // h = h * r mod p. Each row is summed in two halves with a carry in between so that no
    // intermediate exceeds 2^32 (h_j < 2^14, 5 r_k < 2^15.4, five products < 2^31.7).
    let c = 0;
    let d0 = c;
    d0 += h0 * r0 + h1 * s9 + h2 * s8 + h3 * s7 + h4 * s6;
    c = d0 >>> 13;
    d0 &= 0x1fff;
    d0 += h5 * s5 + h6 * s4 + h7 * s3 + h8 * s2 + h9 * s1;
    c += d0 >>> 13;
    d0 &= 0x1fff;
    let d1 = c;
    d1 += h0 * r1 + h1 * r0 + h2 * s9 + h3 * s8 + h4 * s7;
    c = d1 >>> 13;
    d1 &= 0x1fff;
    d1 += h5 * s6 + h6 * s5 + h7 * s4 + h8 * s3 + h9 * s2;
    c += d1 >>> 13;
    d1 &= 0x1fff;
    let d2 = c;
    d2 += h0 * r2 + h1 * r1 + h2 * r0 + h3 * s9 + h4 * s8;
    c = d2 >>> 13;
    d2 &= 0x1fff;
    d2 += h5 * s7 + h6 * s6 + h7 * s5 + h8 * s4 + h9 * s3;
    c += d2 >>> 13;
    d2 &= 0x1fff;
    let d3 = c;
    d3 += h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s9;
    c = d3 >>> 13;
    d3 &= 0x1fff;
    d3 += h5 * s8 + h6 * s7 + h7 * s6 + h8 * s5 + h9 * s4;
    c += d3 >>> 13;
    d3 &= 0x1fff;
    let d4 = c;
    d4 += h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
    c = d4 >>> 13;
    d4 &= 0x1fff;
    d4 += h5 * s9 + h6 * s8 + h7 * s7 + h8 * s6 + h9 * s5;
    c += d4 >>> 13;
    d4 &= 0x1fff;
    let d5 = c;
    d5 += h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1;
    c = d5 >>> 13;
    d5 &= 0x1fff;
    d5 += h5 * r0 + h6 * s9 + h7 * s8 + h8 * s7 + h9 * s6;
    c += d5 >>> 13;
    d5 &= 0x1fff;
    let d6 = c;
    d6 += h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2;
    c = d6 >>> 13;
    d6 &= 0x1fff;
    d6 += h5 * r1 + h6 * r0 + h7 * s9 + h8 * s8 + h9 * s7;
    c += d6 >>> 13;
    d6 &= 0x1fff;
    let d7 = c;
    d7 += h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3;
    c = d7 >>> 13;
    d7 &= 0x1fff;
    d7 += h5 * r2 + h6 * r1 + h7 * r0 + h8 * s9 + h9 * s8;
    c += d7 >>> 13;
    d7 &= 0x1fff;
    let d8 = c;
    d8 += h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4;
    c = d8 >>> 13;
    d8 &= 0x1fff;
    d8 += h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * s9;
    c += d8 >>> 13;
    d8 &= 0x1fff;
    let d9 = c;
    d9 += h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5;
    c = d9 >>> 13;
    d9 &= 0x1fff;
    d9 += h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
    c += d9 >>> 13;
    d9 &= 0x1fff;
    c = ((c << 2) + c) | 0;
    c += d0;
    d0 = c & 0x1fff;
    c >>>= 13;
    d1 += c;
    h0 = d0;
    h1 = d1;
    h2 = d2;
    h3 = d3;
    h4 = d4;
    h5 = d5;
    h6 = d6;
    h7 = d7;
    h8 = d8;
    h9 = d9;
  }

  // Final reduction (not hot). Normalise to 13-bit limbs twice, folding the carry out of limb 9
  // back in times 5; after the second fold the value is < 2^130.
  const h = H;
  h[0] = h0;
  h[1] = h1;
  h[2] = h2;
  h[3] = h3;
  h[4] = h4;
  h[5] = h5;
  h[6] = h6;
  h[7] = h7;
  h[8] = h8;
  h[9] = h9;
  for (let pass = 0; pass < 2; pass++) {
    let c = 0;
    for (let i = 0; i < 10; i++) {
      h[i] += c;
      c = h[i] >>> 13;
      h[i] &= 0x1fff;
    }
    h[0] += c * 5;
  }
  {
    let c = h[0] >>> 13;
    h[0] &= 0x1fff;
    for (let i = 1; i < 10 && c !== 0; i++) {
      h[i] += c;
      c = h[i] >>> 13;
      h[i] &= 0x1fff;
    }
  }
  // g = h + 5 - 2^130; if that does not borrow (carry out of bit 130 is set), h >= p: use g.
  const g = G;
  let c = 5;
  for (let i = 0; i < 10; i++) {
    g[i] = h[i] + c;
    c = g[i] >>> 13;
    g[i] &= 0x1fff;
  }
  const mask = -c | 0; // all ones iff h >= p (constant-time select)
  for (let i = 0; i < 10; i++) h[i] = (h[i] & ~mask) | (g[i] & mask);

  // Pack to 128 bits (eight 16-bit words) and add s = key[16..32) mod 2^128.
  const w = W;
  w[0] = h[0] | (h[1] << 13);
  w[1] = (h[1] >>> 3) | (h[2] << 10);
  w[2] = (h[2] >>> 6) | (h[3] << 7);
  w[3] = (h[3] >>> 9) | (h[4] << 4);
  w[4] = (h[4] >>> 12) | (h[5] << 1) | (h[6] << 14);
  w[5] = (h[6] >>> 2) | (h[7] << 11);
  w[6] = (h[7] >>> 5) | (h[8] << 8);
  w[7] = (h[8] >>> 8) | (h[9] << 5);
  let f = 0;
  for (let i = 0; i < 8; i++) {
    f = (w[i] & 0xffff) + u16(key, keyOff + 16 + 2 * i) + (f >>> 16);
    out[outOff + 2 * i] = f & 0xff;
    out[outOff + 2 * i + 1] = (f >>> 8) & 0xff;
  }
}

/** Returns the 16-byte Poly1305 tag of `msg` under a 32-byte one-time `key`. */
export function poly1305(key: Uint8Array, msg: Uint8Array): Uint8Array {
  if (key.length !== POLY1305_KEY_BYTES) throw new RangeError('poly1305: key must be 32 bytes');
  const out = new Uint8Array(POLY1305_TAG_BYTES);
  poly1305Into(key, 0, msg, 0, msg.length, out, 0);
  return out;
}
