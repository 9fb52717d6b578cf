/**
 * Salsa20 (D. J. Bernstein, "Salsa20 specification", 2005) with 12 or 20 rounds, the
 * original 64-bit nonce / 64-bit block counter layout.
 *
 * ZeroTier uses Salsa20/12 for packet armor (protocol.md §4.2, §4.3) and Salsa20/20 for the
 * memory-hard identity hash (§2.3), which runs ~164k blocks per validation, so the block
 * function is a flat, fully unrolled core over local variables (no arrays in the loop).
 *
 * Words are little-endian as in the specification. The `Uint8Array` views used by
 * {@link Salsa20} over the `Uint32Array` keystream assume a little-endian host, which is every
 * platform Node.js runs on in practice (x86-64, arm64); {@link salsaBlock} itself is
 * endian-neutral (it only produces 32-bit words).
 *
 * Bulk keystream ({@link salsaBlocks}, and {@link Salsa20} for whole blocks) runs four blocks at
 * a time on WebAssembly SIMD (`salsa20-wasm.ts`) when available; {@link salsaBlock} is the
 * scalar reference that path is tested against, and the fallback.
 * @module
 */
import { SALSA_WASM_AVAILABLE, SALSA_WASM_MAX_BLOCKS, salsaGroupsWasm } from './salsa20-wasm.ts';
import { xorInto } from './xor.ts';

/** Blocks per bulk step of {@link Salsa20} (16 KiB of keystream). */
const BULK_BLOCKS = 256;

/** "expand 32-byte k" as four little-endian words (Salsa20 spec §9). */
const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;

/** Bytes per keystream block. */
export const SALSA_BLOCK_BYTES = 64;

/**
 * Computes one Salsa20 block from a 16-word input state into out[outWord..outWord+16)
 * (little-endian words). Does not advance the counter in `state` (words 8, 9).
 */
