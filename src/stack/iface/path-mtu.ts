/**
 * Path MTU cache (RFC 1191 for IPv4, RFC 8201 for IPv6): a smaller MTU towards a destination, learned from
 * ICMP Fragmentation Needed / Packet Too Big, kept for 10 minutes (RFC 1191 §6.3) and bounded in size.
 * @module
 */

import type { IpAddress } from '../types.ts';
import { ipKey } from '../wire/ip-address.ts';

/** Smallest IPv4 path MTU accepted from a report (Linux's min_pmtu; RFC 1191 §5 plateaus are guesswork). */
export const PMTU_MIN_V4 = 552;
/** Smallest IPv6 path MTU (RFC 8200 §5, RFC 8201 §4). */
export const PMTU_MIN_V6 = 1280;
/** How long a learned path MTU is kept before the link MTU is tried again (RFC 1191 §6.3). */
export const PMTU_TIMEOUT_MS = 10 * 60_000;

/** Learned path MTUs, by destination. */
export class PathMtuCache {
  private readonly entries = new Map<number | string, { mtu: number; expires: number }>();

  constructor(
    /** The link MTU: the answer when nothing smaller was learned. */
    public linkMtu: number,
    private readonly maxEntries = 1024,
  ) {}

  /** Number of destinations with a learned MTU. */
  get size(): number {
    return this.entries.size;
  }

  /** The MTU towards `dst` at `now`. Cheap when nothing was learned (the common case). */
  get(dst: IpAddress, now: number): number {
    if (this.entries.size === 0) return this.linkMtu;
    const k = ipKey(dst);
    const e = this.entries.get(k);
    if (!e) return this.linkMtu;
    if (now >= e.expires) {
      this.entries.delete(k);
      return this.linkMtu;
    }
    return e.mtu;
  }

  /** Records a report (clamped to the family minimum); a report not below the MTU in use changes nothing. */
  learn(dst: IpAddress, reported: number, now: number): void {
    const mtu = Math.max(dst.length === 4 ? PMTU_MIN_V4 : PMTU_MIN_V6, reported);
    if (mtu >= this.get(dst, now)) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(ipKey(dst), { mtu, expires: now + PMTU_TIMEOUT_MS });
  }
}
