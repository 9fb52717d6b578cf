/**
 * Raw LZ4 block format (no frame, no size prefix), as ZeroTier uses for packet
 * payload compression (protocol.md §5; format: lz4 "LZ4 Block Format Description").
 *
 * A block is a run of sequences: `token` (high nibble literal length, low nibble
 * match length − 4; 15 means "more bytes follow, each added, until one < 255"),
 * literals, a little-endian u16 match offset, and the extra match-length bytes. The
 * last sequence has literals only.
 *
 * The compressor is a single-pass greedy matcher with a 4-byte hash table (like
 * `LZ4_compress_fast` with acceleration 1; output differs in detail, which §5
 * allows). The decompressor is bounds-checked against both input and a caller-given
 * output limit and returns `Decoded` instead of throwing.
 * @module
 */

import { type Decoded, fail, ok } from '../util/result.ts';

/** Minimum match length encoded by a token (format constant). */
const MIN_MATCH = 4;
/** The last 5 bytes of a block are always literals (format end-of-block rule). */
const LAST_LITERALS = 5;
/** The last match must start at least 12 bytes before the end of the input (format rule). */
const MF_LIMIT = 12;
/** Offsets are u16, so a match can reach back at most 65535 bytes. */
const MAX_DISTANCE = 0xffff;
/** Largest hash table: 2^14 entries, as LZ4's default `LZ4_MEMORY_USAGE`. */
const MAX_HASH_LOG = 14;
/** Smallest hash table; small inputs use a table about twice their size, so clearing it is cheap. */
const MIN_HASH_LOG = 8;

/** Largest payload ZeroTier accepts after decompression: 10024 − 28 (§5). */
export const LZ4_MAX_PAYLOAD = 10024 - 28;

/** Worst-case compressed size of `n` input bytes (incompressible input plus run-length bytes). */
export function lz4CompressBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

// Reused across calls: compression and decompression are synchronous, so one of each per
// process is safe (and avoids zero-filling fresh memory per packet).
const table = new Int32Array(1 << MAX_HASH_LOG);
let scratch = new Uint8Array(LZ4_MAX_PAYLOAD);

function hash4(src: Uint8Array, i: number, shift: number): number {
  const v = src[i] | (src[i + 1] << 8) | (src[i + 2] << 16) | (src[i + 3] << 24);
  return Math.imul(v, 2654435761) >>> shift;
}

function writeLength(dst: Uint8Array, o: number, n: number): number {
  while (n >= 255) {
    dst[o++] = 255;
    n -= 255;
  }
  dst[o++] = n;
  return o;
}

/**
 * Compresses `src` into a raw LZ4 block. The result can be larger than `src` for
 * incompressible input; ZeroTier senders then send uncompressed (§5 sender rule).
 */
export function lz4Compress(src: Uint8Array): Uint8Array {
  const n = src.length;
  const dst = new Uint8Array(lz4CompressBound(n));
  let o = 0;
  let anchor = 0;
  if (n >= MF_LIMIT + 1) {
    // Positions are stored +1 so that 0 means "empty".
    let hashLog = MIN_HASH_LOG;
    while (hashLog < MAX_HASH_LOG && 1 << hashLog < n) hashLog++;
    const shift = 32 - hashLog;
    table.fill(0, 0, 1 << hashLog);
    const matchLimit = n - LAST_LITERALS; // matches must end before the last 5 bytes
    const searchLimit = n - MF_LIMIT; // and start at or before n - 12
    let i = 0;
    // Like LZ4's acceleration: after 64 misses in a row, step 2, after 128 step 3… so
    // incompressible input is skipped quickly (the sender then sends it uncompressed).
    let misses = 0;
    while (i <= searchLimit) {
      const h = hash4(src, i, shift);
      const cand = table[h] - 1;
      table[h] = i + 1;
      if (
        cand < 0 ||
        i - cand > MAX_DISTANCE ||
        src[cand] !== src[i] ||
        src[cand + 1] !== src[i + 1] ||
        src[cand + 2] !== src[i + 2] ||
        src[cand + 3] !== src[i + 3]
      ) {
        i += 1 + (misses++ >> 6);
        continue;
      }
      misses = 0;
      // Extend backwards over pending literals, then forwards up to the limit.
      let s = i;
      let m = cand;
      while (s > anchor && m > 0 && src[s - 1] === src[m - 1]) {
        s--;
        m--;
      }
      let e = i + MIN_MATCH;
      let me = cand + MIN_MATCH;
      while (e < matchLimit && src[e] === src[me]) {
        e++;
        me++;
      }
      const litLen = s - anchor;
      const matchLen = e - s - MIN_MATCH;
      const tokenAt = o++;
      dst[tokenAt] = (Math.min(litLen, 15) << 4) | Math.min(matchLen, 15);
      if (litLen >= 15) o = writeLength(dst, o, litLen - 15);
      dst.set(src.subarray(anchor, s), o);
      o += litLen;
      const off = s - m;
      dst[o++] = off & 0xff;
      dst[o++] = off >> 8;
      if (matchLen >= 15) o = writeLength(dst, o, matchLen - 15);
      anchor = e;
      // Index a position inside the match so the next search has a nearby candidate.
      if (e - 2 > i && e - 2 <= searchLimit) table[hash4(src, e - 2, shift)] = e - 2 + 1;
      i = e;
    }
  }
  const litLen = n - anchor;
  dst[o++] = Math.min(litLen, 15) << 4;
  if (litLen >= 15) o = writeLength(dst, o, litLen - 15);
  dst.set(src.subarray(anchor), o);
  o += litLen;
  return dst.slice(0, o);
}

