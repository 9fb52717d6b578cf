/**
 * Source-address rate limiting for expensive work triggered by unauthenticated input
 * (protocol.md §9.2): a full `locallyValidate` of a new identity costs a memory-hard hash, so
 * the reference allows one per 2 s per source bucket (IPv4 /24; IPv6 /64 here), hashed into
 * 64 buckets so memory stays fixed whatever the flood.
 * @module
 */
import type { InetAddress } from '../protocol/inet-address.ts';
import { IDENTITY_VALIDATION_BUCKETS, IDENTITY_VALIDATION_RATE_LIMIT } from './constants.ts';

/** Fixed-memory per-source-prefix rate gate. */
export class SourceRateGate {
  private readonly last: Float64Array;

  constructor(
    private readonly intervalMs: number = IDENTITY_VALIDATION_RATE_LIMIT,
    private readonly buckets: number = IDENTITY_VALIDATION_BUCKETS,
  ) {
    this.last = new Float64Array(buckets).fill(Number.NEGATIVE_INFINITY);
  }

  /** Bucket of a source: FNV-1a over its /24 (IPv4) or /64 (IPv6) prefix. */
  bucket(from: InetAddress): number {
    const n = from.family === 4 ? 3 : 8;
    let h = 0x811c9dc5;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ from.ip[i], 0x01000193);
    return (h >>> 0) % this.buckets;
  }

  /** True (and the bucket's clock is reset) if the source's bucket allows work at `now`. */
  allow(from: InetAddress, now: number): boolean {
    const b = this.bucket(from);
    if (now - this.last[b] < this.intervalMs) return false;
    this.last[b] = now;
    return true;
  }
}

/**
 * A token bucket over all sources. The per-/24 gate alone follows the reference, but in
 * JavaScript one identity check costs ~100–200 ms of CPU, so 64 buckets × one per 2 s would
 * still let a flood of new identities from many networks occupy the event loop. This caps
 * the total (default: bursts of 8, then 3 per second).
 */
export class TokenBucket {
  private tokens: number;
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly capacity = 8,
    private readonly perSecond = 3,
  ) {
    this.tokens = capacity;
  }

  /** Takes one token at `now` (ms) if available. */
  take(now: number): boolean {
    if (this.last !== Number.NEGATIVE_INFINITY && now > this.last)
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    if (this.last === Number.NEGATIVE_INFINITY || now > this.last) this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
