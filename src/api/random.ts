/**
 * A pooled CSPRNG for the node: `randomFillSync` has a fixed per-call cost (~5–8 µs) that dominates
 * for the 8-byte packet IDs drawn per packet (§3.2), so bytes are drawn 16 KiB at a time and handed
 * out once each (every byte comes from node:crypto and is never reused).
 * @module
 */

import { randomFillSync } from 'node:crypto';

/** Pool refill size. */
const POOL = 16 * 1024;

/**
 * Returns `random(n)`: `n` fresh cryptographically random bytes (a new array the caller owns).
 *
 * @example
 * ```ts
 * const random = pooledRandom();
 * const packetId = random(8);
 * ```
 */
export function pooledRandom(): (n: number) => Uint8Array {
  const pool = new Uint8Array(POOL);
  let off = POOL;
  return (n: number): Uint8Array => {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`random: bad length ${n}`);
    if (n > POOL / 4) return randomFillSync(new Uint8Array(n));
    if (off + n > POOL) {
      randomFillSync(pool);
      off = 0;
    }
    const out = pool.slice(off, off + n);
    // Wipe what was handed out, so the pool never holds bytes someone else now uses as a secret.
    pool.fill(0, off, off + n);
    off += n;
    return out;
  };
}