/** Payloads of this many bytes or fewer are never compressed by senders (§5). */
export const COMPRESS_MIN_PAYLOAD = 64;

/**
 * The §5 sender rule: returns the LZ4 block for `payload` (packet bytes from offset 28) if
 * the payload is longer than 64 bytes and the block is strictly smaller; otherwise `null`
 * (send uncompressed, verb byte bit 0x80 clear).
 */
export function compressPayload(payload: Uint8Array): Uint8Array | null {
  if (payload.length <= COMPRESS_MIN_PAYLOAD) return null;
  const c = lz4Compress(payload);
  return c.length < payload.length ? c : null;
}

/**
 * Decompresses a raw LZ4 block whose output must not exceed `maxOutput` bytes
 * (ZeroTier: {@link LZ4_MAX_PAYLOAD}). Never reads or writes out of bounds and always
 * terminates (every loop step consumes input). Failure reasons: `lz4-truncated`,
 * `lz4-too-large`, `lz4-bad-offset`, `lz4-empty`.
 */
export function lz4Decompress(src: Uint8Array, maxOutput: number = LZ4_MAX_PAYLOAD): Decoded<Uint8Array> {
  if (src.length === 0) return fail('lz4-empty');
  if (scratch.length < maxOutput) scratch = new Uint8Array(maxOutput);
  const out = scratch;
  const n = src.length;
  let i = 0;
  let o = 0;
  for (;;) {
    const token = src[i++];
    let litLen = token >> 4;
    if (litLen === 15) {
      let b: number;
      do {
        if (i >= n) return fail('lz4-truncated');
        b = src[i++];
        litLen += b;
      } while (b === 255);
    }
    if (i + litLen > n) return fail('lz4-truncated');
    if (o + litLen > maxOutput) return fail('lz4-too-large');
    if (litLen < 16) for (let k = 0; k < litLen; k++) out[o + k] = src[i + k];
    else out.set(src.subarray(i, i + litLen), o);
    i += litLen;
    o += litLen;
    if (i === n) break; // the last sequence carries literals only
    if (i + 2 > n) return fail('lz4-truncated');
    const off = src[i] | (src[i + 1] << 8);
    i += 2;
    if (off === 0 || off > o) return fail('lz4-bad-offset');
    let matchLen = (token & 15) + MIN_MATCH;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (i >= n) return fail('lz4-truncated');
        b = src[i++];
        matchLen += b;
      } while (b === 255);
    }
    if (o + matchLen > maxOutput) return fail('lz4-too-large');
    if (matchLen < 32) {
      // Short (possibly overlapping) copy: byte by byte repeats the last `off` bytes correctly.
      for (let k = 0; k < matchLen; k++) out[o + k] = out[o - off + k];
      o += matchLen;
    } else {
      // Long copy in chunks that never overlap their source: the output is periodic with
      // period `off`, so copying from any multiple of `off` back is equivalent.
      let dist = off;
      let left = matchLen;
      while (left > 0) {
        const c = Math.min(dist, left);
        out.copyWithin(o, o - dist, o - dist + c);
        o += c;
        left -= c;
        dist *= 2;
      }
    }
    if (i >= n) return fail('lz4-truncated'); // a block cannot end with a match
  }
  return ok(out.slice(0, o));
}
