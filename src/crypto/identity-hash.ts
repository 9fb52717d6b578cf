/**
 * The memory-hard identity hash of ZeroTier 1.x (protocol.md §2.3, the "frankenhash"):
 * SHA-512 of the public key, then 2 MiB of Salsa20/20 keystream chained by XOR, then 262144
 * data-dependent swaps between that memory and the digest. Its first byte is the proof of
 * work (`< 17`) and its last five bytes are the node address.
 *
 * Speed matters (every new peer's identity is validated once). The keystream never depends on
 * the data (key and nonce are fixed up front, the counter just advances), so it is produced in
 * bulk with `salsaBlocks` (4-way SIMD when available): phase 1 writes all 32768 blocks straight
 * into one preallocated `Uint32Array` and then runs the XOR chain as one sequential pass;
 * phase 2 consumes the rest 1024 blocks at a time, reads the two indices from single bytes
 * and swaps 64-bit words as two 32-bit words (a raw byte swap either way, so host byte order
 * does not matter for the swap itself). Buffers are reused across calls, which is safe
 * because the function is synchronous.
 *
 * Byte order: keystream words are little-endian in the Salsa20 spec and are stored in a
 * `Uint32Array` whose bytes are then read as raw bytes; this assumes a little-endian host,
 * like `salsa20.ts`. It is checked once at load.
 * @module
 */

import { createHash } from 'node:crypto';
import { salsaBlocks, salsaState } from './salsa20.ts';

/** Size of the scratch memory `M` (§2.3). */
export const IDENTITY_HASH_MEMORY = 2097152;
/** Size of the result digest `D`. */
export const IDENTITY_HASH_LEN = 64;
/** Proof-of-work criterion: an identity is well-formed only if `D[0] < 17` (§2.3). */
export const IDENTITY_HASH_FIRST_BYTE_LIMIT = 17;

/** Number of 64-bit words in M (phase 2 iterates over them in pairs). */
const M_WORDS64 = IDENTITY_HASH_MEMORY / 8;
/** Number of 32-bit words in M. */
const M_WORDS32 = IDENTITY_HASH_MEMORY / 4;
/** Keystream blocks that fill M in phase 1. */
const PHASE1_BLOCKS = IDENTITY_HASH_MEMORY / 64;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1)
  throw new Error('identity-hash: a little-endian host is required');

/**
 * The 2 MiB scratch M, held weakly: identities are validated in bursts (a new peer, generation's
 * retries), so it is reused while calls come fast, and a garbage collection in an idle process
 * gives it back instead of pinning 2 MiB for the life of every node. (A fresh array per call would
 * pile up several of them before the collector catches up during generation.)
 */
let memory: WeakRef<Uint32Array> | null = null;
const digest32 = new Uint32Array(16);
const digest8 = new Uint8Array(digest32.buffer);
/** Keystream blocks produced per bulk call in phase 2 (divides the 131072 blocks phase 2 uses). */
const KS_BLOCKS = 1024;
const keystream = new Uint32Array(16 * KS_BLOCKS);

/**
 * Computes the 64-byte memory-hard digest `H(pub64)` of §2.3 into `out` (a new array if
 * omitted) and returns it. Throws `RangeError` if `pub64` is not 64 bytes (callers decode
 * first, so that is API misuse).
 */
export function identityHash(
  pub64: Uint8Array,
  out: Uint8Array = new Uint8Array(IDENTITY_HASH_LEN),
): Uint8Array {
  if (pub64.length !== 64) throw new RangeError('identityHash: public key must be 64 bytes');
  if (out.length < IDENTITY_HASH_LEN) throw new RangeError('identityHash: out must hold 64 bytes');
  let m32 = memory?.deref();
  if (m32 === undefined) {
    m32 = new Uint32Array(M_WORDS32);
    memory = new WeakRef(m32);
  }
  const m8 = new Uint8Array(m32.buffer);
  const d32 = digest32;
  const d8 = digest8;

  // D = SHA-512(pub); the cipher's key and nonce are taken from D now (later changes to D
  // do not affect the stream).
  d8.set(createHash('sha512').update(pub64).digest());
  const state = salsaState(d8.subarray(0, 32), d8.subarray(32, 40));

  // Phase 1: M[0..64) = block 0; M[off..off+64) = M[off-64..off) ^ next block. The keystream
  // does not depend on M, so write all of it in bulk (SIMD when available) and then run the
  // XOR chain as one sequential pass.
  salsaBlocks(20, state, m32, 0, PHASE1_BLOCKS);
  for (let w = 16; w < M_WORDS32; w++) m32[w] ^= m32[w - 16];

  // Phase 2: pairs of 64-bit words of M, read big-endian; only the low bits matter, i.e.
  // the last byte(s) of each word: idx1 = word mod 8, idx2 = word mod 262144 (18 bits).
  // The keystream continues where phase 1 stopped; it is produced KS_BLOCKS at a time.
  const ks = keystream;
  let kw = ks.length; // next unused word of ks (ks.length = none buffered)
  for (let i = 0; i < M_WORDS64; i += 2) {
    const idx1 = m8[i * 8 + 7] & 7;
    const o = i * 8 + 8;
    const idx2 = ((m8[o + 5] & 3) << 16) | (m8[o + 6] << 8) | m8[o + 7];
    // Swap the raw 8 bytes of M word idx2 and D word idx1 (as two 32-bit halves).
    const dw = idx1 << 1;
    const mw = idx2 << 1;
    const t0 = d32[dw];
    const t1 = d32[dw + 1];
    d32[dw] = m32[mw];
    d32[dw + 1] = m32[mw + 1];
    m32[mw] = t0;
    m32[mw + 1] = t1;
    // D ^= next keystream block.
    if (kw === ks.length) {
      salsaBlocks(20, state, ks, 0, KS_BLOCKS);
      kw = 0;
    }
    for (let k = 0; k < 16; k++) d32[k] ^= ks[kw + k];
    kw += 16;
  }

  out.set(d8, 0);
  return out;
}