export function salsaBlock(rounds: 12 | 20, state: Uint32Array, out: Uint32Array, outWord: number): void {
  const j0 = state[0] | 0;
  const j1 = state[1] | 0;
  const j2 = state[2] | 0;
  const j3 = state[3] | 0;
  const j4 = state[4] | 0;
  const j5 = state[5] | 0;
  const j6 = state[6] | 0;
  const j7 = state[7] | 0;
  const j8 = state[8] | 0;
  const j9 = state[9] | 0;
  const j10 = state[10] | 0;
  const j11 = state[11] | 0;
  const j12 = state[12] | 0;
  const j13 = state[13] | 0;
  const j14 = state[14] | 0;
  const j15 = state[15] | 0;
  let x0 = j0;
  let x1 = j1;
  let x2 = j2;
  let x3 = j3;
  let x4 = j4;
  let x5 = j5;
  let x6 = j6;
  let x7 = j7;
  let x8 = j8;
  let x9 = j9;
  let x10 = j10;
  let x11 = j11;
  let x12 = j12;
  let x13 = j13;
  let x14 = j14;
  let x15 = j15;
  let u = 0;
  for (let i = 0; i < rounds; i += 2) {
    // Column round (spec §4: quarterround on columns).
    u = (x0 + x12) | 0;
    x4 ^= (u << 7) | (u >>> 25);
    u = (x4 + x0) | 0;
    x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x4) | 0;
    x12 ^= (u << 13) | (u >>> 19);
    u = (x12 + x8) | 0;
    x0 ^= (u << 18) | (u >>> 14);

    u = (x5 + x1) | 0;
    x9 ^= (u << 7) | (u >>> 25);
    u = (x9 + x5) | 0;
    x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x9) | 0;
    x1 ^= (u << 13) | (u >>> 19);
    u = (x1 + x13) | 0;
    x5 ^= (u << 18) | (u >>> 14);

    u = (x10 + x6) | 0;
    x14 ^= (u << 7) | (u >>> 25);
    u = (x14 + x10) | 0;
    x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x14) | 0;
    x6 ^= (u << 13) | (u >>> 19);
    u = (x6 + x2) | 0;
    x10 ^= (u << 18) | (u >>> 14);

    u = (x15 + x11) | 0;
    x3 ^= (u << 7) | (u >>> 25);
    u = (x3 + x15) | 0;
    x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x3) | 0;
    x11 ^= (u << 13) | (u >>> 19);
    u = (x11 + x7) | 0;
    x15 ^= (u << 18) | (u >>> 14);

    // Row round (spec §5).
    u = (x0 + x3) | 0;
    x1 ^= (u << 7) | (u >>> 25);
    u = (x1 + x0) | 0;
    x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x1) | 0;
    x3 ^= (u << 13) | (u >>> 19);
    u = (x3 + x2) | 0;
    x0 ^= (u << 18) | (u >>> 14);

    u = (x5 + x4) | 0;
    x6 ^= (u << 7) | (u >>> 25);
    u = (x6 + x5) | 0;
    x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x6) | 0;
    x4 ^= (u << 13) | (u >>> 19);
    u = (x4 + x7) | 0;
    x5 ^= (u << 18) | (u >>> 14);

    u = (x10 + x9) | 0;
    x11 ^= (u << 7) | (u >>> 25);
    u = (x11 + x10) | 0;
    x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x11) | 0;
    x9 ^= (u << 13) | (u >>> 19);
    u = (x9 + x8) | 0;
    x10 ^= (u << 18) | (u >>> 14);

    u = (x15 + x14) | 0;
    x12 ^= (u << 7) | (u >>> 25);
    u = (x12 + x15) | 0;
    x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x12) | 0;
    x14 ^= (u << 13) | (u >>> 19);
    u = (x14 + x13) | 0;
    x15 ^= (u << 18) | (u >>> 14);
  }
  out[outWord] = (x0 + j0) | 0;
  out[outWord + 1] = (x1 + j1) | 0;
  out[outWord + 2] = (x2 + j2) | 0;
  out[outWord + 3] = (x3 + j3) | 0;
  out[outWord + 4] = (x4 + j4) | 0;
  out[outWord + 5] = (x5 + j5) | 0;
  out[outWord + 6] = (x6 + j6) | 0;
  out[outWord + 7] = (x7 + j7) | 0;
  out[outWord + 8] = (x8 + j8) | 0;
  out[outWord + 9] = (x9 + j9) | 0;
  out[outWord + 10] = (x10 + j10) | 0;
  out[outWord + 11] = (x11 + j11) | 0;
  out[outWord + 12] = (x12 + j12) | 0;
  out[outWord + 13] = (x13 + j13) | 0;
  out[outWord + 14] = (x14 + j14) | 0;
  out[outWord + 15] = (x15 + j15) | 0;
}

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/**
 * Writes the input state for a 32-byte key and 8-byte nonce into `state` with block counter 0
 * (Salsa20 spec §9/§10 layout: constants 0,5,10,15; key 1..4, 11..14; nonce 6,7; counter 8,9).
 * Allocation-free twin of {@link salsaState} for per-packet use.
 */
export function salsaInitState(state: Uint32Array, key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== 32) throw new RangeError('salsa20: key must be 32 bytes');
  if (nonce.length < 8) throw new RangeError('salsa20: nonce must be 8 bytes');
  state[0] = SIGMA0;
  state[1] = le32(key, 0);
  state[2] = le32(key, 4);
  state[3] = le32(key, 8);
  state[4] = le32(key, 12);
  state[5] = SIGMA1;
  state[6] = le32(nonce, 0);
  state[7] = le32(nonce, 4);
  state[8] = 0;
  state[9] = 0;
  state[10] = SIGMA2;
  state[11] = le32(key, 16);
  state[12] = le32(key, 20);
  state[13] = le32(key, 24);
  state[14] = le32(key, 28);
  state[15] = SIGMA3;
}

/** Builds the 16-word input state for key (32 bytes) and 8-byte nonce, block counter 0 (words 8,9 = counter). */
export function salsaState(key: Uint8Array, nonce: Uint8Array): Uint32Array {
  const s = new Uint32Array(16);
  salsaInitState(s, key, nonce);
  return s;
}

/** Advances the 64-bit little-endian block counter in words 8 (low) and 9 (high). */
export function salsaIncrement(state: Uint32Array): void {
  const lo = (state[8] + 1) >>> 0;
  state[8] = lo;
  if (lo === 0) state[9] = (state[9] + 1) >>> 0;
}

/**
 * Writes `nBlocks` consecutive keystream blocks, starting at the block counter in `state`, to
 * `out[outWord..outWord + 16·nBlocks)` and advances the counter by `nBlocks`. Equivalent to
 * `nBlocks` × ({@link salsaBlock}, {@link salsaIncrement}), but runs four blocks at a time
 * with WebAssembly SIMD when available (`salsa20-wasm.ts`, ~3x faster): use it for bulk keystream.
 */
