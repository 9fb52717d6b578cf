/**
 * A seeded pseudo-random generator for tests and simulations: same seed, same sequence, on every
 * machine. NOT cryptographic — never use it for keys outside tests.
 *
 * The generator is xoshiro128** (Blackman & Vigna, 2018): 128 bits of state, period 2^128 − 1,
 * passes BigCrush, and needs only 32-bit integer operations (fast in JavaScript). The state is
 * filled from the seed with splitmix32, as its authors recommend, so that nearby seeds (1, 2, 3…)
 * give unrelated streams.
 * @module
 */

/** A seed: any integer (taken mod 2^32 per 32-bit word) or any string (hashed). */
export type Seed = number | string;

/** The randomness shape injected into sans-I/O code: `n` random bytes. */
export type RandomBytes = (n: number) => Uint8Array;

/** FNV-1a over the UTF-16 code units of `s`: a stable string → 32-bit seed mapping. */
function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function seedWord(seed: Seed): number {
  if (typeof seed === 'string') return hashString(seed);
  if (!Number.isFinite(seed)) throw new RangeError('SeededRandom: seed must be a finite number or a string');
  // Mix both halves of a large integer seed so 1 and 2^32+1 differ.
  const hi = Math.floor(seed / 0x100000000);
  return (seed >>> 0) ^ Math.imul(hi >>> 0, 0x9e3779b9);
}

/** splitmix32 step: returns [next state, output]. */
function splitmix32(s: number): [number, number] {
  s = (s + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [s, (z ^ (z >>> 16)) >>> 0];
}

/**
 * Deterministic PRNG with the helpers simulations need. Construct with a seed; derive
 * independent streams with {@link SeededRandom.fork} so that adding a consumer (a new host, a
 * new link) does not shift the numbers every other consumer sees.
 */
export class SeededRandom {
  /** The seed word this generator started from (after hashing). */
  readonly seed: number;
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: Seed = 1) {
    this.seed = seedWord(seed);
    let s = this.seed;
    let o: number;
    [s, o] = splitmix32(s);
    this.a = o;
    [s, o] = splitmix32(s);
    this.b = o;
    [s, o] = splitmix32(s);
    this.c = o;
    [s, o] = splitmix32(s);
    this.d = o;
    // xoshiro must not start from the all-zero state (splitmix32 makes this astronomically rare).
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  uint32(): number {
    // xoshiro128**: result = rotl(b * 5, 7) * 9
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform float in [0, 1) with 53 random bits (like `Math.random()`, but seeded). */
  float(): number {
    const hi = this.uint32() >>> 5; // 27 bits
    const lo = this.uint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n) without modulo bias; `n` must be an integer in [1, 2^32]. */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000)
      throw new RangeError('SeededRandom.below: n must be an integer in [1, 2^32]');
    if (n === 0x100000000) return this.uint32();
    // Reject the top partial block of 2^32 so every residue is equally likely.
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.uint32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min)
      throw new RangeError('SeededRandom.int: need integers with min <= max');
    return min + this.below(max - min + 1);
  }

  /** True with probability `p` (p ≤ 0 never, p ≥ 1 always; does not consume randomness then). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.float() < p;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError('SeededRandom.bytes: n must be an integer >= 0');
    const out = new Uint8Array(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const x = this.uint32();
      out[i] = x & 0xff;
      out[i + 1] = (x >>> 8) & 0xff;
      out[i + 2] = (x >>> 16) & 0xff;
      out[i + 3] = x >>> 24;
    }
    if (i < n) {
      let x = this.uint32();
      for (; i < n; i++, x >>>= 8) out[i] = x & 0xff;
    }
    return out;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('SeededRandom.pick: empty array');
    return items[this.below(items.length)];
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /**
   * An independent generator derived from this one's seed and `label`, without consuming from
   * this one: `fork('host-a')` is the same stream however many other forks exist.
   */
  fork(label: string): SeededRandom {
    return new SeededRandom(
      (hashString(label, this.seed ^ 0x5bd1e995) ^ Math.imul(this.seed, 0x27d4eb2f)) >>> 0,
    );
  }

  /** A generator with an explicit xoshiro128** state (for known-answer tests of the core). */
  static fromState(a: number, b: number, c: number, d: number): SeededRandom {
    const r = new SeededRandom(0);
    r.a = a | 0;
    r.b = b | 0;
    r.c = c | 0;
    r.d = d | 0;
    return r;
  }

  /** A bound `(n) => Uint8Array` to inject where sans-I/O code expects a randomness source. */
  bytesFn(): RandomBytes {
    return (n) => this.bytes(n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
