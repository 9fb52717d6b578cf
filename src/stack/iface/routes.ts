/**
 * The interface's addresses and routes: on-link decisions, next hops (longest prefix match) and source
 * address selection (a reduced RFC 6724 §5 for IPv6; for IPv4 the address whose subnet holds the next hop).
 * ZeroTier controllers push both (protocol.md §8.2 "v4AssignMode"/routes): a route without `via` is on-link.
 * @module
 */

import type { IpAddress } from '../types.ts';
import { ipEqual, ipKey, isLinkLocalV6, prefixMatch } from '../wire/ip-address.ts';

/** An address assigned to the interface. */
export interface InterfaceAddress {
  readonly address: IpAddress;
  readonly prefixLength: number;
}

/** A route: destinations in `prefix/prefixLength` go to `via` (a gateway on-link), or are on-link when `via` is null. */
export interface Route {
  readonly prefix: IpAddress;
  readonly prefixLength: number;
  readonly via: IpAddress | null;
}

/** Addresses and routes of both families. */
export class RoutingTable {
  private readonly addrs: InterfaceAddress[] = [];
  private readonly routes: Route[] = [];
  /** Host routes learned from ICMP Redirects (RFC 1122 §3.2.2.2, RFC 4861 §8.3): destination → next hop. */
  private readonly redirects = new Map<number | string, IpAddress>();
  /** Map keys of our unicast addresses, for the per-packet "is it ours" test. */
  private readonly localKeys = new Set<number | string>();

  /** Our addresses (both families, link-local included). */
  addresses(): readonly InterfaceAddress[] {
    return this.addrs;
  }

  /** Our routes. */
  routeList(): readonly Route[] {
    return this.routes;
  }

  /** Adds an address; returns false when already present. */
  addAddress(address: IpAddress, prefixLength: number): boolean {
    const max = address.length * 8;
    if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > max)
      throw new RangeError(`prefix length must be 0..${max}`);
    if (this.localKeys.has(ipKey(address))) return false;
    this.addrs.push({ address: address.slice(), prefixLength });
    this.localKeys.add(ipKey(address));
    return true;
  }

  /** Removes an address; returns false when it was not there. */
  removeAddress(address: IpAddress): boolean {
    this.redirects.clear(); // learned next hops were relative to the old table
    const i = this.addrs.findIndex((a) => ipEqual(a.address, address));
    if (i < 0) return false;
    this.addrs.splice(i, 1);
    this.localKeys.delete(ipKey(address));
    return true;
  }

  /** Adds a route (replacing one with the same prefix). Longer prefixes win at lookup. */
  addRoute(prefix: IpAddress, prefixLength: number, via: IpAddress | null): void {
    this.redirects.clear(); // learned next hops were relative to the old table
    const max = prefix.length * 8;
    if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > max)
      throw new RangeError(`prefix length must be 0..${max}`);
    if (via && via.length !== prefix.length) throw new TypeError('route gateway must be of the same family');
    this.removeRoute(prefix, prefixLength);
    this.routes.push({ prefix: prefix.slice(), prefixLength, via: via ? via.slice() : null });
    this.routes.sort((a, b) => b.prefixLength - a.prefixLength);
  }

  /** Removes a route; returns false when it was not there. */
  removeRoute(prefix: IpAddress, prefixLength: number): boolean {
    this.redirects.clear(); // learned next hops were relative to the old table
    const i = this.routes.findIndex(
      (r) => r.prefixLength === prefixLength && prefixMatch(r.prefix, prefix, prefixLength),
    );
    if (i < 0) return false;
    this.routes.splice(i, 1);
    return true;
  }

  /** True when `a` is one of our unicast addresses (by map key: callers on the data path pass the key). */
  isLocalKey(key: number | string): boolean {
    return this.localKeys.has(key);
  }

  /** True when `dst` is directly reachable: in one of our subnets, link-local, or an on-link route. */
  isOnLink(dst: IpAddress): boolean {
    if (isLinkLocalV6(dst)) return true;
    for (const a of this.addrs) if (prefixMatch(a.address, dst, a.prefixLength)) return true;
    return false;
  }

  /** The next hop for `dst` (itself when on-link), or null when nothing routes it. */
  nextHop(dst: IpAddress): IpAddress | null {
    // Longest prefix across subnets and routes; a connected subnet wins a tie (it is more specific in practice).
    let best: IpAddress | null = null;
    let bestLen = -1;
    if (isLinkLocalV6(dst)) return dst;
    if (this.redirects.size) {
      const r = this.redirects.get(ipKey(dst));
      if (r) return r;
    }
    for (const a of this.addrs)
      if (
        a.address.length === dst.length &&
        a.prefixLength > bestLen &&
        prefixMatch(a.address, dst, a.prefixLength)
      ) {
        best = dst;
        bestLen = a.prefixLength;
      }
    for (const r of this.routes)
      if (
        r.prefix.length === dst.length &&
        r.prefixLength > bestLen &&
        prefixMatch(r.prefix, dst, r.prefixLength)
      ) {
        best = r.via ?? dst;
        bestLen = r.prefixLength;
      }
    return best;
  }

  /** The source address for `dst`, or null when we have no address of its family. */
  sourceFor(dst: IpAddress): IpAddress | null {
    const v6 = dst.length === 16;
    if (v6 && isLinkLocalV6(dst)) {
      for (const a of this.addrs) if (isLinkLocalV6(a.address)) return a.address;
    }
    const hop = this.nextHop(dst) ?? dst;
    let best: IpAddress | null = null;
    let bestScore = -1;
    for (const a of this.addrs) {
      if (a.address.length !== dst.length) continue;
      // Prefer an address whose subnet holds the next hop, then global over link-local (RFC 6724 rule 2),
      // then the longest common prefix (rule 8, approximated by the subnet match above).
      let score = 0;
      if (prefixMatch(a.address, hop, a.prefixLength)) score += 4;
      if (!v6 || !isLinkLocalV6(a.address)) score += 2;
      if (score > bestScore) {
        bestScore = score;
        best = a.address;
      }
    }
    return best;
  }

  /**
   * Records a redirect: `dst` is better reached through `via` (an on-link neighbour, or `dst` itself). Cleared
   * whenever addresses or routes change; at most 1024 are kept (oldest dropped).
   */
  addRedirect(dst: IpAddress, via: IpAddress): void {
    if (this.redirects.size >= 1024) this.redirects.delete(this.redirects.keys().next().value!);
    this.redirects.set(ipKey(dst), via.slice());
  }

  /** Number of redirect host routes (introspection). */
  get redirectCount(): number {
    return this.redirects.size;
  }

  /** True when `dst` is the directed broadcast address of one of our IPv4 subnets (prefix < 31). */
  isDirectedBroadcast(dst: IpAddress): boolean {
    if (dst.length !== 4) return false;
    for (const a of this.addrs) {
      if (a.address.length !== 4 || a.prefixLength >= 31) continue;
      if (!prefixMatch(a.address, dst, a.prefixLength)) continue;
      let all = true;
      for (let bit = a.prefixLength; bit < 32 && all; bit++)
        if ((dst[bit >> 3] & (0x80 >> (bit & 7))) === 0) all = false;
      if (all) return true;
    }
    return false;
  }
}