export function salsaBlocks(
  rounds: 12 | 20,
  state: Uint32Array,
  out: Uint32Array,
  outWord: number,
  nBlocks: number,
): void {
  let done = 0;
  while (SALSA_WASM_AVAILABLE && nBlocks - done >= 4) {
    const lo = state[8];
    // The SIMD core adds the lane offsets to the low counter word only: stop short of a wrap.
    const fit = Math.floor((0x100000000 - lo) / 4);
    const groups = Math.min((nBlocks - done) >>> 2, SALSA_WASM_MAX_BLOCKS >>> 2, fit);
    if (groups === 0) {
      salsaBlock(rounds, state, out, outWord + 16 * done);
      salsaIncrement(state);
      done++;
      continue;
    }
    salsaGroupsWasm(rounds, state, out, outWord + 16 * done, groups);
    const next = lo + 4 * groups;
    if (next > 0xffffffff) {
      state[8] = next - 0x100000000;
      state[9] = (state[9] + 1) >>> 0;
    } else state[8] = next;
    done += 4 * groups;
  }
  for (; done < nBlocks; done++) {
    salsaBlock(rounds, state, out, outWord + 16 * done);
    salsaIncrement(state);
  }
}

/**
 * A streaming Salsa20 cipher: successive {@link Salsa20.crypt} / {@link Salsa20.keystream}
 * calls continue the same keystream (byte-granular, like the reference `Salsa20::crypt12/20`).
 */
export class Salsa20 {
  /** Input state; words 8,9 = counter of the NEXT block to generate. */
  private readonly state: Uint32Array;
  private readonly rounds: 12 | 20;
  private readonly block = new Uint32Array(16);
  private readonly block8: Uint8Array;
  /** Bytes of `block` already used (64 = none buffered). */
  private used = SALSA_BLOCK_BYTES;
  /** Bulk keystream scratch, allocated on first use of more than one whole block. */
  private bulk: Uint32Array | null = null;
  private bulk8: Uint8Array | null = null;

  constructor(key: Uint8Array, nonce: Uint8Array, rounds: 12 | 20) {
    if (rounds !== 12 && rounds !== 20) throw new RangeError('salsa20: rounds must be 12 or 20');
    this.state = salsaState(key, nonce);
    this.rounds = rounds;
    this.block8 = new Uint8Array(this.block.buffer);
  }

  /**
   * XORs `input` with the keystream into `output` (same length or longer; may be the same
   * array or alias exactly). Continues from where the previous call stopped.
   */
  crypt(input: Uint8Array, output: Uint8Array): void {
    const n = input.length;
    if (output.length < n) throw new RangeError('salsa20: output shorter than input');
    if (output !== input) output.set(input);
    this.xorKeystream(output, n);
  }

  /** Fills `output` with the next keystream bytes (equivalent to encrypting zeros). */
  keystream(output: Uint8Array): void {
    output.fill(0);
    this.xorKeystream(output, output.length);
  }

  /** buf[0..n) ^= next n keystream bytes: buffered tail, then whole blocks in bulk, then a tail. */
  private xorKeystream(buf: Uint8Array, n: number): void {
    const ks = this.block8;
    let used = this.used;
    let i = 0;
    while (used < SALSA_BLOCK_BYTES && i < n) buf[i++] ^= ks[used++];
    const whole = (n - i) >>> 6;
    if (whole > 0) {
      if (this.bulk === null) {
        this.bulk = new Uint32Array(16 * BULK_BLOCKS);
        this.bulk8 = new Uint8Array(this.bulk.buffer);
      }
      for (let done = 0; done < whole; ) {
        const nb = Math.min(BULK_BLOCKS, whole - done);
        salsaBlocks(this.rounds, this.state, this.bulk, 0, nb);
        xorInto(buf, i, this.bulk8!, 0, nb * SALSA_BLOCK_BYTES);
        i += nb * SALSA_BLOCK_BYTES;
        done += nb;
      }
    }
    if (i < n) {
      salsaBlock(this.rounds, this.state, this.block, 0);
      salsaIncrement(this.state);
      used = 0;
      while (i < n) buf[i++] ^= ks[used++];
    }
    this.used = used;
  }
}
