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
