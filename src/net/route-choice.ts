/**
 * Which stack (which joined network) a socket uses, when a node has several: the one route-choice rule shared
 * by `node.net`, `node.dgram` and `node.bsd` (issue 6 "sockets choose the network by route"), as Linux picks an
 * output interface from one routing table spanning all interfaces:
 * - a destination goes to the stack with the longest matching prefix among its addresses' subnets and its
 *   managed routes (protocol.md §8.2 `RT`: a ZeroTier route is on-link or via a gateway on the network);
 *   one of a stack's own addresses goes to that stack (it loops it back); ties keep join order;
 * - destinations no table covers but that every stack handles itself (loopback, multicast, limited broadcast,
 *   IPv6 link-local) go to the first stack; anything else has no route (ENETUNREACH);
 * - a bind to a unicast address picks the stack that has it (EADDRNOTAVAIL when none); the wildcard (and a
 *   multicast group) means every stack.
 *
 * Addresses here are the stack's native form (IPv4 as 4 bytes): callers unmap `::ffff:a.b.c.d` first.
 * @module
 */

import type { Stack } from '../stack/stack.ts';
import type { IpAddress } from '../stack/types.ts';
import {
  fromV4Mapped,
  ipKey,
  isLinkLocalV6,
  isMulticast,
  isUnspecified,
  isV4Mapped,
  prefixMatch,
} from '../stack/wire/ip-address.ts';

/** One stack a socket module can use (a joined network's binding is one). */
export interface StackRef {
  readonly stack: Stack;
}

/** The stack's form of an address (the one the functions here take): `::ffff:a.b.c.d` becomes IPv4. */
export function nativeAddress(a: IpAddress): IpAddress {
  return isV4Mapped(a) ? fromV4Mapped(a) : a;
}

/** True for 127/8 and ::1 (valid only inside a host, RFC 1122 §3.2.1.3(g), RFC 4291 §2.5.3). */
export function isLoopback(a: IpAddress): boolean {
  if (a.length === 4) return a[0] === 127;
  for (let i = 0; i < 15; i++) if (a[i] !== 0) return false;
  return a[15] === 1;
}

/**
 * How specific `stack`'s route to `dst` is: the longest prefix among its addresses' subnets and its routes that
 * holds `dst`, or -1 when none does (same-family entries only).
 */
export function routePrefix(stack: Stack, dst: IpAddress): number {
  let best = -1;
  const table = stack.iface.table;
  for (const a of table.addresses())
    if (
      a.address.length === dst.length &&
      a.prefixLength > best &&
      prefixMatch(a.address, dst, a.prefixLength)
    )
      best = a.prefixLength;
  for (const r of table.routeList())
    if (r.prefix.length === dst.length && r.prefixLength > best && prefixMatch(r.prefix, dst, r.prefixLength))
      best = r.prefixLength;
  return best;
}

/** True when no stack's table is needed to send to `dst` (loopback, multicast, 255.255.255.255, fe80::/10). */
function routeless(dst: IpAddress): boolean {
  if (isLoopback(dst) || isMulticast(dst)) return true;
  if (dst.length === 4) return dst[0] === 255 && dst[1] === 255 && dst[2] === 255 && dst[3] === 255;
  return isLinkLocalV6(dst);
}

/**
 * The stack of `list` that `dst` leaves through (see the module comment), or null when none routes it. With one
 * stack this is "does it route `dst`" (the check `net.connect` makes before a SYN that could only time out).
 */
export function chooseRoute<T extends StackRef>(list: readonly T[], dst: IpAddress): T | null {
  let best: T | null = null;
  let bestLen = -1;
  for (let i = 0; i < list.length; i++) {
    const s = list[i].stack;
    if (s.iface.table.isLocalKey(ipKey(dst))) return list[i];
    const l = routePrefix(s, dst);
    if (l > bestLen) {
      best = list[i];
      bestLen = l;
    }
  }
  if (best) return best;
  return list.length > 0 && routeless(dst) ? list[0] : null;
}

/**
 * The stack a bind to `local` belongs to: the one with that unicast address (loopback: the first), `'all'` for
 * the wildcard or a multicast group, null when no stack has the address (EADDRNOTAVAIL).
 */
export function chooseLocal<T extends StackRef>(
  list: readonly T[],
  local: IpAddress | null,
): T | 'all' | null {
  if (local === null || isUnspecified(local) || isMulticast(local)) return 'all';
  if (isLoopback(local)) return list[0] ?? null;
  for (const r of list) if (r.stack.iface.table.isLocalKey(ipKey(local))) return r;
  return null;
}
